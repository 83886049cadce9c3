#!/usr/bin/env python3
"""Passages per second of the e5 encoder for each number of rows per batch, on this CPU, in process.

    .venv/bin/python scripts/bench_e5_rows.py [--rows 1,2,8] [--passages 100,600,1200] [--rounds 2] [--precision float32]

Every batch the encoder computes has a fixed number of rows, filler included,
so that a passage's vector does not depend on its neighbours
(textci/encoder/model.py, BATCH_ROWS). More rows use the CPU's matrix units
better; fewer waste less on filler when a length bucket holds few windows.
Each round encodes distinct real passages (corpora/training/real, in
bench_classify_speed.py's order) with every
row count in turn, the order rotating from round to round so that the
machine's other jobs slow all alike. Prints passages/s per row count and its
ratio to the first row count of --rows.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1,2,8", help="row counts to compare, the first is the baseline")
    parser.add_argument("--passages", default="100,600,1200", help="passages per encode call")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--precision", choices=("bfloat16", "float32"), help="default: as textci picks for this CPU")
    args = parser.parse_args()

    from bench_classify_speed import real_samples

    from textci.encoder import E5Encoder, read_weights
    from textci.encoder import model

    encoder = E5Encoder(read_weights(), precision=args.precision)
    print(f"precision {encoder.precision}, shipped rows {model.BATCH_ROWS[encoder.precision]}")
    texts = [sample.text for sample in real_samples()]
    encoder.encode(texts[:16])  # warm-up
    variants = [int(rows) for rows in args.rows.split(",")]
    used = 16
    for count in (int(n) for n in args.passages.split(",")):
        speeds: dict[int, list[float]] = {rows: [] for rows in variants}
        for round_ in range(args.rounds):
            chunk, used = texts[used:used + count], used + count
            for rows in variants[round_ % len(variants):] + variants[:round_ % len(variants)]:
                model.BATCH_ROWS[encoder.precision] = rows
                started = time.perf_counter()
                encoder.encode(chunk)
                speeds[rows].append(count / (time.perf_counter() - started))
        base = statistics.median(speeds[variants[0]])
        for rows in variants:
            speed = statistics.median(speeds[rows])
            runs = ", ".join(f"{s:.1f}" for s in speeds[rows])
            print(f"{count:5d} passages  {rows} rows  {speed:6.1f} passages/s  ({runs})  x{speed / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
