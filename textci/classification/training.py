"""The labelled training passages: every *.jsonl file under a folder.

    corpora/training/real/      paraphrases of real public passages, each with its `source` page
    corpora/training/written/   passages the team wrote, one file per writing batch

Cross-validation holds out whole groups (`Sample.group`): a real passage's
source page, else its file (a writing batch). Thresholds and the choice of
signals are so tested on passages phrased unlike the ones they were fitted
on, as the reports a user brings will be.

A passage with a `source` (a paraphrase of a real document) counts
REAL_WEIGHT times in training: the reports a user brings read like those,
and the team's own phrasing less so. Cross-validation over the real source
pages (scripts/cv_default.py) measured the weight.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..codebook import Codebook
from ..data import Sample
from ..errors import InputLineError
from .jsonl import read_samples

DEFAULT_TRAINING = Path(__file__).resolve().parents[2] / "corpora" / "training"
REAL_WEIGHT = 2.0


def load_training(folder: Path | None, book: Codebook) -> list[Sample]:
    folder = Path(folder or DEFAULT_TRAINING)
    files = sorted(folder.rglob("*.jsonl")) if folder.is_dir() else [folder]
    if not files or not files[0].exists():
        raise InputLineError(f"{folder}: no training files (*.jsonl with id, text, lang, labels)")
    samples, seen = [], {}
    for path in files:
        for sample in read_samples(path, known_labels=book.label_ids, need_labels=True):
            if sample.id in seen:
                raise InputLineError(f"{path}: id {sample.id!r} is also in {seen[sample.id]}")
            seen[sample.id] = path
            batch = str(path.relative_to(folder)) if folder.is_dir() else path.name
            real = sample.from_real_page  # read_samples groups a passage by its source page
            samples.append(replace(sample, group=sample.group or batch, weight=REAL_WEIGHT if real else 1.0))
    return samples
