"""The lexicon's gate skips only scans that would find nothing: the same matches with and without it."""
from pathlib import Path

import pytest

from textci import codebook as codebooks
from textci.classification.jsonl import read_samples
from textci.classification.lexicon import LexiconClassifier
from textci.classification.lexicon_gate import Gate
from textci.data import Sample

TRAINING = Path(__file__).resolve().parents[1] / "corpora" / "training"
EDGE_CASES = [
    ("Youth GANGS and gang-violence; GANG VIOLENCE, gangviolence", "en"),
    ("Die Jugendbanden und der FAHRRADDIEBSTAHL, Diebstähle, gemeinsamen Zielen", "de"),
    ("wapengeweld, Wapengeweld en GEWELD; jeugdbendes", "nl"),
    ("radicalizzazioni, RADICALIZZAZIONE e obiettivi condivisi", "it"),
    ("objectifs partagés, Objectif Partagé, espaces publics", "fr"),
    ("espacio público, ESPACIOS PÚBLICOS, pandillas juveniles", "es"),
    ("ſtreet crime, ſtreet-crime, KRIMINALITÄT, İstanbul ıi", "en"),
    ("gang of four, a gang of four members, gang", "en"),
    ("youth gang of four violence, street of crime, street-crime", "en"),
    ("La 'ndrangheta e la ’ndrangheta, il ser.d e il SER.D, regia", "it"),
    ("K.-o.-Tropfen und k.o.-tropfen, Anti-Terror-Poller, antiterrorpoller", "de"),
    ("re-integratie, reintegratie, Re-Integratie", "nl"),
    ("co-construit, coconstruit, s'accordent sur, S’accordent sur", "fr"),
    ("zones de sécurité, zone-de-sécurité, espace\u00a0public, espaces-publics", "fr"),
    ("", None), ("   ", "en"), ("\u200bgang\u200b", "en"), ("_gang gang_ gang2", "en"),
    ("street\u00a0crime street\tcrime street-\ncrime", "en"),
]


@pytest.fixture(scope="module")
def book():
    return codebooks.load("ci_urban_security")


def test_gated_lexicon_finds_exactly_what_scanning_every_label_finds(book, monkeypatch):
    samples = [s for path in sorted(TRAINING.glob("*/*.jsonl")) for s in read_samples(path)]
    samples += [Sample(f"edge-{i}", text, lang) for i, (text, lang) in enumerate(EDGE_CASES)]
    samples += [Sample(f"{s.id}-as-{lang}", s.text, lang) for s in samples[::25] for lang in ("de", "nl", None)]
    lexicon = LexiconClassifier(book)
    gated = [lexicon.matches(s) for s in samples]
    monkeypatch.setattr(Gate, "labels", lambda self, keys: set(range(self.n_labels)))
    lexicon = LexiconClassifier(book)
    scanned = [lexicon.matches(s) for s in samples]
    assert sum(map(any, scanned)) > 1000
    assert [s.id for s, a, b in zip(samples, gated, scanned) if a != b] == []
