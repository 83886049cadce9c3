"""The default classifier: keyword evidence, similarity to the codebook and two trained heads, stacked per label.

For every label a small logistic model weighs the signals: whether a
codebook keyword matched, how close the passage is to the label's
descriptions and examples, the two together (a keyword in a passage that
reads like the label counts for more than a stray one), and the scores of
two trained heads: one on the sentence embedding (meaning), one on
character n-grams (the passage's own words, ngrams.py).

The heads' scores the stack learns from are out-of-fold, held out across
writing batches and source pages (see `cv_folds`): a head that learnt the
team's phrasing rather than the concept scores badly there and the stack
gives it little weight. (An earlier version also kept a head out of a
label's stack unless it cut the held-out log loss by 5%; with the real-
language corpus, cross-validation over its source pages measured every
head helping, 0.680 -> 0.689 macro F1, so the gate went.) The embedding
head is regularised more strongly than the supervised classifier alone
(C = 1 rather than 4: 0.689 -> 0.694 in the same cross-validation): in the
stack it only has to rank, and a softer head ranks real text better.

Per-label thresholds come from the stacked model's own out-of-fold
predictions, and the output probabilities are the stacked logistic
model's, i.e. calibrated on held-out passages.

Heads, stack and thresholds count each passage `Sample.weight` times:
paraphrases of real documents twice (training.py; 0.690 -> 0.697 macro F1
in the same cross-validation; three times gave no more).
"""
from __future__ import annotations

import numpy as np

from ..codebook import Codebook
from ..errors import TextciError
from .base import Classifier, LinearUnits, best_threshold, cv_folds, sample_weights
from .embeddings import Embedder
from .lexicon import LexiconClassifier
from .ngrams import CharNgramClassifier
from .supervised import SupervisedClassifier
from .zeroshot import ZeroShotClassifier

SIGNALS = ("keywords", "similarity", "keywords x similarity", "supervised", "character n-grams")
HEAD_C = 1.0  # the embedding head's regularisation inside the stack (see the module docstring)


