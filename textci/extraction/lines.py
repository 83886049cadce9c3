"""Positioned lines of text, the unit every extractor hands to the layout step.

Coordinates are PDF points with the origin at the top-left of the page, so
sorting by `top` reads downwards whatever the backend's convention.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    font_size: float = 0.0  # 0 when the backend does not know it
    mark: str = ""          # a list mark or raised note label taken off the start of the line
    rotated: bool = False   # set at an angle (a stamp, a vertical margin note): not body text

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)

    @property
    def size(self) -> float:
        """Font size when known, else the box height: glyph boxes vary with ascenders."""
        return self.font_size or self.height

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    def vertical_overlap(self, other: "Line") -> float:
        """Share of the smaller line's height that the two lines have in common."""
        overlap = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(overlap, 0.0) / min(self.height, other.height)


@dataclass(frozen=True)
class RawPage:
    """One page as a backend read it, before furniture removal and ordering."""

    number: int  # 1-based
    width: float
    height: float
    lines: tuple[Line, ...]
    has_images: bool
    method: str = "text"
    artefacts: tuple[tuple[str, int], ...] = ()  # (kind, count) the backend took out, for the benchmark


def merge_fragments(lines: list[Line]) -> list[Line]:
    """Join pieces of one printed line that a backend returned separately.

    Backends split a line at font changes, bullets or words; pieces on the
    same baseline and closer than one line-height belong together. Wider gaps
    (column gutters, table cells) are kept apart on purpose.
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (l.top, l.x0)):
        for row in rows[-3:]:
            if row[0].vertical_overlap(line) > 0.5:
                row.append(line)
                break
        else:
            rows.append([line])
    merged: list[Line] = []
    for row in rows:
        row.sort(key=lambda l: l.x0)
        current = row[0]
        for piece in row[1:]:
            gap = piece.x0 - current.x1
            if -1.0 <= gap < 0.9 * max(current.height, piece.height):
                tight = current.text.endswith(" ") or piece.text.startswith(" ") or gap < 0.1 * piece.height
                current = Line(current.text + ("" if tight else " ") + piece.text, current.x0,
                               min(current.top, piece.top), max(current.x1, piece.x1),
                               max(current.bottom, piece.bottom), max(current.font_size, piece.font_size),
                               current.mark)
            else:
                merged.append(current)
                current = piece
        merged.append(current)
    return merged
