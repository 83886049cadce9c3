#!/usr/bin/env python3
"""The quality model's mixture: the tuned e5 model, the USE model, and blends of the two, on held-out real pages.

Both members are trained on the corpus minus the fifth of real source pages
that bench_classify.py holds out. The tuned one comes from

    .venv/bin/python scripts/bench_classify.py --only-encoders --encoders tuned --keep-models DIR

(DIR/tuned; about 75 minutes on a bfloat16 CPU); the USE one (the default's
recipe) is trained here on the same passages unless --use-model names one.
Each row mixes the two members' probabilities and thresholds with the USE
member's weight w (textci/classification/blend.py):

    .venv/bin/python scripts/bench_blend.py --tuned DIR/tuned [--use-model DIR2] [--weights 0,0.2,0.3,0.4,0.5,1]

Prints, per weight, dev and held-out macro F1, the CI conditions' mean and
minimum, the lowest language and ECE; then the CI conditions and languages of
each row; and the speed of the tuned member alone and of the blend.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuned", type=Path, required=True, help="tuned model trained without the held-out fifth")
    parser.add_argument("--use-model", type=Path, help="USE model trained without it (default: train one here)")
    parser.add_argument("--save-use", type=Path, help="save the USE model trained here in this folder")
    parser.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6,1", help="USE member's weights to score")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import numpy as np
    from bench_classify import split_training

    from textci import codebook
    from textci.classification import evaluate as ev
    from textci.classification import load, load_training, train
    from textci.classification.jsonl import read_samples
    from textci.classification.model import blended, label_matrix
    from textci.data import Sample

    book = codebook.load(None)
    written, pool, test = split_training(load_training(None, book))
    dev = read_samples(args.dev, known_labels=book.label_ids, need_labels=True)
    tuned = load(args.tuned)
    if tuned.info.get("training_samples") != len(written) + len(pool):
        print(f"note: the tuned model was trained on {tuned.info.get('training_samples')} passages, "
              f"the corpus minus the held-out fifth now has {len(written) + len(pool)}")
    if args.use_model:
        use = load(args.use_model)
    else:
        t0 = time.perf_counter()
        use = train(written + pool, book, log=lambda message: None)
        print(f"USE member trained on {len(written) + len(pool)} passages in {time.perf_counter() - t0:.0f} s")
        if args.save_use:
            use.save(args.save_use)
    ci = book.label_ids[:5]
    weights = [float(w) for w in args.weights.split(",")]
    probabilities = {}
    for where, gold in (("dev", dev), ("real", test)):
        probabilities[where] = (tuned.predict_proba(gold), use.predict_proba(gold), label_matrix(gold, book.label_ids),
                                [s.lang for s in gold])
    print(f"\n== blends: held out {len(test)} real passages + dev {len(dev)}; w = the USE member's weight")
    print(f"{'w':>4s} {'dev':>6s} {'real':>6s} {'real CI':>7s} {'min CI':>6s} {'min lang':>8s} {'ECE':>6s}")
    rows = {}
    for w in weights:
        row = {}
        for where, (P_tuned, P_use, Y, langs) in probabilities.items():
            P = (1 - w) * P_tuned + w * P_use
            cut = (1 - w) * tuned.classifier.thresholds_ + w * use.classifier.thresholds_
            row[where] = ev.evaluate(book.label_ids, Y, P, P >= cut, langs)
        real = row["real"]
        labels = {l: real["labels"][l]["f1"] for l in book.label_ids}
        by_language = {l: v["macro_f1"] for l, v in real["macro_f1_by_language"].items()}
        rows[w] = {"dev_macro_f1": row["dev"]["macro_f1"], "real_macro_f1": real["macro_f1"], "real_ece": real["ece"],
                   "real_labels": labels, "real_by_language": by_language}
        print(f"{w:4.2f} {row['dev']['macro_f1']:6.3f} {real['macro_f1']:6.3f} "
              f"{np.mean([labels[l] for l in ci]):7.3f} {min(labels[l] for l in ci):6.2f} "
              f"{min(by_language.values()):8.2f} {real['ece']:6.3f}")
    print(f"\n{'w':>4s} " + " ".join(f"{l[:12]:>12s}" for l in ci) + "  " + " ".join(
        f"{l:>5s}" for l in sorted(rows[weights[0]]["real_by_language"])))
    for w, r in rows.items():
        print(f"{w:4.2f} " + " ".join(f"{r['real_labels'][l]:12.2f}" for l in ci) + "  " + " ".join(
            f"{r['real_by_language'][l]:5.2f}" for l in sorted(r["real_by_language"])))
    speeds = {}
    for name, model in (("tuned", tuned), ("blend 0.4", blended(tuned, use, 0.4))):
        # texts new to both encoders' caches, so that every row embeds them
        speed_samples = [Sample(f"v{i}", f"{dev[i % len(dev)].text} ({name} {i})", "en") for i in range(400)]
        model.classify([Sample("w", f"warm up {name}", "en")])
        t0 = time.perf_counter()
        model.classify(speed_samples)
        speeds[name] = len(speed_samples) / (time.perf_counter() - t0)
    print("\npassages/s in process (400 passages, warm): " + ", ".join(f"{n} {v:.1f}" for n, v in speeds.items()))
    if args.json:
        args.json.write_text(json.dumps({"rows": {str(w): r for w, r in rows.items()}, "speed": speeds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
