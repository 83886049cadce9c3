"""Passages per second of `textci classify --model quality` as a whole command, start-up included.

    .venv/bin/python scripts/bench_quality_speed.py [--against 20187e3] [--passages 400] [--rounds 3]

Three variants, each a fresh process with the embedding cache off, on the same
distinct real passages (corpora/training/real) within a round, in turn, the
order rotating from round to round so that the machine's other jobs slow all
alike: this tree as it runs by default, this tree with
TEXTCI_E5_PRECISION=float32, and another git revision (unpacked from git with
its own models, by bench_ocr.unpack). Prints the median wall time of each and its ratio to the
other revision.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "corpora" / "training" / "real"


def passages(count: int, rounds: int) -> list[list[dict]]:
    lines = [json.loads(line) for path in sorted(REAL.glob("*.jsonl")) for line in path.read_text("utf-8").splitlines()]
    random.Random(0).shuffle(lines)
    if len(lines) < count * rounds:
        raise SystemExit(f"only {len(lines)} real passages for {rounds} rounds of {count}")
    return [[{"id": f"r{r}p{i}", "lang": d["lang"], "text": d["text"]}
             for i, d in enumerate(lines[r * count:(r + 1) * count])]
            for r in range(rounds)]


def timed(tree: Path, env_extra: dict, source: Path, out: Path) -> float:
    env = {**os.environ, "TEXTCI_CACHE": "off", "PYTHONPATH": str(tree), **env_extra}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "textci.cli", "classify", str(source), "-o", str(out), "--model", "quality"],
                   cwd=tree, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="20187e3", help="the git revision to compare with")
    parser.add_argument("--passages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from bench_ocr import unpack  # the scripts folder is on sys.path when a script runs

    with tempfile.TemporaryDirectory(prefix="bench-quality-") as scratch:
        scratch = Path(scratch)
        variants = {"this tree": (ROOT, {}), "this tree, float32": (ROOT, {"TEXTCI_E5_PRECISION": "float32"}),
                    args.against: (unpack(args.against, scratch / f"textci-{args.against}"), {})}
        seconds: dict[str, list[float]] = {name: [] for name in variants}
        for number, batch in enumerate(passages(args.passages, args.rounds)):
            source = scratch / f"round{number}.jsonl"
            source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in batch), "utf-8")
            names = list(variants)
            names = names[number % len(names):] + names[:number % len(names)]
            for name in names:
                tree, env = variants[name]
                seconds[name].append(timed(tree, env, source, scratch / f"out-{number}-{list(variants).index(name)}"))
                print(f"round {number + 1}: {name}: {seconds[name][-1]:.2f} s", flush=True)
    baseline = statistics.median(seconds[args.against])
    print(f"\n{args.passages} passages per run, {args.rounds} rounds, median wall time (start-up included)\n")
    print("| variant | seconds | passages/s | speed-up |")
    print("|---|---:|---:|---:|")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {args.passages / median:.1f} | {baseline / median:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
