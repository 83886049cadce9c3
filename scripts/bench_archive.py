#!/usr/bin/env python3
"""Benchmark archive runs: first run, unchanged re-run, one file added, local vs Dask, in one run.

Builds an archive of at least 1,000 pages from ../shared/realpdfs and
corpora/sample, each PDF copied under several names with a different trailing
comment (so every copy has its own content hash and is really processed), in
folders per fictional city. Then times `textci run` (OCR on, default model,
themes, comparison, report) and samples the resident memory of this process
and all its children (workers, OCR, Dask processes) every 0.2 s.

    .venv/bin/python scripts/bench_archive.py [--copies 4] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CITIES = ("Aldmoor", "Brevik", "Castelnau", "Dornbach")


def build_archive(target: Path, copies: int) -> int:
    """Copies of every source PDF, one folder per city; returns the page count."""
    import pypdfium2

    sources = (sorted((ROOT.parent / "shared" / "realpdfs").glob("*.pdf"))
               + sorted((ROOT / "corpora" / "sample").glob("*.pdf")))
    pages = 0
    for i in range(copies):
        folder = target / CITIES[i % len(CITIES)]
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            data = source.read_bytes() + f"\n%textci-bench copy {i}\n".encode()
            (folder / f"c{i}_{source.name}").write_bytes(data)
            try:
                pages += len(pypdfium2.PdfDocument(str(source)))
            except Exception:
                pass
    return pages


class PeakMemory:
    """Largest sums of PSS (shared pages counted once) and of RSS over processes and their descendants.

    The roots default to this process; samples every 0.2 s in a thread.
    """

    def __init__(self, *roots):
        import psutil

        self.roots = [psutil.Process(r) if isinstance(r, int) else r for r in roots] or [psutil.Process()]
        self.peak = self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        import psutil

        while not self._stop.is_set():
            seen, pss, rss = set(), 0, 0
            for root in self.roots:
                try:
                    family = [root] + root.children(recursive=True)
                except psutil.Error:
                    continue
                for proc in family:
                    if proc.pid in seen:
                        continue
                    seen.add(proc.pid)
                    try:
                        info = proc.memory_full_info()
                        pss, rss = pss + info.pss, rss + info.rss
                    except psutil.Error:
                        pass
            self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed_run(corpus: Path, workspace: Path, **kwargs):
    from textci.batch import run
    from textci.batch.progress import Progress

    with PeakMemory() as memory:
        started = time.perf_counter()
        result = run(corpus, workspace, progress=Progress(open(os.devnull, "w")), **kwargs)
        seconds = time.perf_counter() - started
    return result, seconds, memory.peak_rss


def start_cluster(folder: Path, workers: int = 2):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = str(Path(sys.executable).parent / "dask")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    procs += [subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--no-dashboard"],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
              for _ in range(workers)]
    from distributed import Client

    with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
        client.wait_for_workers(workers, timeout=120)
    return f"tcp://127.0.0.1:{port}", procs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="textci-bench-archive-"))
    corpus = work / "archive"
    pages = build_archive(corpus, args.copies)
    files = len(list(corpus.rglob("*.pdf")))
    print(f"archive: {files} PDFs, {pages} pages (copies of ../shared/realpdfs and corpora/sample) in {corpus}")
    rows = []

    result, seconds, peak = timed_run(corpus, work / "ws")
    first = seconds
    rows.append(("first run (local, 2 workers)", result, seconds, peak))
    result, seconds, peak = timed_run(corpus, work / "ws")
    rows.append(("unchanged re-run", result, seconds, peak))
    shutil.copy(ROOT / "corpora" / "sample" / "valdeoro_plan_2023_es.pdf", corpus / CITIES[0] / "added_valdeoro.pdf")
    with open(corpus / CITIES[0] / "added_valdeoro.pdf", "ab") as handle:
        handle.write(b"\n%textci-bench added\n")
    result, seconds, peak = timed_run(corpus, work / "ws")
    rows.append(("one file added", result, seconds, peak))
    if not args.no_dask:
        address, procs = start_cluster(work)
        try:
            result, seconds, peak = timed_run(corpus, work / "ws-dask", scheduler=address)
            rows.append(("first run on Dask (loopback, 2 workers)", result, seconds, peak))
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
        same = all((work / "ws" / f).read_bytes() == (work / "ws-dask" / f).read_bytes()
                   for f in ("passages.jsonl", "predictions.jsonl", "themes.json", "passage_themes.jsonl"))
        print(f"Dask outputs identical to the local run's: {same}")

    print(f"{'run':42s} {'seconds':>8s} {'x first':>8s} {'pages/s':>8s} {'extracted':>9s} {'peak RSS MB':>11s}")
    out = []
    for name, result, seconds, peak in rows:
        s = result.stats
        print(f"{name:42s} {seconds:8.2f} {seconds / first:8.4f} {s.pages / seconds:8.1f} {s.extracted:9d} "
              f"{peak / 2**20:11.0f}")
        out.append({"run": name, "seconds": round(seconds, 2), "ratio_to_first": round(seconds / first, 4),
                    "pages": s.pages, "passages": s.passages, "documents": s.documents, "failed": s.failed,
                    "extracted": s.extracted, "peak_rss_mb": round(peak / 2**20), "timings": s.timings})
    if args.json:
        args.json.write_text(json.dumps({"pages": pages, "files": files, "rows": out}, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
