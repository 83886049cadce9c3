"""Language identification for documents and passages (py3langid, offline)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# The six languages of the codebook plus neighbours a European archive holds,
# so a Portuguese or Polish report is named as such rather than forced into six.
CANDIDATES = ("en", "fr", "de", "nl", "it", "es", "pt", "pl", "sv", "da", "no", "fi",
              "cs", "sk", "hu", "ro", "el", "hr", "sl", "ca", "lb", "et", "lv", "lt", "bg")
MIN_CHARS = 40


@lru_cache(maxsize=1)
def _identifier():
    import numpy as np
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    with np.load(_model_npz(), allow_pickle=False) as data:  # the arrays py3langid's own loader reads
        identifier = LanguageIdentifier(
            data["ptc"], data["pc"], data["classes"].tolist(), _to_array(data["nextmove"]),
            data["out_feat"].tolist(), norm_probs=True, tk_row=_to_array(data["nextmove_row"]))
    identifier.set_languages(list(CANDIDATES))
    return identifier


def _model_npz():
    """py3langid's model, decompressed once into the user cache.

    The package ships it LZMA-compressed: unpacking costs half a second at
    every start, more than extracting a short report. The cached copy is named
    by the packed file's hash (6 ms to compute), so every environment with the
    same py3langid shares one copy, and copies an earlier version keyed by the
    file's time (one per install, 68 MB each) are removed. Without a usable
    cache folder it is unpacked in memory each time.
    """
    import io
    import lzma

    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from ..io import file_sha256, user_cache_dir, write_atomic

    packed = Path(MODEL_DIR) / MODEL_FILE
    folder = user_cache_dir()
    if folder is not None:
        cached = folder / f"py3langid-{file_sha256(packed)[:16]}.npz"
        if cached.is_file():
            return cached
    with lzma.open(packed) as source:
        raw = source.read()
    if folder is not None:
        try:
            write_atomic(cached, raw)
        except OSError:
            return io.BytesIO(raw)
        _remove_time_keyed_copies(folder)
        return cached
    return io.BytesIO(raw)


def _remove_time_keyed_copies(folder: Path) -> None:
    """Delete the cache copies named py3langid-<size>-<mtime>.npz by earlier versions."""
    for stale in folder.glob("py3langid-*-*.npz"):
        try:
            stale.unlink()
        except OSError:
            pass


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
