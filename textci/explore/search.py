"""Hybrid search over a workspace's passages: words (FTS5, BM25) and meaning (multilingual embeddings).

Each ranking finds what the other misses: BM25 finds the exact term a
researcher types ("knife crime"), the multilingual embeddings find the same
idea in another language ("criminalité à l'arme blanche"). They are fused by
reciprocal rank fusion, which needs no tuning of score scales. Where the query
reads like one of the codebook's labels, the classifier's scores for that
label are a third ranking, because the classifier saw training examples the
embeddings alone did not.

The index (database, passage vectors, embedder) is loaded once per workspace
and held, so a notebook or `textci serve` answers a query in milliseconds.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 60            # the constant of reciprocal rank fusion (Cormack et al. 2009)
FUSED_DEPTH = 200     # ranks of each list that take part in the fusion
LABEL_MATCH = 0.45    # cosine of query and a label's name and description above which the label's scores rank too
KEYWORD_WEIGHT = 0.5  # a query's words match passages in its own language only: they count half (README, Measured)


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    score: float
    file: str
    page: int
    city: str
    lang: str
    labels: tuple[str, ...]
    text: str

    def to_json(self) -> dict:
        return {"rank": self.rank, "id": self.id, "score": self.score, "file": self.file, "page": self.page,
                "city": self.city, "lang": self.lang, "labels": list(self.labels), "text": self.text}


class SearchIndex:
    """One workspace's passages ready to search: textci.db open, passage vectors in memory, embedder loaded."""

    def __init__(self, folder: Path, embedder: str | None = None):
        import json
        import sqlite3

        from ..classification.embeddings import get_embedder
        from .database import _run_info, build_database

        self.folder = Path(folder)
        self.database = build_database(self.folder).path  # built if missing or stale
        self._db = sqlite3.connect(f"{self.database.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        rows = self._db.execute("SELECT rowid, id, file, page, city, lang, labels, text FROM passages "
                                "ORDER BY rowid").fetchall()
        self._row_of = {r[0]: i for i, r in enumerate(rows)}
        self.ids = [r[1] for r in rows]
        self._meta = [(r[2], r[3], r[4] or "", r[5] or "") for r in rows]
        self.labels = [tuple(json.loads(r[6] or "[]")) for r in rows]
        self.texts = [r[7] for r in rows]
        self.cities = np.array([m[2] for m in self._meta], dtype=object)
        self.langs = np.array([m[3] for m in self._meta], dtype=object)
        name = embedder or (_run_info(self.folder).get("themes") or {}).get("embedder") or "use"
        self.embedder = get_embedder(name)
        self.vectors = self.embedder.embed(self.texts, cache=self._cache()) if self.texts else np.zeros((0, 1))
        self._label_ids, self._label_vectors, self._label_scores = self._codebook_labels()

    def _cache(self):
        from ..batch.cache import STATE
        from ..classification.embeddings import EmbeddingCache

        state = self.folder / STATE
        return EmbeddingCache(state / "embeddings.sqlite") if state.is_dir() else None  # None: the user cache

    def _codebook_labels(self):
        ids = [r[0] for r in self._db.execute("SELECT id FROM labels ORDER BY rowid")]
        texts = [f"{name}: {description}" for name, description in
                 self._db.execute("SELECT name, description FROM labels ORDER BY rowid")]
        scores = np.zeros((len(self.ids), len(ids)), np.float32)
        column = {label: j for j, label in enumerate(ids)}
        row = {pid: i for i, pid in enumerate(self.ids)}
        for pid, label, score in self._db.execute("SELECT passage_id, label, score FROM predictions"):
            scores[row[pid], column[label]] = score
        return ids, (self.embedder.embed(texts, cache=self._cache()) if ids else None), scores

    def search(self, query: str, k: int = 20, *, labels=(), cities=(), langs=(), mode: str = "hybrid") -> list[Hit]:
        if mode not in MODES:
            from ..errors import UsageError

            raise UsageError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        allowed = self._allowed(labels, cities, langs)
        if mode == "keyword":
            found = self._keyword(query, allowed)
            return [self._hit(rank, i, found[i]) for rank, i in enumerate(list(found)[:k], start=1)]
        q = self._query_vector(query)
        rankings = [(self._top(self.vectors @ q, allowed), 1.0)]
        label = self.matching_label(q)
        if label is not None:
            rankings.append((self._top(self._label_scores[:, label], allowed), 1.0))
        if mode == "hybrid":
            rankings.append((list(self._keyword(query, allowed)), KEYWORD_WEIGHT))
        return [self._hit(rank, i, score) for rank, (i, score) in enumerate(fuse(rankings)[:k], start=1)]

    def matching_label(self, query_vector) -> int | None:
        """The codebook label whose name and description the query reads like, if any."""
        if self._label_vectors is None:
            return None
        similarity = self._label_vectors @ query_vector
        best = int(np.argmax(similarity))
        return best if similarity[best] >= LABEL_MATCH else None

    def _query_vector(self, query: str):
        from ..classification.embeddings import _normalise

        return _normalise(self.embedder.encode([query]))[0]

    def _allowed(self, labels, cities, langs):
        mask = np.ones(len(self.ids), bool)
        if cities:
            mask &= np.isin(self.cities, [c for c in cities])
        if langs:
            mask &= np.isin(self.langs, [lang.lower() for lang in langs])
        if labels:
            wanted = set(labels)
            mask &= np.array([bool(wanted & set(assigned)) for assigned in self.labels], bool)
        return mask

    def _top(self, scores, allowed, depth: int = FUSED_DEPTH) -> list[int]:
        scores = np.where(allowed, scores, -np.inf)
        depth = min(depth, int(allowed.sum()))
        if depth == 0:
            return []
        top = np.argpartition(-scores, depth - 1)[:depth]
        return sorted(top.tolist(), key=lambda i: (-scores[i], self.ids[i]))

    def _keyword(self, query: str, allowed) -> dict[int, float]:
        """Passage index -> BM25 (higher is better), best first, for any of the query's words."""
        expression = match_expression(query)
        if not expression:
            return {}
        limit = FUSED_DEPTH if allowed.all() else -1
        with self._lock:
            rows = self._db.execute("SELECT rowid, bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts "
                                    "MATCH ? ORDER BY s, rowid LIMIT ?", (expression, limit)).fetchall()
        found = {}
        for rowid, score in rows:
            i = self._row_of[rowid]
            if allowed[i]:
                found[i] = round(-score, 6)
                if len(found) == FUSED_DEPTH:
                    break
        return found

    def _hit(self, rank: int, i: int, score: float) -> Hit:
        file, page, city, lang = self._meta[i]
        return Hit(rank, self.ids[i], round(float(score), 6), file, page, city, lang, self.labels[i], self.texts[i])


