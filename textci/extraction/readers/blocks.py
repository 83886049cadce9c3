"""What every reader but the PDF one returns: pages of text blocks, in reading order.

A block is one paragraph, heading or table; a paragraph's lines are joined
(and words hyphenated at a line end repaired) exactly as for a PDF, so that a
hard-wrapped text file and a PDF column come out alike.
"""
from __future__ import annotations

from ...data import BlockKind
from ..layout import TextBlock  # the PDF path's block: a table's lines are its rows, cells joined by " | "


def paragraph(text: str, kind: BlockKind = "paragraph") -> TextBlock | None:
    """A block from text whose line breaks are the author's (None when it holds no text)."""
    lines = tuple(line for line in text.split("\n") if line.strip())
    return TextBlock(kind, lines) if lines else None


def table(rows: list[list[str]]) -> TextBlock | None:
    """A table block: one line per row, so a row's cells stay together."""
    lines = tuple(" | ".join(" ".join(cell.split()) for cell in row) for row in rows
                  if any(cell.strip() for cell in row))
    return TextBlock("table", lines) if lines else None


class PageBuilder:
    """Collects blocks into pages; a break on an empty page is ignored (Word records some twice)."""

    def __init__(self) -> None:
        self.pages: list[list[TextBlock]] = [[]]
        self.notes: list[list[TextBlock]] = [[]]   # footnotes and endnotes, placed after their page's body

    def add(self, block: TextBlock | None) -> None:
        if block is not None:
            self.pages[-1].append(block)

    def add_note(self, block: TextBlock | None) -> None:
        if block is not None:
            self.notes[-1].append(block)

    def page_break(self) -> None:
        if self.pages[-1] or self.notes[-1]:
            self.pages.append([])
            self.notes.append([])

    def result(self) -> list[list[TextBlock]]:
        pages = [body + notes for body, notes in zip(self.pages, self.notes)]
        while len(pages) > 1 and not pages[-1]:
            pages.pop()
        return pages
