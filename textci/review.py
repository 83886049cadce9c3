"""The human review loop: pick what a person should check, take their labels back, keep them.

    export_review(workspace)   passages ranked for review -> review.csv / review.xlsx
    import_review(file, ws)    the reviewer's labels -> workspace/reviews.jsonl (validated, never silently
                               overwritten)
    reviewed_samples(ws)       the reviewed passages as training samples (`textci train --with-reviews`)

A passage comes first when the model was least sure (a score near its label's
threshold), when a second classifier of another kind disagrees with it (by
default the shipped zero-shot model, which judges by meaning where the
default judges by keywords), or when it carries a label the corpus rarely
shows, because those are where a reviewer's minute changes the most.
"""
from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from pathlib import Path

from .classification.training import REAL_WEIGHT
from .data import Sample
from .errors import TextciError, UsageError
from .io import atomic_path, dumps_jsonl, write_atomic
from .workspace import PASSAGES, PREDICTIONS, Workspace, read_jsonl

REVIEWS = "reviews.jsonl"
COLUMNS = ("passage_id", "file", "page", "lang", "text", "predicted", "scores", "priority", "reasons",
           "reviewer", "labels", "notes")
REVIEWER_COLUMNS = ("reviewer", "labels", "notes")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a CSV cell as a formula


class ReviewError(TextciError):
    """A review file row that cannot be taken in; the message names the file and row."""


def rank_for_review(ws: Workspace, model, second=None) -> list[dict]:
    """Every classified passage as a review row, most worth checking first.

    `second` is another Model whose decisions are compared with the
    workspace's predictions; without it, the codebook's keywords are.
    """
    if ws.predictions is None:
        raise UsageError(f"{ws.folder} has no {PREDICTIONS}; run `textci classify` or `textci run` first")
    book = model.codebook
    thresholds = dict(zip(book.label_ids, model.thresholds))
    frequency = Counter(label for p in ws.predictions.values() for label in p.labels)
    n = max(1, len(ws.predictions))
    other = _second_opinion(ws, second, book)
    rows = []
    for passage in ws.passages:
        prediction = ws.predictions.get(passage.id)
        if prediction is None:
            continue
        margin = min(abs(prediction.scores.get(l, 0.0) - t) for l, t in thresholds.items())
        uncertainty = max(0.0, 1.0 - margin / 0.25)  # 1 at a threshold, 0 a quarter away from every one
        disagree = sorted(set(prediction.labels) ^ other[passage.id])
        rare = sorted(l for l in prediction.labels if frequency[l] / n < 0.02)
        reasons = ([f"uncertain ({margin:.2f} from a threshold)"] if uncertainty > 0.5 else []) \
            + ([f"classifiers disagree on {', '.join(disagree)}"] if disagree else []) \
            + ([f"rare label {', '.join(rare)}"] if rare else [])
        priority = uncertainty + 0.5 * min(len(disagree), 2) + 0.5 * bool(rare)
        top = sorted(prediction.scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        rows.append({"passage_id": passage.id, "file": passage.file, "page": passage.page, "lang": passage.lang,
                     "text": passage.text, "predicted": "; ".join(prediction.labels),
                     "scores": "; ".join(f"{l} {s:.2f}" for l, s in top), "priority": round(priority, 3),
                     "reasons": "; ".join(reasons), "reviewer": "", "labels": "", "notes": ""})
    rows.sort(key=lambda r: (-r["priority"], r["passage_id"]))
    return rows


def _second_opinion(ws: Workspace, second, book) -> dict[str, set[str]]:
    """Per passage, the labels the second classifier gives (or the labels with a codebook keyword)."""
    samples = [Sample(p.id, p.text, p.lang) for p in ws.passages]
    if second is not None:
        return {p.id: set(p.labels) for p in second.classify(samples)}
    from .classification.lexicon import LexiconClassifier

    lexicon = LexiconClassifier(book)
    return {s.id: {l for l, terms in zip(book.label_ids, lexicon.matches(s)) if terms} for s in samples}


def export_review(ws: Workspace, model, out: Path, limit: int | None = None, second=None) -> int:
    """Write the ranked rows as CSV or, for a .xlsx name, an Excel sheet; returns the row count."""
    rows = rank_for_review(ws, model, second)
    rows = rows[:limit] if limit else rows
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        _write_xlsx(rows, out)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: _csv_safe(v) for c, v in row.items()} for row in rows)
        write_atomic(out, buffer.getvalue())
    return len(rows)


def _csv_safe(value):
    """PDF text is untrusted: a cell a spreadsheet would run as a formula gets a leading ' (OWASP), no other."""
    if value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else value


