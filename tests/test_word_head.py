"""The word head: words and neighbouring pairs, weighed as scikit-learn's TfidfVectorizer weighs them."""
import numpy as np

from textci.classification.words import WordNgramClassifier, terms
from textci.data import Sample

LABELS = ("continuous_communication",)
ODD = ["", "   ", "a", "ΟΔΟΣ ΚΑΙ ΣΟΦΟΣ", "İstanbul straße STRASSE", "tab\tnew\nline\u00a0nbsp", "😀 emoji 👍🏽",
       "a  a a   a", "Café CAFÉ café", "case-conference: case conference, CASE CONFERENCE"]


def _corpus():
    """Every word occurs on both sides; only the pair "case conference" marks the label."""
    positive = [f"Every {day} the partners hold a case conference on young offenders in the {place}."
                for day in ("Monday", "Tuesday", "Friday") for place in ("north", "east", "harbour")]
    negative = [f"The {place} office reviewed each case; a conference on {topic} took place on {day}."
                for day in ("Monday", "Tuesday", "Friday") for place in ("north", "east", "harbour")
                for topic in ("housing", "budgets")]
    texts = positive + negative
    samples = [Sample(id=f"s{i}", text=t, lang="en") for i, t in enumerate(texts)]
    return samples, np.array([[1]] * len(positive) + [[0]] * len(negative))


def test_terms_are_lower_cased_words_then_neighbouring_pairs():
    assert terms("Case conference, held WEEKLY!") == ["case", "conference", "held", "weekly",
                                                     "case conference", "conference held", "held weekly"]
    assert terms("") == [] and terms(" , ") == []


def test_features_equal_scikit_learns_tfidf_from_the_saved_arrays():
    from sklearn.feature_extraction.text import TfidfVectorizer

    samples, Y = _corpus()
    head = WordNgramClassifier(LABELS).fit(samples, Y)
    texts = [s.text for s in samples] + ODD
    reference = TfidfVectorizer(analyzer=terms, sublinear_tf=True, dtype=np.float32,
                                vocabulary={str(t): i for i, t in enumerate(head.vocabulary_)})
    reference.fit([s.text for s in samples])
    assert np.allclose(head.features(texts).toarray(), reference.transform(texts).toarray(), atol=1e-6)
    again = WordNgramClassifier(LABELS).load_state(head.state())
    assert np.array_equal(again.decision(samples), head.decision(samples))


def test_a_pair_of_words_carries_the_label_where_its_words_alone_do_not():
    samples, Y = _corpus()
    head = WordNgramClassifier(LABELS).fit(samples, Y)
    unseen = [Sample(id="pair", text="On Friday a case conference on the east.", lang="en"),
              Sample(id="apart", text="On Friday a conference on the case east.", lang="en")]  # the same words
    pair, apart = head.decision(unseen)[:, 0]
    assert pair - apart > 1.0  # equal if the head saw words alone


def test_a_model_saved_before_the_word_head_loads_and_classifies_as_it_did():
    from textci.classification import load

    shipped = load("default").classifier
    state = shipped.state()
    assert state["ensemble.coef"].shape[1] == 6 and "words.vocabulary" in state
    before = {k: v for k, v in state.items() if not k.startswith("words.")}  # the five-signal format
    before["ensemble.coef"], before["ensemble.signals"] = state["ensemble.coef"][:, :5], state["ensemble.signals"][:, :5]
    silenced = dict(state, **{"ensemble.coef": state["ensemble.coef"] * [1, 1, 1, 1, 1, 0]})
    old, reference = load("default").classifier.load_state(before), load("default").classifier.load_state(silenced)
    samples, _ = _corpus()
    assert np.array_equal(old.predict_proba(samples), reference.predict_proba(samples))
    assert old.words is None and old.state()["ensemble.coef"].shape[1] == 5 and "words.vocabulary" not in old.state()
