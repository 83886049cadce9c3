"""Fixtures several test modules share: the shipped default model, the real training passages, no embedding cache."""
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[1] / "corpora" / "training" / "real"


@pytest.fixture(scope="session")
def default_model():
    from textci.classification import load

    return load("default")


@pytest.fixture(scope="session")
def real_passages():
    """Every passage of corpora/training/real, in file order (modules shuffle and pick their own)."""
    from textci.classification.jsonl import read_samples

    return [s for path in sorted(REAL.glob("*.jsonl")) for s in read_samples(path)]


@pytest.fixture
def no_embedding_cache(monkeypatch):
    """Vectors computed, never read from a user cache a previous run left warm."""
    from textci.classification.embeddings import default_cache

    monkeypatch.setenv("TEXTCI_CACHE", "off")
    default_cache.cache_clear()
    yield
    default_cache.cache_clear()
