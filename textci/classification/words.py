"""A logistic head on words and word pairs: the phrases that name a condition.

The character n-gram head (ngrams.py) sees inflected words but never two
words together, and a CI condition often lies in a pair: "jointly agreed",
"case conference", "gemeinsame Ziele", "tavolo tecnico", "cabinet de
coordination". This head weighs lower-cased words and the pairs of
neighbouring words (sublinear tf x idf, unit rows). Cross-validation over
the real corpus's source pages measured it as a sixth signal of the stack:
macro F1 0.705 -> 0.712, the CI conditions' mean 0.584 -> 0.600
(scripts/cv_default.py). The fitted state is the vocabulary, the idf
weights and the per-label weights: plain arrays, and no scikit-learn when
a model only classifies.
"""
from __future__ import annotations

import re

import numpy as np

from .base import LinearUnits, sample_weights
from .ngrams import TfidfHead

MAX_FEATURES = 50_000
_WORD = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """The passage's lower-cased words, then each pair of neighbouring words."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class WordNgramClassifier(TfidfHead):
    name = "words"

    def __init__(self, label_ids: tuple[str, ...], C: float = 16.0):
        self.label_ids = label_ids
        self.C = C

    def get_params(self):
        return {"C": self.C, "ngrams": [1, 2], "max_features": MAX_FEATURES}

    def counts(self, texts: list[str]):
        """How often each vocabulary term occurs in each text (a CSR matrix)."""
        from scipy.sparse import csr_matrix

        get = self._index.get
        columns, indptr = [], [0]
        for text in texts:
            found = [c for c in map(get, terms(text)) if c is not None]
            columns.extend(found)
            indptr.append(len(columns))
        cells = np.ones(len(columns), dtype=np.float32)
        matrix = csr_matrix((cells, np.array(columns, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                            shape=(len(texts), len(self.vocabulary_)))
        matrix.sum_duplicates()  # repeated terms: one cell with the count, indices sorted
        return matrix

    def fit(self, samples, Y, vectors=None):
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        counter = CountVectorizer(analyzer=terms, min_df=2, max_features=MAX_FEATURES, dtype=np.float32)
        counts = counter.fit_transform([s.text for s in samples])
        self.vocabulary_ = np.array(counter.get_feature_names_out(), dtype=str)
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(counts).idf_.astype(np.float32)
        self._index_vocabulary()
        self.units_ = LinearUnits.fit(self.features([s.text for s in samples]), Y, C=self.C, balanced=True,
                                      sample_weight=sample_weights(samples))
        return self
