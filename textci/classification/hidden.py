"""A one-hidden-layer network over sentence embeddings, all labels at once, kept as weights only.

A logistic head draws one plane per label through the embedding space; the
CI conditions are not planes there ("working together" sits next to a
jointly adopted plan). A hidden layer shared by all labels lets the head
bend, and the labels teach it together. Under cross-validation over the
real corpus's source pages (scripts/cv_default.py) it took the default from
0.737 to 0.746 macro F1, the CI conditions' mean 0.638 -> 0.647.

Training uses torch (seeded, so the same data and thread count give the
same weights); scoring is two matrix products in numpy, so classifying
never imports torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SEED, rowwise, sigmoid

HIDDEN = 512
EPOCHS = 40
BATCH = 64
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-3
INPUT_DROPOUT, HIDDEN_DROPOUT = 0.1, 0.3


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, as torch's GELU(approximate="tanh") that training uses."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


@dataclass
class HiddenLayerUnits:
    hidden_weight: np.ndarray  # (hidden, n_features)
    hidden_bias: np.ndarray    # (hidden,)
    coef: np.ndarray           # (n_labels, hidden)
    intercept: np.ndarray      # (n_labels,)

    @classmethod
    def fit(cls, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> "HiddenLayerUnits":
        """Binary cross-entropy per label, positives weighted by sqrt(negatives / positives), each passage by its weight."""
        import torch

        X = np.asarray(X, dtype=np.float32)
        weight = np.ones(len(X), np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
        positives = (Y * weight[:, None]).sum(axis=0)
        negatives = ((1 - Y) * weight[:, None]).sum(axis=0)
        torch.manual_seed(SEED)
        net = torch.nn.Sequential(torch.nn.Dropout(INPUT_DROPOUT), torch.nn.Linear(X.shape[1], HIDDEN),
                                  torch.nn.GELU(approximate="tanh"), torch.nn.Dropout(HIDDEN_DROPOUT),
                                  torch.nn.Linear(HIDDEN, Y.shape[1]))
        pos_weight = torch.from_numpy(np.sqrt(negatives / np.maximum(positives, 1)).astype(np.float32))
        optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        inputs, targets = torch.from_numpy(X), torch.from_numpy(np.asarray(Y, dtype=np.float32))
        weights = torch.from_numpy(weight)
        order_generator = torch.Generator().manual_seed(SEED)
        net.train()
        for _ in range(EPOCHS):
            order = torch.randperm(len(X), generator=order_generator)
            for start in range(0, len(X), BATCH):
                rows = order[start:start + BATCH]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    net(inputs[rows]), targets[rows], pos_weight=pos_weight, reduction="none")
                loss = (loss.mean(dim=1) * weights[rows]).sum() / weights[rows].sum()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        first, last = net[1], net[4]
        return cls(first.weight.detach().numpy().copy(), first.bias.detach().numpy().copy(),
                   last.weight.detach().numpy().copy(), last.bias.detach().numpy().copy())

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Row by row (base.rowwise), so that a passage's score does not depend on its batch."""
        hidden = gelu(rowwise(np.asarray(X, dtype=np.float32), self.hidden_weight) + self.hidden_bias)
        return (rowwise(hidden, self.coef) + self.intercept).astype(np.float64)

    def proba(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(self.decision(X))
