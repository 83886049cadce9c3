"""Language identification for documents and passages (py3langid, offline)."""
from __future__ import annotations

from functools import lru_cache

# The six languages of the codebook plus neighbours a European archive holds,
# so a Portuguese or Polish report is named as such rather than forced into six.
CANDIDATES = ("en", "fr", "de", "nl", "it", "es", "pt", "pl", "sv", "da", "no", "fi",
              "cs", "sk", "hu", "ro", "el", "hr", "sl", "ca", "lb", "et", "lv", "lt", "bg")
MIN_CHARS = 40


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def identify(text: str, fallback: str | None = None, min_confidence: float = 0.6) -> str | None:
    """ISO code of the text's language; the fallback when the text is too short or unclear."""
    sample = " ".join(text.split())[:4000]
    if len(sample) < MIN_CHARS:
        return fallback
    lang, confidence = _identifier().classify(sample)
    if confidence < min_confidence and fallback:
        return fallback
    return lang


def warm_up() -> None:
    """Load the model now (before forking workers, so each does not reload it)."""
    _identifier()
