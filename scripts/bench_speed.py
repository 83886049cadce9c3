#!/usr/bin/env python3
"""How fast textci starts and gets through an archive, each figure beside a reference taken in the same run.

Rows (2 cores; every command is timed as a user runs it, Python start-up included):
  * start-up: `import textci`, `textci --help`;
  * one small PDF per language (the sample corpus): `textci extract FILE -o DIR` vs a Python process running
    pdfplumber's `extract_text()` on every page of the same file;
  * `textci extract --no-ocr` over the real text reports of ../shared/realpdfs vs pdfplumber on them, in
    pages per second, with the probe rate of textci's output;
  * `textci run --no-ocr` from extraction to report on 600+ real pages (../shared/realpdfs, the sample
    corpus, and each real report again with its pages in reverse order), fresh workspace and empty user
    cache, vs pdfplumber's `extract_text()` alone on the same files;
  * default-model classification, steady state, passages per second;
  * OCR of the scanned reports, pages per second per core (CPU seconds of the extraction processes);
  * peak memory (PSS, summed over every process) of a `--scheduler` run on a loopback cluster of 2
    workers, and of a local run of ARCHIVE_PAGES generated pages (distinct files);
  * `textci run corpora/sample` (what `make demo` runs) into a fresh workspace, with an empty and with a
    warm user cache.

    .venv/bin/python scripts/bench_speed.py [--archive-pages 10000] [--skip memory,archive] [--json out.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "realpdfs"
SAMPLE = ROOT / "corpora" / "sample"
BIN = Path(sys.executable).parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "tests")]

PLUMBER = """
import sys, pdfplumber
pages = 0
for path in sys.argv[1:]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            pages += 1
print(pages)
"""


def wall(command: list[str], env: dict | None = None, repeat: int = 1) -> float:
    """Median wall time of a command (it must succeed, or end with textci's 'some inputs failed' 3)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return statistics.median(times)


def plumber(files: list[Path], repeat: int = 1) -> float:
    return wall([sys.executable, "-c", PLUMBER, *map(str, files)], repeat=repeat)


def pages_of(files: list[Path]) -> int:
    import pypdfium2

    return sum(len(pypdfium2.PdfDocument(str(f))) for f in files)


def fresh_env(cache: Path | None = None) -> dict:
    """The environment of a user whose textci cache is `cache` (an empty folder: a first run)."""
    env = dict(os.environ)
    env["TEXTCI_CACHE"] = str(cache or tempfile.mkdtemp(prefix="textci-cache-"))
    return env


def manifest_kinds() -> dict[str, str]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8") as handle:
        return {row["file"]: row["kind"] for row in csv.DictReader(handle, delimiter="\t")}


def run_measured(command: list[str], env: dict, *extra_roots) -> tuple[float, "PeakMemory"]:
    """Wall seconds and peak memory of a command (plus other process trees, e.g. a cluster)."""
    import psutil
    from bench_archive import PeakMemory

    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    with PeakMemory(psutil.Process(proc.pid), *extra_roots) as memory:
        _, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, memory


# ------------------------------------------------------------------------------------------------- rows

def startup(rows):
    textci = str(BIN / "textci")
    rows.append(("`import textci`", wall([sys.executable, "-c", "import textci"], repeat=5), "s",
                 wall([sys.executable, "-c", "pass"], repeat=5), "s (bare Python)"))
    rows.append(("`textci --help`", wall([textci, "--help"], repeat=5), "s",
                 wall([sys.executable, "-c", "pass"], repeat=5), "s (bare Python)"))


def small_files(rows, tmp: Path, env: dict):
    textci = str(BIN / "textci")
    worst = 0.0
    for path in sorted(SAMPLE.glob("*.pdf")):
        ours = []
        for i in range(3):
            out = tmp / f"small-{path.stem}-{i}"
            ours.append(wall([textci, "extract", str(path), "-o", str(out)], env=env))
        ours = statistics.median(ours)
        theirs = plumber([path], repeat=3)
        worst = max(worst, ours / theirs)
        rows.append((f"`textci extract` {path.name} ({pages_of([path])} pages)", ours, "s", theirs,
                     "s pdfplumber", f"{ours / theirs:.1f}x its time"))
    return worst


def text_reports(rows, tmp: Path, env: dict):
    from bench_extract import output_texts, score

    kinds = manifest_kinds()
    files = sorted(f for f in REAL.glob("*.pdf") if kinds.get(f.name) == "text")
    pages = pages_of(files)
    out = tmp / "text-reports"
    ours = wall([str(BIN / "textci"), "extract", *map(str, files), "-o", str(out), "--no-ocr"], env=env)
    theirs = plumber(files)
    texts = output_texts(out)
    probes = [json.loads(line) for line in (REAL / "probes.jsonl").read_text("utf-8").splitlines() if line.strip()]
    probes = [p for p in probes if p["file"] in {f.name for f in files}]
    per_file, _ = score(probes, texts)
    passed = sum(a for a, _ in per_file.values())
    rows.append((f"`textci extract --no-ocr`, {len(files)} real text reports ({pages} pages)", pages / ours,
                 "pages/s", pages / theirs, "pages/s pdfplumber",
                 f"{theirs / ours:.1f}x; probes {passed}/{len(probes)}"))


def real_corpus(tmp: Path) -> Path:
    """../shared/realpdfs, the sample corpus, and each real report again with its pages reversed."""
    import pypdfium2

    corpus = tmp / "corpus600"
    corpus.mkdir()
    for source in sorted(REAL.glob("*.pdf")) + sorted(SAMPLE.glob("*.pdf")):
        shutil.copy(source, corpus / source.name)
    for source in sorted(REAL.glob("*.pdf")):
        original = pypdfium2.PdfDocument(str(source))
        copy = pypdfium2.PdfDocument.new()
        copy.import_pages(original, list(reversed(range(len(original)))))
        copy.save(str(corpus / f"reversed_{source.name}"))
    shutil.copy(SAMPLE / "cities.csv", corpus / "cities.csv")
    return corpus


def whole_run(rows, tmp: Path, corpus: Path):
    files = sorted(corpus.glob("*.pdf"))
    pages = pages_of(files)
    seconds, memory = run_measured([str(BIN / "textci"), "run", str(corpus), "-o", str(tmp / "ws600"), "--no-ocr"],
                                   fresh_env())
    theirs = plumber(files)
    rows.append((f"`textci run --no-ocr`, {len(files)} real reports ({pages} pages), extract to report", seconds,
                 "s", theirs, "s pdfplumber extract_text() alone", f"{theirs / seconds:.2f}x faster"))
    rows.append(("  peak memory of that run (PSS, all processes)", memory.peak / 2**30, "GB", None, "",
                 f"RSS summed: {memory.peak_rss / 2**30:.2f} GB"))


def classification(rows, models: list[str]):
    """Steady-state passages per second of each model (the first is the default), on the same passages."""
    import numpy as np

    from textci.classification.model import load
    from textci.data import Sample

    os.environ["TEXTCI_CACHE"] = "off"
    texts = []
    for path in sorted((ROOT / "corpora" / "training" / "real").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    random.Random(0).shuffle(texts)
    warm_up, texts = texts[2000:2500], texts[:2000]
    samples = [Sample(str(i), t) for i, t in enumerate(texts)]
    for name in models:
        model = load(name)
        model.predict_proba([Sample("w", t) for t in warm_up])  # model files, BLAS, the encoder's table of frequent ids
        started = time.perf_counter()
        together = model.predict_proba(samples)
        seconds = time.perf_counter() - started
        alone = np.vstack([model.predict_proba([s]) for s in samples[:100]])
        same = np.abs(np.round(alone, 4) - np.round(together[:100], 4)).max()
        rows.append((f"model {name}, {len(samples)} real passages, steady state", len(samples) / seconds,
                     "passages/s", None, "", f"max score change alone vs in the batch: {same:.4f}"))


def ocr(rows, tmp: Path, env: dict):
    import resource

    kinds = manifest_kinds()
    files = sorted(f for f in REAL.glob("*.pdf") if kinds.get(f.name) == "scanned")
    pages = pages_of(files)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall([str(BIN / "textci"), "extract", *map(str, files), "-o", str(tmp / "ocr"), "--workers", "1"], env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ocr_probes = [json.loads(line) for line in (REAL / "probes.jsonl").read_text("utf-8").splitlines()
                  if line.strip() and json.loads(line)["kind"] == "ocr"]
    from bench_extract import output_texts, score

    per_file, _ = score(ocr_probes, output_texts(tmp / "ocr"))
    rows.append((f"OCR, {len(files)} scanned reports ({pages} pages), whole command", pages / cpu,
                 "pages/s per core", None, "", f"OCR probes {sum(a for a, _ in per_file.values())}/{len(ocr_probes)}"))


def scheduler_memory(rows, tmp: Path, corpus: Path):
    import psutil
    from bench_archive import start_cluster

    address, procs = start_cluster(tmp)
    try:
        seconds, memory = run_measured([str(BIN / "textci"), "run", str(corpus), "-o", str(tmp / "ws-dask"), "--no-ocr",
                                      "--scheduler", address], fresh_env(),
                                     *[psutil.Process(p.pid) for p in procs])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    rows.append(("`--scheduler` run, loopback cluster of 2 workers, same corpus: peak memory (PSS, all processes)",
                 memory.peak / 2**30, "GB", None, "", f"RSS summed: {memory.peak_rss / 2**30:.2f} GB; {seconds:.0f} s"))


def generated_archive(folder: Path, pages: int) -> int:
    """Distinct generated reports of 20 pages each, paragraphs drawn from the training passages."""
    from pdf_factory import report_pdf

    paragraphs = []
    for path in sorted((ROOT / "corpora" / "training").rglob("*.jsonl")):
        paragraphs += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    rng = random.Random(7)
    folder.mkdir(parents=True)
    made = 0
    for index in range((pages + 19) // 20):
        document = [rng.sample(paragraphs, 4) for _ in range(20)]
        report_pdf(folder / f"report_{index:05d}.pdf", document)
        made += 20
    return made


def archive_memory(rows, tmp: Path, pages: int):
    folder = tmp / "archive"
    started = time.perf_counter()
    made = generated_archive(folder, pages)
    print(f"  generated {made} pages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    seconds, memory = run_measured([str(BIN / "textci"), "run", str(folder), "-o", str(tmp / "ws-archive"),
                                    "--no-ocr"], fresh_env())
    rows.append((f"local `textci run --no-ocr`, {made} generated pages (distinct files): peak memory (PSS)",
                 memory.peak / 2**30, "GB", None, "", f"RSS summed: {memory.peak_rss / 2**30:.2f} GB; "
                 f"{seconds:.0f} s, {made / seconds:.0f} pages/s"))


def demo(rows, tmp: Path):
    command = [str(BIN / "textci"), "run", str(SAMPLE), "-o"]
    cold = wall(command + [str(tmp / "demo-cold")], env=fresh_env())
    warm_cache = Path(tempfile.mkdtemp(prefix="textci-cache-"))
    wall(command + [str(tmp / "demo-warming")], env=fresh_env(warm_cache))
    warm = wall(command + [str(tmp / "demo-warm")], env=fresh_env(warm_cache))
    rows.append(("`textci run corpora/sample` (make demo), fresh workspace, empty user cache", cold, "s",
                 None, "", ""))
    rows.append(("  the same with the user cache of an earlier run (embeddings, language model)", warm, "s",
                 None, "", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive-pages", type=int, default=10_000)
    parser.add_argument("--skip", default="", help="comma-separated: startup,small,text,run,classify,ocr,"
                                                   "memory,archive,demo")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--models", nargs="+", default=["default"],
                        help="models (names or folders) for the classification row, each measured in turn")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="textci-bench-speed-") as tmp_name:
        tmp = Path(tmp_name)
        env = fresh_env()
        wall([str(BIN / "textci"), "extract", str(next(SAMPLE.glob("*.pdf"))), "-o", str(tmp / "warm"),
              "--no-ocr"], env=env)  # unpacks the language model into this cache once, as any first use does
        steps = [("startup", lambda: startup(rows)), ("small", lambda: small_files(rows, tmp, env)),
                 ("text", lambda: text_reports(rows, tmp, env)), ("classify", lambda: classification(rows, args.models)),
                 ("ocr", lambda: ocr(rows, tmp, env)), ("demo", lambda: demo(rows, tmp))]
        corpus = real_corpus(tmp) if not {"run", "memory"} <= skip else None
        steps += [("run", lambda: whole_run(rows, tmp, corpus)),
                  ("memory", lambda: scheduler_memory(rows, tmp, corpus)),
                  ("archive", lambda: archive_memory(rows, tmp, args.archive_pages))]
        for name, step in steps:
            if name not in skip:
                print(f"... {name}", file=sys.stderr)
                step()
    print("| what | textci | reference in the same run | ratio / note |\n|---|---:|---:|---|")
    for what, value, unit, reference, ref_unit, *note in rows:
        ref = f"{reference:.2f} {ref_unit}" if reference is not None else ""
        print(f"| {what} | {value:.2f} {unit} | {ref} | {note[0] if note else ''} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
