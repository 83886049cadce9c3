"""Plain text -> one page of paragraphs.

Blank lines separate paragraphs; the lines of a hard-wrapped paragraph are
joined later like a PDF's (words hyphenated at a line end rejoined). A file
written one paragraph per line (no blank lines, long lines) keeps each line a
paragraph.
"""
from __future__ import annotations

import re
from pathlib import Path

from .blocks import TextBlock, paragraph
from .encoding import decode

UNWRAPPED_LINE = 200   # median line length above which a line is a paragraph, not a wrapped line
_BLANK = re.compile(r"\n[ \t\f\v]*\n")


def read(path: Path) -> list[list[TextBlock]]:
    return [blocks_of(decode(path.read_bytes()))]


def blocks_of(text: str) -> list[TextBlock]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and sorted(len(l) for l in lines)[len(lines) // 2] > UNWRAPPED_LINE and not _BLANK.search(text):
        chunks = lines
    else:
        chunks = _BLANK.split(text)
    return [b for b in (paragraph(chunk) for chunk in chunks) if b is not None]