class EnsembleClassifier(Classifier):
    name = "ensemble"

    def __init__(self, codebook: Codebook, embedder: Embedder, C: float = 1.0):
        self.codebook = codebook
        self.embedder = embedder
        self.label_ids = codebook.label_ids
        self.C = C
        self.lexicon = LexiconClassifier(codebook)
        self.zeroshot = ZeroShotClassifier(codebook, embedder)
        self.supervised = SupervisedClassifier(self.label_ids, embedder, C=HEAD_C)
        self.ngrams = CharNgramClassifier(self.label_ids)

    def get_params(self):
        return {"C": self.C, "supervised": self.supervised.get_params(), "ngrams": self.ngrams.get_params()}

    def _features(self, samples, vectors, supervised_decision, ngram_decision) -> np.ndarray:
        """(n, n_labels, len(SIGNALS))."""
        keywords = self.lexicon.features(samples)[:, :, 0]
        similar = self.zeroshot.similarities(samples, vectors)
        return np.stack([keywords, similar, keywords * similar, supervised_decision, ngram_decision], axis=2)

    def _fit_label(self, X: np.ndarray, y: np.ndarray, signals: tuple[int, ...],
                   weight: np.ndarray) -> tuple[np.ndarray, float]:
        """Weights over all SIGNALS (zero for the unused ones) and the intercept."""
        unit = LinearUnits.fit(X[:, list(signals)], y[:, None], C=self.C, sample_weight=weight)
        coef = np.zeros(len(SIGNALS))
        coef[list(signals)] = unit.coef[0]
        return coef, float(unit.intercept[0])

    def _held_out(self, F, Y, j, signals, folds, weight) -> np.ndarray:
        proba = np.zeros(len(Y))
        for train, test in folds:
            coef, intercept = self._fit_label(F[train, j], Y[train, j], signals, weight[train])
            proba[test] = LinearUnits(coef[None], np.array([intercept])).proba(F[test, j])[:, 0]
        return proba

    def fit(self, samples, Y, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        folds = list(cv_folds(samples))
        supervised_oof, ngram_oof = np.zeros(Y.shape), np.zeros(Y.shape)
        for train, test in folds:
            head = SupervisedClassifier(self.label_ids, self.embedder, self.supervised.C)
            head.fit([samples[i] for i in train], Y[train], vectors[train])
            supervised_oof[test] = head.decision([samples[i] for i in test], vectors[test])
            words = CharNgramClassifier(self.label_ids, self.ngrams.C).fit([samples[i] for i in train], Y[train])
            ngram_oof[test] = words.decision([samples[i] for i in test])
        F = self._features(samples, vectors, supervised_oof, ngram_oof)
        weight = sample_weights(samples)
        n_labels = len(self.label_ids)
        coef, intercept = np.zeros((n_labels, len(SIGNALS))), np.zeros(n_labels)
        self.thresholds_ = np.full(n_labels, 0.5)
        self.signals_ = np.zeros((n_labels, len(SIGNALS)), dtype=bool)
        self.oof_proba_ = np.zeros(Y.shape)
        every = tuple(range(len(SIGNALS)))
        for j in range(n_labels):
            if Y[:, j].min() == Y[:, j].max():  # never (or always) seen: a constant prior
                intercept[j] = 8.0 if Y[0, j] else -8.0
                continue
            held_out = self._held_out(F, Y, j, every, folds, weight)
            cut, _ = best_threshold(Y[:, j], held_out, weight=weight)
            coef[j], intercept[j] = self._fit_label(F[:, j], Y[:, j], every, weight)
            self.signals_[j] = True
            self.thresholds_[j] = cut
            self.oof_proba_[:, j] = held_out
        self.meta_ = LinearUnits(coef, intercept)
        self.lexicon.fit(samples, Y)
        self.zeroshot.fit(samples, Y, vectors)
        self.supervised.fit(samples, Y, vectors)
        self.ngrams.fit(samples, Y)
        return self

    def signals_by_label(self) -> dict[str, list[str]]:
        """Which signals each label's stack uses (for the model card and the report)."""
        return {label: [s for s, used in zip(SIGNALS, row) if used]
                for label, row in zip(self.label_ids, self.signals_)}

    def predict_proba(self, samples, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        F = self._features(samples, vectors, self.supervised.decision(samples, vectors), self.ngrams.decision(samples))
        return self.meta_.proba(F, per_label_features=True)

    def prepare(self, samples):
        self.lexicon.prepare(samples)
        self.ngrams.prepare(samples)

    def evidence(self, samples, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        terms = self.lexicon.evidence(samples)
        examples = self.supervised.nearest(vectors)
        return [{label: t.get(label, []) + e.get(label, []) for label in self.label_ids}
                for t, e in zip(terms, examples)]

    def state(self):
        return {"ensemble.coef": self.meta_.coef, "ensemble.intercept": self.meta_.intercept,
                "ensemble.thresholds": self.thresholds_, "ensemble.signals": self.signals_,
                **self.lexicon.state(), **self.zeroshot.state(), **self.supervised.state(), **self.ngrams.state()}

    def load_state(self, state):
        if state["ensemble.coef"].shape[1] != len(SIGNALS):
            raise TextciError(f"this ensemble model was saved with {state['ensemble.coef'].shape[1]} signals, "
                              f"this version stacks {len(SIGNALS)} ({', '.join(SIGNALS)}); "
                              "retrain it with `textci train`")
        self.meta_ = LinearUnits(state["ensemble.coef"], state["ensemble.intercept"])
        self.thresholds_ = state["ensemble.thresholds"]
        self.signals_ = state["ensemble.signals"].astype(bool)
        self.lexicon.load_state(state)
        self.zeroshot.load_state(state)
        self.supervised.load_state(state)
        self.ngrams.load_state(state)
        return self
