#!/usr/bin/env python3
"""Would one more signal in the default's stack help? Measured, not kept.

Each variant is the shipped ensemble with one more input to every label's
stacked logistic model, computed like the heads' decisions: out of fold
while the stack is trained, from the fitted heads when classifying.
`scripts/cv_default.py`'s cross-validation over the real corpus's source
pages scores it (the shipped recipe: 0.746 macro F1 on the corpus with the
eleventh round). Variants:

* neighbours: a similarity-weighted vote of the training passages nearest in
  USE space (the vectors the model already keeps for its evidence);
* sentence: the embedding head applied to each sentence, its highest
  decision per label (one label-bearing sentence not averaged away);
* language: the passage's language (one-hot) and its length in words (a
  threshold per language, a length prior);
* cooccurrence: every label's embedding-head decision in each label's stack.

    .venv/bin/python scripts/cv_signals.py neighbours    # ~25 minutes on 2 cores per variant
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("de", "en", "es", "fr", "it", "nl")
NEIGHBOURS, TEMPERATURE = 20, 0.05


def neighbour_vote(vectors: np.ndarray, train_vectors: np.ndarray, train_Y: np.ndarray) -> np.ndarray:
    """Per label, the logit of the softmax-weighted share of positives among the nearest training passages."""
    reference, labels = train_vectors.astype(np.float32), train_Y.astype(np.float32)
    prior, votes = labels.mean(axis=0), np.empty((len(vectors), labels.shape[1]))
    for start in range(0, len(vectors), 512):
        similarity = vectors[start:start + 512].astype(np.float32) @ reference.T
        nearest = np.argpartition(-similarity, NEIGHBOURS, axis=1)[:, :NEIGHBOURS]
        top = np.take_along_axis(similarity, nearest, axis=1)
        weight = np.exp((top - top.max(axis=1, keepdims=True)) / TEMPERATURE)
        positive = (weight[:, :, None] * labels[nearest]).sum(axis=1)
        votes[start:start + 512] = (positive + prior) / (weight.sum(axis=1)[:, None] + 1.0)
    votes = np.clip(votes, 1e-3, 1 - 1e-3)
    return np.log(votes / (1 - votes))


def variant(name: str, label_ids: tuple[str, ...]):
    """The ensemble class with the named extra signal."""
    from textci.classification.ensemble import SIGNALS, EnsembleClassifier
    from textci.segment.sentences import sentence_spans

    class Neighbours(EnsembleClassifier):
        signals = SIGNALS + ("neighbours",)

        def _head_decisions(self, heads, samples, vectors):
            embedding = heads[0]
            return [*super()._head_decisions(heads, samples, vectors),
                    neighbour_vote(vectors, embedding.train_vectors_, embedding.train_Y_)]

    class BestSentence(EnsembleClassifier):
        signals = SIGNALS + ("best sentence",)

        def _head_decisions(self, heads, samples, vectors):
            sentences = [[s.text[a:b] for a, b in sentence_spans(s.text, s.lang or "en")] or [s.text] for s in samples]
            decision = heads[0].units_.decision(self.embedder.embed([t for group in sentences for t in group]))
            ends = np.cumsum([len(group) for group in sentences])
            best = np.stack([decision[end - len(group):end].max(axis=0) for end, group in zip(ends, sentences)])
            return [*super()._head_decisions(heads, samples, vectors), best]

    class Language(EnsembleClassifier):
        signals = SIGNALS + tuple(f"language {lang}" for lang in LANGUAGES) + ("log words",)

        def _head_decisions(self, heads, samples, vectors):
            columns = [[s.lang == lang for s in samples] for lang in LANGUAGES]
            columns.append([np.log(len(s.text.split()) + 1) - 4.0 for s in samples])
            shape = (len(samples), len(self.label_ids))
            return [*super()._head_decisions(heads, samples, vectors),
                    *(np.broadcast_to(np.asarray(c, dtype=float)[:, None], shape) for c in columns)]

    class Cooccurrence(EnsembleClassifier):
        signals = SIGNALS + tuple(f"embedding head: {label}" for label in label_ids)

        def _head_decisions(self, heads, samples, vectors):
            own = super()._head_decisions(heads, samples, vectors)
            shape = own[0].shape
            return [*own, *(np.broadcast_to(own[0][:, [k]], shape) for k in range(shape[1]))]

    return {"neighbours": Neighbours, "sentence": BestSentence, "language": Language,
            "cooccurrence": Cooccurrence}[name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", choices=("neighbours", "sentence", "language", "cooccurrence"))
    parser.add_argument("--training", type=Path, default=ROOT / "corpora" / "training")
    args = parser.parse_args()
    os.environ.setdefault("TEXTCI_CACHE", str(Path(tempfile.gettempdir()) / "textci-cv-cache"))
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    import cv_default
    from textci import codebook
    from textci.classification import model

    model.EnsembleClassifier = variant(args.variant, codebook.load(None).label_ids)  # what model.build makes
    print(cv_default.line(args.variant, cv_default.cross_validate(args.training)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
