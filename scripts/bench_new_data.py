#!/usr/bin/env python3
"""What a batch of new real passages buys the default model, on the same held-out pages.

Holds out the fifth of the real corpus's source pages that bench_classify.py
holds out (whole pages, chosen by a hash of the address), then trains the
default (ensemble on USE) twice: on the written corpus plus the real passages
outside the new batch, and on the same plus the new batch. Both are scored on
the held-out real passages and on ../shared/eval/dev.jsonl.

    .venv/bin/python scripts/bench_new_data.py [--batch '*_b4.jsonl'] [--only-with] [--user-cache]

`--only-with` trains only the second model (the held-out figure of the
current recipe on all the data); `--user-cache` keeps the user's embedding
cache instead of an empty one (minutes instead of a quarter of an hour).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", default="*_b4.jsonl", help="files of corpora/training/real/ that form the new batch")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--only-with", action="store_true", help="train only the model with the new batch")
    parser.add_argument("--user-cache", action="store_true", help="use the user's embedding cache, not an empty one")
    args = parser.parse_args()
    if not args.user_cache:
        os.environ["TEXTCI_CACHE"] = tempfile.mkdtemp(prefix="textci-bench-cache-")

    import numpy as np
    from bench_classify import model_scores, split_training

    from textci import codebook
    from textci.classification import load_training, train
    from textci.classification.jsonl import read_samples

    book = codebook.load(None)
    training = load_training(None, book)
    dev = read_samples(args.dev, known_labels=book.label_ids, need_labels=True)
    new_ids = {json.loads(line)["id"] for path in (ROOT / "corpora" / "training" / "real").glob(args.batch)
               for line in path.read_text("utf-8").splitlines() if line.strip()}
    written, pool, test = split_training(training)
    before = [s for s in pool if s.id not in new_ids]
    print(f"held out: {len(test)} real passages; new batch: {len(new_ids)} passages "
          f"({len(pool) - len(before)} outside the held-out pages)")
    ci = book.label_ids[:5]

    def scores(model, gold):
        return model_scores(model, gold, book)

    print(f"{'training':24s} {'n':>5s} {'dev':>6s} {'dev CI':>6s} {'real':>6s} {'real CI':>7s} "
          f"{'real ECE':>8s} {'s':>5s}")
    runs = (("without the new batch", before + written), ("with the new batch", pool + written))
    for name, samples in runs[1:] if args.only_with else runs:
        started = time.perf_counter()
        model = train(samples, book, "ensemble", "use", log=lambda *a, **k: None)
        on_dev, on_real = scores(model, dev), scores(model, test)
        print(f"{name:24s} {len(samples):5d} {on_dev['macro_f1']:6.3f} "
              f"{np.mean([on_dev['labels'][label]['f1'] for label in ci]):6.3f} {on_real['macro_f1']:6.3f} "
              f"{np.mean([on_real['labels'][label]['f1'] for label in ci]):7.3f} {on_real['ece']:8.3f} "
              f"{time.perf_counter() - started:5.0f}")
        print("  held-out real F1: " + ", ".join(f"{label} {on_real['labels'][label]['f1']:.2f}"
                                                for label in book.label_ids))
        print("  held-out real macro F1 by language: " + ", ".join(
            f"{lang} {v['macro_f1']:.2f}" for lang, v in sorted(on_real["macro_f1_by_language"].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
