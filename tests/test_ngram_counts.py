"""The n-gram head counts a word's n-grams once per word: the same matrix scikit-learn's CountVectorizer gives."""
from pathlib import Path

import numpy as np

from textci.classification import load
from textci.classification.jsonl import read_samples
from textci.classification.ngrams import NGRAMS

TRAINING = Path(__file__).resolve().parents[1] / "corpora" / "training"
ODD = ["", "   ", "a", "ab", "I", "ΟΔΟΣ ΚΑΙ ΣΟΦΟΣ", "İstanbul straße STRASSE", "x" * 3000,
       "tab\tnew\nline\u00a0nbsp\u3000",
       "😀 emoji 👍🏽", "a  a a   a", "Café CAFÉ café"]


def test_counts_equal_scikit_learns_count_vectorizer_on_every_training_text():
    from sklearn.feature_extraction.text import CountVectorizer

    head = load("default").classifier.ngrams
    texts = [s.text for path in sorted(TRAINING.glob("*/*.jsonl")) for s in read_samples(path)] + ODD
    reference = CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, dtype=np.float32,
                                vocabulary={str(n): i for i, n in enumerate(head.vocabulary_)}).transform(texts)
    ours = head.counts(texts)
    for attribute in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(ours, attribute), getattr(reference, attribute))
        assert getattr(ours, attribute).dtype == getattr(reference, attribute).dtype
    assert ours.shape == reference.shape
    assert np.array_equal(head.counts(texts[::-1]).toarray(), reference.toarray()[::-1])
