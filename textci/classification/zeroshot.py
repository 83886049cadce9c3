"""Zero-shot scores: how close a passage is to each label's descriptions and examples.

Prototypes are the codebook's descriptions (in every language) and example
passages, embedded once. A passage's score for a label is its best cosine
similarity to that label's prototypes; fitting only calibrates that score
into a probability, one logistic curve per label. A trained model keeps the
prototype vectors it was fitted with (the model checks the codebook's digest
at load), so classifying does not embed the codebook again.
"""
from __future__ import annotations

import numpy as np

from ..codebook import Codebook
from .base import Classifier, LinearUnits, rowwise, sigmoid
from .embeddings import Embedder


class ZeroShotClassifier(Classifier):
    name = "zeroshot"

    def __init__(self, codebook: Codebook, embedder: Embedder):
        self.codebook = codebook
        self.embedder = embedder
        self.label_ids = codebook.label_ids

    def _prototypes(self) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_proto"):
            texts, owners = [], []
            for j, label in enumerate(self.codebook.labels):
                items = [label.description, *label.descriptions.values()]
                items += [e for examples in label.examples.values() for e in examples]
                texts += items
                owners += [j] * len(items)
            self._proto = (self.embedder.embed(texts), np.array(owners))
        return self._proto

    def similarities(self, samples, vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, n_labels): best cosine similarity to each label's prototypes."""
        vectors = self.embedder.embed([s.text for s in samples]) if vectors is None else vectors
        proto, owners = self._prototypes()
        sims = rowwise(vectors, proto)
        out = np.full((len(vectors), len(self.label_ids)), -1.0)
        for j in range(len(self.label_ids)):
            columns = sims[:, owners == j]
            if columns.size:
                top = np.sort(columns, axis=1)[:, -3:]
                out[:, j] = top.mean(axis=1)
        return out

    def fit(self, samples, Y, vectors=None):
        sims = self.similarities(samples, vectors)
        self.units_ = LinearUnits.fit(sims[:, :, None], Y, per_label_features=True)
        return self

    def predict_proba(self, samples, vectors=None):
        sims = self.similarities(samples, vectors)
        if not hasattr(self, "units_"):  # truly zero-shot: a fixed, generous curve
            return sigmoid((sims - 0.45) * 12)
        return self.units_.proba(sims[:, :, None], per_label_features=True)

    def evidence(self, samples, vectors=None):
        sims = self.similarities(samples, vectors)
        return [{label: [f"similarity {row[j]:.2f}"] for j, label in enumerate(self.label_ids)} for row in sims]

    def state(self):
        proto, owners = self._prototypes()
        return {"zeroshot.coef": self.units_.coef, "zeroshot.intercept": self.units_.intercept,
                "zeroshot.prototypes": proto, "zeroshot.prototype_labels": owners}

    def load_state(self, state):
        self.units_ = LinearUnits(state["zeroshot.coef"], state["zeroshot.intercept"])
        if "zeroshot.prototypes" in state:  # models saved before they kept them embed the codebook once
            self._proto = (state["zeroshot.prototypes"], state["zeroshot.prototype_labels"])
        return self
