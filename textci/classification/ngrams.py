"""A logistic head on character n-grams: the words of the passage itself, in any language.

Sentence embeddings place a passage by its overall meaning; the CI
conditions often turn on a few words ("jointly agreed", "case conference",
"Geschäftsstelle", "tavolo di coordinamento"). Character n-grams within
word boundaries catch those words and their inflections without a
tokenizer per language, and cost almost nothing to compute. The fitted
state is the n-gram vocabulary, its idf weights and the per-label weights:
plain arrays, no pickled vectorizer.
"""
from __future__ import annotations

import numpy as np

from .base import Classifier, LinearUnits

NGRAMS = (2, 5)
MAX_FEATURES = 50_000


def _counter(vocabulary=None):
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=True, min_df=1 if vocabulary else 2,
                           vocabulary=vocabulary, dtype=np.float32)


class CharNgramClassifier(Classifier):
    name = "ngrams"

    def __init__(self, label_ids: tuple[str, ...], C: float = 16.0):
        self.label_ids = label_ids
        self.C = C

    def get_params(self):
        return {"C": self.C, "ngrams": list(NGRAMS), "max_features": MAX_FEATURES}

    def features(self, texts: list[str]):
        """Sublinear tf x idf, L2-normalised rows (as scikit-learn's TfidfVectorizer, from saved arrays)."""
        return self._weigh(self._vectorizer.transform(texts))

    def _weigh(self, counts):
        from sklearn.preprocessing import normalize

        counts = counts.astype(np.float32)  # a copy: the caller's counts stay counts
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts.multiply(self.idf_).tocsr())

    def fit(self, samples, Y, vectors=None):
        from sklearn.feature_extraction.text import TfidfTransformer

        texts = [s.text for s in samples]
        counter = _counter()
        counts = counter.fit_transform(texts)
        document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
        keep = np.sort(np.argsort(-document_frequency, kind="stable")[:MAX_FEATURES])
        names = counter.get_feature_names_out()[keep]
        self.vocabulary_ = np.array(names, dtype=str)  # a fixed-width string array: saved without pickle
        counts = counts[:, keep]  # columns in vocabulary order, as the saved vectorizer will count them
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(counts).idf_.astype(np.float32)
        self._vectorizer = _counter({str(n): i for i, n in enumerate(self.vocabulary_)})
        self.units_ = LinearUnits.fit(self._weigh(counts), Y, C=self.C, balanced=True)
        return self

    def decision(self, samples, vectors=None) -> np.ndarray:
        return np.asarray(self.features([s.text for s in samples]) @ self.units_.coef.T) + self.units_.intercept

    def predict_proba(self, samples, vectors=None):
        from .base import sigmoid

        return sigmoid(self.decision(samples))

    def state(self):
        return {"ngrams.vocabulary": self.vocabulary_, "ngrams.idf": self.idf_,
                "ngrams.coef": self.units_.coef.astype(np.float32), "ngrams.intercept": self.units_.intercept}

    def load_state(self, state):
        self.vocabulary_ = state["ngrams.vocabulary"]
        self.idf_ = state["ngrams.idf"]
        self._vectorizer = _counter({str(n): i for i, n in enumerate(self.vocabulary_)})
        self.units_ = LinearUnits(state["ngrams.coef"].astype(np.float64), state["ngrams.intercept"])
        return self