def fuse(rankings: list[tuple[list[int], float]]) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: an item's score is the sum of weight / (60 + its rank) over the rankings."""
    scores: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (RRF_K + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


WORD = re.compile(r"\w+", re.UNICODE)


def query_words(query: str) -> list[str]:
    return list(dict.fromkeys(w.casefold() for w in WORD.findall(query)))


def match_expression(query: str) -> str:
    """An FTS5 query matching any of the words (each quoted, so no word is read as FTS syntax)."""
    return " OR ".join(f'"{w}"' for w in query_words(query))


_INDEXES: dict[Path, tuple[int, SearchIndex]] = {}
_INDEXES_LOCK = threading.Lock()


def open_index(workspace: Path) -> SearchIndex:
    """The workspace's index, loaded once and held while its textci.db stays the same file."""
    from .database import database_path

    folder = Path(workspace).resolve()
    with _INDEXES_LOCK:
        path = database_path(folder)
        stamp = path.stat().st_mtime_ns if path.exists() else -1
        held = _INDEXES.get(folder)
        if held is None or held[0] != stamp:
            index = SearchIndex(folder)
            _INDEXES[folder] = (database_path(folder).stat().st_mtime_ns, index)
        return _INDEXES[folder][1]


def search(workspace: Path, query: str, k: int = 20, *, labels=(), cities=(), langs=(),
           mode: str = "hybrid") -> list[Hit]:
    """The k passages of the workspace that best match the query, in any language."""
    return open_index(workspace).search(query, k, labels=labels, cities=cities, langs=langs, mode=mode)


def highlight(text: str, query: str, start: str = "\033[1;33m", end: str = "\033[0m") -> str:
    """The passage with the words that share a stem with a query word marked (e.g. bold on a terminal)."""
    stems = [_fold(w)[:max(4, len(w) - 2)] for w in query_words(query) if len(w) > 3]
    if not stems:
        return text
    return WORD.sub(lambda m: f"{start}{m.group()}{end}" if _fold(m.group()).startswith(tuple(stems)) else m.group(),
                    text)


def _fold(word: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch))


def format_hit(hit: Hit, query: str, color: bool = False) -> str:
    """Two lines and the passage, as `textci search` prints a hit on a terminal."""
    labels = ", ".join(hit.labels) or "-"
    text = highlight(hit.text, query) if color else hit.text
    return (f"{hit.rank:>3}  {hit.score:.4f}  {hit.file}, p. {hit.page}  {hit.city}  [{hit.lang}]\n"
            f"     labels: {labels}\n     {text}\n")
