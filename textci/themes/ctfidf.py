"""Theme numbering and terms as BERTopic makes them, without importing BERTopic.

textci hands BERTopic its own vectors, reduction (PCA) and clustering
(k-means); what BERTopic then adds is renumbering the clusters by size and
labelling each by class-based TF-IDF. Importing it costs about 8 seconds and
hundreds of MB per process (it loads sentence-transformers and torch), more
than the whole themes step. This module repeats those two steps of bertopic
0.17.4 (`_sort_mappings_by_frequency`, `_c_tf_idf` with
`ClassTfidfTransformer(reduce_frequent_words=True)`, `_extract_words_per_topic`)
with the same numpy, scipy and scikit-learn calls in the same order, ties
included, so the themes are the same; tests/test_themes.py compares it with
BERTopic itself.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

MIN_CANDIDATES = 30  # BERTopic ranks at least this many words per topic before keeping top_n


def order_by_size(clusters) -> np.ndarray:
    """Cluster ids renumbered 0, 1, ... from the largest; -1 (outliers) stays -1.

    Equal sizes fall in the order pandas' descending sort leaves them in,
    which is what BERTopic's numbering depends on.
    """
    clusters = np.asarray(clusters).astype(int)
    sizes = Counter(clusters.tolist())  # first-seen order, as BERTopic's topic_sizes_
    ids, counts = np.array(list(sizes), dtype=int), np.array(list(sizes.values()))
    order = np.arange(len(ids))[::-1][counts[::-1].argsort(kind="quicksort")][::-1]  # pandas' nargsort
    ranked = [int(t) for t in ids[order] if t != -1]
    mapping = {-1: -1, **{old: new for new, old in enumerate(ranked)}}
    return np.array([mapping[t] for t in clusters.tolist()], dtype=int)


def topic_terms(texts: list[str], topics, vectorizer, top_n: int) -> dict[int, list[tuple[str, float]]]:
    """The top_n words of every topic (outliers included) by c-TF-IDF, best first; ("", 1e-5) pads."""
    topics = np.asarray(topics)
    labels = sorted({int(t) for t in topics.tolist()})
    joined = [" ".join(t for t, topic in zip(texts, topics.tolist()) if topic == label) for label in labels]
    joined = [doc.replace("\n", " ").replace("\t", " ") or "emptydoc" for doc in joined]
    counts = vectorizer.fit_transform(joined)
    words = vectorizer.get_feature_names_out()
    matrix = _class_tfidf(counts)
    indices = _top_indices(matrix, max(top_n, MIN_CANDIDATES))
    scores = np.array([[matrix[row, i] if i is not None else 0 for i in values] for row, values in enumerate(indices)])
    ranked = np.argsort(scores, 1)
    indices = np.take_along_axis(indices, ranked, axis=1)
    scores = np.take_along_axis(scores, ranked, axis=1)
    return {label: [(words[i], score) if i is not None and score > 0 else ("", 0.00001)
                    for i, score in zip(indices[row][::-1], scores[row][::-1])][:top_n]
            for row, label in enumerate(labels)}


def _class_tfidf(counts):
    """BERTopic's ClassTfidfTransformer(reduce_frequent_words=True): sqrt of l1-normalised counts x idf."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize
    from sklearn.utils import check_array

    counts = check_array(counts, accept_sparse=("csr", "csc"))
    if not sp.issparse(counts):
        counts = sp.csr_matrix(counts)
    df = np.squeeze(np.asarray(counts.sum(axis=0)))
    average = int(counts.sum(axis=1).mean())
    idf = sp.diags(np.log((average / df) + 1), offsets=0, shape=(counts.shape[1],) * 2, format="csr",
                   dtype=np.float64)
    weights = normalize(counts, axis=1, norm="l1", copy=False)
    weights.data = np.sqrt(weights.data)
    return weights * idf


def _top_indices(matrix, n: int) -> np.ndarray:
    """Column indices of each row's n largest values (None where a row has fewer), BERTopic's way."""
    indices = []
    for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:]):
        pick = min(n, end - start)
        values = matrix.indices[start + np.argpartition(matrix.data[start:end], -pick)[-pick:]]
        indices.append([values[i] if len(values) >= i + 1 else None for i in range(n)])
    return np.array(indices)
