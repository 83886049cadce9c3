"""Reading a workspace (or an `extract` folder) back into the pipeline's records.

The file names are the contract every command shares:

    documents.jsonl  pages.jsonl  passages.jsonl  errors.jsonl   (extract)
    predictions.jsonl                                            (classify)
    themes.json  passage_themes.jsonl                            (themes)
    cities.csv                                                   (run: one row per document)
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .data import Passage, Prediction, ThemeAssignment
from .errors import InputLineError, UsageError
from .io import json_object, numbered_lines

DOCUMENTS, PAGES, PASSAGES, ERRORS = "documents.jsonl", "pages.jsonl", "passages.jsonl", "errors.jsonl"
PREDICTIONS, THEMES, PASSAGE_THEMES, CITIES = "predictions.jsonl", "themes.json", "passage_themes.jsonl", "cities.csv"


def iter_records(path: Path) -> Iterator[tuple[str, dict]]:
    """("file:line", record) for each line of a JSONL file; a bad line raises naming it."""
    for number, raw in numbered_lines(path):
        where = f"{path}:{number}"
        if not raw.strip():
            raise InputLineError(f"{where}: blank line; remove it")
        yield where, json_object(where, raw)


def read_jsonl(path: Path) -> list[dict]:
    return [record for _, record in iter_records(path)]


def read_passages(path: Path) -> list[Passage]:
    fields = Passage.__dataclass_fields__
    out = []
    for number, record in enumerate(read_jsonl(path), start=1):
        missing = [k for k in fields if k not in record]
        if missing:
            raise InputLineError(f"{path}: record {number} lacks {', '.join(missing)}; "
                                 f"expected passages.jsonl as `textci extract` writes it")
        out.append(Passage(**{k: record[k] for k in fields}))
    return out


def read_predictions(path: Path) -> dict[str, Prediction]:
    out = {}
    for record in read_jsonl(path):
        out[str(record["id"])] = Prediction(str(record["id"]), tuple(record.get("labels", ())),
                                            record.get("scores", {}), record.get("evidence", {}))
    return out


def read_theme_assignments(path: Path) -> dict[str, ThemeAssignment]:
    return {r["id"]: ThemeAssignment(r["id"], int(r["theme"]), float(r.get("similarity", 0.0)))
            for r in read_jsonl(path)}


@dataclass
class Workspace:
    """The files of one run, loaded on demand; missing optional parts are None."""

    folder: Path
    documents: list[dict] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    predictions: dict[str, Prediction] | None = None
    themes: dict | None = None
    assignments: dict[str, ThemeAssignment] | None = None
    errors: list[dict] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """Every document file the workspace knows of, failed ones included."""
        return sorted({d["file"] for d in self.documents} | {p.file for p in self.passages})

    @classmethod
    def load(cls, folder: Path) -> "Workspace":
        folder = Path(folder)
        if not (folder / PASSAGES).exists():
            raise UsageError(f"{folder} holds no {PASSAGES}; run `textci extract` or `textci run` first")
        ws = cls(folder, documents=read_jsonl(folder / DOCUMENTS) if (folder / DOCUMENTS).exists() else [],
                 passages=read_passages(folder / PASSAGES),
                 errors=read_jsonl(folder / ERRORS) if (folder / ERRORS).exists() else [])
        if (folder / PREDICTIONS).exists():
            ws.predictions = read_predictions(folder / PREDICTIONS)
        return ws.load_themes()

    def load_themes(self) -> "Workspace":
        """(Re)read themes.json and passage_themes.jsonl, e.g. after the themes step wrote them."""
        if (self.folder / THEMES).exists():
            self.themes = json.loads((self.folder / THEMES).read_text(encoding="utf-8"))
        if (self.folder / PASSAGE_THEMES).exists():
            self.assignments = read_theme_assignments(self.folder / PASSAGE_THEMES)
        return self
