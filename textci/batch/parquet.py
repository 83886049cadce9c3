"""Parquet views of a workspace for pandas, Arrow, DuckDB or Spark.

    parquet/documents.parquet  parquet/pages.parquet
    parquet/passages.parquet   parquet/predictions.parquet (one score column per label)

One file per table, rows in file order: at a million pages a table is a few
GB, which Parquet readers scan by row group; docs/scaling.md says when to
partition further.
"""
from __future__ import annotations

from pathlib import Path

from ..io import atomic_path


def write_parquet_views(workspace: Path, documents, pages, passages, predictions) -> None:
    import pandas as pd

    folder = Path(workspace) / "parquet"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"documents": pd.DataFrame(documents, columns=["doc_id", "file", "pages", "lang", "status", "method"]),
              "pages": pd.DataFrame(pages, columns=["doc_id", "file", "page", "text", "method"]),
              "passages": pd.DataFrame(passages, columns=["id", "doc_id", "file", "page", "char_start", "char_end",
                                                          "lang", "text"]),
              "predictions": _predictions_frame(predictions)}
    for name, frame in tables.items():
        _write(frame, folder / f"{name}.parquet")


def _predictions_frame(predictions):
    import pandas as pd

    rows = []
    for p in predictions:
        row = {"id": p["id"], "labels": list(p["labels"])}
        row.update({f"score_{label}": float(score) for label, score in p["scores"].items()})
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["id", "labels"])


def _write(frame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow")
