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
    ex.add_argument("--memory-mb", type=_positive_int, default=2048,
                    help="address-space limit per worker in MB (default 2048)")
    ex.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                    help="documents processed in parallel (default: number of cores)")
    return parser


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


COMMANDS = {"extract": cmd_extract}


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
