"""Per-language data: one folder per ISO 639-1 code (abbreviations, ...)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

SUPPORTED = ("en", "fr", "de", "nl", "it", "es")


@lru_cache(maxsize=None)
def abbreviations(lang: str) -> tuple[str, ...]:
    """Abbreviations after which a full stop does not end a sentence."""
    try:
        text = resources.files(__name__).joinpath(lang, "abbreviations.txt").read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return ()
    return tuple(line.strip() for line in text.splitlines() if line.strip())
