"""The words a theme may be labelled with: content words shared by several cities."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

THEME_LANGUAGES = ("en", "fr", "de", "nl", "it", "es")
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Function words of the six languages (textci/lang/<iso>/stop_words.txt), lower-cased."""
    import re

    from .. import lang

    words: set[str] = set()
    for code in THEME_LANGUAGES:
        for word in lang.stop_words(code):
            words.add(word.lower())
            words.update(re.findall(TOKEN_PATTERN, word.lower()))  # "quelqu'un" also stops "quelqu"
    return frozenset(words)


def term_counter(vocabulary: list[str] | None = None):
    """The one way themes count terms: words of 3+ letters and their pairs, lower-cased, no function words."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(token_pattern=TOKEN_PATTERN, stop_words=sorted(stop_words()), ngram_range=(1, 2),
                           lowercase=True, vocabulary=vocabulary)


def shared_vocabulary(texts: list[str], groups: list[str], langs: list[str | None] | None = None,
                      min_groups: int = 2, min_count: int = 2) -> list[str] | None:
    """Terms used in passages of at least `min_groups` cities (None when there is one city, or under two such terms).

    A term only one city uses is a local name, a person or a programme's
    brand, not an approach; such terms never label a theme. The test needs
    a second city writing the same language: a term of a language only one
    city writes (the one Italian city of a corpus) is kept if two of its
    passages use it, since names are masked anyway.
    """
    import numpy as np
    from scipy import sparse

    distinct = sorted(set(groups))
    if len(distinct) < min_groups:
        return None
    langs = [lang or "und" for lang in (langs or ["und"] * len(texts))]
    counter = term_counter()
    X = (counter.fit_transform(texts) > 0).astype(np.int32).tocsr()  # passages x terms
    group_index = {g: i for i, g in enumerate(distinct)}
    group_of = np.array([group_index[g] for g in groups])
    lone = {lang for lang in set(langs) if len({g for g, l in zip(groups, langs) if l == lang}) == 1}
    lone_passage = np.array([lang in lone for lang in langs])
    membership = sparse.csr_matrix((np.ones(len(groups)), (group_of, np.arange(len(groups)))),
                                   shape=(len(distinct), len(groups)))
    per_group = ((membership @ X) > 0).sum(axis=0).A1
    passages = X.sum(axis=0).A1
    in_lone = X[np.flatnonzero(lone_passage)].sum(axis=0).A1 if lone_passage.any() else np.zeros(X.shape[1])
    terms = counter.get_feature_names_out()
    keep = ((per_group >= min_groups) | (in_lone == passages)) & (passages >= min_count)
    shared = sorted(t for t, k in zip(terms, keep) if k)
    return shared if len(shared) >= 2 else None  # one shared word is too few to label themes by


def label_vocabulary(texts: list[str], groups: list[str] | None,
                     langs: list[str | None] | None = None) -> list[str] | None:
    """The words themes are labelled with: shared by cities, else used in two passages; None if under two words.

    A tiny corpus may have none or one (BERTopic's c-TF-IDF fails on both); its themes then go unlabelled.
    """

    vocabulary = shared_vocabulary(texts, groups, langs) if groups else None
    if vocabulary is None:
        analyse = term_counter().build_analyzer()
        passages_with = Counter(term for text in texts for term in set(analyse(text)))
        vocabulary = sorted(term for term, n in passages_with.items() if n >= 2)
    return vocabulary if len(vocabulary) >= 2 else None
