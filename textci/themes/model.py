"""Passages -> themes by BERTopic's recipe, on the classifier's multilingual embeddings.

Names and numbers are masked before embedding and labelling, embeddings are
centred per language, reduced and clustered (`clustering.py`), and each theme
is labelled by BERTopic's class-based TF-IDF (`ctfidf.py`, the same result
without BERTopic's import) over words that several cities use. Every step is seeded and every list sorted, so the same
passages and configuration give the same themes.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from ..data import Sample, Theme, ThemeAssignment
from .ctfidf import order_by_size, topic_terms
from .clustering import CentroidClusterer, Reducer, centre_languages, default_theme_count
from .masking import NameMasker
from .vocabulary import label_vocabulary, term_counter

LABEL_TERMS = 4
MIN_PASSAGES = 10  # fewer passages than this make no themes worth the name: all are reported as outliers


@dataclass(frozen=True)
class ThemeConfig:
    n_themes: int | None = None     # None: default_theme_count(number of passages)
    components: int = 48
    min_similarity: float = 0.25    # below this similarity to its theme, a passage is an outlier
    min_size: int = 3
    top_terms: int = 10
    representatives: int = 5
    guided: bool = False            # start themes from the codebook's labels
    embedder: str = "use"
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ThemeResult:
    themes: tuple[Theme, ...]
    assignments: tuple[ThemeAssignment, ...]   # one per passage, input order
    config: ThemeConfig

    @property
    def outlier_share(self) -> float:
        return sum(a.theme < 0 for a in self.assignments) / max(1, len(self.assignments))

    def to_json(self) -> dict:
        return {"passages": len(self.assignments), "themes": [t.to_json() for t in self.themes],
                "outliers": sum(a.theme < 0 for a in self.assignments),
                "outlier_share": round(self.outlier_share, 4), "config": self.config.to_json()}


def fit_themes(passages: list[Sample], config: ThemeConfig = ThemeConfig(), *,
               groups: list[str] | None = None, known_names: tuple[str, ...] = (),
               codebook=None, embedder=None, cache=None) -> ThemeResult:
    """Cluster passages into themes; `groups` (each passage's city) keeps local words out of labels."""
    if len(passages) < MIN_PASSAGES:
        return ThemeResult((), tuple(ThemeAssignment(p.id, -1, 0.0) for p in passages), config)
    texts, langs = [p.text for p in passages], [p.lang for p in passages]
    masker = NameMasker(known_names).fit(texts, langs)
    masked = [masker.mask(t) for t in texts]
    if embedder is None:
        from ..classification.embeddings import get_embedder

        embedder = get_embedder(config.embedder)
    vectors = centre_languages(embedder.embed(masked, cache=cache), langs)
    k = config.n_themes or default_theme_count(len(passages))
    reducer = Reducer(config.components, config.seed)
    seeds, seed_labels = None, []
    if config.guided and codebook is not None:
        seed_labels, seed_vectors = _codebook_seeds(codebook, embedder, masker, cache)
        reducer.fit(vectors)
        seeds = reducer.transform(seed_vectors)
        k = max(k, len(seed_labels))
    clusterer = CentroidClusterer(k, seeds, config.min_similarity, config.min_size, config.seed)
    vocabulary = label_vocabulary(masked, groups, langs)
    if vocabulary is None:  # no two words to label by: cluster only, themes keep their numbers as labels
        topics = clusterer.fit(reducer.fit_transform(vectors)).labels_.copy()
        return _collect(passages, topics, clusterer, None, vectors, config, seed_labels)
    topics = order_by_size(clusterer.fit(reducer.fit_transform(vectors)).labels_)
    terms = topic_terms(masked, topics, term_counter(vocabulary), config.top_terms)
    return _collect(passages, topics, clusterer, terms, vectors, config, seed_labels)


def _codebook_seeds(codebook, embedder, masker, cache=None) -> tuple[list[str], np.ndarray]:
    """One start vector per label: the mean embedding of its descriptions and examples."""
    ids, texts, owners = [], [], []
    for label in codebook.labels:
        ids.append(label.id)
        items = [label.description, *label.descriptions.values()]
        items += [e for examples in label.examples.values() for e in examples]
        texts += [masker.mask(t) for t in items]
        owners += [len(ids) - 1] * len(items)
    E = embedder.embed(texts, cache=cache)
    owners = np.array(owners)
    means = np.stack([E[owners == j].mean(axis=0) for j in range(len(ids))])
    return ids, means - means.mean(axis=0)


def _collect(passages, topics, clusterer, terms_of, vectors, config, seed_labels) -> ThemeResult:
    """Renumber themes by size (ties: first passage), pick representatives, build records."""
    clusters = clusterer.labels_
    ids = sorted({t for t in topics.tolist() if t >= 0},
                 key=lambda t: (-int(np.sum(topics == t)), int(np.argmax(topics == t))))
    renumber = {old: new for new, old in enumerate(ids)}
    themes, centres, similarity = [], [], np.zeros(len(passages))
    for old in ids:
        rows = np.flatnonzero(topics == old)
        centre = vectors[rows].mean(axis=0)
        centre /= max(np.linalg.norm(centre), 1e-12)
        sims = vectors[rows] @ centre
        centres.append(centre)
        similarity[rows] = sims
        order = sorted(range(len(rows)), key=lambda i: (-round(float(sims[i]), 6), passages[rows[i]].id))
        words = terms_of.get(old) if terms_of is not None else None
        terms = tuple(w for w, _ in (words or []) if w)[:config.top_terms]
        origin = Counter(clusters[rows].tolist()).most_common(1)[0][0]
        themes.append(Theme(
            id=renumber[old], label=", ".join(terms[:LABEL_TERMS]) or f"theme {renumber[old]}", terms=terms,
            size=len(rows), representative_ids=tuple(passages[rows[i]].id for i in order[:config.representatives]),
            languages=dict(sorted(Counter(passages[r].lang or "und" for r in rows).items())),
            seed=seed_labels[origin] if origin < len(seed_labels) else None))
    outliers = np.flatnonzero(topics < 0)
    if len(outliers) and centres:  # an outlier's similarity: to the theme it is nearest to
        similarity[outliers] = (vectors[outliers] @ np.array(centres).T).max(axis=1)
    assignments = tuple(ThemeAssignment(p.id, renumber.get(int(t), -1), round(float(s), 4))
                        for p, t, s in zip(passages, topics, similarity))
    return ThemeResult(tuple(themes), assignments, config)
