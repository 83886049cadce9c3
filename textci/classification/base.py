"""The estimator contract every classifier follows, and a small calibrated linear unit.

    fit(samples, Y) -> self          Y: (n, n_labels) 0/1 matrix in codebook order
    predict_proba(samples) -> P      P: (n, n_labels) probabilities
    predict(samples) -> (n, n_labels) bool, P >= thresholds_
    evidence(samples) -> per sample, {label id: [terms or example ids]}
    get_params() / state() / from_state(): configuration and fitted arrays

No work happens in __init__; fitted attributes end in `_`. Fitted state is
plain numpy arrays (saved as .npz), never pickles, so a model folder from
someone else cannot run code when loaded.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..data import Sample

SEED = 0


class Classifier:
    name = "base"
    label_ids: tuple[str, ...]
    thresholds_: np.ndarray | None = None

    def fit(self, samples: list[Sample], Y: np.ndarray) -> "Classifier":
        raise NotImplementedError

    def predict_proba(self, samples: list[Sample]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, samples: list[Sample]) -> np.ndarray:
        thresholds = self.thresholds_ if self.thresholds_ is not None else 0.5
        return self.predict_proba(samples) >= thresholds

    def evidence(self, samples: list[Sample]) -> list[dict[str, list[str]]]:
        return [{} for _ in samples]

    def prepare(self, samples: list[Sample]) -> None:
        """Work on the texts alone that predict_proba then finds done (filled caches): Model runs
        it in a thread beside the embedder, whose GEMMs let go of the GIL."""

    def get_params(self) -> dict:
        return {}

    def state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def load_state(self, state: dict[str, np.ndarray]) -> "Classifier":
        raise NotImplementedError


def sample_weights(samples: list[Sample]) -> np.ndarray:
    """How many times each training passage counts (training.py gives real text more)."""
    return np.array([s.weight for s in samples], dtype=float)


def rowwise(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """X @ W.T, one row of X at a time (matrix-vector products).

    BLAS's matrix-matrix kernels sum a row's products in an order that
    depends on where the row sits in the batch, so a batched product gives a
    passage a score a few 1e-7 apart from one batch to another; a product per
    passage gives it the same bits whichever batch it arrives in (the default
    measured x0.96 in steady state, scripts/bench_classify_speed.py).
    """
    return np.array([W @ row for row in X]).reshape(len(X), len(W))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class LinearUnits:
    """Independent logistic regressions, one per label, kept as weights only."""

    coef: np.ndarray       # (n_labels, n_features)
    intercept: np.ndarray  # (n_labels,)

    @classmethod
    def fit(cls, X: np.ndarray, Y: np.ndarray, C: float = 1.0, balanced: bool = False,
            per_label_features: bool = False, sample_weight: np.ndarray | None = None) -> "LinearUnits":
        """X is (n, f), or (n, n_labels, f) when every label has its own features."""
        from sklearn.linear_model import LogisticRegression

        n_labels = Y.shape[1]
        f = X.shape[-1]
        coef, intercept = np.zeros((n_labels, f)), np.zeros(n_labels)
        for j in range(n_labels):
            Xj = X[:, j, :] if per_label_features else X
            y = Y[:, j]
            if y.min() == y.max():  # a label never (or always) seen: constant prior
                intercept[j] = 8.0 if y[0] else -8.0
                continue
            model = LogisticRegression(C=C, class_weight="balanced" if balanced else None,
                                       max_iter=2000, random_state=SEED)
            model.fit(Xj, y, sample_weight=sample_weight)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return cls(coef, intercept)

    def decision(self, X: np.ndarray, per_label_features: bool = False) -> np.ndarray:
        if per_label_features:
            return np.einsum("nlf,lf->nl", X, self.coef) + self.intercept
        if isinstance(X, np.ndarray):  # dense embeddings; sparse rows are summed row by row already
            return rowwise(X, self.coef) + self.intercept
        return X @ self.coef.T + self.intercept

    def proba(self, X: np.ndarray, per_label_features: bool = False) -> np.ndarray:
        return sigmoid(self.decision(X, per_label_features))


def best_threshold(y: np.ndarray, p: np.ndarray, grid=np.arange(0.1, 0.91, 0.025),
                   weight: np.ndarray | None = None) -> tuple[float, float]:
    """The probability cut that maximises F1 on held-out predictions (each counted `weight` times), and that F1.

    Ties go to the cut nearest 0.5, which keeps probabilities honest.
    """
    weight = np.ones(len(y)) if weight is None else weight
    best = (-1.0, 0.5)
    for t in grid:
        pred = p >= t
        tp = np.sum(weight[pred & (y == 1)])
        fp = np.sum(weight[pred & (y == 0)])
        fn = np.sum(weight[~pred & (y == 1)])
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best[0] + 1e-9 or (abs(f1 - best[0]) <= 1e-9 and abs(t - 0.5) < abs(best[1] - 0.5)):
            best = (float(f1), float(t))
    return best[1], best[0]


def best_thresholds(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per label, the probability cut that maximises F1 on held-out predictions."""
    return np.array([best_threshold(Y[:, j], P[:, j])[0] for j in range(Y.shape[1])])


FOLDS = 5


def cv_folds(samples: list[Sample], k: int = FOLDS):
    """(train, test) index arrays for k-fold cross-validation, always the same.

    When the samples come from several writing batches (`Sample.group`),
    whole batches are held out together: passages written in one sitting
    share phrasing, and a model scored on the sitting it learnt from looks
    better than it will on a real report. Otherwise the folds are random.
    """
    n = len(samples)
    groups = [s.group for s in samples]
    size = Counter(groups)
    if None in size or len(size) < k:
        order = np.random.default_rng(SEED).permutation(n)
        assignment = np.empty(n, dtype=int)
        assignment[order] = np.arange(n) % k
    else:  # largest batches first, each to the fold with fewest passages so far
        passages_in, fold_of = [0] * k, {}
        for g in sorted(size, key=lambda g: (-size[g], g)):
            fold_of[g] = min(range(k), key=lambda f: (passages_in[f], f))
            passages_in[fold_of[g]] += size[g]
        assignment = np.array([fold_of[g] for g in groups])
    for i in range(k):
        yield np.flatnonzero(assignment != i), np.flatnonzero(assignment == i)
