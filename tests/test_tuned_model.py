"""`textci train --embedder e5-tuned`: a model folder that ships only the tuned layers, reproducibly."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from textci.classification import load
from textci.classification.tuned import TUNED_FILE, selection_split
from textci.cli import main
from textci.encoder.tuning import TuningConfig, length_grouped_batches, tuned_digest
from textci.data import Sample

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_training(tmp_path_factory) -> Path:
    """120 real-corpus passages of three languages, with their source pages."""
    folder = tmp_path_factory.mktemp("training")
    lines = []
    for lang in ("en", "fr", "de"):
        lines += (ROOT / "corpora" / "training" / "real" / f"{lang}.jsonl").read_text("utf-8").splitlines()[:40]
    (folder / "real.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def train_small(training: Path, output: Path) -> None:
    assert main(["train", "--training", str(training), "-o", str(output), "--embedder", "e5-tuned",
                 "--tune-layers", "1", "--tune-epochs", "2", "--threads", "1", "--seed", "3"]) == 0


def test_tuned_model_folder_round_trip(small_training, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCI_CACHE", "off")
    train_small(small_training, tmp_path / "tuned")
    folder = tmp_path / "tuned"
    info = json.loads((folder / "model.json").read_text("utf-8"))
    digest = info["encoder"]["tuning"]["sha256"]
    assert info["embedder"] == f"e5-tuned/{digest[:16]}"
    assert (folder / TUNED_FILE).stat().st_size < 4e6  # one layer in float16, not the 118M-weight model
    # a fresh process would load the layers from the folder: the same predictions as the CLI writes
    passages = tmp_path / "passages.jsonl"
    passages.write_text("\n".join(json.dumps({"id": f"p{i}", "text": text, "lang": "en"}) for i, text in enumerate([
        "The partners adopted a joint strategy with shared goals for the whole city.",
        "Le conseil municipal a voté le budget de la police municipale.",
        "Die Koordinierungsstelle unterstützt alle beteiligten Träger."])) + "\n", "utf-8")
    assert main(["classify", str(passages), "-o", str(tmp_path / "out.jsonl"), "--model", str(folder)]) == 0
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    model = load(folder)
    again = [p.to_json() for p in model.classify([Sample(w["id"], t, "en") for w, t in zip(written, [
        json.loads(line)["text"] for line in passages.read_text("utf-8").splitlines()])])]
    assert [w["scores"] for w in written] == [a["scores"] for a in again]


def test_tuning_is_reproducible_and_a_changed_file_is_refused(small_training, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCI_CACHE", "off")
    train_small(small_training, tmp_path / "a")
    train_small(small_training, tmp_path / "b")
    assert tuned_digest(tmp_path / "a" / TUNED_FILE) == tuned_digest(tmp_path / "b" / TUNED_FILE)
    a, b = (json.loads((tmp_path / name / "model.json").read_text("utf-8")) for name in "ab")
    assert a["embedder"] == b["embedder"] and a["thresholds"] == b["thresholds"]
    data = bytearray((tmp_path / "a" / TUNED_FILE).read_bytes())
    data[-1] ^= 0x01  # one bit of the last tuned weight
    (tmp_path / "a" / TUNED_FILE).write_bytes(bytes(data))
    from textci.classification import embeddings
    embeddings._REGISTERED.clear()  # a new process would have nothing registered
    with pytest.raises(Exception, match="not the tuned encoder"):
        load(tmp_path / "a")


def test_selection_split_keeps_whole_pages_apart():
    rng = random.Random(0)
    samples = [Sample(f"s{i}", "text", "en", group=f"https://example.org/page{rng.randrange(200)}")
               for i in range(2000)] + [Sample(f"w{i}", "text", "en", group="written/batch1.jsonl") for i in range(50)]
    tuning, selection = selection_split(samples, TuningConfig().selection_share)
    assert sorted(tuning + selection) == list(range(len(samples)))
    assert not {samples[i].group for i in tuning} & {samples[i].group for i in selection}
    assert all(samples[i].group.startswith("https://") for i in selection)
    assert 0.08 < len(selection) / len(samples) < 0.22
    assert selection_split(samples, 0.0) == (list(range(len(samples))), [])  # --tune-selection 0: tune on all


def test_shipped_quality_model_is_tuned_small_and_batch_independent(monkeypatch):
    """--model quality: e5 with tuned layers and USE mixed in; a passage gets the same scores whatever batch it is in."""
    monkeypatch.setenv("TEXTCI_CACHE", "off")
    from textci.classification import embeddings

    embeddings.default_cache.cache_clear()
    model = load("quality")
    folder = ROOT / "models" / "quality"
    assert model.embedder_name.startswith("e5-tuned/")
    assert model.blend is not None and model.blend.embedder_name == "use"  # the default's ensemble mixed in
    assert sum(p.stat().st_size for p in folder.iterdir()) < 60e6
    lines = []
    for lang in ("nl", "it", "es"):
        lines += (ROOT / "corpora" / "training" / "real" / f"{lang}.jsonl").read_text("utf-8").splitlines()[-12:]
    samples = [Sample(f"q{i}", json.loads(line)["text"], json.loads(line)["lang"]) for i, line in enumerate(lines)]
    together = {p.id: p for p in model.classify(samples)}
    alone = {p.id: p for s in samples[:8] for p in model.classify([s])}
    shuffled = samples[::-1] + [Sample("long", " ".join(s.text for s in samples), "en")]
    mixed = {p.id: p for p in model.classify(shuffled, batch_size=5)}
    for sample in samples[:8]:
        # a window is padded to its own length bucket, so its vector is the same bits in any batch
        for other in (together, mixed):
            assert alone[sample.id].scores == other[sample.id].scores
            assert alone[sample.id].labels == other[sample.id].labels
    # rounded scores could hide a difference in the last bits (the logistic head scores row by row)
    one_at_a_time = np.vstack([model.predict_proba([s]) for s in samples[:8]])
    assert np.array_equal(one_at_a_time, model.predict_proba(samples)[:8])
    embeddings.default_cache.cache_clear()


def test_length_grouped_batches_cover_every_passage_once_with_little_padding():
    rng = random.Random(1)
    lengths = [min(int(rng.lognormvariate(4.5, 0.4)), 256) for _ in range(5000)]  # like the corpus: median ~90

    def padded(batches):
        return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches) / sum(lengths)

    grouped = length_grouped_batches(lengths, 16, 50, random.Random(7))
    assert sorted(i for batch in grouped for i in batch) == list(range(5000))
    assert sum(len(batch) < 16 for batch in grouped) <= 1 and len(grouped) == -(-5000 // 16)
    assert grouped == length_grouped_batches(lengths, 16, 50, random.Random(7))
    assert grouped != length_grouped_batches(lengths, 16, 50, random.Random(8))
    plain = length_grouped_batches(lengths, 16, 1, random.Random(7))
    assert sorted(i for batch in plain for i in batch) == list(range(5000))
    assert padded(grouped) < 1.05 < 1.3 < padded(plain)
    first_of_each = [batch[0] for batch in grouped[:20]]
    assert len({lengths[i] // 20 for i in first_of_each}) > 3  # batches of every length come early, not sorted


def test_tune_weight_names_labels_or_dimensions_and_reaches_the_model(small_training, tmp_path, monkeypatch):
    from textci import codebook
    from textci.classification.tuned import label_weights

    book = codebook.load(None)
    conditions = [label.id for label in book.labels if label.dimension == "ci_condition"]
    assert label_weights(book, ["ci_condition=2", "street_crime=0.5"]) == {
        **dict.fromkeys(conditions, 2.0), "street_crime": 0.5}
    for wrong in ("backbone=2", "ci_condition=0", "ci_condition"):
        with pytest.raises(ValueError, match=wrong.split("=")[0]):
            label_weights(book, [wrong])
    monkeypatch.setenv("TEXTCI_CACHE", "off")
    assert main(["train", "--training", str(small_training), "-o", str(tmp_path / "m"), "--embedder", "e5-tuned",
                 "--tune-layers", "1", "--tune-epochs", "1", "--threads", "1", "--blend-weight", "0",
                 "--tune-weight", "mutually_reinforcing_activities=3", "--tune-average", "0.99"]) == 0
    config = json.loads((tmp_path / "m" / "model.json").read_text("utf-8"))["encoder"]["tuning"]["config"]
    assert config["label_weights"] == {"mutually_reinforcing_activities": 3.0}
    assert config["average_decay"] == 0.99
    assert main(["train", "--training", str(small_training), "-o", str(tmp_path / "n"), "--embedder", "e5-tuned",
                 "--tune-weight", "nothing=2"]) == 2


def test_weight_average_follows_the_trained_weights_and_restores_them():
    import torch

    from textci.encoder.tuning import WeightAverage

    parameter = torch.nn.Parameter(torch.zeros(3))
    average = WeightAverage([parameter], decay=0.5)
    for value in (1.0, 2.0, 3.0):
        with torch.no_grad():
            parameter.fill_(value)
        average.update()
    # decay ramps up: min(0.5, (1+t)/(10+t)) is 0.18, 0.25, 0.31 for the first three steps
    expected = 0.0
    for step, value in enumerate((1.0, 2.0, 3.0), start=1):
        decay = min(0.5, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * value
    with average.applied():
        assert torch.allclose(parameter, torch.full((3,), expected))
    assert torch.equal(parameter.detach(), torch.full((3,), 3.0))
