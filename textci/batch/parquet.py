"""Parquet views of a workspace for pandas, Arrow, DuckDB or Spark.

    parquet/documents.parquet                     one row per input file, with its city
    parquet/pages/city=<city>/part-0.parquet      the large tables, partitioned by city,
    parquet/passages/city=<city>/part-0.parquet   so a comparison of two cities reads
    parquet/predictions/city=<city>/...           only theirs (one score column per label)

`pandas.read_parquet("parquet/passages")` reads a table whole, with `city`
as a column. Each table is written into a fresh folder that then replaces
the old one, so a reader never sees a table half rewritten.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..io import write_parquet

PASSAGE_COLUMNS = ["id", "doc_id", "file", "page", "char_start", "char_end", "lang", "text"]


def write_parquet_views(workspace: Path, documents, pages, passages, predictions, city_of) -> None:
    """`city_of` maps a document's file to its city."""
    import pandas as pd

    folder = Path(workspace) / "parquet"
    folder.mkdir(parents=True, exist_ok=True)
    docs = pd.DataFrame(documents, columns=["doc_id", "file", "pages", "lang", "status", "method", "format"])
    docs["city"] = [city_of(f) for f in docs["file"]]
    write_parquet(docs, folder / "documents.parquet")
    page_frame = pd.DataFrame(pages, columns=["doc_id", "file", "page", "text", "method"])
    passage_frame = pd.DataFrame(passages, columns=PASSAGE_COLUMNS)
    file_of = dict(zip(passage_frame["id"], passage_frame["file"]))
    prediction_frame = _predictions_frame(predictions)
    prediction_frame.insert(1, "file", [file_of.get(i, "") for i in prediction_frame["id"]])
    for name, frame in (("pages", page_frame), ("passages", passage_frame), ("predictions", prediction_frame)):
        frame["city"] = [city_of(f) for f in frame["file"]]
        _write_partitioned(frame, folder / name)


def _predictions_frame(predictions):
    import pandas as pd

    rows = []
    for p in predictions:
        row = {"id": p["id"], "labels": list(p["labels"])}
        row.update({f"score_{label}": float(score) for label, score in p["scores"].items()})
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["id", "labels"])


def _write_partitioned(frame, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for city, part in frame.groupby("city", sort=True):
            where = staging / f"city={_safe(city)}"
            where.mkdir()
            part.drop(columns="city").to_parquet(where / "part-0.parquet", index=False, engine="pyarrow")
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _safe(city: str) -> str:
    """A folder name for a city that keeps its letters (Hive style: no '/', no '=')."""
    return "".join(ch if ch.isalnum() or ch in " -_.'" else "_" for ch in city).strip() or "_"
