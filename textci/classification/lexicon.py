"""Keyword evidence from the codebook, per language, with exclusions.

Each label's keywords are matched case-insensitively at word starts; a
trailing `*` matches any word ending (`radicali*`), and keywords also match
their inflected forms (plural, gender, German and Dutch adjective endings).
Exclusions are removed from the text before matching, so "gang of four"
cannot count as a gang.
The matched words are the evidence a reader sees next to the label.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache

import numpy as np

from ..codebook import Codebook
from ..data import Sample
from .base import Classifier, LinearUnits
from .lexicon_gate import PHRASE_GAP, Gate, TextKeys


# Inflection: the codebook writes one form of a phrase ("gemeinsame ziele",
# "obiettivo condiviso") and reports write others ("gemeinsamen Zielen",
# "obiettivi condivisi"). Per language: endings stripped from a keyword word
# (longest first) and the endings its stem may then take.
_INFLECTION = {
    "en": (("s",), "(?:s|es)?"),
    "fr": (("es", "s", "x", "e"), "(?:e|es|s|x)?"),
    "de": (("en", "e"), "(?:e|en|er|es|em|n|s)?"),
    "nl": (("en", "e"), "(?:e|en|s)?"),
    "es": (("os", "as", "es", "o", "a", "s"), "(?:o|a|os|as|es|s)?"),
    "it": (("o", "a", "i", "e"), "[oaie]"),
}
MIN_STEM = 3
# Languages where a single word changes its ending for number and gender
# ("radicalizzazione" / "radicalizzazioni", "partagé" / "partagées"); elsewhere
# only the words of phrases are inflected, and single words rely on `*` and
# compound heads, which the codebook writes out.
INFLECTED_WORDS = frozenset({"fr", "es", "it"})


def _word_pattern(word: str, lang: str | None) -> str:
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    if lang not in _INFLECTION or not word[-1:].isalpha() or word.endswith("ss"):
        return re.escape(word)
    strip, endings = _INFLECTION[lang]
    for suffix in strip:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return re.escape(word[:-len(suffix)]) + endings
    return re.escape(word) if lang == "it" else re.escape(word) + endings


def term_pattern(term: str, lang: str | None = None) -> str:
    """A keyword as a regex body; the word-start check is added once per pattern.

    A `*` ends any word of a phrase with any ending ("espace* public*");
    the words of a phrase (and in INFLECTED_WORDS languages, a single word)
    also match their inflected forms in `lang`.
    """
    words = term.strip().lower().split()
    inflect = lang if len(words) > 1 or lang in INFLECTED_WORDS else None
    parts = [_word_pattern(w, inflect) for w in words]
    pattern = PHRASE_GAP.join(parts)
    return pattern if words[-1].endswith("*") else pattern + r"(?!\w)"


# Languages that write compounds as one word: there a long keyword may also be
# the head of a compound ("diebstahl*" in "Fahrraddiebstahl", "geweld" in "wapengeweld").
COMPOUNDING = frozenset({"de", "nl"})
MIN_COMPOUND_HEAD = 6


def _heads_and_starts(terms, compounding: bool) -> tuple[list[str], list[str]]:
    """Terms matched anywhere in a word (compound heads) and terms matched at word starts, longest first."""
    terms = sorted(set(terms), key=lambda t: (-len(t), t))  # longest first: phrases beat words
    heads = [t for t in terms if compounding and " " not in t and len(t.rstrip("*")) >= MIN_COMPOUND_HEAD]
    return heads, [t for t in terms if t not in heads]


def _compile(terms, lang: str | None = None, compounding: bool = False) -> re.Pattern | None:
    heads, starts = _heads_and_starts(terms, compounding)
    if not heads and not starts:
        return None
    parts = []
    if heads:
        parts.append(r"\w*" + _alternation(heads, lang))
    if starts:
        parts.append(_alternation(starts, lang))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


def _alternation(terms: list[str], lang: str | None) -> str:
    """The terms' patterns as one group, factored by first letter.

    Python's regex engine tries every branch at every word start; grouping
    the branches under their first letter lets it skip all but one group,
    which makes matching several times faster. Branch order (longest first)
    is kept within each group, and two groups never match at the same place.
    """
    by_first: dict[str, list[str]] = {}
    for term in terms:
        by_first.setdefault(term[0], []).append(term_pattern(term, lang)[len(re.escape(term[0])):])
    return "(?:" + "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")"
                            for first, rests in by_first.items()) + ")"


class LexiconClassifier(Classifier):
    name = "lexicon"

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.label_ids = codebook.label_ids

    @cached_property
    def _patterns(self) -> dict[str, list[tuple[re.Pattern | None, re.Pattern | None]]]:
        return {lang: [(_compile(l.keywords.get(lang, ()), lang, lang in COMPOUNDING),
                        _compile(l.exclusions.get(lang, ()), lang, lang in COMPOUNDING))
                       for l in self.codebook.labels] for lang in self.codebook.languages}

    @cached_property
    def _gates(self) -> dict[str, Gate]:
        return {lang: Gate([_heads_and_starts(l.keywords.get(lang, ()), lang in COMPOUNDING)
                            for l in self.codebook.labels], lang) for lang in self.codebook.languages}

    def _languages(self, lang: str | None) -> tuple[str, ...]:
        languages = self.codebook.languages
        if lang in languages:
            return (lang,) + (("en",) if lang != "en" and "en" in languages else ())
        return languages

    def matches(self, sample: Sample) -> list[list[str]]:
        """Per label, the distinct keyword matches in the sample (lower-cased)."""
        return self._matches(sample.text, sample.lang)

    @lru_cache(maxsize=4096)  # features and evidence ask for the same passage in turn
    def _matches(self, text_in: str, lang_in: str | None) -> list[list[str]]:
        sample = Sample("", text_in, lang_in)
        found: list[list[str]] = [[] for _ in self.label_ids]
        keys = TextKeys(sample.text)
        for lang in self._languages(sample.lang):
            for j in sorted(self._gates[lang].labels(keys)):
                keywords, exclusions = self._patterns[lang][j]
                if keywords is None:
                    continue
                text = sample.text
                if exclusions is not None:
                    text = exclusions.sub(lambda m: " " * len(m.group(0)), text)
                for match in keywords.finditer(text):
                    term = " ".join(match.group(0).lower().split())
                    if term not in found[j]:
                        found[j].append(term)
        return found

    def features(self, samples: list[Sample]) -> np.ndarray:
        """(n, n_labels, 1): 1 where at least one keyword of the label matched.

        Presence, not the count: team-written training passages use more
        keywords than real reports do, so a count-based weight learnt on them
        would discount the single telling keyword a real passage often has.
        """
        found = np.array([[bool(m) for m in self.matches(s)] for s in samples], dtype=float)
        return found.reshape(len(samples), len(self.label_ids))[:, :, None]

    def fit(self, samples, Y, vectors=None):
        self.units_ = LinearUnits.fit(self.features(samples), Y, per_label_features=True)
        return self

    def predict_proba(self, samples, vectors=None):
        X = self.features(samples)
        if not hasattr(self, "units_"):  # unfitted: a match is an even bet
            return 0.5 * X[:, :, 0]
        return self.units_.proba(X, per_label_features=True)

    def prepare(self, samples):
        for sample in samples:
            self.matches(sample)

    def evidence(self, samples, vectors=None):
        return [{label: terms for label, terms in zip(self.label_ids, self.matches(s)) if terms}
                for s in samples]

    def state(self):
        return {"lexicon.coef": self.units_.coef, "lexicon.intercept": self.units_.intercept}

    def load_state(self, state):
        self.units_ = LinearUnits(state["lexicon.coef"], state["lexicon.intercept"])
        return self
