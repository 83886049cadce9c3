"""The typed records that flow through the pipeline.

A `Document` holds `Page`s; segmentation turns pages into `Passage`s, each of
which knows its document, page and character span so every finding can be
traced back to the PDF. Everything is frozen so stages cannot mutate each
other's output.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["ok", "partial", "failed"]
Method = Literal["text", "ocr", "mixed", "none"]
Format = Literal["pdf", "docx", "odt", "html", "txt", "md"]
BlockKind = Literal["paragraph", "heading", "table"]


@dataclass(frozen=True)
class Block:
    """A span of a page's text: a paragraph, a heading or a table."""

    kind: BlockKind
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Page:
    doc_id: str
    file: str
    page: int  # 1-based
    text: str
    method: Method
    blocks: tuple[Block, ...] = ()

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "file": self.file, "page": self.page,
                "text": self.text, "method": self.method}


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    file: str
    page: int
    char_start: int
    char_end: int
    lang: str
    text: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ErrorRecord:
    """One thing that went wrong, phrased so the user can act on it."""

    file: str
    page: int | None
    stage: str
    error: str
    message: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    doc_id: str | None
    file: str
    pages: int
    lang: str | None
    status: Status
    method: Method
    page_records: tuple[Page, ...] = field(default=(), repr=False)
    passages: tuple[Passage, ...] = field(default=(), repr=False)
    errors: tuple[ErrorRecord, ...] = field(default=(), repr=False)
    format: Format | None = None   # the reader that read it; None when no reader got to it

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "file": self.file, "pages": self.pages,
                "lang": self.lang, "status": self.status, "method": self.method, "format": self.format}


@dataclass(frozen=True)
class Prediction:
    """Labels for one passage: ids over threshold, every label's score, evidence."""

    id: str
    labels: tuple[str, ...]
    scores: dict[str, float]
    evidence: dict[str, list[str]]

    def to_json(self) -> dict:
        return {"id": self.id, "labels": list(self.labels), "scores": self.scores,
                "evidence": self.evidence}


@dataclass(frozen=True)
class Sample:
    """A text to classify: a passage, a gold line or a training example."""

    id: str
    text: str
    lang: str | None = None
    labels: tuple[str, ...] | None = None  # known labels, for training and evaluation
    group: str | None = None  # the batch it was written in: cross-validation holds whole groups out
    weight: float = 1.0  # how much it counts in training: text from real documents more than team-written

    @property
    def from_real_page(self) -> bool:
        """A paraphrase of a real public page: its group is the page's address (training.py)."""
        return bool(self.group and self.group.startswith(("http://", "https://")))


@dataclass(frozen=True)
class Theme:
    """A group of passages about one approach, labelled by its top terms."""

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    representative_ids: tuple[str, ...]  # the passages closest to the theme's centre
    languages: dict[str, int]
    seed: str | None = None               # codebook label whose description started it (guided runs)

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "terms": list(self.terms), "size": self.size,
                "representative_ids": list(self.representative_ids), "languages": self.languages,
                "seed": self.seed}


@dataclass(frozen=True)
class ThemeAssignment:
    id: str           # passage id
    theme: int        # -1: an outlier, close to no theme
    similarity: float

    def to_json(self) -> dict:
        return asdict(self)
