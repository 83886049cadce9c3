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
MEMO_WORDS = 200_000  # words whose n-gram columns are kept (about 100 MB at most)


def _counter():
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=True, min_df=2, dtype=np.float32)


def _word_ngrams(word: str) -> list[str]:
    """One word's n-grams exactly as scikit-learn's char_wb analyzer cuts them (a short word counts once)."""
    padded = f" {word} "
    out = []
    for n in range(NGRAMS[0], NGRAMS[1] + 1):
        out += [padded[i:i + n] for i in range(max(len(padded) - n + 1, 1))]
        if len(padded) <= n:
            break
    return out


class CharNgramClassifier(Classifier):
    name = "ngrams"

    def __init__(self, label_ids: tuple[str, ...], C: float = 16.0):
        self.label_ids = label_ids
        self.C = C

    def get_params(self):
        return {"C": self.C, "ngrams": list(NGRAMS), "max_features": MAX_FEATURES}

    def features(self, texts: list[str]):
        """Sublinear tf x idf, L2-normalised rows (as scikit-learn's TfidfVectorizer, from saved arrays)."""
        return self._weigh(self.counts(texts))

    def counts(self, texts: list[str]):
        """The matrix CountVectorizer(analyzer="char_wb") gives, a word's n-grams looked up once per word.

        Its n-grams never cross a word boundary, so a text's counts are the sum of
        its words' and the frequent words' columns are remembered (five times faster).
        """
        from scipy.sparse import csr_matrix

        indptr, columns, counts = [0], [], []
        for text in texts:
            words = [self._word_columns(word) for word in text.lower().split()]
            found, times = np.unique(np.concatenate(words), return_counts=True) if words else ((), ())
            columns.append(found)
            counts.append(times)
            indptr.append(indptr[-1] + len(found))
        matrix = csr_matrix((np.concatenate(counts + [np.zeros(0)]).astype(np.float32),
                             np.concatenate(columns + [np.zeros(0)]).astype(np.int32),
                             np.array(indptr, dtype=np.int32)), shape=(len(texts), len(self.vocabulary_)))
        matrix.has_sorted_indices = True
        return matrix

    def _word_columns(self, word: str) -> np.ndarray:
        columns = self._memo.get(word)
        if columns is None:
            if len(self._memo) >= MEMO_WORDS:
                self._memo.clear()
            columns = self._memo[word] = np.array(
                [c for c in map(self._index.get, _word_ngrams(word)) if c is not None], dtype=np.int32)
        return columns

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
        self._index_vocabulary()
        self.units_ = LinearUnits.fit(self._weigh(counts), Y, C=self.C, balanced=True)
        return self

    def _index_vocabulary(self):
        self._index = {str(n): i for i, n in enumerate(self.vocabulary_)}
        self._memo: dict[str, np.ndarray] = {}

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
        self._index_vocabulary()
        self.units_ = LinearUnits(state["ngrams.coef"].astype(np.float64), state["ngrams.intercept"])
        return self
