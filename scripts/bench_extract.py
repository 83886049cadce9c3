#!/usr/bin/env python3
"""Benchmark text extraction on the real reports in ../shared/realpdfs/.

Measures, in the same run and on the same pages:
  * pdfplumber's `extract_text()` (the baseline),
  * textci's page extraction with the default (pdfium) and the pdfplumber text layer,
  * textci's full `extract` (pages + sentence segmentation + language id), in process and as the whole
    command (`textci extract --no-ocr`, start-up and worker processes included),
and scores each against probes.jsonl (text a correct extraction must contain,
or must not contain for furniture probes). OCR is off for the timings so that
all rows read the same text layers; the OCR pass rate is reported on its own.
Last, how many artefacts of each kind (note markers, bullets, private-use and
symbol-font glyphs, rotated text, footnote lines) extraction took out of the
body text, per document.

    .venv/bin/python scripts/bench_extract.py [--pdfdir ../shared/realpdfs] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textci.extraction.document import ExtractOptions, count_artefacts, extract_document  # noqa: E402


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def plumber_pages(path: Path) -> dict[int, str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return {i + 1: page.extract_text() or "" for i, page in enumerate(pdf.pages)}


def textci_pages(path: Path, options: ExtractOptions) -> dict[int, str]:
    document = extract_document(path, path.name, options)
    return {p.page: p.text for p in document.page_records}


def score(probes, texts: dict[tuple[str, int], str]):
    per_file = defaultdict(lambda: [0, 0])
    by_kind = defaultdict(lambda: [0, 0])
    for probe in probes:
        hit = norm(probe["text"]) in norm(texts.get((probe["file"], probe["page"]), ""))
        ok = not hit if probe["kind"] == "furniture" else hit
        per_file[probe["file"]][0] += ok
        per_file[probe["file"]][1] += 1
        by_kind[probe["kind"]][0] += ok
        by_kind[probe["kind"]][1] += 1
    return per_file, by_kind


def run(name, fn, pdfs, probes):
    texts, pages, started = {}, 0, time.perf_counter()
    for pdf in pdfs:
        for page, text in fn(pdf).items():
            texts[(pdf.name, page)] = text
            pages += 1
    return result_row(name, texts, time.perf_counter() - started, probes)


def result_row(name: str, texts: dict[tuple[str, int], str], seconds: float, probes) -> dict:
    per_file, by_kind = score(probes, texts)
    return {"name": name, "pages": len(texts), "seconds": seconds, "pages_per_s": len(texts) / seconds,
            "per_file": {f: f"{a}/{b}" for f, (a, b) in sorted(per_file.items())},
            "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(by_kind.items())},
            "pass_rate": sum(a for a, _ in per_file.values()) / max(1, sum(b for _, b in per_file.values()))}


def output_texts(folder: Path) -> dict[tuple[str, int], str]:
    """(file name, page) -> text, from the pages.jsonl a `textci extract` wrote."""
    records = map(json.loads, (Path(folder) / "pages.jsonl").read_text("utf-8").splitlines())
    return {(Path(r["file"]).name, r["page"]): r["text"] for r in records}


def whole_command(pdfs, probes):
    """`textci extract --no-ocr` as a user runs it (a new process: start-up, workers), scored on its pages.jsonl."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "textci.cli", "extract", *map(str, pdfs), "-o", out, "--force",
                        "--no-ocr"], check=False, capture_output=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        texts = output_texts(Path(out))
    return result_row("textci extract --no-ocr (whole command)", texts, seconds, probes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfdir", type=Path, default=ROOT.parent / "shared" / "realpdfs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    probes = [json.loads(l) for l in open(args.pdfdir / "probes.jsonl", encoding="utf-8") if l.strip()]
    pdfs = sorted(args.pdfdir.glob("*.pdf"))
    from textci.segment import language

    language.warm_up()
    rows = [
        run("pdfplumber extract_text()", plumber_pages, pdfs, probes),
        run("textci pages (pdfium, default)",
            lambda p: textci_pages(p, ExtractOptions(ocr=False, segment=False)), pdfs, probes),
        run("textci pages+passages (pdfium, default)",
            lambda p: textci_pages(p, ExtractOptions(ocr=False)), pdfs, probes),
        run("textci pages (--extractor pdfplumber)",
            lambda p: textci_pages(p, ExtractOptions(extractor="pdfplumber", ocr=False, segment=False)),
            pdfs, probes),
    ]
    rows.append(whole_command(pdfs, probes))
    ocr_probes = [p for p in probes if p["kind"] == "ocr"]
    if ocr_probes:
        files = sorted({p["file"] for p in ocr_probes})
        rows.append(run("textci pages with OCR (scanned files only)",
                        lambda p: textci_pages(p, ExtractOptions()), [args.pdfdir / f for f in files], ocr_probes))
    import resource
    import subprocess
    import tempfile

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "textci.cli", "extract", str(args.pdfdir), "-o", out, "--force",
                        "--include", "*.pdf"],
                       check=False, capture_output=True, cwd=ROOT)
    cli_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base = rows[0]["pages_per_s"]
    print(f"{'extractor':44s} {'pages':>5s} {'s':>7s} {'pages/s':>8s} {'x plumber':>9s} {'probes':>7s}  by kind")
    for row in rows:
        print(f"{row['name']:44s} {row['pages']:5d} {row['seconds']:7.2f} {row['pages_per_s']:8.1f} "
              f"{row['pages_per_s'] / base:9.1f} {row['pass_rate']:7.2f}  "
              + " ".join(f"{k}={v}" for k, v in row["by_kind"].items()))
    print(f"\nfull CLI run with OCR and 2 workers: {cli_seconds:.1f} s wall; "
          f"largest single process peak RSS {peak_mb:.0f} MB")
    print("\nper document (probes passed):")
    files = sorted({f for row in rows[:4] for f in row["per_file"]})
    print(f"{'file':58s} " + " ".join(f"{r['name'][:18]:>18s}" for r in rows[:4]))
    for f in files:
        print(f"{f:58s} " + " ".join(f"{r['per_file'].get(f, '-'):>18s}" for r in rows[:4]))
    artefacts: dict[str, dict[str, int]] = defaultdict(dict)
    for pdf in pdfs:
        for kind, n in count_artefacts(pdf, ExtractOptions(ocr=False, segment=False)).items():
            if n:
                artefacts[kind][pdf.name] = n
    print("\nartefacts found and taken out of the body text (OCR off):")
    print(f"{'kind':40s} {'found':>6s}  documents")
    for kind, per_file in sorted(artefacts.items()):
        files = ", ".join(f"{f.split('.')[0]} {n}" for f, n in sorted(per_file.items()))
        print(f"{kind:40s} {sum(per_file.values()):6d}  {files}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
