"""Themes on the team-written passages of corpora/training (about 1,200 passages in six languages).

The heavier tests embed every passage with the real multilingual Universal
Sentence Encoder (the default embedder) and are marked slow.
"""
import json
from collections import Counter
from pathlib import Path

import pytest

from textci import codebook
from textci.data import Sample
from textci.themes import ThemeConfig, fit_themes, write_themes
from textci.themes.masking import NameMasker

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "corpora" / "training" / "written"


def training_passages() -> list[Sample]:
    samples = []
    for path in sorted(TRAINING.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                samples.append(Sample(record["id"], record["text"], record["lang"]))
    return samples


@pytest.fixture(scope="module")
def passages():
    samples = training_passages()
    assert len(samples) > 1000 and len({s.lang for s in samples}) == 6
    return samples


@pytest.fixture(scope="module")
def themes(passages):
    return fit_themes(passages, ThemeConfig())


def words(text: str) -> list[str]:
    return text.replace(",", " ").replace(".", " ").split()


# ------------------------------------------------------------------ masking (fast)

def test_known_city_names_are_masked_in_every_grammatical_form():
    texts = ["La ville d'Aurelbourg a signé la charte avec la préfecture.",
             "Eastmere's partners meet every month with the police of Eastmere.",
             "Die Partner Quellbrücks treffen sich monatlich, so die Quellbrück-Strategie.",
             "Il piano dell'Aurelbourg e il comune di San Teodoro collaborano.",
             "The Port-Aurel council and the police agreed a joint strategy."]
    masker = NameMasker(["Aurelbourg", "Eastmere", "Quellbrück", "San Teodoro", "Port-Aurel"])
    masker.fit(texts, ["fr", "en", "de", "it", "en"])
    masked = " ".join(masker.mask(t) for t in texts).casefold()
    for name in ("aurelbourg", "eastmere", "quellbrück", "san", "teodoro", "port", "aurel"):
        assert name not in masked, (name, masked)
    assert "charte" in masked and "partners" in masked and "strategie" in masked and "council" in masked


@pytest.mark.parametrize("lang, texts, names, kept", [
    ("fr", ["Marie Dubois, coordinatrice du contrat local, réunit les partenaires chaque mois.",
            "Selon la coordinatrice, Marie Dubois, les partenaires partagent leurs données."],
     ["Marie", "Dubois"], ["coordinatrice", "partenaires", "Selon"]),
    ("en", ["Sarah Jones chairs the board and meets the partners every month.",
            "The board, chaired by Ms Jones, agreed three shared goals."],
     ["Sarah", "Jones"], ["board", "partners", "The"]),
])
def test_person_names_are_masked_even_at_the_start_of_a_sentence(lang, texts, names, kept):
    masker = NameMasker().fit(texts, [lang] * len(texts))
    masked = [masker.mask(t) for t in texts]
    for text in masked:
        for name in names:
            assert name not in words(text), masked
    assert all(word in " ".join(masked) for word in kept)


def test_german_runs_of_capitalised_words_are_names_but_nouns_are_kept():
    texts = ["Der Bürgermeister lobt die Arbeit der Jugendhilfe und der Polizei.",
             "Die Koordination liegt bei Jörg Berens vom Ordnungsamt.",
             "Laut Jörg Berens treffen sich Polizei und Jugendhilfe jede Woche.",
             "Die Polizei und die Jugendhilfe teilen ihre Daten mit dem Ordnungsamt.",
             "Der Bürgermeister Jörg Berens stellte die Strategie vor."]
    masker = NameMasker().fit(texts, ["de"] * len(texts))
    masked = " ".join(masker.mask(t) for t in texts)
    assert "Jörg" not in masked and "Berens" not in masked
    for noun in ("Bürgermeister", "Jugendhilfe", "Polizei", "Ordnungsamt", "Strategie", "Koordination"):
        assert noun in words(masked), noun


def test_numbers_are_masked():
    masker = NameMasker().fit(["In 2023 the 14 partners spent 1.200.000 euros, 12,5 % more than in 2021/22."], ["en"])
    masked = masker.mask("In 2023 the 14 partners spent 1.200.000 euros, 12,5 % more than in 2021/22.")
    assert not any(ch.isdigit() for ch in masked)
    assert "partners spent" in masked and "euros" in masked


def test_no_passages_give_no_themes_and_empty_files(tmp_path):
    result = fit_themes([], ThemeConfig())
    assert result.themes == () and result.assignments == () and result.outlier_share == 0.0
    write_themes(result, tmp_path)
    data = json.loads((tmp_path / "themes.json").read_text("utf-8"))
    assert data["themes"] == [] and data["passages"] == 0
    assert (tmp_path / "passage_themes.jsonl").read_text("utf-8") == ""


# ------------------------------------------------------------------ fitted on the training passages (slow)

@pytest.mark.slow
def test_fitting_twice_writes_byte_identical_theme_files(passages, themes, tmp_path):
    again = fit_themes(passages, ThemeConfig())
    write_themes(themes, tmp_path / "first")
    write_themes(again, tmp_path / "second")
    for name in ("themes.json", "passage_themes.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name


@pytest.mark.slow
def test_every_passage_is_assigned_to_exactly_one_theme_or_is_an_outlier(passages, themes, tmp_path):
    assert [a.id for a in themes.assignments] == [p.id for p in passages]
    ids = {t.id for t in themes.themes}
    assert ids == set(range(len(themes.themes))) and len(ids) >= 5
    counts = Counter(a.theme for a in themes.assignments)
    assert set(counts) <= ids | {-1}
    assert all(counts[t.id] == t.size for t in themes.themes)
    write_themes(themes, tmp_path)
    lines = (tmp_path / "passage_themes.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(passages) == len({json.loads(line)["id"] for line in lines})


@pytest.mark.slow
def test_outlier_share_is_reported_and_at_most_a_fifth(themes, tmp_path):
    write_themes(themes, tmp_path)
    data = json.loads((tmp_path / "themes.json").read_text("utf-8"))
    outliers = sum(a.theme == -1 for a in themes.assignments)
    assert data["outliers"] == outliers
    assert data["outlier_share"] == pytest.approx(outliers / len(themes.assignments), abs=1e-4)
    assert data["outlier_share"] <= 0.2


@pytest.mark.slow
def test_themes_gather_the_same_approach_across_languages(themes):
    assert any(len(t.languages) >= 3 for t in themes.themes)
    # language is centred out: no theme is a one-language bucket
    assert all(max(t.languages.values()) <= 0.8 * t.size for t in themes.themes)


@pytest.mark.slow
def test_every_theme_has_a_label_terms_and_representative_passages(passages, themes):
    by_id = {p.id: p for p in passages}
    for theme in themes.themes:
        assert theme.label and theme.terms
        assert theme.label == ", ".join(theme.terms[:4])
        assert 1 <= len(theme.representative_ids) <= 5
        assert all(rid in by_id for rid in theme.representative_ids)


@pytest.mark.slow
def test_guided_themes_start_from_the_codebooks_labels(passages):
    book = codebook.load(None)
    result = fit_themes(passages, ThemeConfig(guided=True), codebook=book)
    seeds = [t.seed for t in result.themes if t.seed is not None]
    assert len(seeds) >= len(book.labels) // 2
    assert set(seeds) <= set(book.label_ids)
    assert len(seeds) == len(set(seeds))
    assert result.outlier_share <= 0.2


FICTIONAL_CITIES = ("Aurelbourg", "Quellbrück", "Ostravel", "Isenhaven", "Marrowdeen", "Velloria", "Brackwater",
                    "Ulmenfeld", "Torrescura", "Eldavik", "Kastelmoor", "Ambrevaux", "Zandhoven", "Orlatesta")
MENTIONS = {  # how a report names its own city, two ways per language
    "en": ("This is how {c}'s partnership describes it.", "So says the council of {c}."),
    "fr": ("Ainsi le décrit la ville {de}.", "C'est le constat du conseil municipal {de}."),
    "de": ("So beschreibt es die Stadt {c}.", "So steht es in {c}s Sicherheitsbericht und der {c}-Strategie."),
    "nl": ("Zo beschrijft de gemeente {c} het.", "Dat staat in het {c}se veiligheidsplan van {c}."),
    "it": ("Così lo descrive il comune {di}.", "Lo riferisce la giunta di {c}."),
    "es": ("Así lo describe el ayuntamiento de {c}.", "Así lo recoge el plan de {c}."),
}


def with_city(sample: Sample, city: str, form: int) -> Sample:
    vowel = city[0] in "AEIOU"
    mention = MENTIONS[sample.lang][form].format(c=city, de=f"d'{city}" if vowel else f"de {city}",
                                                 di=f"dell'{city}" if vowel else f"di {city}")
    return Sample(sample.id, f"{sample.text} {mention}", sample.lang)


@pytest.mark.slow
def test_theme_terms_never_name_the_cities_the_passages_come_from(passages, tmp_path):
    # Each fictional city writes about its own issues, so its name would be a
    # strong theme term if it were not masked.
    labels = {}
    for path in sorted(TRAINING.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                labels[record["id"]] = record.get("labels") or ["none"]
    kinds = sorted({labels[p.id][0] for p in passages})
    city_of = {p.id: FICTIONAL_CITIES[kinds.index(labels[p.id][0]) % len(FICTIONAL_CITIES)] for p in passages}
    local = [with_city(p, city_of[p.id], i % 2) for i, p in enumerate(passages)]
    result = fit_themes(local, ThemeConfig(), known_names=FICTIONAL_CITIES)
    terms = [term for theme in result.themes for term in (*theme.terms, *theme.label.split(", "))]
    named = {term for term in terms for city in FICTIONAL_CITIES
             if city.casefold() in term.casefold() or any(w.casefold() == city.casefold() for w in term.split())}
    assert not named, named
    write_themes(result, tmp_path, city_of=city_of)
    data = json.loads((tmp_path / "themes.json").read_text("utf-8"))
    assert all(theme["cities"] for theme in data["themes"])


SMALL_CORPUS = [  # three cities whose reports share a single content word ("police")
    ("Eastmere", "en", "The council, the police, schools and youth clubs agreed a joint strategy with three goals."),
    ("Eastmere", "en", "A coordinator in the town hall prepares the monthly meetings and manages the data."),
    ("Eastmere", "en", "Every partner reports the same indicators on knife crime to one dashboard."),
    ("Eastmere", "en", "The board reviews the dashboard each quarter with the police."),
    ("Port-Aurel", "fr", "La ville, le parquet et les associations ont adopté une stratégie commune."),
    ("Port-Aurel", "fr", "Un coordonnateur prépare les réunions et monte les dossiers de subvention."),
    ("Port-Aurel", "fr", "Les partenaires échangent chaque mois sur les tensions entre les jeunes et la police."),
    ("Grauwald", "de", "Stadtverwaltung, Schulen und Träger haben sich auf gemeinsame Ziele verständigt."),
    ("Grauwald", "de", "Eine Koordinierungsstelle im Rathaus unterstützt die Partnerschaft."),
    ("Grauwald", "de", "Die Jugendhilfe trifft sich jede Woche in einer Fallkonferenz."),
]


@pytest.mark.slow
def test_a_small_corpus_whose_cities_share_a_single_word_still_gets_themes(tmp_path):
    # a one-word label vocabulary used to crash BERTopic's c-TF-IDF (and with it `textci run`)
    samples = [Sample(f"s{i}", text, lang) for i, (_, lang, text) in enumerate(SMALL_CORPUS)]
    groups = [city for city, _, _ in SMALL_CORPUS]
    cities = tuple(sorted(set(groups)))
    result = fit_themes(samples, ThemeConfig(), groups=groups, known_names=cities)
    assert result.themes and len(result.assignments) == len(samples)
    assert all(theme.label for theme in result.themes)
    write_themes(result, tmp_path, city_of={s.id: g for s, g in zip(samples, groups)})
    assert json.loads((tmp_path / "themes.json").read_text("utf-8"))["passages"] == len(samples)


@pytest.mark.slow
def test_passages_that_share_no_word_still_get_themes_labelled_by_number():
    texts = ["Apples grow quickly.", "Bicycles rust slowly.", "Carpets feel soft.", "Dolphins swim far.",
             "Elephants remember things.", "Forests burn rarely.", "Guitars sound lovely.", "Hammers strike nails.",
             "Islands attract tourists.", "Jackets keep warm.", "Kettles boil water.", "Lemons taste sour."]
    samples = [Sample(f"s{i}", text, "en") for i, text in enumerate(texts)]
    result = fit_themes(samples, ThemeConfig(n_themes=3, min_similarity=-1.0, min_size=1))
    assert len(result.themes) == 3 and all(a.theme >= 0 for a in result.assignments)
    assert [t.label for t in result.themes] == ["theme 0", "theme 1", "theme 2"]
    assert all(t.terms == () for t in result.themes)


@pytest.mark.slow
@pytest.mark.parametrize("size, n_themes", [(None, None), (90, 7)])
def test_theme_numbers_and_terms_equal_bertopics_own(passages, size, n_themes):
    """ctfidf.py repeats BERTopic's renumbering and c-TF-IDF without importing it: the results must match."""
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer

    from textci.classification.embeddings import get_embedder
    from textci.themes.clustering import CentroidClusterer, Reducer, centre_languages, default_theme_count
    from textci.themes.ctfidf import order_by_size, topic_terms
    from textci.themes.vocabulary import label_vocabulary, term_counter

    chosen = passages[:size] if size else passages
    texts, langs = [p.text for p in chosen], [p.lang for p in chosen]
    masker = NameMasker(()).fit(texts, langs)
    masked = [masker.mask(t) for t in texts]
    vectors = centre_languages(get_embedder("use").embed(masked), langs)
    vocabulary = label_vocabulary(masked, langs, langs)
    k = n_themes or default_theme_count(len(chosen))

    def parts():
        return Reducer(48, 0), CentroidClusterer(k, None, 0.25, 3, 0)

    reducer, clusterer = parts()
    ours = order_by_size(clusterer.fit(reducer.fit_transform(vectors)).labels_)
    our_terms = topic_terms(masked, ours, term_counter(vocabulary), 10)
    reducer, clusterer = parts()
    model = BERTopic(embedding_model=None, umap_model=reducer, hdbscan_model=clusterer,
                     vectorizer_model=term_counter(vocabulary),
                     ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True), top_n_words=10,
                     calculate_probabilities=False, verbose=False, language="multilingual")
    theirs, _ = model.fit_transform(masked, embeddings=vectors)
    assert ours.tolist() == list(theirs)
    assert len(set(ours.tolist())) > 3
    for topic in sorted(set(ours.tolist())):
        expected = model.get_topic(topic)
        assert [w for w, _ in our_terms[topic]] == [w for w, _ in expected], topic
        assert [round(s, 9) for _, s in our_terms[topic]] == [round(s, 9) for _, s in expected], topic
