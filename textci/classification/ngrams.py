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

from itertools import chain

import numpy as np

from .base import Classifier, LinearUnits, sample_weights

NGRAMS = (2, 5)
MAX_FEATURES = 50_000
MEMO_WORDS = 200_000  # words whose n-gram columns are kept (about 100 MB at most)


def _counter():
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=True, min_df=2, dtype=np.float32)


def _word_ngrams(word: str) -> list[str]:
    """One word's n-grams exactly as scikit-learn's char_wb analyzer cuts them (a short word counts once)."""
    padded = f" {word} "
    return [padded[i:i + n] for n in range(NGRAMS[0], min(NGRAMS[1], len(padded)) + 1)
            for i in range(len(padded) - n + 1)]


class TfidfHead(Classifier):
    """A logistic head on sublinear tf x idf rows of saved vocabulary counts (this one and words.py's).

    A subclass counts (`counts`) and fits; the weighing, the scores and the
    saved arrays (under `<name>.`) are the same for both."""

    name = ""

    def counts(self, texts: list[str]):
        raise NotImplementedError

    def features(self, texts: list[str]):
        """Sublinear tf x idf, L2-normalised rows (as scikit-learn's TfidfVectorizer, from saved arrays)."""
        return self._weigh(self.counts(texts))

    def _weigh(self, counts):
        counts = counts.astype(np.float32)  # a copy: the caller's counts stay counts
        counts.data = 1.0 + np.log(counts.data)
        return _unit_rows(counts.multiply(self.idf_).tocsr())

    def _index_vocabulary(self):
        self._index = {str(n): i for i, n in enumerate(self.vocabulary_)}

    def decision(self, samples, vectors=None) -> np.ndarray:
        return np.asarray(self.features([s.text for s in samples]) @ self.units_.coef.T) + self.units_.intercept

    def predict_proba(self, samples, vectors=None):
        from .base import sigmoid

        return sigmoid(self.decision(samples))

    def state(self):
        return {f"{self.name}.vocabulary": self.vocabulary_, f"{self.name}.idf": self.idf_,
                f"{self.name}.coef": self.units_.coef.astype(np.float32),
                f"{self.name}.intercept": self.units_.intercept}

    def load_state(self, state):
        self.vocabulary_ = state[f"{self.name}.vocabulary"]
        self.idf_ = state[f"{self.name}.idf"]
        self._index_vocabulary()
        self.units_ = LinearUnits(state[f"{self.name}.coef"].astype(np.float64), state[f"{self.name}.intercept"])
        return self


class CharNgramClassifier(TfidfHead):
    name = "ngrams"

    def __init__(self, label_ids: tuple[str, ...], C: float = 16.0):
        self.label_ids = label_ids
        self.C = C

    def get_params(self):
        return {"C": self.C, "ngrams": list(NGRAMS), "max_features": MAX_FEATURES}

    def counts(self, texts: list[str]):
        """The matrix CountVectorizer(analyzer="char_wb") gives, a word's n-grams looked up once per word.

        Its n-grams never cross a word boundary, so a text's counts are the sum of
        its words' columns: each distinct word's columns are found once (and the
        frequent words' remembered), then all texts are counted in a few array operations.
        """
        from scipy.sparse import csr_matrix

        words_per_text = [text.lower().split() for text in texts]
        distinct: dict[str, int] = {}
        tokens = np.array([distinct.setdefault(w, len(distinct)) for words in words_per_text for w in words],
                          dtype=np.int64)
        columns, starts, lengths = self._word_columns(list(distinct))
        per_token = lengths[tokens]
        ends = np.cumsum(per_token)
        where = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts[tokens] - (ends - per_token), per_token)
        text_of = np.repeat(np.repeat(np.arange(len(texts)), [len(w) for w in words_per_text]), per_token)
        width = len(self.vocabulary_)
        cells, times = np.unique(text_of * width + columns[where], return_counts=True)
        indptr = np.searchsorted(cells, np.arange(len(texts) + 1) * width).astype(np.int32)
        matrix = csr_matrix((times.astype(np.float32), (cells % width).astype(np.int32), indptr),
                            shape=(len(texts), width))
        matrix.has_sorted_indices = True
        return matrix

    def prepare(self, samples):
        self._word_columns(list(dict.fromkeys(w for s in samples for w in s.text.lower().split())))

    def _word_columns(self, words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All the words' vocabulary columns end to end, and where each word's begin and how many."""
        missing = [w for w in words if w not in self._memo]
        if missing:
            if len(self._memo) + len(missing) > MEMO_WORDS:
                self._memo.clear()
                missing = words
            self._memo.update(zip(missing, self._look_up(missing)))
        found = [self._memo[w] for w in words]
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        columns = np.concatenate(found) if found else np.zeros(0, dtype=np.int32)
        return columns, np.cumsum(lengths) - lengths, lengths

    def _look_up(self, words: list[str]) -> list[np.ndarray]:
        """Each word's n-gram columns (n-grams not in the vocabulary left out), all words in one pass."""
        get = self._index.get
        per_word = [[get(g, -1) for g in _word_ngrams(w)] for w in words]
        found = np.fromiter(chain.from_iterable(per_word), dtype=np.int32)
        known = found >= 0
        counts = np.add.reduceat(known, np.cumsum([0] + [len(g) for g in per_word[:-1]])) if words else []
        kept, ends = found[known], np.cumsum(counts)
        return [kept[end - n:end] for end, n in zip(ends.tolist(), counts.tolist())]

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
        self.units_ = LinearUnits.fit(self._weigh(counts), Y, C=self.C, balanced=True,
                                      sample_weight=sample_weights(samples))
        return self

    def _index_vocabulary(self):
        super()._index_vocabulary()
        self._memo: dict[str, np.ndarray] = {}


def _unit_rows(matrix):
    """Rows of a CSR matrix scaled to unit length, as sklearn's normalize does (squares summed
    in float64), without importing scikit-learn (over a second) when a model only classifies."""
    lengths = np.diff(matrix.indptr)
    squares = np.square(matrix.data).astype(np.float64)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(matrix.shape[0]), lengths), weights=squares,
                                minlength=matrix.shape[0]))
    norms[norms == 0] = 1.0
    matrix.data = (matrix.data / np.repeat(norms, lengths)).astype(matrix.data.dtype)
    return matrix
