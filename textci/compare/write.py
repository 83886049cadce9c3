"""Each table three ways: CSV for spreadsheets, Parquet for pandas/Arrow, JSON records for the web;
and all of them in one workbook, comparison.xlsx, the file consultants open first."""
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
        # double_precision: pandas keeps only 10 digits by default
        as_json = frame.to_json(orient="records", force_ascii=False, indent=1, double_precision=15)
        write_atomic(outdir / f"{name}.json", as_json + "\n")
        write_parquet(frame, outdir / f"{name}.parquet")
        written += [outdir / f"{name}.{ext}" for ext in ("csv", "parquet", "json")]
    write_workbook(comparison, outdir / WORKBOOK)
    return written + [outdir / WORKBOOK]


WORKBOOK = "comparison.xlsx"


def write_workbook(comparison: Comparison, path: Path) -> None:
    """One sheet per table, header row frozen; document text that looks like a formula stays text."""
    import math

    from openpyxl import Workbook

    from ..io import atomic_path, xlsx_as_text

    book = Workbook()
    book.remove(book.active)
    for name, frame in sorted(comparison.tables.items()):
        sheet = book.create_sheet(name)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([None if isinstance(v, float) and math.isnan(v) else v for v in row])
            for cell in sheet[sheet.max_row]:
                xlsx_as_text(cell)
        sheet.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        book.save(tmp)
