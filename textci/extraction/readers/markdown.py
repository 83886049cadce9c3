"""Markdown -> one page of blocks, the markup gone: headings, paragraphs, list items, tables.

markdown-it-py (CommonMark, with GitHub tables) parses it; links keep their
text, images and raw HTML are left out, code keeps its text.
"""
from __future__ import annotations

from pathlib import Path

from .blocks import TextBlock, paragraph, table
from .encoding import decode


def read(path: Path) -> list[list[TextBlock]]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(decode(path.read_bytes()))
    blocks: list[TextBlock | None] = []
    rows: list[list[str]] | None = None
    kind = "paragraph"
    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "heading_close":
            kind = "paragraph"
        elif token.type == "table_open":
            rows = []
        elif token.type == "table_close":
            blocks.append(table(rows or []))
            rows = None
        elif token.type == "tr_open" and rows is not None:
            rows.append([])
        elif token.type == "inline":
            text = _inline(token.children or [])
            if rows is not None:
                rows[-1].append(text)
            else:
                blocks.append(paragraph(text, kind))
        elif token.type in ("fence", "code_block"):
            blocks.append(paragraph(token.content))
    return [[b for b in blocks if b is not None]]


def _inline(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)
