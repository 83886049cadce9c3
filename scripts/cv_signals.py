#!/usr/bin/env python3
"""Would one more signal in the default's stack help? Measured, not kept.

Each variant is the shipped ensemble with one more input to every label's
stacked logistic model, computed like the heads' decisions: out of fold
while the stack is trained, from the fitted heads when classifying.
`scripts/cv_default.py`'s cross-validation over the real corpus's source
pages scores it (the shipped recipe: 0.746 macro F1 on the corpus with the
eleventh round, 14,853 real passages, where every figure below was measured;
the corpus with the twelfth round gives other figures, compare with
`scripts/cv_default.py` on the same corpus). Variants:

* neighbours: a similarity-weighted vote of the training passages nearest in
  USE space (the vectors the model already keeps for its evidence);
* sentence: the embedding head applied to each sentence, its highest
  decision per label (one label-bearing sentence not averaged away);
* language: the passage's language (one-hot) and its length in words (a
  threshold per language, a length prior);
* cooccurrence: every label's embedding-head decision in each label's stack;
* static-e5: a fourth head on another encoder cheap enough for the default: the
  bundled multilingual-e5-small distilled to one vector per token (each
  token of the training texts alone between <s> and </s>, mean-pooled, 256
  principal components), a passage the SIF-weighted mean of its tokens'
  vectors (0.746 macro F1, CI mean 0.648: no gain).

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
STATIC_DIMS, SIF_A = 256, 1e-3


class StaticE5:
    """multilingual-e5-small distilled to a table of token vectors (model2vec's idea), for `texts`' tokens."""

    name, revision = "static-e5", ""

    def __init__(self, texts: list[str]):
        from collections import Counter

        from textci.encoder.model import E5Encoder
        from textci.encoder.weights import read_weights

        encoder = E5Encoder(read_weights(), precision="float32")
        self.tokenizer = encoder.tokenizer
        counts = Counter(i for ids in self.tokenizer.content_ids(texts, prefix="") for i in ids)
        vocabulary = sorted(counts)
        bos, eos = self.tokenizer.bos, self.tokenizer.eos
        vectors = encoder.pool_windows([[bos, i, eos] for i in vocabulary], 64)
        centred = vectors - vectors.mean(axis=0)
        components = np.linalg.svd(centred, full_matrices=False)[2][:STATIC_DIMS]
        share = np.array([counts[i] for i in vocabulary]) / sum(counts.values())
        self.row = {token: k for k, token in enumerate(vocabulary)}
        self.table = (centred @ components.T) * (SIF_A / (SIF_A + share))[:, None]

    def embed(self, texts: list[str], cache=None) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), np.float32)
        for k, ids in enumerate(self.tokenizer.content_ids(texts, prefix="")):
            rows = [self.row[i] for i in ids if i in self.row]
            if rows:
                vector = self.table[rows].sum(axis=0)
                out[k] = vector / max(np.linalg.norm(vector), 1e-9)
        return out


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
    from textci.classification.supervised import SupervisedClassifier
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

    class StaticHead(EnsembleClassifier):
        signals = SIGNALS + ("static e5",)
        static: StaticE5 | None = None  # built once per run, by main()

        def _static_head(self, samples, Y):
            return SupervisedClassifier(self.label_ids, self.static, 1.0).fit(samples, Y)

        def _fold_heads(self, samples, Y, vectors, text_heads=None):
            return (*super()._fold_heads(samples, Y, vectors, text_heads), self._static_head(samples, Y))

        def _head_decisions(self, heads, samples, vectors):
            static = heads[3] if len(heads) > 3 else self.static_head_
            return [*super()._head_decisions(heads[:3], samples, vectors), static.decision(samples)]

        def fit(self, samples, Y, vectors=None):
            self.static_head_ = self._static_head(samples, Y)
            return super().fit(samples, Y, vectors)

    return {"neighbours": Neighbours, "sentence": BestSentence, "language": Language,
            "cooccurrence": Cooccurrence, "static-e5": StaticHead}[name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", choices=("neighbours", "sentence", "language", "cooccurrence", "static-e5"))
    parser.add_argument("--training", type=Path, default=ROOT / "corpora" / "training")
    args = parser.parse_args()
    os.environ.setdefault("TEXTCI_CACHE", str(Path(tempfile.gettempdir()) / "textci-cv-cache"))
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    import cv_default
    from textci import codebook
    from textci.classification import model

    model.EnsembleClassifier = variant(args.variant, codebook.load(None).label_ids)  # what model.build makes
    if args.variant == "static-e5":  # its table from every training text (no labels involved)
        from textci.classification import load_training

        training = load_training(args.training, codebook.load(None))
        model.EnsembleClassifier.static = StaticE5([sample.text for sample in training])
    print(cv_default.line(args.variant, cv_default.cross_validate(args.training)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
