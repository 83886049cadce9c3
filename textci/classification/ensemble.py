"""The default classifier: keyword evidence, similarity to the codebook and three trained heads, stacked per label.

For every label a small logistic model weighs the signals: whether a
codebook keyword matched, how close the passage is to the label's
descriptions and examples, the two together (a keyword in a passage that
reads like the label counts for more than a stray one), and the scores of
three trained heads: one on the sentence embedding (meaning), one on
character n-grams (the passage's own words, ngrams.py) and one on words
and word pairs (its phrases, words.py; 0.705 -> 0.712 macro F1 in the
cross-validation below, the CI conditions' mean 0.584 -> 0.600).

The heads' scores the stack learns from are out-of-fold, held out across
writing batches and source pages (see `cv_folds`): a head that learnt the
team's phrasing rather than the concept scores badly there and the stack
gives it little weight. (An earlier version also kept a head out of a
label's stack unless it cut the held-out log loss by 5%; with the real-
language corpus, cross-validation over its source pages measured every
head helping, 0.680 -> 0.689 macro F1, so the gate went.) The embedding
head is regularised more strongly than the supervised classifier alone
(C = 1 rather than 4: 0.689 -> 0.694 in the same cross-validation): in the
stack it only has to rank, and a softer head ranks real text better. On a
frozen encoder (the default's USE) that head now has a hidden layer
(`hidden_head`, hidden.py: 0.737 -> 0.746 in the same cross-validation); on
a tuned encoder, whose upper layers already learnt the labels, it stays
logistic. Further signals (nearest training passages, the best sentence,
language and length, label co-occurrence, a head on e5 distilled to token
vectors) each measured within 0.001 of
the shipped recipe there and were left out (scripts/cv_signals.py).

Per-label thresholds come from the stacked model's own out-of-fold
predictions, and the output probabilities are the stacked logistic
model's, i.e. calibrated on held-out passages.

Heads, stack and thresholds count each passage `Sample.weight` times:
paraphrases of real documents twice (training.py; 0.690 -> 0.697 macro F1
in the same cross-validation; three times gave no more).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..codebook import Codebook
from ..errors import TextciError
from .base import Classifier, LinearUnits, best_threshold, cv_folds, sample_weights
from .embeddings import Embedder
from .lexicon import LexiconClassifier
from .ngrams import CharNgramClassifier
from .supervised import SupervisedClassifier
from .words import WordNgramClassifier
from .zeroshot import ZeroShotClassifier


@dataclass
class TextHeads:
    """The heads that read a passage's own words, not its vector (character and word n-grams), fitted
    on each cross-validation fold and on all passages. They come out the same whatever the encoder, so
    a blend's member (blend.py) reuses its model's rather than fitting them again: the USE member's fit
    on the whole corpus takes 0.43 of the time (scripts/bench_shared_heads.py)."""
    folds: list[tuple[CharNgramClassifier, WordNgramClassifier]]
    whole: tuple[CharNgramClassifier, WordNgramClassifier]
    passages: str  # digest of the passages and labels they were fitted on

    @staticmethod
    def digest(samples, Y: np.ndarray) -> str:
        hasher = hashlib.sha256(np.ascontiguousarray(Y, dtype=np.int8).tobytes())
        for sample in samples:
            hasher.update(f"{sample.id}\0{sample.weight}\0{sample.group}\0{sample.text}\0".encode())
        return hasher.hexdigest()


SIGNALS = ("keywords", "similarity", "keywords x similarity", "supervised", "character n-grams", "word n-grams")
HEAD_C = 1.0  # the embedding head's regularisation inside the stack (see the module docstring)


class EnsembleClassifier(Classifier):
    name = "ensemble"
    signals = SIGNALS  # what the stack weighs; a variant that adds one extends this and `_head_decisions`

    def __init__(self, codebook: Codebook, embedder: Embedder, C: float = 1.0, hidden_head: bool = False):
        self.codebook = codebook
        self.embedder = embedder
        self.label_ids = codebook.label_ids
        self.C = C
        self.lexicon = LexiconClassifier(codebook)
        self.zeroshot = ZeroShotClassifier(codebook, embedder)
        self.supervised = SupervisedClassifier(self.label_ids, embedder, C=HEAD_C, hidden=hidden_head)
        self.ngrams = CharNgramClassifier(self.label_ids)
        self.words = WordNgramClassifier(self.label_ids)

    def get_params(self):
        return {"C": self.C, "supervised": self.supervised.get_params(), "ngrams": self.ngrams.get_params(),
                "words": self.words.get_params() if self.words is not None else None}

    def _features(self, samples, vectors, *head_decisions) -> np.ndarray:
        """(n, n_labels, len(signals)); the heads' decisions in `signals`' order."""
        keywords = self.lexicon.features(samples)[:, :, 0]
        similar = self.zeroshot.similarities(samples, vectors)
        return np.stack([keywords, similar, keywords * similar, *head_decisions], axis=2)

    def _fit_label(self, X: np.ndarray, y: np.ndarray, signals: tuple[int, ...],
                   weight: np.ndarray) -> tuple[np.ndarray, float]:
        """Weights over all `signals` (zero for the unused ones) and the intercept."""
        unit = LinearUnits.fit(X[:, list(signals)], y[:, None], C=self.C, sample_weight=weight)
        coef = np.zeros(len(self.signals))
        coef[list(signals)] = unit.coef[0]
        return coef, float(unit.intercept[0])

    def _held_out(self, F, Y, j, signals, folds, weight) -> np.ndarray:
        proba = np.zeros(len(Y))
        for train, test in folds:
            coef, intercept = self._fit_label(F[train, j], Y[train, j], signals, weight[train])
            proba[test] = LinearUnits(coef[None], np.array([intercept])).proba(F[test, j])[:, 0]
        return proba

    def _fold_heads(self, samples, Y, vectors, text_heads: tuple | None = None) -> tuple:
        """The three trained heads, fitted afresh on some passages (for out-of-fold decisions);
        `text_heads`: the two n-gram heads already fitted on those passages."""
        head = SupervisedClassifier(self.label_ids, self.embedder, self.supervised.C, self.supervised.hidden)
        ngrams, words = text_heads or (CharNgramClassifier(self.label_ids, self.ngrams.C).fit(samples, Y),
                                       WordNgramClassifier(self.label_ids, self.words.C).fit(samples, Y))
        return head.fit(samples, Y, vectors), ngrams, words

    def _head_decisions(self, heads, samples, vectors) -> list[np.ndarray]:
        """Each head's (n, n_labels) decisions, in `signals`' order after the codebook's three signals.

        One method for training (the fold heads) and classifying (the fitted
        ones), so that a variant of the stack (scripts/cv_signals.py) adds a
        signal in one place.
        """
        embedding, ngrams, words = heads
        return [embedding.decision(samples, vectors), ngrams.decision(samples),
                words.decision(samples) if words is not None else np.zeros((len(samples), len(self.label_ids)))]

    def fit(self, samples, Y, vectors=None, text_heads: TextHeads | None = None):
        """`text_heads`: another ensemble's `text_heads_` from the same passages and labels, reused."""
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        passages = TextHeads.digest(samples, Y)
        if text_heads is not None and (text_heads.passages != passages or
                                       (text_heads.whole[0].C, text_heads.whole[1].C) != (self.ngrams.C, self.words.C)):
            raise ValueError("the n-gram heads passed in were fitted on other passages, labels or settings")
        folds = list(cv_folds(samples))
        out_of_fold = [np.zeros(Y.shape) for _ in self.signals[3:]]  # after the codebook's three signals
        fold_text_heads = []
        for k, (train, test) in enumerate(folds):
            heads = self._fold_heads([samples[i] for i in train], Y[train], vectors[train],
                                     text_heads.folds[k] if text_heads else None)
            fold_text_heads.append(heads[1:3])
            for column, decision in zip(out_of_fold, self._head_decisions(heads, [samples[i] for i in test],
                                                                          vectors[test]), strict=True):
                column[test] = decision
        F = self._features(samples, vectors, *out_of_fold)
        weight = sample_weights(samples)
        n_labels = len(self.label_ids)
        coef, intercept = np.zeros((n_labels, len(self.signals))), np.zeros(n_labels)
        self.thresholds_ = np.full(n_labels, 0.5)
        self.signals_ = np.zeros((n_labels, len(self.signals)), dtype=bool)
        self.oof_proba_ = np.zeros(Y.shape)
        every = tuple(range(len(self.signals)))
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
        if text_heads:
            self.ngrams, self.words = text_heads.whole
        else:
            self.ngrams.fit(samples, Y)
            self.words.fit(samples, Y)
        self.text_heads_ = TextHeads(fold_text_heads, (self.ngrams, self.words), passages)
        return self

    def signals_by_label(self) -> dict[str, list[str]]:
        """Which signals each label's stack uses (for the model card and the report)."""
        return {label: [s for s, used in zip(self.signals, row) if used]
                for label, row in zip(self.label_ids, self.signals_)}

    def predict_proba(self, samples, vectors=None):
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        F = self._features(samples, vectors,
                           *self._head_decisions((self.supervised, self.ngrams, self.words), samples, vectors))
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
        kept = len(SIGNALS) if self.words is not None else len(SIGNALS) - 1
        return {"ensemble.coef": self.meta_.coef[:, :kept], "ensemble.intercept": self.meta_.intercept,
                "ensemble.thresholds": self.thresholds_, "ensemble.signals": self.signals_[:, :kept],
                **self.lexicon.state(), **self.zeroshot.state(), **self.supervised.state(), **self.ngrams.state(),
                **(self.words.state() if self.words is not None else {})}

    def load_state(self, state):
        coef, signals = state["ensemble.coef"], state["ensemble.signals"].astype(bool)
        if coef.shape[1] == len(SIGNALS) - 1 and "words.vocabulary" not in state:
            # Saved before the word head: it classifies as it did, the word head weighing nothing.
            coef = np.hstack([coef, np.zeros((len(coef), 1))])
            signals = np.hstack([signals, np.zeros((len(signals), 1), dtype=bool)])
            self.words = None
        elif coef.shape[1] != len(SIGNALS):
            raise TextciError(f"this ensemble model was saved with {coef.shape[1]} signals, "
                              f"this version stacks {len(SIGNALS)} ({', '.join(SIGNALS)}); "
                              "retrain it with `textci train`")
        self.meta_ = LinearUnits(coef, state["ensemble.intercept"])
        self.thresholds_ = state["ensemble.thresholds"]
        self.signals_ = signals
        self.lexicon.load_state(state)
        self.zeroshot.load_state(state)
        self.supervised.load_state(state)
        self.ngrams.load_state(state)
        if self.words is not None:
            self.words.load_state(state)
        return self