def _csv_unsafe(text: str) -> str:
    """Undo exactly what `_csv_safe` added, so a guarded id, label or note reads back as it was."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def _write_xlsx(rows: list[dict], out: Path) -> None:
    from openpyxl import Workbook

    from .io import xlsx_as_text

    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            xlsx_as_text(cell)
    sheet.freeze_panes = "A2"
    with atomic_path(out) as tmp:
        book.save(tmp)


def read_review_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number, row) for every row of a review CSV or XLSX."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        header = [str(h or "").strip() for h in (values[0] if values else ())]
        rows = [(i, {h: ("" if v is None else str(v)) for h, v in zip(header, r)})
                for i, r in enumerate(values[1:], start=2)]
    else:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                sample = handle.read(65536)
                handle.seek(0)
                try:  # spreadsheets in many European locales save CSV with ";"
                    dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", delimiters=",;\t")
                    dialect.doublequote = True  # a header has no "" to sniff; spreadsheets always double a " in a cell
                except csv.Error:
                    dialect = csv.excel
                reader = csv.DictReader(handle, dialect=dialect)
                header = [h.strip() for h in reader.fieldnames or []]
                rows = [(i, {k.strip(): _csv_unsafe(v or "") for k, v in r.items() if k})
                        for i, r in enumerate(reader, start=2)]
        except UnicodeDecodeError as exc:
            raise ReviewError(f"{path}: not UTF-8; save the sheet as CSV UTF-8") from exc
    missing = [c for c in ("passage_id", "labels") if c not in header]
    if missing:
        raise ReviewError(f"{path}: row 1: missing column(s) {', '.join(missing)}")
    return rows


def import_review(path: Path, ws: Workspace, book, reviewer: str | None = None, replace: bool = False) -> dict:
    """Validate the reviewer's labels and add them to reviews.jsonl; returns counts.

    A row with an empty `labels` cell was not reviewed; write `none` for
    "reviewed, no label applies". A passage the same reviewer already coded
    differently is an error unless `replace` is set.
    """
    known = set(book.label_ids)
    passages = {p.id for p in ws.passages}
    new = {}
    for number, row in read_review_rows(path):
        where = f"{path}: row {number}"
        cell = (row.get("labels") or "").strip()
        if not cell:
            continue
        pid = (row.get("passage_id") or "").strip()
        if pid not in passages:
            raise ReviewError(f"{where}: passage_id {pid!r} is not in {ws.folder / PASSAGES}")
        who = (row.get("reviewer") or "").strip() or reviewer
        if not who:
            raise ReviewError(f"{where}: no reviewer; fill the reviewer column or pass --reviewer NAME")
        labels = _parse_labels(cell, known, where)
        if (pid, who) in new and new[(pid, who)]["labels"] != labels:
            raise ReviewError(f"{where}: {pid} is reviewed twice by {who} with different labels")
        new[(pid, who)] = {"id": pid, "labels": labels, "reviewer": who,
                           "notes": (row.get("notes") or "").strip(), "source": f"{Path(path).name}:{number}"}
    existing = _read_reviews(ws.folder / REVIEWS)
    merged = {(r["id"], r["reviewer"]): r for r in existing}
    changed = 0
    for key, record in new.items():
        old = merged.get(key)
        if old is not None and old["labels"] != record["labels"]:
            if not replace:
                raise ReviewError(f"{path}: {record['source']}: {key[1]} already coded {key[0]} as "
                                  f"{old['labels'] or 'none'} (from {old.get('source')}); pass --replace to "
                                  "overwrite, or use another reviewer name")
            changed += 1
        merged[key] = record
    records = sorted(merged.values(), key=lambda r: (r["id"], r["reviewer"]))
    write_atomic(ws.folder / REVIEWS, dumps_jsonl(records))
    return {"imported": len(new), "replaced": changed, "total": len(records),
            "reviewers": sorted({r["reviewer"] for r in records})}


def _parse_labels(cell: str, known: set[str], where: str) -> list[str]:
    if cell.strip().lower() in ("none", "-", "[]"):
        return []
    labels = []
    for raw in cell.replace(",", ";").split(";"):
        label = raw.strip()
        if not label:
            continue
        if label not in known:
            guess = difflib.get_close_matches(label, sorted(known), n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f"; known ids: {', '.join(sorted(known))}"
            raise ReviewError(f"{where}: unknown label {label!r}{hint}")
        if label not in labels:
            labels.append(label)
    return sorted(labels)


def _read_reviews(path: Path) -> list[dict]:
    return read_jsonl(path) if path.exists() else []


def reviewed_samples(folder: Path, book) -> list[Sample]:
    """Reviewed passages as labelled samples; where reviewers differ, the labels most of them gave."""
    ws = Workspace.load(folder)
    reviews = _read_reviews(Path(folder) / REVIEWS)
    if not reviews:
        raise UsageError(f"{folder} has no {REVIEWS}; import a review with `textci review import` first")
    by_passage: dict[str, list[tuple[str, ...]]] = {}
    for record in reviews:
        unknown = set(record["labels"]) - set(book.label_ids)
        if unknown:
            raise ReviewError(f"{Path(folder) / REVIEWS}: {record['id']} has labels {sorted(unknown)} "
                              "the codebook does not know")
        by_passage.setdefault(record["id"], []).append(tuple(record["labels"]))
    text = {p.id: p for p in ws.passages}
    samples = []
    for pid in sorted(by_passage):
        votes = by_passage[pid]
        labels = tuple(sorted(l for l in {x for v in votes for x in v} if 2 * sum(l in v for v in votes) > len(votes)))
        p = text[pid]
        samples.append(Sample(f"review:{pid}", p.text, p.lang, labels, group=f"review:{p.doc_id}", weight=REAL_WEIGHT))
    return samples
