"""Reading order and blocks: columns, paragraphs, headings and tables.

Columns are found as vertical gutters that few lines cross; lines that do
cross (full-width headings, captions) cut the page into bands, and inside a
band the left side is read before the right, recursively, so one-, two- and
three-column pages come out in reading order. Rows of aligned cells with
numbers are kept together as a table instead of being read cell by cell.
"""
from __future__ import annotations

import re
from itertools import accumulate
from dataclasses import dataclass
from statistics import median

from .lines import Line

_NUMERIC_CELL = re.compile(r"^[\s\d.,:;%‰€$£¥+\-–—/()x×<>=~≈*]+$")
_NUMBER = re.compile(r"^[\-–+(]?[\d.,]+%?\)?$|^[€$£]\s?[\d.,]+$")
BULLETS = set("•·▪▫◦‣∙●○■□➢➤►-–—*")
_TERMINAL = tuple(".!?:;…»\"”)")


@dataclass(frozen=True)
class TextBlock:
    kind: str  # paragraph | heading | table
    lines: tuple[str, ...]
    mark: str = ""  # the list mark or note label in front of it, outside its text


def _is_numeric_cell(text: str) -> bool:
    text = text.strip()
    return bool(text) and any(c.isdigit() for c in text) and bool(_NUMERIC_CELL.match(text))


def numeric_share(text: str) -> float:
    tokens = text.split()
    return sum(1 for t in tokens if _NUMBER.match(t)) / len(tokens) if tokens else 0.0


# ---------------------------------------------------------------- tables

def _rows(lines: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (l.top, l.x0)):
        if rows and rows[-1][0].vertical_overlap(line) > 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(r, key=lambda l: l.x0) for r in rows]


def _is_table_row(row: list[Line]) -> bool:
    return len(row) >= 2 and any(_is_numeric_cell(c.text) for c in row[1:])


def split_tables(lines: list[Line]) -> tuple[list[Line], list[list[list[Line]]]]:
    """Separate table rows from running text: (text lines, tables as rows of cells)."""
    rows = _rows(lines)
    flags = [_is_table_row(r) for r in rows]
    tables: list[list[list[Line]]] = []
    text: list[Line] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and flags[j]:
            j += 1
        if j - i >= 2:
            start = i
            # A header row of several short cells directly above belongs to the table.
            if start > 0 and len(rows[start - 1]) >= 3 and not text_is_prose(rows[start - 1]):
                start -= 1
                text = [l for l in text if l not in rows[start]]
            tables.append(rows[start:j])
            i = j
        else:
            text.extend(rows[i])
            i += 1
    return text, tables


def text_is_prose(row: list[Line]) -> bool:
    return any(len(c.text.split()) > 6 for c in row)


def table_as_line(rows: list[list[Line]]) -> Line:
    """One pseudo-line spanning the table, its rows as ' | '-joined cells."""
    cells = [c for r in rows for c in r]
    text = "\n".join(" | ".join(c.text.strip() for c in r) for r in rows)
    return Line("\x00TABLE\x00" + text, min(c.x0 for c in cells), min(c.top for c in cells),
                max(c.x1 for c in cells), max(c.bottom for c in cells))


# ---------------------------------------------------------------- columns

def _find_gutter(lines: list[Line]) -> tuple[float, float] | None:
    left, right = min(l.x0 for l in lines), max(l.x1 for l in lines)
    if right - left < 40 or len(lines) < 4:
        return None
    step = 1.0
    size = int((right - left) / step) + 1
    delta = [0] * (size + 1)
    for l in lines:
        delta[int((l.x0 - left) / step)] += 1
        delta[min(int((l.x1 - left) / step) + 1, size)] -= 1
    cover = list(accumulate(delta[:size]))
    allowed = max(1, int(0.12 * len(lines)))
    min_width = max(6.0, 0.6 * median(l.height for l in lines))
    best = None
    k = 0
    while k < size:
        if cover[k] <= allowed:
            start = k
            while k < size and cover[k] <= allowed:
                k += 1
            if start == 0 or k >= size:
                continue
            g0, g1 = left + start * step, left + k * step
            if g1 - g0 < min_width:
                continue
            score = (max(cover[start:k]), -(g1 - g0))
            if _columns_plausible(lines, g0, g1) and (best is None or score < best[0]):
                best = (score, (g0, g1))
        else:
            k += 1
    return best[1] if best else None


