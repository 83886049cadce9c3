#!/usr/bin/env python3
"""Benchmark OCR of scanned pages: an earlier revision of textci ("before") against this tree ("after"), in one run.

The machine may be shared with other jobs, so absolute timings are noisy:
every figure that matters is a ratio of two measurements taken side by side,
the two versions interleaved and each timed --repeat times (best kept).

  * whole command: `python -m textci.cli extract <the scanned reports of
    MANIFEST.tsv> -o DIR --workers 1`, as bench_speed.py's OCR row runs it;
    CPU seconds of the command and everything it started, pages per CPU
    second (pages/s/core) of each version and after/before;
  * a small PDF with one scanned page (the sample corpus's san-teodoro):
    `textci extract FILE -o DIR` wall time, start-up included, against a
    Python process running pdfplumber's extract_text() on the same file;
  * quality, per OCR'd page of those files: the page texts of both versions
    (pages.jsonl) and of a 300 dpi reference (the before revision's
    extraction with its OCR at 300 dpi), compared word by word: difflib ratio
    of the word sequences, and the share of words in common whatever their
    order (table cells and columns may come out in another order);
  * the OCR probes of probes.jsonl passed by each version.

The before revision is unpacked with `git archive` into a temporary folder and
run from there (PYTHONPATH), so it needs this repository's history.

    .venv/bin/python scripts/bench_ocr.py [--before 255d429] [--repeat 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "realpdfs"
SMALL_SCAN = ROOT / "corpora" / "sample" / "san-teodoro_piano_2021_it.pdf"
BEFORE = "255d429"  # main before the OCR speed work: pytesseract, one upper-half language sample per document
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

# The reference: the before revision's extraction, its OCR at 300 dpi (its ocr_page takes the dpi).
REFERENCE = """
import sys
from pathlib import Path
from textci.extraction import ocr
from textci.cli import main
at_dpi = ocr.ocr_page
ocr.ocr_page = lambda pdf, index, langs, dpi=300: at_dpi(pdf, index, langs, dpi)
sys.exit(main(sys.argv[1:]))
"""

PLUMBER = """
import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
"""


def unpack(revision: str, folder: Path) -> Path:
    """The tree of a git revision of this repository, in a new folder."""
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_textci(tree: Path, arguments: list[str], env: dict, program: list[str] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a textci command run from a source tree; it must succeed."""
    command = [sys.executable, *(program or ["-m", "textci.cli"]), *arguments]
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**env, "PYTHONPATH": str(tree)}, cwd=tree)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return cpu, seconds


def scanned_reports() -> list[Path]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8") as handle:
        return sorted(REAL / row["file"] for row in csv.DictReader(handle, delimiter="\t") if row["kind"] == "scanned")


def page_texts(folder: Path) -> dict[tuple[str, int], tuple[str, str]]:
    """(file, page) -> (method, text) of the pages.jsonl a `textci extract` wrote."""
    records = map(json.loads, (folder / "pages.jsonl").read_text("utf-8").splitlines())
    return {(Path(r["file"]).name, r["page"]): (r["method"], r["text"]) for r in records}


def word_similarity(a: str, b: str) -> tuple[float, float]:
    """(difflib ratio of the word sequences, share of words in common regardless of order)."""
    a, b = a.split(), b.split()
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    common = sum((Counter(a) & Counter(b)).values())
    return ratio, 2 * common / max(1, len(a) + len(b))


def ocr_probes(texts: dict[tuple[str, int], tuple[str, str]]) -> tuple[int, int]:
    from bench_extract import score

    probes = [json.loads(line) for line in (REAL / "probes.jsonl").read_text("utf-8").splitlines() if line.strip()]
    probes = [p for p in probes if p["kind"] == "ocr"]
    per_file, _ = score(probes, {key: text for key, (_, text) in texts.items()})
    return sum(a for a, _ in per_file.values()), len(probes)


def timed_versions(trees: dict[str, Path], arguments, out: Path, env: dict, repeat: int) -> dict[str, list]:
    """Each version's (CPU s, wall s) runs of a command, the versions interleaved; the first run's output kept."""
    runs = {name: [] for name in trees}
    for n in range(repeat):
        for name in (list(trees) if n % 2 == 0 else list(trees)[::-1]):
            folder = out / f"{name}-{n}"
            runs[name].append(run_textci(trees[name], ["extract", *arguments, "-o", str(folder)], env))
    return runs


