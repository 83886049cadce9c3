"""Every classifier keeps the same contract; a custom codebook works end to end."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from textci import codebook
from textci.classification import CLASSIFIERS, load, train
from textci.classification.jsonl import read_samples
from textci.data import Sample

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
TEXTCI = [sys.executable, "-m", "textci.cli"]


@pytest.fixture(scope="module")
def book():
    return codebook.load(DATA / "two_labels.yaml")


@pytest.fixture(scope="module")
def training(book):
    return read_samples(DATA / "two_labels_training.jsonl", known_labels=book.label_ids, need_labels=True)


UNSEEN = [
    Sample("u1", "After the cloudburst the river flooded the lower streets and cellars.", "en"),
    Sample("u2", "Nach dem Unwetter trat der Fluss über die Ufer und überschwemmte die Keller.", "de"),
    Sample("u3", "During the heatwave the city kept cooling centres open for older people.", "en"),
    Sample("u4", "Während der Hitzewelle blieben gekühlte Räume für ältere Menschen offen.", "de"),
]


def textci(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TEXTCI, *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def classify_unseen_from_cli(model_dir: Path, folder: Path) -> tuple[Path, list[dict]]:
    """`textci classify` of UNSEEN with the model in `model_dir`: the predictions file and its lines."""
    passages = folder / "passages.jsonl"
    passages.write_text("".join(json.dumps({"id": s.id, "text": s.text, "lang": s.lang}) + "\n"
                                for s in UNSEEN), "utf-8")
    out = folder / "pred.jsonl"
    result = textci("classify", str(passages), "-o", str(out), "--model", str(model_dir))
    assert result.returncode == 0, result.stderr
    return out, [json.loads(l) for l in out.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_classifier_fits_and_returns_probabilities_per_label(name, book, training):
    model = train(training, book, name)
    P = model.predict_proba(UNSEEN)
    assert P.shape == (len(UNSEEN), 2)
    assert np.all((P >= 0) & (P <= 1))
    predictions = model.classify(UNSEEN)
    assert [p.id for p in predictions] == ["u1", "u2", "u3", "u4"]
    for p in predictions:
        assert set(p.scores) == {"flooding", "heatwave"}
        assert set(p.labels) <= {"flooding", "heatwave"}
        assert set(p.evidence) == set(p.labels)
    # clear cases in both languages get the label they describe
    assert P[0, 0] > P[0, 1] and P[1, 0] > P[1, 1]
    assert P[2, 1] > P[2, 0] and P[3, 1] > P[3, 0]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_saved_model_gives_the_same_predictions_after_loading(name, book, training, tmp_path):
    model = train(training, book, name)
    model.save(tmp_path / "m")
    again = load(tmp_path / "m", DATA / "two_labels.yaml")
    assert [p.to_json() for p in again.classify(UNSEEN)] == [p.to_json() for p in model.classify(UNSEEN)]


def test_retraining_on_the_same_data_gives_the_same_predictions(book, training):
    first = train(training, book).classify(UNSEEN)
    second = train(training, book).classify(UNSEEN)
    assert [p.to_json() for p in first] == [p.to_json() for p in second]


def test_lexicon_evidence_names_the_matched_terms_and_respects_exclusions(book, training):
    model = train(training, book, "lexicon")
    lexicon = model.classifier
    assert lexicon.matches(Sample("x", "The storm drains overflowed after heavy rain.", "en"))[0] == \
        ["storm drains", "heavy rain"]
    assert lexicon.matches(Sample("y", "We received a flood of applications.", "en"))[0] == []


def test_model_refuses_a_different_codebook(book, training, tmp_path):
    train(training, book, "lexicon").save(tmp_path / "m")
    edited = tmp_path / "edited.yaml"
    edited.write_text((DATA / "two_labels.yaml").read_text("utf-8").replace("levee*", "embankment*"), "utf-8")
    with pytest.raises(Exception, match="trained on codebook"):
        load(tmp_path / "m", edited)


def test_custom_codebook_trained_classified_and_evaluated_from_the_cli(tmp_path):
    model_dir = tmp_path / "model"
    result = textci("train", "--codebook", str(DATA / "two_labels.yaml"),
                    "--training", str(DATA / "two_labels_training.jsonl"), "-o", str(model_dir))
    assert result.returncode == 0, result.stderr
    out, lines = classify_unseen_from_cli(model_dir, tmp_path)
    assert [l["id"] for l in lines] == ["u1", "u2", "u3", "u4"]
    assert "flooding" in lines[0]["labels"] and "heatwave" in lines[2]["labels"]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": s.id, "text": s.text, "lang": s.lang,
                                        "labels": ["flooding"] if i < 2 else ["heatwave"]}) + "\n"
                            for i, s in enumerate(UNSEEN)), "utf-8")
    report = tmp_path / "eval.json"
    result = textci("evaluate", str(gold), "--model", str(model_dir), "--json", str(report))
    assert result.returncode == 0, result.stderr
    assert "macro F1" in result.stdout and "ECE" in result.stdout
    numbers = json.loads(report.read_text("utf-8"))
    assert set(numbers["labels"]) == {"flooding", "heatwave"}
    result = textci("evaluate", str(gold), "--predictions", str(out), "--codebook", str(DATA / "two_labels.yaml"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("line, problem", [
    (b"\n", "blank line"),
    (b'{"id": "x", "text": "' + b"a" * 100_001 + b'"}\n', "above the limit"),
    (b'{"id": "x", "text": "caf\xe9"}\n', "not valid UTF-8"),
    (b'{"id": "x", "text": \n', "not valid JSON"),
    (b'{"text": "no id"}\n', "missing key 'id'"),
])
def test_bad_input_line_is_named_and_keep_going_classifies_the_rest(tmp_path, line, problem, book, training):
    model_dir = tmp_path / "model"
    train(training, book, "lexicon").save(model_dir)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "good1", "text": "The river flooded the town."}\n' + line +
                     b'{"id": "good2", "text": "A heatwave hit the city."}\n')
    out = tmp_path / "out.jsonl"
    run = lambda *a: subprocess.run([*TEXTCI, "classify", str(path), "-o", str(out), "--model", str(model_dir),
                                     *a], capture_output=True, text=True, cwd=REPO, timeout=120)
    strict = run()
    assert strict.returncode == 1
    assert "in.jsonl:2" in strict.stderr and problem in strict.stderr
    lenient = run("--keep-going")
    assert lenient.returncode == 3
    assert problem in lenient.stderr
    assert [json.loads(l)["id"] for l in out.read_text("utf-8").splitlines()] == ["good1", "good2"]


def test_german_and_dutch_compounds_match_their_head_keyword():
    from textci import codebook as codebooks
    from textci.classification.lexicon import LexiconClassifier

    lexicon = LexiconClassifier(codebooks.load())
    street = lexicon.label_ids.index("street_crime")
    assert "fahrraddiebstahl" in lexicon.matches(Sample("d", "Der Fahrraddiebstahl nimmt zu.", "de"))[street]
    # short keywords stay word-initial: "raub*" must not fire inside "Trauben"
    assert lexicon.matches(Sample("d", "Die Trauben sind reif.", "de"))[street] == []


def test_cross_validation_holds_whole_writing_batches_out_together():
    from textci.classification.base import cv_folds

    sizes = {"a.jsonl": 10, "b.jsonl": 6, "c.jsonl": 5, "d.jsonl": 3, "e.jsonl": 2, "f.jsonl": 1}
    samples = [Sample(f"{g}-{i}", "text", "en", (), group=g) for g, n in sizes.items() for i in range(n)]
    folds = list(cv_folds(samples))
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(samples)))  # every passage held out exactly once
    for train, test in folds:
        assert not {samples[i].group for i in train} & {samples[i].group for i in test}
    assert [t.tolist() for _, t in folds] == [t.tolist() for _, t in cv_folds(samples)]
    ungrouped = [Sample(str(i), "text") for i in range(23)]
    assert sorted(np.concatenate([t for _, t in cv_folds(ungrouped)])) == list(range(23))


def test_stack_brings_in_the_supervised_head_for_a_label_its_keywords_miss(book, training, tmp_path):
    """The signals are chosen label by label: useless keywords for `flooding` leave it to the embeddings."""
    text = (DATA / "two_labels.yaml").read_text("utf-8")
    text = text.replace("en: [flood*, heavy rain, storm drain*, levee*, dike*]", "en: [zyxwv]")
    text = text.replace("de: [hochwasser*, überschwemm*, starkregen*, deich*, kanalisation]", "de: [qzxjv]")
    (tmp_path / "blind.yaml").write_text(text, "utf-8")
    blind = codebook.load(tmp_path / "blind.yaml")
    model = train(training, blind, "ensemble")
    assert "supervised" in model.info["signals"]["flooding"]
    predictions = model.classify(UNSEEN[:2])
    assert all("flooding" in p.labels for p in predictions), [(p.id, p.labels, p.scores) for p in predictions]


@pytest.mark.parametrize("lang, keyword, text", [
    ("de", "gemeinsame ziele", "Die Partner haben sich auf gemeinsamen Zielen verständigt."),
    ("nl", "gezamenlijke doelen", "Er is een gezamenlijk doel afgesproken."),
    ("it", "obiettivo condiviso", "Sono stati fissati tre obiettivi condivisi."),
    ("it", "radicalizzazione", "Prevenire le radicalizzazioni violente."),
    ("es", "objetivos compartidos", "Se acordó un objetivo compartido."),
    ("fr", "vision partagée", "Les visions partagées du quartier."),
    ("en", "shared goals", "One shared goal was agreed."),
])
def test_keywords_match_their_inflected_forms(lang, keyword, text):
    from textci.classification.lexicon import _compile

    assert _compile([keyword], lang).search(text.lower())


@pytest.mark.parametrize("lang, keyword, text", [
    ("en", "gang", "The ganger was late."),             # single English words are not inflected
    ("de", "gemeinsame ziele", "gemeinsames zielfoto"),  # an ending, not any continuation
    ("it", "patto", "un pattino sul ghiaccio"),
])
def test_inflection_does_not_match_other_words(lang, keyword, text):
    from textci.classification.lexicon import _compile

    assert not _compile([keyword], lang).search(text.lower())


def test_the_german_verb_sucht_is_not_addiction_but_the_noun_is():
    from textci import codebook as codebooks
    from textci.classification.lexicon import LexiconClassifier

    lexicon = LexiconClassifier(codebooks.load())
    j = lexicon.label_ids.index("substance_abuse_nightlife")
    assert not lexicon.matches(Sample("v", "Die Stadt sucht nach neuen Partnern für das Projekt.", "de"))[j]
    assert lexicon.matches(Sample("n", "Sucht und Drogenkonsum bei Jugendlichen nehmen zu.", "de"))[j]


def test_a_loaded_model_embeds_only_the_passages_not_its_codebook_again(book, training, tmp_path, monkeypatch):
    """The label prototypes a model was fitted with are saved with it: loading costs no embedding."""
    train(training, book, "ensemble").save(tmp_path / "m")
    again = load(tmp_path / "m", DATA / "two_labels.yaml")
    embedder = type(again.classifier.embedder)
    embedded, embed = [], embedder.embed
    monkeypatch.setattr(embedder, "embed",
                        lambda self, texts, cache=None: embedded.extend(texts) or embed(self, texts, cache))
    again.classify(UNSEEN)
    assert embedded == [s.text for s in UNSEEN]


def test_character_ngram_features_equal_scikit_learns_tfidf_and_survive_saving(training, tmp_path):
    """The n-gram head rebuilds its features from saved arrays, as TfidfVectorizer computes them."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from textci.classification.ngrams import NGRAMS, CharNgramClassifier

    labels = ("flooding", "heatwave")
    Y = np.array([[label in s.labels for label in labels] for s in training], dtype=int)
    head = CharNgramClassifier(labels).fit(training, Y)
    texts = [s.text for s in training] + [s.text for s in UNSEEN]
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, min_df=2, sublinear_tf=True)
    reference.fit([s.text for s in training])
    assert list(head.vocabulary_) == list(reference.get_feature_names_out())
    assert np.allclose(head.features(texts).toarray(), reference.transform(texts).toarray(), atol=1e-6)

    np.savez(tmp_path / "state.npz", **head.state())
    with np.load(tmp_path / "state.npz", allow_pickle=False) as state:
        again = CharNgramClassifier(labels).load_state({k: state[k] for k in state.files})
    assert np.allclose(again.decision(UNSEEN), head.decision(UNSEEN), atol=1e-5)
    assert again.decision(UNSEEN)[0, 0] > again.decision(UNSEEN)[0, 1]  # the flood passage reads as flooding