def _columns_plausible(lines: list[Line], g0: float, g1: float) -> bool:
    lefts = [l for l in lines if l.x1 <= g0 + 1]
    rights = [l for l in lines if l.x0 >= g1 - 1]
    if len(lefts) < 2 or len(rights) < 2:
        return False
    if median(len(l.text) for l in lefts) < 12 or median(len(l.text) for l in rights) < 12:
        return False
    overlap = min(max(l.bottom for l in lefts), max(l.bottom for l in rights)) - \
        max(min(l.top for l in lefts), min(l.top for l in rights))
    return overlap > 0


def top_down(lines: list[Line]) -> list[Line]:
    """Rows top to bottom, and within a row (lines sharing a baseline) left to right."""
    return [line for row in _rows(lines) for line in row]


def reading_order(lines: list[Line], depth: int = 0) -> list[Line]:
    """Order lines for reading: bands top to bottom, columns left to right."""
    if len(lines) <= 1 or depth > 6:
        return top_down(lines)
    gutter = _find_gutter(lines)
    if gutter is None:
        return top_down(lines)
    g0, g1 = gutter
    spanning = sorted((l for l in lines if l.x0 < g0 - 1 and l.x1 > g1 + 1), key=lambda l: l.top)
    others = [l for l in lines if not (l.x0 < g0 - 1 and l.x1 > g1 + 1)]
    ordered: list[Line] = []
    bounds = [s.top for s in spanning] + [float("inf")]
    previous = float("-inf")
    for index, bound in enumerate(bounds):
        band = [l for l in others if previous <= l.top < bound]
        mid = (g0 + g1) / 2
        left = [l for l in band if (l.x0 + l.x1) / 2 < mid]
        right = [l for l in band if (l.x0 + l.x1) / 2 >= mid]
        ordered += reading_order(left, depth + 1) + reading_order(right, depth + 1)
        if index < len(spanning):
            ordered.append(spanning[index])
        previous = bound
    return ordered


# ---------------------------------------------------------------- blocks

def build_blocks(ordered: list[Line]) -> list[TextBlock]:
    """Group ordered lines into paragraphs, headings and tables."""
    body = [l for l in ordered if not l.text.startswith("\x00TABLE\x00")]
    body_height = median(l.size for l in body) if body else 10.0
    pitches = [b.top - a.top for a, b in zip(body, body[1:]) if 0.5 * body_height < b.top - a.top < 3 * body_height]
    pitch = median(pitches) if pitches else 1.3 * body_height
    blocks: list[TextBlock] = []
    current: list[Line] = []

    def close():
        if current:
            blocks.append(_classify(current, body_height))
            current.clear()

    for line in ordered:
        if line.text.startswith("\x00TABLE\x00"):
            close()
            blocks.append(TextBlock("table", tuple(line.text[7:].split("\n"))))
            continue
        if current and _starts_new_block(current[-1], line, body_height, pitch):
            close()
        current.append(line)
    close()
    return blocks


def _starts_new_block(prev: Line, line: Line, body_height: float, pitch: float) -> bool:
    # Glyph boxes vary with ascenders and accents: without real font sizes only
    # a large difference in height means a change of type size.
    tolerance = 0.15 if prev.font_size and line.font_size else 0.6
    bigger = max(prev.size, line.size) > (1 + tolerance) * body_height
    size_change = abs(prev.size - line.size) > tolerance * body_height
    stripped = line.text.lstrip()
    if line.mark:
        return True
    if stripped[:1] in BULLETS and stripped[1:2] == " ":
        return True
    if line.top < prev.top - 1:  # next column or a jump upwards
        return prev.text.rstrip().endswith(_TERMINAL) or (bigger and size_change)
    if line.top - prev.top > 1.4 * pitch or (bigger and size_change):
        return True
    if line.x0 - prev.x0 > 1.5 * body_height and prev.text.rstrip().endswith(_TERMINAL):
        return True  # indented first line of a new paragraph
    return False


def _classify(lines: list[Line], body_height: float) -> TextBlock:
    texts = tuple(l.text for l in lines)
    joined = " ".join(texts)
    words = joined.split()
    mark = lines[0].mark
    if numeric_share(joined) >= 0.4 and len(words) >= 3:
        return TextBlock("table", texts, mark)
    tall = median(l.size for l in lines) > 1.15 * body_height
    if mark:  # a list item or a footnote
        return TextBlock("paragraph", texts, mark)
    if (tall and len(words) <= 25) or (len(lines) == 1 and len(words) <= 10
                                        and not joined.rstrip().endswith(_TERMINAL[:3])):
        return TextBlock("heading", texts, mark)
    return TextBlock("paragraph", texts, mark)
