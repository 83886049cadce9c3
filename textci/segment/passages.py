"""Pages -> passages: one to a few sentences, never across paragraphs or pages."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..data import Page, Passage
from .language import identify
from .sentences import sentence_spans

TARGET_CHARS = 320   # a passage grows until it reaches this length ...
MAX_CHARS = 900      # ... and never beyond this (unless one sentence is longer)
MAX_SENTENCES = 3
MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]{2,}")


def passage_id(doc_id: str, page: int, char_start: int) -> str:
    """Stable id: the same document, page and offset give the same id in every run."""
    return f"{doc_id[:12]}-p{page:04d}-c{char_start:06d}"


def split_page(page: Page, doc_lang: str | None) -> list[Passage]:
    passages = []
    for block in page.blocks:
        if block.kind != "paragraph":
            continue
        text = page.text[block.char_start:block.char_end]
        for start, end in _group(sentence_spans(text, doc_lang or "xx")):
            chunk = text[start:end]
            if len(_WORD.findall(chunk)) < MIN_WORDS:
                continue
            begin = block.char_start + start
            passages.append(Passage(
                id=passage_id(page.doc_id, page.page, begin), doc_id=page.doc_id, file=page.file,
                page=page.page, char_start=begin, char_end=block.char_start + end,
                lang=identify(chunk, fallback=doc_lang) or doc_lang or "und", text=chunk))
    return passages


def _group(spans: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """Merge consecutive sentence spans into passages of one to a few sentences."""
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups:
            last = groups[-1]
            length = last[-1][1] - last[0][0]
            if length < TARGET_CHARS and len(last) < MAX_SENTENCES and span[1] - last[0][0] <= MAX_CHARS:
                last.append(span)
                continue
        groups.append([span])
    # A short tail joins the passage before it when that stays within bounds.
    if len(groups) > 1 and groups[-1][-1][1] - groups[-1][0][0] < 80 and \
            groups[-1][-1][1] - groups[-2][0][0] <= MAX_CHARS:
        groups[-2].extend(groups.pop())
    return [(g[0][0], g[-1][1]) for g in groups]


def split_pages(pages: Iterable[Page], doc_lang: str | None) -> list[Passage]:
    return [p for page in pages for p in split_page(page, doc_lang)]
