"""The reduction and clustering steps BERTopic runs, chosen by measurement.

BERTopic's defaults (UMAP, then HDBSCAN) take about a minute for 10,000
passages on two cores and leave over a third of them as outliers (see
scripts/bench_themes.py). PCA then k-means on the language-centred
embeddings takes seconds; a passage counts as an outlier when it is far from
every theme (cosine similarity to its own theme's centre below a floor), so
the outlier share still means something.
"""
from __future__ import annotations

import numpy as np


class Reducer:
    """PCA with a fixed seed, sized to the data (BERTopic's `umap_model` slot)."""

    def __init__(self, components: int = 48, seed: int = 0):
        self.components = components
        self.seed = seed

    def fit(self, X, y=None):
        from sklearn.decomposition import PCA

        # a small corpus gets few components: 54 passages in 48 dimensions are all far apart
        n = max(2, min(self.components, X.shape[0] // 8, X.shape[1]))
        n = min(n, X.shape[0] - 1, X.shape[1])
        self.pca_ = PCA(n_components=n, svd_solver="full", random_state=self.seed).fit(X)
        return self

    def transform(self, X):
        return _unit(self.pca_.transform(X))

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)


class CentroidClusterer:
    """k-means on unit vectors, optionally started from seed centres; far passages become -1.

    Fills `labels_` as HDBSCAN does, so BERTopic treats -1 as its outlier topic.
    """

    def __init__(self, n_clusters: int, seeds: np.ndarray | None = None, min_similarity: float = 0.2,
                 min_size: int = 3, seed: int = 0):
        self.n_clusters = n_clusters
        self.seeds = seeds
        self.min_similarity = min_similarity
        self.min_size = min_size
        self.seed = seed

    def fit(self, X, y=None):
        from sklearn.cluster import KMeans, kmeans_plusplus

        k = max(1, min(self.n_clusters, len(X)))
        if self.seeds is not None and len(self.seeds):
            seeds = _unit(np.asarray(self.seeds, dtype=float))[:k]
            rest = k - len(seeds)
            if rest > 0:
                extra, _ = kmeans_plusplus(X, n_clusters=rest, random_state=self.seed)
                seeds = np.vstack([seeds, extra])
            model = KMeans(n_clusters=k, init=seeds, n_init=1, random_state=self.seed)
        else:
            model = KMeans(n_clusters=k, n_init=4, random_state=self.seed)
        labels = model.fit(X).labels_.copy()
        centres = _unit(model.cluster_centers_)
        self.similarity_ = np.einsum("nd,nd->n", X, centres[labels])
        labels[self.similarity_ < self.min_similarity] = -1
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        labels[(labels >= 0) & (sizes[np.maximum(labels, 0)] < self.min_size)] = -1
        self.cluster_centers_ = centres
        self.labels_ = labels
        return self

    def predict(self, X):
        similarity = _unit(X) @ self.cluster_centers_.T
        labels = similarity.argmax(axis=1)
        labels[similarity.max(axis=1) < self.min_similarity] = -1
        return labels


def centre_languages(vectors: np.ndarray, langs: list[str | None], min_count: int = 10) -> np.ndarray:
    """Remove each language's mean direction, so passages group by content, not by language.

    Multilingual embeddings still carry a language signal; subtracting the
    per-language mean is the standard remedy. Rare languages get the global mean.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    out = vectors - vectors.mean(axis=0)
    codes = np.array([lang or "und" for lang in langs])
    for lang in sorted(set(codes)):
        rows = codes == lang
        if rows.sum() >= min_count:
            out[rows] = vectors[rows] - vectors[rows].mean(axis=0)
    return _unit(out)


def default_theme_count(n: int) -> int:
    """About sqrt(n)/2 themes: 9 for 300 passages, 50 for 10,000, never above 60."""
    return int(min(60, max(2, round(np.sqrt(n) / 2))))


def _unit(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
