"""Running headers, footers and page numbers: found by repetition, then removed.

A line is furniture when it sits in the top or bottom band of the page and
its text (digits masked) recurs in that band on many pages, or when it is a
bare page number there. Repetition, not position alone, decides: a heading
near the top of one page is body text. Text set at an angle (a stamp, a
vertical margin note) is furniture wherever it sits once it recurs on a
second page.
"""
from __future__ import annotations

import re
from collections import Counter

from .lines import Line, RawPage

BAND = 0.12  # share of the page height at top and bottom searched for furniture
PAGE_NUMBER = re.compile(
    r"^[\s\-–—|•·]*(?:(?:page|seite|pagina|página|pág\.?|pag\.?|blz\.?|bladzijde|p\.|s\.)\s*)?"
    r"(?:\d{1,4}|[ivxlcdm]{1,6})"
    r"(?:\s*(?:/|of|von|de|sur|di|van|uit|de)\s*\d{1,4})?[\s\-–—|•·]*$",
    re.IGNORECASE,
)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _band(line: Line, page: RawPage) -> str | None:
    if line.rotated:
        return "rotated"
    if line.bottom <= page.height * BAND:
        return "top"
    if line.top >= page.height * (1 - BAND):
        return "bottom"
    return None


def find_furniture(pages: list[RawPage]) -> set[tuple[str, str]]:
    """Return (band, masked text) keys that repeat often enough to be furniture."""
    counts: Counter[tuple[str, str]] = Counter()
    for page in pages:
        seen = set()
        for line in page.lines:
            band = _band(line, page)
            if band:
                seen.add((band, _key(line.text)))
        counts.update(seen)
    text_pages = sum(1 for p in pages if p.lines)
    if text_pages < 2:
        return set()
    needed = max(2, round(0.25 * text_pages)) if text_pages >= 4 else 2
    return {key for key, n in counts.items()
            if n >= (2 if key[0] == "rotated" else needed) and key[1].strip()}


def strip_furniture(page: RawPage, furniture: set[tuple[str, str]]) -> tuple[Line, ...]:
    kept = []
    for line in page.lines:
        band = _band(line, page)
        if band and ((band, _key(line.text)) in furniture or PAGE_NUMBER.match(line.text.strip())):
            continue
        kept.append(line)
    return tuple(kept)
