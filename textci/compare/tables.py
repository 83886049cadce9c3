"""Predictions and themes -> tidy per-city tables (one row per observation).

    cities            city, country, documents, pages, passages, years, kinds
    city_labels       city, label, dimension, passages, share, documents, mean_score
    evidence          city, label, rank, passage_id, file, page, score, terms, text
    city_themes       city, theme, theme_label, passages, share
    city_similarity   city_a, city_b, labels, themes, similarity

Shares are of the city's passages, so a city with one long report and one
with five short ones can be set side by side.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..cities import CityMap
from ..workspace import Workspace

EVIDENCE_PER_LABEL = 3
TABLES = ("cities", "city_labels", "evidence", "city_themes", "city_similarity")


@dataclass
class Comparison:
    tables: dict  # table name -> pandas.DataFrame

    def __getitem__(self, name):
        return self.tables[name]


def compare(ws: Workspace, cities: CityMap, book, evidence_per_label: int = EVIDENCE_PER_LABEL) -> Comparison:
    import pandas as pd

    if ws.predictions is None:
        raise_missing(ws, "predictions.jsonl", "textci classify")
    city_of = {p.id: cities.city_of(p.file) for p in ws.passages}
    names = sorted(set(city_of.values()) | set(cities.cities))
    by_city = defaultdict(list)
    for passage in ws.passages:
        by_city[city_of[passage.id]].append(passage)
    tables = {"cities": _cities(ws, cities, names, by_city),
              "city_labels": _city_labels(ws, book, names, by_city),
              "evidence": _evidence(ws, book, names, by_city, evidence_per_label),
              "city_themes": _city_themes(ws, names, by_city)}
    tables["city_similarity"] = _similarity(tables["city_labels"], tables["city_themes"], names)
    return Comparison({k: pd.DataFrame(v) if isinstance(v, list) else v for k, v in tables.items()})


def raise_missing(ws: Workspace, name: str, command: str):
    from ..errors import UsageError

    raise UsageError(f"{ws.folder} has no {name}; run `{command}` first (or `textci run`)")


def _cities(ws, cities, names, by_city):
    import pandas as pd

    pages = defaultdict(int)
    docs = defaultdict(set)
    for doc in ws.documents:
        if doc.get("status") != "failed":
            city = cities.city_of(doc["file"])
            docs[city].add(doc["file"])
            pages[city] += int(doc.get("pages") or 0)
    rows = []
    for city in names:
        infos = [i for f, i in cities.by_file.items() if i.city == city]
        rows.append({"city": city, "country": next((i.country for i in infos if i.country), ""),
                     "documents": len(docs[city]) or len({p.file for p in by_city[city]}),
                     "pages": pages[city], "passages": len(by_city[city]),
                     "years": " ".join(sorted({str(i.year) for i in infos if i.year})),
                     "kinds": " ".join(sorted({i.kind for i in infos if i.kind}))})
    frame = pd.DataFrame(rows, columns=["city", "country", "documents", "pages", "passages", "years", "kinds"])
    return frame.astype({"documents": "int64", "pages": "int64", "passages": "int64"})


def _city_labels(ws, book, names, by_city):
    import pandas as pd

    rows = []
    for city in names:
        passages = by_city[city]
        for label in book.labels:
            hits = [p for p in passages if label.id in ws.predictions.get(p.id, _EMPTY).labels]
            scores = [ws.predictions[p.id].scores.get(label.id, 0.0) for p in passages if p.id in ws.predictions]
            rows.append({"city": city, "label": label.id, "dimension": label.dimension,
                         "passages": len(hits), "share": len(hits) / len(passages) if passages else 0.0,
                         "documents": len({p.file for p in hits}),
                         "mean_score": float(np.mean(scores)) if scores else 0.0})
    frame = pd.DataFrame(rows, columns=["city", "label", "dimension", "passages", "share", "documents", "mean_score"])
    return frame.astype({"passages": "int64", "documents": "int64", "share": "float64", "mean_score": "float64"})


def _evidence(ws, book, names, by_city, per_label):
    import pandas as pd

    rows = []
    for city in names:
        for label in book.labels:
            hits = [p for p in by_city[city] if label.id in ws.predictions.get(p.id, _EMPTY).labels]
            hits.sort(key=lambda p: (-ws.predictions[p.id].scores.get(label.id, 0.0), p.file, p.page, p.char_start))
            for rank, p in enumerate(hits[:per_label], start=1):
                prediction = ws.predictions[p.id]
                terms = _matched_terms(prediction.evidence.get(label.id, []), p.text)
                rows.append({"city": city, "label": label.id, "rank": rank, "passage_id": p.id, "file": p.file,
                             "page": p.page, "score": float(prediction.scores.get(label.id, 0.0)),
                             "terms": "; ".join(terms), "text": p.text})
    columns = ["city", "label", "rank", "passage_id", "file", "page", "score", "terms", "text"]
    return pd.DataFrame(rows, columns=columns).astype({"rank": "int64", "page": "int64", "score": "float64"})


def _city_themes(ws, names, by_city):
    import pandas as pd

    columns = ["city", "theme", "theme_label", "passages", "share"]
    if not ws.themes or ws.assignments is None:
        return pd.DataFrame(columns=columns).astype({"theme": "int64", "passages": "int64", "share": "float64"})
    labels = {t["id"]: t["label"] for t in ws.themes["themes"]}
    rows = []
    for city in names:
        passages = by_city[city]
        counts = defaultdict(int)
        for p in passages:
            a = ws.assignments.get(p.id)
            if a is not None and a.theme >= 0:
                counts[a.theme] += 1
        for theme in sorted(labels):
            rows.append({"city": city, "theme": theme, "theme_label": labels[theme], "passages": counts[theme],
                         "share": counts[theme] / len(passages) if passages else 0.0})
    return pd.DataFrame(rows, columns=columns).astype({"theme": "int64", "passages": "int64", "share": "float64"})


def _similarity(city_labels, city_themes, names):
    """Cosine similarity of two cities' profiles: label shares, theme shares, and their mean."""
    import pandas as pd

    def profiles(frame, key):
        if frame.empty:
            return None
        table = frame.pivot(index="city", columns=key, values="share").reindex(names).fillna(0.0)
        X = table.to_numpy(dtype=float)
        return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)

    L, T = profiles(city_labels, "label"), profiles(city_themes, "theme")
    rows = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                continue
            by_labels = float(L[i] @ L[j]) if L is not None else np.nan
            by_themes = float(T[i] @ T[j]) if T is not None else np.nan
            rows.append({"city_a": a, "city_b": b, "labels": round(by_labels, 4), "themes": round(by_themes, 4),
                         "similarity": round(float(np.nanmean([by_labels, by_themes])), 4)})
    return pd.DataFrame(rows, columns=["city_a", "city_b", "labels", "themes", "similarity"]).astype(
        {"labels": "float64", "themes": "float64", "similarity": "float64"})


def _matched_terms(evidence: list[str], text: str) -> list[str]:
    """The words of the passage in its evidence (which also lists ids of similar training passages)."""
    folded = " ".join(text.casefold().split())
    return [t for t in evidence if t.casefold() in folded]


class _Empty:
    labels = ()


_EMPTY = _Empty()
