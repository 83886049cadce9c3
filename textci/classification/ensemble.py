"""The default classifier: lexicon, zero-shot and supervised scores, stacked.

For every label a small logistic model weighs three signals: how many
codebook keywords matched, how close the passage is to the label's
descriptions, and the supervised head's score. The supervised score it
learns from is out-of-fold (cross-validated), so the weights reflect how
the head does on passages it has not seen; the per-label thresholds come
from a second cross-validation of the stacked model. Output probabilities
are those of the stacked logistic model, i.e. calibrated on held-out data.
"""
from __future__ import annotations

import numpy as np

from ..codebook import Codebook
from .base import SEED, Classifier, LinearUnits, best_thresholds
from .embeddings import Embedder
from .lexicon import LexiconClassifier
from .supervised import SupervisedClassifier
from .zeroshot import ZeroShotClassifier

FOLDS = 5


def _folds(n: int, k: int = FOLDS):
    order = np.random.default_rng(SEED).permutation(n)
    for i in range(k):
        test = np.sort(order[i::k])
        yield np.setdiff1d(np.arange(n), test), test


class EnsembleClassifier(Classifier):
    name = "ensemble"

    def __init__(self, codebook: Codebook, embedder: Embedder, C: float = 1.0):
        self.codebook = codebook
        self.embedder = embedder
        self.label_ids = codebook.label_ids
        self.C = C
        self.lexicon = LexiconClassifier(codebook)
        self.zeroshot = ZeroShotClassifier(codebook, embedder)
        self.supervised = SupervisedClassifier(self.label_ids, embedder)

    def get_params(self):
        return {"C": self.C, "supervised": self.supervised.get_params()}

    def _features(self, samples, vectors, supervised_decision) -> np.ndarray:
        lexical = self.lexicon.features(samples)[:, :, 0]
        similar = self.zeroshot.similarities(samples, vectors)
        return np.stack([lexical, similar, supervised_decision], axis=2)

    def fit(self, samples, Y, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        out_of_fold = np.zeros(Y.shape)
        for train, test in _folds(len(samples)):
            head = SupervisedClassifier(self.label_ids, self.embedder, self.supervised.C)
            head.fit([samples[i] for i in train], Y[train], vectors[train])
            out_of_fold[test] = head.decision([samples[i] for i in test], vectors[test])
        F = self._features(samples, vectors, out_of_fold)
        meta_oof = np.zeros(Y.shape)
        for train, test in _folds(len(samples)):
            meta_oof[test] = LinearUnits.fit(F[train], Y[train], C=self.C,
                                             per_label_features=True).proba(F[test], per_label_features=True)
        self.thresholds_ = best_thresholds(Y, meta_oof)
        self.oof_proba_ = meta_oof
        self.meta_ = LinearUnits.fit(F, Y, C=self.C, per_label_features=True)
        self.lexicon.fit(samples, Y)
        self.zeroshot.fit(samples, Y, vectors)
        self.supervised.fit(samples, Y, vectors)
        return self

    def predict_proba(self, samples, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        F = self._features(samples, vectors, self.supervised.decision(samples, vectors))
        return self.meta_.proba(F, per_label_features=True)

    def evidence(self, samples, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        terms = self.lexicon.evidence(samples)
        examples = self.supervised.nearest(vectors)
        return [{label: t.get(label, []) + e.get(label, []) for label in self.label_ids}
                for t, e in zip(terms, examples)]

    def state(self):
        return {"ensemble.coef": self.meta_.coef, "ensemble.intercept": self.meta_.intercept,
                "ensemble.thresholds": self.thresholds_,
                **self.lexicon.state(), **self.zeroshot.state(), **self.supervised.state()}

    def load_state(self, state):
        self.meta_ = LinearUnits(state["ensemble.coef"], state["ensemble.intercept"])
        self.thresholds_ = state["ensemble.thresholds"]
        self.lexicon.load_state(state)
        self.zeroshot.load_state(state)
        self.supervised.load_state(state)
        return self
