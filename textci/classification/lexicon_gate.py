"""Which labels' keywords can match a text at all, told from their literal stems.

Scanning a passage with every label's keyword regex took milliseconds (each
regex is tried at every word start, compound heads at every letter), while
most labels match nothing. Every keyword match begins with the literal stem
of its first word: at a word start, or for a compound head anywhere in a word;
and each further word of a phrase begins after a space or hyphen, so its stem
begins a word too. So a label with no keyword whose stems are all present is
skipped, and the others are scanned by the same regexes as before: the gate
never changes a match, it only saves scans that would find nothing.
(Exclusions blank out whole words, so they cannot make a word that the
text did not have.)

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
PHRASE_GAP = r"[\s\-]+"  # between the words of a phrase in lexicon.term_pattern


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
    """For one language: which labels' keywords can match this text?"""

    def __init__(self, labels: list[tuple[list[str], list[str]]], lang: str | None):
        """`labels`: per label, its compound heads and its word-start terms (lexicon._heads_and_starts)."""
        from .lexicon import term_pattern

        self.n_labels = len(labels)
        self.always: set[int] = set()
        self.by_first_word: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self.in_word: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for j, (heads, starts) in enumerate(labels):
            for term in starts + heads:
                first, *rest = [key for word in term_pattern(term, lang).split(PHRASE_GAP) for key in _stems(word)]
                where = self.by_first_word if term in starts else self.in_word
                if not first and rest:  # "'ndrangheta": the word after the mark begins a word
                    first, *rest = rest
                    where = self.by_first_word
                if first:
                    where.setdefault(first, []).append((j, tuple(rest)))
                else:
                    self.always.add(j)
        self._first_words = set(self.by_first_word)
        self._heads = _overlapping_search(self.in_word)
        # a text holding a stem holds every stem that begins it: the search finds the longest at each place
        self._heads_within = {key: [other for other in self.in_word if key.startswith(other)] for key in self.in_word}

    def labels(self, keys: TextKeys) -> set[int]:
        found = set(self.always)
        candidates = [self.by_first_word[first] for first in self._first_words.intersection(keys.prefixes)]
        if self._heads is not None:
            for key in {m.group(1) for m in self._heads.finditer(keys.canonical)}:
                candidates += [self.in_word[head] for head in self._heads_within[key]]
        for terms in candidates:
            found.update(j for j, rest in terms if keys.prefixes.issuperset(rest))
        return found


def _overlapping_search(keys) -> re.Pattern | None:
    """A regex finding, at every place in a text, the longest of these literals that begins there."""
    if not keys:
        return None
    by_first: dict[str, list[str]] = {}
    for key in sorted(keys, key=lambda k: (-len(k), k)):
        by_first.setdefault(key[0], []).append(re.escape(key[1:]))
    return re.compile("(?=(" + "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")"
                                         for first, rests in sorted(by_first.items())) + "))")


def _stems(pattern: str) -> list[str]:
    """The literal words a match of `pattern` must begin with, canonical, each at most MAX_KEY.

    A literal ASCII punctuation mark ("'", "-", ".") ends one word and the letters after it begin
    another ("s'accordent", "co-construit*"); no letter folds to ASCII punctuation under IGNORECASE.
    The first word is "" when the pattern does not begin with a literal word character.
    """
    words, literal, i = [], [], 0
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
        if char.isalnum() or char == "_":
            literal.append(char)
        elif char.isascii():  # a word ends here, the next literal letters begin one
            words.append("".join(literal))
            literal = []
        else:
            break
    words.append("".join(literal))
    return [words[0][:MAX_KEY].translate(_CANONICAL)] + [w[:MAX_KEY].translate(_CANONICAL) for w in words[1:] if w]
