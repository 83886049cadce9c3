"""A second classifier on a different encoder, whose probabilities a model mixes into its own.

The tuned e5 model and the default (USE) model err on different passages:
averaging their calibrated probabilities measured better than either on
held-out real pages (README, "A second encoder in the quality model"). The
member lives inside the model folder: its settings in model.json under
"blend", its arrays in state.npz under the prefix "blend/", except those
equal to the model's own (the n-gram heads both fit on the same passages,
ensemble.TextHeads), which are saved once and named under "shared_arrays".

    probability = (1 - weight) * own + weight * member's
    threshold   = (1 - weight) * own threshold + weight * member's threshold
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Classifier

PREFIX = "blend/"
EVIDENCE_ONLY = ("supervised.train_vectors", "supervised.train_Y", "supervised.train_ids")
TUNED_WEIGHT = 0.4  # the USE member's share when `textci train --embedder e5-tuned` (models/quality)


@dataclass
class Blend:
    classifier: Classifier
    embedder_name: str
    weight: float  # of the member, in (0, 1)
    info: dict  # the member's own training record (samples, signals)

    def __post_init__(self):
        if not 0.0 < self.weight < 1.0:
            raise ValueError(f"blend weight must lie strictly between 0 and 1, not {self.weight}")

    def mix(self, own: np.ndarray, members: np.ndarray) -> np.ndarray:
        return (1.0 - self.weight) * own + self.weight * members

    def thresholds(self, own: np.ndarray) -> np.ndarray:
        return self.mix(own, self.classifier.thresholds_)

    def record(self, shared: list[str]) -> dict:
        """What model.json keeps of the member; `shared`: its arrays saved as the model's own."""
        labels = self.classifier.label_ids
        return dict(self.info, weight=self.weight, classifier=self.classifier.name, embedder=self.embedder_name,
                    thresholds={l: round(float(t), 4) for l, t in zip(labels, self.classifier.thresholds_)},
                    shared_arrays=shared)

    def state(self, own: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[str]]:
        """(the member's arrays to save, the names of those equal to the model's `own` and so left to it).

        What only evidence needs stays out: the model's own member gives the evidence.
        """
        kept, shared = {}, []
        for key, value in self.classifier.state().items():
            if key in EVIDENCE_ONLY:
                continue
            if key in own and own[key].dtype == value.dtype and np.array_equal(own[key], value):
                shared.append(key)
            else:
                kept[PREFIX + key] = value
        return kept, shared


def split_state(state: dict[str, np.ndarray], shared: list[str] = ()) -> tuple[dict, dict]:
    """(the model's own arrays, the member's arrays without their prefix, `shared` taken from the own)."""
    own = {k: v for k, v in state.items() if not k.startswith(PREFIX)}
    member = {k[len(PREFIX):]: v for k, v in state.items() if k.startswith(PREFIX)}
    return own, {**{k: own[k] for k in shared}, **member}
