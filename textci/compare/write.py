"""Each table three ways: CSV for spreadsheets, Parquet for pandas/Arrow, JSON records for the web."""
from __future__ import annotations

import io
from pathlib import Path

from ..io import write_atomic, write_parquet
from ..markers import mark_output
from .tables import Comparison


def write_tables(comparison: Comparison, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    mark_output(outdir, "compare")
    written = []
    for name, frame in sorted(comparison.tables.items()):
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        write_atomic(outdir / f"{name}.csv", buffer.getvalue())
        as_json = frame.to_json(orient="records", force_ascii=False, indent=1, double_precision=15)  # default: 10 digits
        write_atomic(outdir / f"{name}.json", as_json + "\n")
        write_parquet(frame, outdir / f"{name}.parquet")
        written += [outdir / f"{name}.{ext}" for ext in ("csv", "parquet", "json")]
    return written
