"""Which labels' keywords can match a text at all, told from their literal stems.

Scanning a passage with every label's keyword regex took milliseconds (each
regex is tried at every word start, compound heads at every letter), while
most labels match nothing. Every keyword match begins with the literal stem
of its first word: at a word start, or for a compound head anywhere in a word.
So a label whose stems are all absent from the passage is skipped, and the
others are scanned by the same regexes as before: the gate never changes a
match, it only saves scans that would find nothing.

Letters are compared as the regex engine compares them under IGNORECASE
(simple lower case plus its extra equivalences, e.g. "ſ" and "s"), so the
gate is never stricter than the regex.
"""
from __future__ import annotations

import re
import _sre
from re import _casefix

MAX_KEY = 24  # stems are cut here: a shorter stem is still a necessary condition
_WORD = re.compile(r"\w+")
_QUANTIFIERS = "?*+{"
_SPECIAL = "()[]{}?*+|^$."


class _Canonical(dict):
    """str.translate table: each character to the one representative of its IGNORECASE class."""

    def __missing__(self, code: int) -> int:
        lower = _sre.unicode_tolower(code)
        self[code] = canonical = min((lower, *_casefix._EXTRA_CASES.get(lower, ())))
        return canonical


_CANONICAL = _Canonical()


class TextKeys:
    """A text's words reduced to what the gate compares: canonical text, and its words' prefixes."""

    def __init__(self, text: str):
        self.canonical = text.translate(_CANONICAL)
        # words as the regexes see them (in the text as written), then made canonical
        words = set(" ".join(_WORD.findall(text)).translate(_CANONICAL).split(" "))
        self.prefixes = {word[:k] for word in words for k in range(1, min(len(word), MAX_KEY) + 1)}


class Gate:
    """For one label in one language: can any of its keywords match this text?"""

    def __init__(self, heads: list[str], starts: list[str], lang: str | None):
        from .lexicon import term_pattern

        self.always = False
        self.at_word_start: set[str] = set()
        self.in_word: list[str] = []
        for term in starts + heads:
            key = _stem(term_pattern(term, lang))
            if not key:
                self.always = True
            elif term in starts:
                self.at_word_start.add(key)
            else:
                self.in_word.append(key)

    def may_match(self, keys: TextKeys) -> bool:
        return (self.always or not self.at_word_start.isdisjoint(keys.prefixes)
                or any(key in keys.canonical for key in self.in_word))


def _stem(pattern: str) -> str:
    """The literal word characters a match of `pattern` must begin with, canonical, at most MAX_KEY."""
    literal, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1].isalnum():  # \w, \s...: no longer literal
                break
            char, i = pattern[i + 1], i + 2
        elif char in _SPECIAL:
            break
        else:
            i += 1
        if i < len(pattern) and pattern[i] in _QUANTIFIERS:  # an optional or repeated character
            break
        if not (char.isalnum() or char == "_"):  # the match's first word ends here
            break
        literal.append(char)
    return "".join(literal)[:MAX_KEY].translate(_CANONICAL)
