"""A head on sentence embeddings, trained on the labelled passages: logistic, or with a hidden layer (hidden.py).

Besides probabilities it gives, per label, the nearest training passages
that carry the label: the evidence "this reads like training example X".
"""
from __future__ import annotations

import numpy as np

from .base import Classifier, LinearUnits, sample_weights
from .embeddings import Embedder
from . import hidden as network


class SupervisedClassifier(Classifier):
    name = "supervised"

    def __init__(self, label_ids: tuple[str, ...], embedder: Embedder, C: float = 4.0, hidden: bool = False):
        self.label_ids = label_ids
        self.embedder = embedder
        self.C = C  # the logistic head's regularisation
        self.hidden = hidden
        self._evidence: tuple[np.ndarray, np.ndarray] | None = None  # made from the training vectors at first use

    def get_params(self):
        if self.hidden:
            return {"hidden": network.HIDDEN, "epochs": network.EPOCHS, "weight_decay": network.WEIGHT_DECAY}
        return {"C": self.C}

    def _vectors(self, samples, vectors):
        return self.embedder.embed([s.text for s in samples]) if vectors is None else vectors

    def fit(self, samples, Y, vectors=None):
        X = self._vectors(samples, vectors)
        if self.hidden:
            self.units_ = network.HiddenLayerUnits.fit(X, Y, sample_weight=sample_weights(samples))
        else:
            self.units_ = LinearUnits.fit(X, Y, C=self.C, balanced=True, sample_weight=sample_weights(samples))
        self.train_vectors_ = X.astype(np.float16)
        self.train_Y_ = Y.astype(np.int8)
        self.train_ids_ = np.array([s.id for s in samples])
        self._evidence = None
        return self

    def decision(self, samples, vectors=None) -> np.ndarray:
        return self.units_.decision(self._vectors(samples, vectors))

    def predict_proba(self, samples, vectors=None):
        return self.units_.proba(self._vectors(samples, vectors))

    def nearest(self, vectors: np.ndarray, k: int = 2) -> list[dict[str, list[str]]]:
        """Per sample and label, ids of the k most similar training passages with that label (the
        most similar first; of equally similar ones, the earlier in training order)."""
        labelled, train_vectors = self._evidence_vectors()
        sims = vectors @ train_vectors.T
        out: list[dict[str, list[str]]] = [{} for _ in range(len(sims))]
        for j, label in enumerate(self.label_ids):
            candidates = np.flatnonzero(self.train_Y_[labelled, j])
            if candidates.size:
                for row, best in zip(out, top_k_stable(sims[:, candidates], k)):
                    row[label] = [str(i) for i in self.train_ids_[labelled[candidates[best]]]]
        return out

    def _evidence_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The training passages that carry a label (only they can be evidence) and their vectors in
        float32, made once per loaded model rather than at every call."""
        if self._evidence is None:
            labelled = np.flatnonzero(self.train_Y_.any(axis=1))
            self._evidence = labelled, self.train_vectors_[labelled].astype(np.float32)
        return self._evidence

    def evidence(self, samples, vectors=None):
        return self.nearest(self._vectors(samples, vectors))

    def state(self):
        layer = {"supervised.hidden_weight": self.units_.hidden_weight,
                 "supervised.hidden_bias": self.units_.hidden_bias} if self.hidden else {}
        return {**layer, "supervised.coef": self.units_.coef, "supervised.intercept": self.units_.intercept,
                "supervised.train_vectors": self.train_vectors_, "supervised.train_Y": self.train_Y_,
                "supervised.train_ids": self.train_ids_}

    def load_state(self, state):
        """The head the state holds: a saved hidden layer makes it the network, else logistic (older models)."""
        self.hidden = "supervised.hidden_weight" in state
        if self.hidden:
            self.units_ = network.HiddenLayerUnits(state["supervised.hidden_weight"], state["supervised.hidden_bias"],
                                                   state["supervised.coef"], state["supervised.intercept"])
        else:
            self.units_ = LinearUnits(state["supervised.coef"], state["supervised.intercept"])
        # The nearest training passages are evidence only; a blend's member is saved without them.
        dimensions = self.units_.hidden_weight.shape[1] if self.hidden else self.units_.coef.shape[-1]
        self.train_vectors_ = state.get("supervised.train_vectors", np.zeros((0, dimensions), np.float16))
        self.train_Y_ = state.get("supervised.train_Y", np.zeros((0, len(self.label_ids)), np.int8))
        self.train_ids_ = state.get("supervised.train_ids", np.array([], dtype=str))
        self._evidence = None
        return self


def top_k_stable(scores: np.ndarray, k: int) -> list[np.ndarray]:
    """Per row, the column indices of its k highest scores in the order of a stable descending sort,
    without sorting the whole row: a partition finds each row's k-th highest score, and only the
    columns at or above it are sorted (with the vectors made once, 400 passages' evidence took 0.26 s
    rather than 2.2 s: scripts/bench_classify_speed.py --classify)."""
    if scores.shape[1] <= k:
        return list(np.argsort(-scores, axis=1, kind="stable"))
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
    picked = []
    for row, bound in zip(scores, kth):
        columns = np.flatnonzero(row >= bound)  # ascending, so ties keep the earlier column first
        picked.append(columns[np.argsort(-row[columns], kind="stable")[:k]])
    return picked
