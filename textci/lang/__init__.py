"""Per-language data: one folder per ISO 639-1 code (abbreviations, function words)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

SUPPORTED = ("en", "fr", "de", "nl", "it", "es")


def _entries(lang: str, name: str) -> tuple[str, ...]:
    """The lines of textci/lang/<lang>/<name>, without blanks and # comments; none for an unknown language."""
    try:
        text = resources.files(__name__).joinpath(lang, name).read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return ()
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=None)
def abbreviations(lang: str) -> tuple[str, ...]:
    """Abbreviations after which a full stop does not end a sentence."""
    return _entries(lang, "abbreviations.txt")


@lru_cache(maxsize=None)
def stop_words(lang: str) -> tuple[str, ...]:
    """Function words, which never label a theme."""
    return _entries(lang, "stop_words.txt")
