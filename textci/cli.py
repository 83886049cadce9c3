"""Command-line interface: argument parsing only; every command calls the library."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import TextciError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with a short hint
        self.print_usage(sys.stderr)
        print(f"textci: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="textci", description="Text-mine policy and evaluation reports "
                     "for Collective Impact conditions and urban-security issues.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ex = sub.add_parser("extract", help="PDF files or folders -> clean, page-cited passages")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="PDF files or folders (searched recursively)")
    ex.add_argument("-o", "--outdir", required=True, type=Path, help="folder for the JSONL results")
    ex.add_argument("--force", action="store_true", help="overwrite an existing OUTDIR's results")
    ex.add_argument("--extractor", choices=("pdfium", "pdfplumber"), default="pdfium",
                    help="text layer to read (default: pdfium, the faster and more accurate)")
    ex.add_argument("--no-ocr", action="store_true", help="report scanned pages instead of OCR'ing them")
    ex.add_argument("--timeout", type=float, default=120.0, help="seconds per document (default 120)")
    ex.add_argument("--max-pages", type=_positive_int, help="read at most this many pages per document")
    ex.add_argument("--max-file-mb", type=_positive_int, default=1024, help="skip larger files (default 1024)")
    ex.add_argument("--memory-mb", type=_positive_int, default=1024,
                    help="memory in MB one document may use beyond the worker's start (default 1024)")
    ex.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                    help="documents processed in parallel (default: number of cores)")
    tr = sub.add_parser("train", help="train a classifier on labelled passages")
    tr.add_argument("-o", "--output", required=True, type=Path, help="model folder to write, e.g. models/NAME")
    tr.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    tr.add_argument("--training", type=Path, help="folder (or file) of labelled JSONL (default: corpora/training)")
    tr.add_argument("--classifier", default="ensemble", help="ensemble (default), lexicon, zeroshot or supervised")
    tr.add_argument("--embedder", default="use",
                    help="use (default, multilingual, offline), minilm (packaged English model), "
                         "or any sentence-transformers model path or name")

    cl = sub.add_parser("classify", help="passages.jsonl -> labels, scores and evidence per passage")
    cl.add_argument("input", type=Path, metavar="INPUT", help="passages.jsonl or any JSONL with id, text, lang")
    cl.add_argument("-o", "--output", required=True, type=Path, help="predictions JSONL to write")
    cl.add_argument("--model", help="model name in models/ or a model folder (default: default)")
    cl.add_argument("--codebook", help="codebook the model was trained on, if not its own")
    cl.add_argument("--threshold", type=float, help="one probability threshold for all labels")
    cl.add_argument("--keep-going", action="store_true", help="report bad lines and classify the rest")

    ev = sub.add_parser("evaluate", help="score a model against gold labels")
    ev.add_argument("gold", type=Path, metavar="GOLD", help="JSONL with id, text, lang, labels")
    ev.add_argument("--predictions", type=Path, help="predictions JSONL to score instead of classifying")
    ev.add_argument("--model", help="model name or folder (default: default)")
    ev.add_argument("--codebook", help="codebook name or YAML path")
    ev.add_argument("--threshold", type=float, help="one probability threshold for all labels")
    ev.add_argument("--json", type=Path, help="also write the numbers as JSON")
    return parser


def cmd_train(args) -> int:
    from . import codebook
    from .classification import CLASSIFIERS, load_training, train

    if args.classifier not in CLASSIFIERS:
        raise UsageError(f"unknown classifier {args.classifier!r}; choose one of {', '.join(CLASSIFIERS)}")
    book = codebook.load(args.codebook)
    samples = load_training(args.training, book)
    model = train(samples, book, args.classifier, args.embedder,
                  info={"training": str(args.training or "corpora/training")})
    model.save(args.output)
    print(f"trained {args.classifier} on {len(samples)} passages ({len(book.labels)} labels) -> {args.output}/")
    return 0


def cmd_classify(args) -> int:
    from .classification import load
    from .classification.jsonl import read_samples
    from .io import write_jsonl

    model = load(args.model, args.codebook)
    problems = [] if args.keep_going else None
    samples = read_samples(args.input, problems=problems)
    predictions = model.classify(samples, threshold=args.threshold)
    write_jsonl(args.output, (p.to_json() for p in predictions))
    for problem in problems or []:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"classified {len(predictions)} passages -> {args.output}"
          + (f" ({len(problems)} bad lines skipped)" if problems else ""))
    return 3 if problems else 0


def cmd_evaluate(args) -> int:
    import json

    import numpy as np

    from .classification import evaluate as ev
    from .classification import load
    from .classification.jsonl import read_samples
    from .classification.model import label_matrix

    model = load(args.model, args.codebook) if not args.predictions else None
    if model is None:
        from . import codebook

        book = codebook.load(args.codebook)
    else:
        book = model.codebook
    gold = read_samples(args.gold, known_labels=book.label_ids, need_labels=True)
    if args.predictions:
        predicted = {s.id: json.loads(line) for s, line in _matched(gold, args.predictions)}
        P = _prediction_matrix(gold, predicted, book.label_ids, "scores")
        D = _prediction_matrix(gold, predicted, book.label_ids, "labels")
    else:
        preds = model.classify(gold, threshold=args.threshold)
        P = np.array([[p.scores[l] for l in book.label_ids] for p in preds])
        D = np.array([[l in p.labels for l in book.label_ids] for p in preds])
    result = ev.evaluate(book.label_ids, label_matrix(gold, book.label_ids), P, D, [s.lang for s in gold])
    print(ev.format_report(result))
    if args.json:
        from .io import write_atomic

        write_atomic(args.json, json.dumps(result, indent=1) + "\n")
    return 0


def _matched(gold, path):
    import json

    by_id = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                by_id[str(json.loads(line)["id"])] = line
    missing = [s.id for s in gold if s.id not in by_id]
    if missing:
        raise UsageError(f"{path} has no prediction for {len(missing)} gold id(s), e.g. {missing[:3]}")
    return [(s, by_id[s.id]) for s in gold]


def _prediction_matrix(gold, predicted, label_ids, key):
    import numpy as np

    rows = []
    for s in gold:
        value = predicted[s.id].get(key, {} if key == "scores" else [])
        rows.append([float(value.get(l, 0.0)) for l in label_ids] if key == "scores"
                    else [l in value for l in label_ids])
    return np.array(rows)


def cmd_extract(args) -> int:
    from .extraction import ExtractOptions, Limits, extract
    from .outputs import prepare_outdir, write_extraction

    prepare_outdir(args.outdir, args.force)
    options = ExtractOptions(extractor=args.extractor, ocr=not args.no_ocr, max_pages=args.max_pages,
                             max_file_bytes=args.max_file_mb * 2**20)
    limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)

    def progress(document):
        mark = {"ok": "ok", "partial": "partial", "failed": "FAILED"}[document.status]
        print(f"  {mark:7s} {document.file} ({document.pages} pages, {len(document.passages)} passages)",
              file=sys.stderr)

    result = extract(args.inputs, options, workers=args.workers, limits=limits, on_document=progress)
    write_extraction(result, args.outdir)
    docs = result.documents
    failed = sum(d.status == "failed" for d in docs)
    print(f"{len(docs)} documents ({failed} failed), {len(result.pages)} pages, "
          f"{len(result.passages)} passages, {len(result.errors)} problems -> {args.outdir}/")
    if result.errors:
        print(f"see {args.outdir / 'errors.jsonl'} for what went wrong and what to do", file=sys.stderr)
    return result.exit_status


COMMANDS = {"extract": cmd_extract, "train": cmd_train, "classify": cmd_classify, "evaluate": cmd_evaluate}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"textci: error: {exc}", file=sys.stderr)
        return 2
    except TextciError as exc:
        print(f"textci: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
