"""The training corpus keeps the promises its README makes: counts, labels, sources, nothing held back."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from textci import codebook

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "corpora" / "training"
REAL = TRAINING / "real"
SHARED = REPO.parent / "shared"
LANGUAGES = ("en", "fr", "de", "nl", "it", "es")


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl"))
            for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_every_real_passage_has_its_fields_a_known_label_set_and_a_source_page():
    labels = set(codebook.load(None).label_ids)
    real = records(REAL)
    assert len({r["id"] for r in real}) == len(real)
    for r in real:
        assert set(r) >= {"id", "lang", "text", "labels", "source", "source_title"}, r["id"]
        assert r["lang"] in LANGUAGES and r["text"].strip() and set(r["labels"]) <= labels, r["id"]
        assert r["source"].startswith(("http://", "https://")), r["id"]
    per_page = Counter(r["source"] for r in real)
    assert max(per_page.values()) <= 6, per_page.most_common(1)


def test_real_corpus_meets_its_counts():
    real = records(REAL)
    per_language = Counter(r["lang"] for r in real)
    assert all(per_language[lang] >= 300 for lang in LANGUAGES), per_language
    assert len(real) >= 1800
    languages_of = defaultdict(Counter)
    for r in real:
        for label in r["labels"]:
            languages_of[label][r["lang"]] += 1
    for label in codebook.load(None).label_ids:
        assert sum(languages_of[label].values()) >= 120, label
        assert sum(n > 0 for n in languages_of[label].values()) >= 4, label
    assert sum(not r["labels"] for r in real) / len(real) >= 0.40


@pytest.mark.skipif(not (SHARED / "reserved" / "check.py").exists(), reason="needs ../shared/reserved")
def test_no_training_passage_comes_from_material_held_back_for_evaluation():
    files = [str(p) for p in sorted(TRAINING.rglob("*.jsonl"))]
    done = subprocess.run([sys.executable, str(SHARED / "reserved" / "check.py"), *files],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").exists(), reason="needs ../shared/eval")
def test_the_development_set_stays_out_of_training():
    def runs(text: str, n: int = 8) -> set[str]:
        words = re.findall(r"\w+", text.lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    dev = set().union(*(runs(r["text"]) for r in records(SHARED / "eval")))
    training = records(REAL) + records(TRAINING / "written")
    close = [r["id"] for r in training if len(runs(r["text"]) & dev) >= 2]
    assert not close, close[:10]


def test_the_second_labelling_covers_15_percent_and_the_corpus_carries_the_settled_labels():
    agreement = REPO / "docs" / "agreement"
    real = {r["id"]: r for r in records(REAL)}
    first = [json.loads(line) for line in (agreement / "coder_a.jsonl").read_text("utf-8").splitlines()]
    second = [json.loads(line) for line in (agreement / "coder_b.jsonl").read_text("utf-8").splitlines()]
    assert [c["id"] for c in first] == [c["id"] for c in second]
    assert {c["id"] for c in first} <= set(real) and len(first) >= 0.15 * len(real)
    disagreements = {a["id"] for a, b in zip(first, second) if sorted(a["labels"]) != sorted(b["labels"])}
    resolved = {r["id"]: r for r in map(json.loads, (agreement / "resolved.jsonl").read_text("utf-8").splitlines())}
    assert set(resolved) == disagreements
    for pid, decision in resolved.items():
        assert sorted(real[pid]["labels"]) == sorted(decision["labels"]) and decision["rule"], pid