def test_passages_from_real_documents_weigh_more_in_training_as_if_given_twice(book, tmp_path):
    """A passage with a `source` page (a paraphrase of a real report) counts REAL_WEIGHT times; a
    weight acts as repetition in the logistic units and the threshold search, and the model card says so."""
    from textci.classification.base import LinearUnits, best_threshold
    from textci.classification.training import REAL_WEIGHT, load_training

    lines = [json.loads(l) for l in (DATA / "two_labels_training.jsonl").read_text().splitlines()]
    (tmp_path / "real").mkdir()
    (tmp_path / "written").mkdir()
    (tmp_path / "real" / "a.jsonl").write_text("".join(
        json.dumps(dict(l, source=f"https://example.org/report/{i // 3}")) + "\n" for i, l in enumerate(lines[::2])))
    (tmp_path / "written" / "b.jsonl").write_text("".join(json.dumps(l) + "\n" for l in lines[1::2]))
    samples = load_training(tmp_path, book)
    assert REAL_WEIGHT > 1
    assert {s.weight for s in samples if s.group.startswith("https://")} == {REAL_WEIGHT}
    assert {s.weight for s in samples if not s.group.startswith("https://")} == {1.0}

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, size=(60, 1))
    twice = np.arange(60) % 3 == 0
    weighted = LinearUnits.fit(X, y, sample_weight=np.where(twice, 2.0, 1.0))
    repeated = LinearUnits.fit(np.vstack([X, X[twice]]), np.vstack([y, y[twice]]))
    assert np.allclose(weighted.coef, repeated.coef, atol=1e-4)
    p = rng.random(60)
    assert best_threshold(y[:, 0], p, weight=np.where(twice, 2.0, 1.0)) == \
        best_threshold(np.concatenate([y[:, 0], y[twice, 0]]), np.concatenate([p, p[twice]]))

    model = train(samples, book, "ensemble")
    assert model.info["weighted_samples"] == {"1.0": 18, str(REAL_WEIGHT): 18}


def test_evidence_names_the_most_similar_training_passages_of_each_label_ties_in_training_order(book, training):
    """Evidence examples: per label, the k training passages nearest the passage, as a full stable sort
    orders them (the partial sort must agree, also when many passages are equally near)."""
    from textci.classification.supervised import top_k_stable

    rng = np.random.default_rng(3)
    for columns in (1, 2, 3, 40, 500):
        scores = rng.integers(0, 4, size=(30, columns)).astype(np.float32)  # few values: many ties
        expected = np.argsort(-scores, axis=1, kind="stable")[:, :2]
        assert [list(row) for row in top_k_stable(scores, 2)] == [list(row) for row in expected]

    model = train(training, book)
    supervised = model.classifier.supervised
    vectors = supervised._vectors(UNSEEN, None)
    found = supervised.nearest(vectors, k=2)
    sims = vectors @ supervised.train_vectors_.astype(np.float32).T
    for row, per_label in zip(sims, found):
        for j, label in enumerate(book.label_ids):
            members = np.flatnonzero(supervised.train_Y_[:, j])
            best = members[np.argsort(-row[members], kind="stable")[:2]]
            assert per_label[label] == [str(i) for i in supervised.train_ids_[best]]
