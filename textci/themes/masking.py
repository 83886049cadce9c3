"""Hide what makes a passage local, so themes group approaches rather than places.

Numbers go, and so do names: the cities and countries the corpus maps, plus
every capitalised word that the corpus itself never writes in lower case
outside the start of a sentence. In German, where every noun is capitalised,
a word counts as a name when it mostly occurs in runs of capitalised words
inside a sentence ("Jörg Berens"), which common nouns rarely do. The masker learns from the whole corpus at once
because a word is only recognisably a name against all the other text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

CAPITALISED_NOUNS = frozenset({"de"})  # languages whose common nouns start with a capital
_TOKEN = re.compile(r"[^\W\d_][\w\-]*")  # "d'Aurelbourg", "Eastmere's": the name is a token of its own
_NAME_ENDINGS = ("s", "se", "er")  # "Quellbrücks Partner", "het Aurelbourgse plan", "Kölner Modell"
_NUMBER = re.compile(r"\d[\d.,:/%\-]*")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


class NameMasker:
    """fit(texts, langs) learns the corpus's names; mask(text) removes names and numbers."""

    def __init__(self, known_names: Iterable[str] = ()):
        self.known_names = tuple(known_names)

    def fit(self, texts: list[str], langs: list[str | None]) -> "NameMasker":
        lower = {m.group(0).casefold() for t in texts for m in _TOKEN.finditer(t) if m.group(0)[0].islower()}

        def candidate(word: str) -> bool:
            return word[0].isupper() and not word.isupper() and word.casefold() not in lower

        names, total, in_run, initial = set(), Counter(), Counter(), set()
        for text, lang in zip(texts, langs):
            tokens = [m for m in _TOKEN.finditer(text) if candidate(m.group(0))]
            if lang not in CAPITALISED_NOUNS:
                for i, match in enumerate(tokens):
                    if not _sentence_initial(text, match.start()):
                        names.add(match.group(0).casefold())
                    elif i + 1 < len(tokens) and _adjacent(text, match, tokens[i + 1]):
                        initial.add((match.group(0).casefold(), tokens[i + 1].group(0).casefold()))
                continue
            for i, match in enumerate(tokens):
                total[match.group(0)] += 1
                neighbours = (tokens[i - 1] if i else None, tokens[i + 1] if i + 1 < len(tokens) else None)
                if any(n is not None and _adjacent(text, *sorted((n, match), key=lambda m: m.start()))
                       for n in neighbours):
                    in_run[match.group(0)] += 1
        names |= {w.casefold() for w, n in in_run.items() if 2 * n > total[w]}
        names |= {first for first, second in initial if second in names}  # "Marie Dubois" opening a sentence
        for name in self.known_names:
            names.update(part.casefold() for part in re.findall(r"[^\W\d_]+", name))
            names.update(part.casefold() for part in _TOKEN.findall(name))
        self.names_ = frozenset(names)
        return self

    def is_name(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self.names_ or any(folded.endswith(e) and len(folded) - len(e) >= 4
                                            and folded[:-len(e)] in self.names_ for e in _NAME_ENDINGS)

    def mask(self, text: str) -> str:
        text = _NUMBER.sub(" ", text)
        text = _TOKEN.sub(lambda m: self._mask_token(m.group(0)), text)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    def _mask_token(self, token: str) -> str:
        if token[0].isupper() and self.is_name(token):
            return " "
        if "-" in token:  # "Quellbrück-Strategie"
            return "-".join("" if p[:1].isupper() and self.is_name(p) else p for p in token.split("-"))
        return token


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'«“(")
    return not before or bool(_SENTENCE_END.search(before)) or before.endswith(("\n", "•", "-", "–"))


def _adjacent(text: str, first, second) -> bool:
    return text[first.end():second.start()].strip() == ""
