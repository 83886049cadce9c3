"""The shipped models (default: fast, quality: multilingual-e5-small with tuned layers):
the same clear passage in six languages gets the same labels."""
import pytest

from textci.classification import load
from textci.data import Sample

CLEAR = {
    "gang_violence": {
        "en": "Rival youth gangs fought with knives near the station and two teenagers were stabbed.",
        "fr": ("Des bandes rivales de jeunes se sont affrontées au couteau près"
               " de la gare et deux adolescents ont été blessés."),
        "de": ("Rivalisierende Jugendbanden gingen am Bahnhof mit Messern"
               " aufeinander los, zwei Jugendliche wurden verletzt."),
        "nl": "Rivaliserende jeugdbendes vochten met messen bij het station en twee tieners raakten gewond.",
        "it": ("Bande giovanili rivali si sono affrontate con coltelli vicino"
               " alla stazione e due ragazzi sono stati feriti."),
        "es": ("Bandas juveniles rivales se enfrentaron con navajas cerca de la"
               " estación y dos adolescentes resultaron heridos."),
    },
    "radicalisation_extremism": {
        "en": "The city runs an exit programme for young people who want to leave violent extremist groups.",
        "fr": ("La ville propose un programme de sortie aux jeunes qui"
               " veulent quitter des groupes extrémistes violents."),
        "de": ("Die Stadt bietet ein Ausstiegsprogramm für junge Menschen an, die"
               " gewaltbereite extremistische Gruppen verlassen wollen."),
        "nl": "De stad biedt een exitprogramma voor jongeren die gewelddadige extremistische groepen willen verlaten.",
        "it": "La città offre un programma di uscita ai giovani che vogliono lasciare gruppi estremisti violenti.",
        "es": ("La ciudad ofrece un programa de salida a los jóvenes que"
               " quieren abandonar grupos extremistas violentos."),
    },
}


@pytest.fixture(scope="module", params=["default", pytest.param("quality", marks=pytest.mark.slow)])
def model(request):
    return load(request.param)


@pytest.mark.parametrize("label", sorted(CLEAR))
def test_clear_passage_gets_its_label_in_all_six_languages(model, label):
    samples = [Sample(f"{label}-{lang}", text, lang) for lang, text in CLEAR[label].items()]
    predictions = model.classify(samples)
    assert all(label in p.labels for p in predictions), [(p.id, p.labels) for p in predictions]
    assert all(p.evidence[label] for p in predictions)


def test_a_budget_line_gets_no_label(model):
    (prediction,) = model.classify([Sample("b", "The council approved the budget for the new swimming pool.", "en")])
    assert prediction.labels == ()


def test_the_default_stacks_keywords_and_similarity_for_every_label_and_records_it(model):
    signals = model.info["signals"]
    assert set(signals) == set(model.label_ids)
    assert all({"keywords", "similarity"} <= set(used) for used in signals.values())
