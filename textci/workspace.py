"""Reading a workspace (or an `extract` folder) back into the pipeline's records.

The file names are the contract every command shares:

    documents.jsonl  pages.jsonl  passages.jsonl  errors.jsonl   (extract)
    predictions.jsonl                                            (classify)
    themes.json  passage_themes.jsonl                            (themes)
    cities.csv                                                   (run: one row per document)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .data import Passage, Prediction, ThemeAssignment
from .errors import InputLineError, UsageError

DOCUMENTS, PAGES, PASSAGES, ERRORS = "documents.jsonl", "pages.jsonl", "passages.jsonl", "errors.jsonl"
PREDICTIONS, THEMES, PASSAGE_THEMES, CITIES = "predictions.jsonl", "themes.json", "passage_themes.jsonl", "cities.csv"


def read_jsonl(path: Path) -> list[dict]:
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputLineError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
    except OSError as exc:
        raise InputLineError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise InputLineError(f"{path}: not UTF-8 text") from exc
    return records


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
        if (folder / THEMES).exists():
            ws.themes = json.loads((folder / THEMES).read_text(encoding="utf-8"))
        if (folder / PASSAGE_THEMES).exists():
            ws.assignments = read_theme_assignments(folder / PASSAGE_THEMES)
        return ws
