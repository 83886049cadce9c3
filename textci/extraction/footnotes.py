"""Footnotes: reference markers out of the sentence, note bodies after the body text.

A reference marker is a digit or a note symbol set raised (text rise or a
superscript size) against the text it follows: "award¹" is the word "award"
with a marker, and the marker is not part of the sentence. A footnote block
is a run of lines at the foot of the page, in a smaller type than the body,
that starts with a note label; it is read after the page's body text so no
note is ever spliced into a body sentence, and columns above it keep their
order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from statistics import median

from .lines import Line

MARKER_CHARS = frozenset("0123456789*†‡§¶")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
RAISE = 0.2     # a marker's baseline sits this share of the line's type size above it
UNITS = frozenset("m km cm mm dm ft in m2 µm".split())  # "m²" is square metres, not a note
_UNICODE_MARKER = re.compile(rf"(?<=[^\W\d_]{{2}})[{SUPERSCRIPTS}]+(?=[\s.,;:!?)]|$)")
_SPACE_BEFORE_STOP = re.compile(r"(?<=[^\W\d_]) (?=[.,;:!?](?:\s|$))")
_NOTE_START = re.compile(r"^\s*(\d{1,3}|[*†‡§]{1,3})(?:[.)]?\s+|(?=[A-ZÀ-Ý]))(?=\S)")
SMALLER = 0.92  # note lines are set at most this share of the body's type size


@dataclass(frozen=True)
class Box:
    """A glyph's loose box (font ascent to descent), PDF coordinates, y up."""

    bottom: float
    top: float
    left: float = 0.0
    right: float = 0.0

    @property
    def height(self) -> float:
        return self.top - self.bottom


def is_raised(marker: Box, reference: Box) -> bool:
    """Raised and not bigger than the text it refers to: a superscript."""
    if reference.height <= 0:
        return False
    return (marker.bottom - reference.bottom > RAISE * reference.height
            and marker.height <= 1.05 * reference.height)


def drop_unicode_markers(text: str) -> tuple[str, int]:
    """Remove superscript-digit markers glued to a word ("award¹"), keep units ("m²")."""
    removed = 0

    def keep_units(match: re.Match) -> str:
        nonlocal removed
        word = re.search(r"[^\W\d_]+$", text[:match.start()])
        if word and word.group(0).lower() in UNITS:
            return match.group(0)
        removed += 1
        return ""

    text = _UNICODE_MARKER.sub(keep_units, text)
    return (_SPACE_BEFORE_STOP.sub("", text) if removed else text), removed


_DETACHED = re.compile(r"^\s*(?:[\d*†‡§]{1,3}[\s,]*){1,4}$")
_WORD_END = re.compile(r"[^\W\d_]{3}[.,;:)\u201d\u2019\"]?\s*$")
SUPERSCRIPT_SIZE = 0.8  # a detached marker is set at most this share of its neighbour's size


def drop_detached_markers(lines: list[Line]) -> tuple[list[Line], int]:
    """Remove markers a PDF drew apart from their line ("grondslag" "23" ". Vaak").

    Such a marker is a short run of digits or note symbols right after a word
    on the same row, set smaller than that word's line and raised against it;
    once it is gone, the two halves of the line it interrupted are one again.
    """
    candidates = [l for l in lines if _DETACHED.match(l.text)]
    if not candidates:
        return lines, 0
    kept = list(lines)
    removed = 0
    for marker in candidates:
        left = [l for l in kept if l is not marker and _follows(marker, l)]
        if not left:
            continue
        word = max(left, key=lambda l: l.x1)
        kept.remove(marker)
        removed += 1
        right = [l for l in kept if l.vertical_overlap(word) > 0.5 and 0 <= l.x0 - marker.x1 < 2 * word.size]
        if right:
            following = min(right, key=lambda l: l.x0)
            kept[kept.index(word)] = _joined(word, following)
            kept.remove(following)
    return kept, removed


def _follows(marker: Line, line: Line) -> bool:
    """The marker sits raised and smaller right after the last word of `line`."""
    if not 0 <= marker.x0 - line.x1 < line.size or line.vertical_overlap(marker) < 0.3:
        return False
    if not _WORD_END.search(line.text):
        return False
    if marker.font_size and line.font_size:
        return marker.font_size <= SUPERSCRIPT_SIZE * line.font_size and marker.top < (line.top + line.bottom) / 2
    return marker.height <= 0.7 * line.height and marker.bottom < line.bottom - 0.25 * line.height


def _joined(left: Line, right: Line) -> Line:
    glue = "" if right.text[:1] in ".,;:!?)" else " "
    return replace(left, text=left.text.rstrip() + glue + right.text.lstrip(), x1=right.x1,
                   top=min(left.top, right.top), bottom=max(left.bottom, right.bottom))


def is_note_label(text: str) -> bool:
    return bool(_NOTE_START.match(text))


def split_notes(lines: list[Line], page_height: float) -> tuple[list[Line], list[Line]]:
    """(body lines, footnote lines): the footnote block at the foot of the page, if any.

    A footnote starts with a label (a raised one the backend took off, kept in
    `mark`, or a number at the start of the line), sits in the lower half of
    the page in a smaller type than the body, and everything below it within
    its width is in that smaller type too.
    """
    text_lines = [l for l in lines if not l.text.startswith("\x00TABLE\x00")]
    if len(text_lines) < 4:
        return lines, []
    body_size = median(l.size for l in text_lines for _ in range(max(1, len(l.text) // 20)))
    small = [l.size < SMALLER * body_size for l in lines]
    starts = [l for l, s in zip(lines, small) if s and l.top > page_height / 2
              and (l.mark[:1] in MARKER_CHARS or is_note_label(l.text))]
    if not starts:
        return lines, []
    first = min(starts, key=lambda l: l.top)
    x0, x1 = first.x0, first.x1
    below = [l for l in lines if l.top >= first.top - 1]
    for line in sorted(below, key=lambda l: l.top):  # widen to the block's full width
        if line.size < SMALLER * body_size and line.x0 < x1 and line.x1 > x0:
            x0, x1 = min(x0, line.x0), max(x1, line.x1)
    region = [l for l in below if l.x0 < x1 - 1 and l.x1 > x0 + 1]
    if any(not (l.size < SMALLER * body_size) for l in region):
        return lines, []
    notes = set(map(id, region))
    return [l for l in lines if id(l) not in notes], [_labelled(l) for l in region]


def _labelled(line: Line) -> Line:
    """A note line with its printed number taken off the front (into `mark`), like a raised one."""
    match = None if line.mark else _NOTE_START.match(line.text)
    if not match:
        return line
    return replace(line, text=line.text[match.end():], mark=match.group(1))