def quality_rows(outputs: dict[str, Path]) -> list[dict]:
    texts = {name: page_texts(folder) for name, folder in outputs.items()}
    pages = sorted(key for key, (method, _) in texts["before"].items() if method == "ocr")
    rows = []
    for key in pages:
        text = {name: texts[name].get(key, ("", ""))[1] for name in texts}
        rows.append({"file": key[0], "page": key[1], **{f"words_{name}": len(text[name].split()) for name in text}})
        for a, b in (("after", "before"), ("after", "reference"), ("before", "reference")):
            rows[-1][f"seq_{a}_{b}"], rows[-1][f"common_{a}_{b}"] = word_similarity(text[a], text[b])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git revision to compare this tree with")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each version")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from textci.extraction import ocr

    if not ocr.available_languages():
        sys.exit("Tesseract is not installed: run scripts/install_system_deps.sh")
    scans = scanned_reports()
    import pypdfium2

    pages = sum(len(pypdfium2.PdfDocument(str(f))) for f in scans)
    with tempfile.TemporaryDirectory(prefix="bench_ocr_") as folder:
        tmp = Path(folder)
        trees = {"before": unpack(args.before, tmp / "before-tree"), "after": ROOT}
        env = {**os.environ, "TEXTCI_CACHE": str(tmp / "cache")}
        # a first run unpacks the language model into the cache, as any first use does
        run_textci(ROOT, ["extract", str(SMALL_SCAN), "-o", str(tmp / "warm"), "--no-ocr"], env)
        print(f"... whole command on {len(scans)} scanned reports ({pages} pages), {args.repeat} runs each",
              file=sys.stderr)
        whole = timed_versions(trees, [*map(str, scans), "--workers", "1"], tmp / "whole", env, args.repeat)
        print("... small scanned file", file=sys.stderr)
        small = timed_versions(trees, [str(SMALL_SCAN)], tmp / "small", env, args.repeat)
        plumber = [run_textci(ROOT, [str(SMALL_SCAN)], env, ["-c", PLUMBER]) for _ in range(args.repeat)]
        print("... 300 dpi reference", file=sys.stderr)
        run_textci(trees["before"], ["extract", *map(str, scans), str(SMALL_SCAN), "-o", str(tmp / "reference")],
                   env, ["-c", REFERENCE])
        for name in trees:  # the small file's pages beside the scanned reports', for the quality table
            (tmp / "whole" / f"{name}-0" / "pages.jsonl").open("a", encoding="utf-8").write(
                (tmp / "small" / f"{name}-0" / "pages.jsonl").read_text("utf-8"))
        quality = quality_rows({"before": tmp / "whole" / "before-0", "after": tmp / "whole" / "after-0",
                                "reference": tmp / "reference"})
        probes = {name: ocr_probes(page_texts(tmp / "whole" / f"{name}-0")) for name in trees}
    report = summary(whole, small, plumber, pages, quality, probes)
    print_report(report, quality, args.before)
    if args.json:
        args.json.write_text(json.dumps({"before": args.before, **report, "pages": quality}, indent=1) + "\n", "utf-8")
    return 0


def summary(whole, small, plumber, pages, quality, probes) -> dict:
    cpu = {name: min(c for c, _ in runs) for name, runs in whole.items()}
    small_wall = {name: statistics.median(w for _, w in runs) for name, runs in small.items()}
    plumber_wall = statistics.median(w for _, w in plumber)
    words = [r["words_before"] + r["words_after"] for r in quality]
    weighted = lambda key: sum(r[key] * w for r, w in zip(quality, words)) / max(1, sum(words))  # noqa: E731
    return {"scanned_pages": pages,
            "cpu_s": cpu, "pages_per_s_per_core": {name: pages / c for name, c in cpu.items()},
            "speed_ratio_after_before": cpu["before"] / cpu["after"],
            "small_file_wall_s": small_wall, "small_file_pdfplumber_s": plumber_wall,
            "small_file_times_pdfplumber": {name: w / plumber_wall for name, w in small_wall.items()},
            "quality": {key: weighted(key) for key in quality[0] if key.startswith(("seq_", "common_"))},
            "ocr_probes": {name: f"{a}/{b}" for name, (a, b) in probes.items()}}


def print_report(report: dict, quality: list[dict], before: str) -> None:
    cpu, speed = report["cpu_s"], report["pages_per_s_per_core"]
    small, times = report["small_file_wall_s"], report["small_file_times_pdfplumber"]
    print(f"before = {before}, after = this tree; best of the interleaved runs\n")
    print(f"whole command, {report['scanned_pages']} scanned pages, --workers 1:")
    print(f"  CPU s   before {cpu['before']:6.2f}  after {cpu['after']:6.2f}")
    print(f"  pages/s/core   before {speed['before']:.2f}  after {speed['after']:.2f}  "
          f"after/before {report['speed_ratio_after_before']:.2f}x")
    print(f"small scanned file ({SMALL_SCAN.name}), wall, median: before {small['before']:.2f} s = "
          f"{times['before']:.1f}x pdfplumber, after {small['after']:.2f} s = {times['after']:.1f}x pdfplumber "
          f"({report['small_file_pdfplumber_s']:.2f} s)")
    print(f"OCR probes passed: before {report['ocr_probes']['before']}, after {report['ocr_probes']['after']}\n")
    pairs = (("after", "before"), ("after", "reference"), ("before", "reference"))
    print("word similarity per OCR'd page (seq = difflib ratio of the word sequences, common = words in common; "
          "reference = before at 300 dpi)")
    print(f"{'file':44} {'page':>4} {'words b/a/ref':>14} " + " ".join(f"{f'{a[0]}~{b[:3]} seq/common':>20}"
                                                                      for a, b in pairs))
    counts = ("words_before", "words_after", "words_reference")
    total = {"file": "ALL (weighted by words)", "page": 0, **{k: sum(r[k] for r in quality) for k in counts},
             **report["quality"]}
    for row in quality + [total]:
        words = f"{row['words_before']}/{row['words_after']}/{row['words_reference']}"
        print(f"{row['file'][:44]:44} {row['page'] or '':>4} {words:>14} "
              + " ".join(f"{row[f'seq_{a}_{b}']:9.3f} {row[f'common_{a}_{b}']:9.3f}  " for a, b in pairs))


if __name__ == "__main__":
    sys.exit(main())
