"""The default's embedding head has a hidden layer: it learns what one plane per label cannot, scores
without torch exactly as torch trained it, and models saved with the older logistic head still load."""
from pathlib import Path

import numpy as np
import pytest

from textci import codebook
from textci.classification import load, train
from textci.classification.base import LinearUnits
from textci.classification.hidden import HiddenLayerUnits
from textci.classification.jsonl import read_samples
from textci.data import Sample

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def book():
    return codebook.load(DATA / "two_labels.yaml")


@pytest.fixture(scope="module")
def model(book):
    training = read_samples(DATA / "two_labels_training.jsonl", known_labels=book.label_ids, need_labels=True)
    return train(training, book, "ensemble")


def test_a_label_that_is_no_plane_in_the_vector_space_is_learnt_by_the_hidden_layer_not_by_a_logistic_head():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8)).astype(np.float32)
    Y = np.stack([(X[:, 0] > 0) != (X[:, 1] > 0), X[:, 2] > 0], axis=1).astype(int)  # an exclusive or, and a plane
    network, logistic = HiddenLayerUnits.fit(X, Y), LinearUnits.fit(X, Y)
    test = rng.normal(size=(400, 8)).astype(np.float32)
    truth = np.stack([(test[:, 0] > 0) != (test[:, 1] > 0), test[:, 2] > 0], axis=1)
    network_right = ((network.proba(test) >= 0.5) == truth).mean(axis=0)
    logistic_right = ((logistic.proba(test) >= 0.5) == truth).mean(axis=0)
    assert network_right[0] > 0.85 and logistic_right[0] < 0.65
    assert network_right[1] > 0.9 and logistic_right[1] > 0.9


def test_training_twice_gives_the_same_weights_and_numpy_scores_equal_torchs():
    import torch

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 16)).astype(np.float32)
    Y = (X[:, :2] > 0.3).astype(int)
    first, second = HiddenLayerUnits.fit(X, Y), HiddenLayerUnits.fit(X, Y)
    for field in ("hidden_weight", "hidden_bias", "coef", "intercept"):
        assert np.array_equal(getattr(first, field), getattr(second, field))
    hidden = torch.nn.GELU(approximate="tanh")(torch.from_numpy(X @ first.hidden_weight.T + first.hidden_bias))
    assert np.abs(hidden.numpy() @ first.coef.T + first.intercept - first.decision(X)).max() < 1e-5


def test_the_default_recipe_trains_the_hidden_layer_and_saves_it(model, tmp_path):
    head = model.classifier.supervised
    assert head.hidden and isinstance(head.units_, HiddenLayerUnits)
    model.save(tmp_path / "m")
    again = load(tmp_path / "m", DATA / "two_labels.yaml")
    assert again.classifier.supervised.hidden
    passages = [Sample("a", "After the storm the river flooded the lower town.", "en")]
    assert np.array_equal(again.predict_proba(passages), model.predict_proba(passages))


def test_a_model_saved_with_a_logistic_embedding_head_loads_and_scores_with_it(model):
    head = model.classifier.supervised
    state = {k: v for k, v in head.state().items() if not k.startswith("supervised.hidden_")}
    width = head.train_vectors_.shape[1]
    state["supervised.coef"], state["supervised.intercept"] = np.ones((2, width)), np.array([0.5, -0.5])
    head_again = type(head)(head.label_ids, head.embedder).load_state(state)
    assert not head_again.hidden and isinstance(head_again.units_, LinearUnits)
    vectors = np.full((1, width), 0.01)
    assert np.allclose(head_again.units_.decision(vectors), [[0.01 * width + 0.5, 0.01 * width - 0.5]])


@pytest.mark.slow
def test_the_shipped_default_has_the_hidden_layer_and_a_tuned_encoder_keeps_the_logistic_head():
    from textci.classification.model import build

    assert load("default").classifier.supervised.hidden
    quality = load("quality")
    assert not quality.classifier.supervised.hidden
    assert not build("ensemble", quality.codebook, quality.embedder_name).supervised.hidden  # retraining it too
