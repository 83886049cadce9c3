"""WORKSPACE/textci.db: the workspace's files as one SQLite database people can query.

Built with sqlite-utils from the JSONL files (and the comparison tables when
`compare` wrote them), with primary and foreign keys, indexes, an FTS5 index
on the passages and views that join a passage with its city, document and
labels. It is derived data: written atomically, rebuilt only when an input
changed (a digest of the inputs is kept in `build_info`), and checked by its
rows, not its bytes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .. import workspace as W
from ..io import atomic_path

DATABASE = "textci.db"
SCHEMA = "textci-db/1"
REVIEWS = "reviews.jsonl"
TABLE_FILES = ("tables/cities.json", "tables/city_labels.json")
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class DatabaseBuild:
    path: Path
    rebuilt: bool        # False: the inputs had not changed, the file was left alone
    counts: dict         # table -> rows


def database_path(folder: Path) -> Path:
    return Path(folder) / DATABASE


def build_database(folder: Path, codebook=None, force: bool = False) -> DatabaseBuild:
    """(Re)build WORKSPACE/textci.db from the workspace files; nothing is written when nothing changed."""
    from .. import codebook as codebooks

    folder = Path(folder)
    book = codebook or codebooks.load(_run_info(folder).get("codebook"))
    key = inputs_digest(folder, book)
    target = database_path(folder)
    if not force and target.exists() and stored_digest(target) == key:
        return DatabaseBuild(target, False, table_counts(target))
    with atomic_path(target) as tmp:
        tmp.unlink()
        _write(folder, book, tmp, key)
    return DatabaseBuild(target, True, table_counts(target))


def inputs_digest(folder: Path, book) -> str:
    """A hash of everything the database is made from: same inputs, same database."""
    h = hashlib.sha256(f"{SCHEMA}\0{book.digest}\0".encode())
    names = (W.DOCUMENTS, W.PAGES, W.PASSAGES, W.ERRORS, W.PREDICTIONS, W.THEMES, W.PASSAGE_THEMES, W.CITIES,
             REVIEWS, "run.json") + TABLE_FILES
    for name in names:
        path = folder / name
        h.update(f"{name}\0".encode())
        if path.exists():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def stored_digest(path: Path) -> str | None:
    try:
        with _read_only(path) as conn:
            row = conn.execute("SELECT value FROM build_info WHERE key = 'inputs'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def table_counts(path: Path) -> dict:
    with _read_only(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'passages_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


class _read_only:
    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> sqlite3.Connection:
        self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


def _run_info(folder: Path) -> dict:
    try:
        return json.loads((folder / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def source_link(file: str, page: int) -> str:
    """Where a passage comes from, as the report links it: a PDF opens at the page."""
    return f"{file}#page={page}" if file.lower().endswith(".pdf") else file


def _write(folder: Path, book, path: Path, key: str) -> None:
    import sqlite_utils

    from ..pipeline import resolve_cities

    ws = W.Workspace.load(folder)
    cities = resolve_cities(folder, ws.files)
    db = sqlite_utils.Database(path)
    conn = db.conn
    try:
        with conn:
            _labels(db, book)
            themes = _themes(db, ws)
            _cities(db, folder, cities)
            _documents(db, ws, cities)
            _pages(db, folder)
            _passages(db, ws, cities, book, themes)
            _predictions(db, ws, book)
            _passage_themes(db, ws)
            _city_labels(db, folder)
            _errors(db, ws)
            _reviews(db, folder)
            _views(db)
            db["build_info"].insert_all([{"key": "schema", "value": SCHEMA}, {"key": "inputs", "value": key}],
                                        pk="key")
        conn.execute("PRAGMA foreign_keys = ON")
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"textci.db would break its own foreign keys: {problems[:5]}")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _labels(db, book) -> None:
    db["labels"].create({"id": str, "dimension": str, "name": str, "description": str}, pk="id")
    db["labels"].insert_all({"id": label.id, "dimension": label.dimension, "name": label.name,
                             "description": label.description} for label in book.labels)


def _themes(db, ws) -> dict[int, str]:
    db["themes"].create({"id": int, "label": str, "size": int, "terms": str, "representative_ids": str,
                         "languages": str, "cities": str, "labels": str, "seed": str}, pk="id")
    themes = sorted((ws.themes or {}).get("themes", []), key=lambda t: t["id"])
    db["themes"].insert_all({"id": t["id"], "label": t["label"], "size": t["size"], "terms": t.get("terms", []),
                             "representative_ids": t.get("representative_ids", []),
                             "languages": t.get("languages", {}), "cities": t.get("cities", {}),
                             "labels": t.get("labels", {}), "seed": t.get("seed")} for t in themes)
    return {t["id"]: t["label"] for t in themes}


def _cities(db, folder, cities) -> None:
    db["cities"].create({"city": str, "country": str, "documents": int, "pages": int, "passages": int,
                         "years": str, "kinds": str}, pk="city")
    table = folder / "tables" / "cities.json"
    rows = json.loads(table.read_text("utf-8")) if table.exists() else []
    known = {r["city"] for r in rows}
    for name in cities.cities:  # every city a document names, even where `compare` has not run
        if name not in known:
            info = next(i for i in cities.by_file.values() if i.city == name)
            rows.append({"city": name, "country": info.country or None})
    db["cities"].insert_all(sorted(rows, key=lambda r: r["city"]))


def _documents(db, ws, cities) -> None:
    db["documents"].create({"file": str, "doc_id": str, "city": str, "country": str, "year": int, "kind": str,
                            "pages": int, "lang": str, "status": str, "method": str}, pk="file",
                           foreign_keys=[("city", "cities", "city")])
    rows = []
    for doc in sorted(ws.documents, key=lambda d: d["file"]):
        info = cities.by_file.get(doc["file"])
        rows.append({**{k: doc.get(k) for k in ("file", "doc_id", "pages", "lang", "status", "method")},
                     "city": info.city if info else None, "country": (info.country or None) if info else None,
                     "year": info.year if info else None, "kind": (info.kind or None) if info else None})
    db["documents"].insert_all(rows)
    db["documents"].create_index(["city"])


def _pages(db, folder) -> None:
    db["pages"].create({"file": str, "page": int, "doc_id": str, "method": str, "text": str},
                       pk=("file", "page"), foreign_keys=[("file", "documents", "file")])
    path = folder / W.PAGES
    if path.exists():
        db["pages"].insert_all({k: r.get(k) for k in ("file", "page", "doc_id", "method", "text")}
                               for _, r in W.iter_records(path))


def _passages(db, ws, cities, book, themes) -> None:
    names = {label.id: label.name for label in book.labels}
    db["passages"].create({"id": str, "doc_id": str, "file": str, "page": int, "char_start": int, "char_end": int,
                           "lang": str, "city": str, "labels": str, "label_names": str, "theme": int,
                           "theme_label": str, "source": str, "text": str}, pk="id",
                          foreign_keys=[("file", "documents", "file"), ("city", "cities", "city"),
                                        ("theme", "themes", "id")])
    predictions = ws.predictions or {}
    assignments = ws.assignments or {}
    rows = []
    for p in ws.passages:
        labels = list(predictions[p.id].labels) if p.id in predictions else []
        theme = assignments[p.id].theme if p.id in assignments else None
        theme = theme if theme in themes else None  # -1, an outlier, is close to no theme
        rows.append({"id": p.id, "doc_id": p.doc_id, "file": p.file, "page": p.page, "char_start": p.char_start,
                     "char_end": p.char_end, "lang": p.lang, "city": cities.city_of(p.file), "labels": labels,
                     "label_names": [names.get(label, label) for label in labels], "theme": theme,
                     "theme_label": themes.get(theme), "source": source_link(p.file, p.page), "text": p.text})
    db["passages"].insert_all(rows)
    for columns in (["file", "page"], ["city"], ["lang"], ["theme"], ["doc_id"]):
        db["passages"].create_index(columns)
    db["passages"].enable_fts(["text"], fts_version="FTS5", tokenize=FTS_TOKENIZER)


def _predictions(db, ws, book) -> None:
    db["predictions"].create({"passage_id": str, "label": str, "score": float, "assigned": int},
                             pk=("passage_id", "label"),
                             foreign_keys=[("passage_id", "passages", "id"), ("label", "labels", "id")])
    known = set(book.label_ids)
    rows = ({"passage_id": pid, "label": label, "score": float(score), "assigned": int(label in p.labels)}
            for pid, p in sorted((ws.predictions or {}).items()) for label, score in sorted(p.scores.items())
            if label in known)
    db["predictions"].insert_all(rows, batch_size=2000)
    db["predictions"].create_index(["label", "assigned", "score"])


def _passage_themes(db, ws) -> None:
    db["passage_themes"].create({"passage_id": str, "theme": int, "similarity": float}, pk="passage_id",
                                foreign_keys=[("passage_id", "passages", "id")])
    db["passage_themes"].insert_all({"passage_id": a.id, "theme": a.theme, "similarity": a.similarity}
                                    for _, a in sorted((ws.assignments or {}).items()))
    db["passage_themes"].create_index(["theme"])


def _city_labels(db, folder) -> None:
    db["city_labels"].create({"city": str, "label": str, "dimension": str, "passages": int, "share": float,
                              "documents": int, "mean_score": float}, pk=("city", "label"),
                             foreign_keys=[("city", "cities", "city"), ("label", "labels", "id")])
    table = folder / "tables" / "city_labels.json"
    if table.exists():
        db["city_labels"].insert_all(json.loads(table.read_text("utf-8")))
    db["city_labels"].create_index(["label"])


def _errors(db, ws) -> None:
    db["errors"].create({"file": str, "page": int, "stage": str, "error": str, "message": str})
    db["errors"].insert_all({k: e.get(k) for k in ("file", "page", "stage", "error", "message")} for e in ws.errors)
    db["errors"].create_index(["file"])


def _reviews(db, folder) -> None:
    path = folder / REVIEWS
    if not path.exists():
        return
    db["reviews"].create({"passage_id": str, "reviewer": str, "labels": str, "notes": str, "source": str},
                         pk=("passage_id", "reviewer"), foreign_keys=[("passage_id", "passages", "id")])
    db["reviews"].insert_all({"passage_id": r["id"], "reviewer": r["reviewer"], "labels": r.get("labels", []),
                              "notes": r.get("notes", ""), "source": r.get("source")}
                             for _, r in W.iter_records(path))


VIEWS = {
    "passage_details": """
        SELECT p.id, p.city, c.country, d.year, d.kind, p.file, p.page, p.lang, p.label_names AS labels,
               p.theme_label AS theme, p.source, p.text
        FROM passages p JOIN documents d ON d.file = p.file LEFT JOIN cities c ON c.city = p.city""",
    "passage_labels": """
        SELECT pr.passage_id, p.city, p.file, p.page, p.lang, pr.label, l.name AS label_name, l.dimension,
               round(pr.score, 4) AS score, p.source, p.text
        FROM predictions pr JOIN passages p ON p.id = pr.passage_id JOIN labels l ON l.id = pr.label
        WHERE pr.assigned = 1""",
}


def _views(db) -> None:
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip())
