"""Sentence splitting by rule: terminal punctuation, unless an abbreviation or a number says otherwise.

A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or
brackets) when white space and a word that does not start in lower case
follow (or, where the text layer lost the space, a capitalised word right
after a word's end). A full stop does not end one after an abbreviation listed in
`textci/lang/<iso>/abbreviations.txt`, a single letter (initials, "z. B."),
a dotted short form ("e.g.", "d.lgs."), the number of a list item opening
the sentence, or a German ordinal ("am 3. Mai"). Plain rules cost
microseconds per paragraph and no start-up: spaCy's blank pipelines cost
seconds to load (its French tokenizer exceptions alone take two) and pull
in torch, for the same sentences on report text.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..lang import abbreviations

_END = re.compile(r"""(?:\.{3}|[.!?…‼⁇⁈⁉。！？]+)['"’”»)\]]*"""
                  r"""(?:(?=\s+(\S))|(?<=[^\W\d_]{2}[.!?])(?=([^\W\d_][^\W\d_])))""")
_OPENERS = "([{\"'«“‘„"
_ELISION = re.compile(r"(?<=\w)['’](?=\w)")
_DOTTED = re.compile(r"(?:[^\W\d_]{1,3}\.){2,}")
_ORDINAL = re.compile(r"\d{1,3}")
_ITEM_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*|[IVXivx]{1,4}|[a-zA-Z])")
_ORDINAL_LANGUAGES = frozenset({"de"})


@lru_cache(maxsize=None)
def _abbreviations(lang: str) -> frozenset[str]:
    forms = set()
    for abbreviation in abbreviations(lang):
        forms.update((abbreviation, abbreviation.lower(), abbreviation.capitalize()))
    return frozenset(forms)


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a paragraph, trailing white space excluded."""
    known = _abbreviations(lang)
    spans, start = [], 0
    for end in _END.finditer(text):
        glued = end.group(2)  # "Ganztags.Bereits": a boundary the text layer lost its space at
        if glued and not (glued[0].isupper() and glued[1].islower()):
            continue
        if (end.group(1) or "").islower() or _continues(text, start, end, known, lang):
            continue
        spans.append((start, end.end()))
        start = end.end()
    spans.append((start, len(text)))
    return [span for span in map(lambda s: _strip(text, *s), spans) if span[1] > span[0]]


def _continues(text: str, start: int, end: re.Match, known: frozenset[str], lang: str) -> bool:
    """Whether a single full stop belongs to the word before it rather than ending the sentence."""
    if end.group(0).rstrip("'\"’”»)]") != ".":
        return False
    stop = end.start() + 1
    word_start = max(text.rfind(" ", start, stop), text.rfind("\n", start, stop), start - 1) + 1
    word = _ELISION.split(text[word_start:stop].lstrip(_OPENERS))[-1]  # "l'art." is "art."
    stem = word[:-1]
    if not stem:  # a spaced ellipsis ". . ." or a stray dot
        return True
    if word in known or (len(stem) == 1 and stem.isalpha()) or _DOTTED.fullmatch(word):
        return True
    if lang in _ORDINAL_LANGUAGES and _ORDINAL.fullmatch(stem):
        return True
    return not text[start:word_start].strip() and bool(_ITEM_NUMBER.fullmatch(stem))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

