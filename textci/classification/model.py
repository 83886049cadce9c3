"""Train, save, load and apply a classifier: a model folder is JSON plus .npz.

    models/<name>/model.json   what it is: codebook, embedder, classifier, thresholds
    models/<name>/state.npz    its fitted arrays (no pickles)

A model may carry a second classifier on another encoder whose probabilities
it mixes into its own (blend.py): `models/quality` does.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import codebook as codebooks
from ..data import Prediction, Sample
from ..errors import TextciError
from ..interrupt import signals_deferred
from . import tuned
from .base import Classifier, best_thresholds, cv_folds
from .blend import Blend, split_state
from .embeddings import DEFAULT_EMBEDDER, get_embedder
from .ensemble import EnsembleClassifier
from .lexicon import LexiconClassifier
from .supervised import SupervisedClassifier
from .zeroshot import ZeroShotClassifier

FORMAT = "textci-model/1"
CLASSIFIERS = ("ensemble", "lexicon", "zeroshot", "supervised")
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL = "default"


class ModelError(TextciError):
    pass


def build(name: str, book: codebooks.Codebook, embedder_name: str) -> Classifier:
    """A fresh, unfitted classifier chosen by name."""
    if name == "lexicon":
        return LexiconClassifier(book)
    embedder = get_embedder(embedder_name)
    if name == "zeroshot":
        return ZeroShotClassifier(book, embedder)
    if name == "supervised":
        return SupervisedClassifier(book.label_ids, embedder)
    if name == "ensemble":  # a hidden layer over frozen vectors only (ensemble.py)
        return EnsembleClassifier(book, embedder, hidden_head=not tuned.is_tuned(embedder_name))
    raise ModelError(f"unknown classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")


def label_matrix(samples: list[Sample], label_ids: tuple[str, ...]) -> np.ndarray:
    index = {label: j for j, label in enumerate(label_ids)}
    Y = np.zeros((len(samples), len(label_ids)), dtype=int)
    for i, sample in enumerate(samples):
        for label in sample.labels or ():
            Y[i, index[label]] = 1
    return Y


@dataclass
class Model:
    classifier: Classifier
    codebook: codebooks.Codebook
    embedder_name: str
    info: dict
    files: dict[str, Path] = field(default_factory=dict)  # saved beside model.json (a tuned encoder)
    blend: Blend | None = None  # a second classifier mixed in (blend.py)

    @property
    def label_ids(self) -> tuple[str, ...]:
        return self.codebook.label_ids

    @property
    def thresholds(self) -> np.ndarray:
        """Each label's probability cut, the blend's where there is one."""
        own = self.classifier.thresholds_
        return self.blend.thresholds(own) if self.blend else own

    def _vectors(self, samples, cache=None, classifier=None, embedder_name=None):
        """The samples' vectors, while a thread does the classifier's text-only work (`prepare`)."""
        classifier, embedder_name = classifier or self.classifier, embedder_name or self.embedder_name
        if classifier.name == "lexicon":
            return None
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            preparing = pool.submit(classifier.prepare, samples)
            vectors = get_embedder(embedder_name).embed([s.text for s in samples], cache=cache)
            preparing.result()
        return vectors

    def _blended(self, samples, P: np.ndarray, cache=None) -> np.ndarray:
        if not self.blend:
            return P
        member = self.blend.classifier
        vectors = self._vectors(samples, cache, member, self.blend.embedder_name)
        return self.blend.mix(P, member.predict_proba(samples, vectors=vectors))

    def predict_proba(self, samples: list[Sample]) -> np.ndarray:
        return self._blended(samples, self.classifier.predict_proba(samples, vectors=self._vectors(samples)))

    def classify(self, samples: list[Sample], threshold: float | None = None,
                 batch_size: int = 512, cache=None) -> list[Prediction]:
        """Labels over threshold, every label's probability, and evidence for the labels given.

        `cache` is an EmbeddingCache to use instead of the user's (a workspace
        passes its own, so the themes step finds the vectors already there).
        """
        predictions = []
        for start in range(0, len(samples), batch_size):
            batch = samples[start:start + batch_size]
            vectors = self._vectors(batch, cache)
            P = self._blended(batch, self.classifier.predict_proba(batch, vectors=vectors), cache)
            cut = np.full(P.shape[1], threshold) if threshold is not None else self.thresholds
            evidence = self.classifier.evidence(batch, vectors=vectors)
            for sample, row, ev in zip(batch, P, evidence):
                chosen = tuple(l for l, p, t in zip(self.label_ids, row, cut) if p >= t)
                predictions.append(Prediction(
                    id=sample.id, labels=chosen,
                    scores={l: round(float(p), 4) for l, p in zip(self.label_ids, row)},
                    evidence={l: ev.get(l, []) for l in chosen}))
        return predictions

    def save(self, folder: Path) -> None:
        """Write model.json and state.npz together: an interrupted save leaves the old model or the new one."""
        import shutil
        import tempfile

        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        try:
            with open(staging / "state.npz", "wb") as handle:
                own = self.classifier.state()
                member, shared = self.blend.state(own) if self.blend else ({}, [])
                np.savez_compressed(handle, **own, **member)
            info = dict(self.info, format=FORMAT, classifier=self.classifier.name, embedder=self.embedder_name,
                        codebook={"name": self.codebook.name, "digest": self.codebook.digest,
                                  "path": _codebook_reference(self.codebook),
                                  "labels": list(self.label_ids)},
                        thresholds={l: round(float(t), 4) for l, t in zip(self.label_ids, self.classifier.thresholds_)})
            info.pop("blend", None)
            if self.blend:
                info["blend"] = self.blend.record(shared)
            (staging / "model.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", "utf-8")
            for name, source in self.files.items():
                if Path(source).resolve() != (folder / name).resolve():
                    shutil.copyfile(source, staging / name)
            names = sorted(p.name for p in staging.iterdir())
            for name in names:
                os.chmod(staging / name, 0o644)
            folder.mkdir(exist_ok=True)
            with signals_deferred():  # all files are replaced, or none
                for name in names:
                    os.replace(staging / name, folder / name)
                for stale in set(tuned.ALL_FILES) - set(self.files):
                    (folder / stale).unlink(missing_ok=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _codebook_reference(book: codebooks.Codebook) -> str:
    """The shipped codebook by name (portable across machines), any other by path."""
    shipped = Path(__file__).resolve().parents[1] / "codebooks"
    source = Path(book.source).resolve()
    return source.stem if source.parent == shipped else str(source)


def train(samples: list[Sample], book: codebooks.Codebook, classifier: str = "ensemble",
          embedder_name: str = DEFAULT_EMBEDDER, info: dict | None = None, log=print, tuning=None,
          blend_weight: float = 0.0, blend_embedder: str = DEFAULT_EMBEDDER, text_heads=None) -> Model:
    """Fit a classifier on labelled samples; thresholds per label come from cross-validation.

    `embedder_name` "e5-tuned" first tunes the e5 encoder on the samples (tuned.py; `tuning`
    is its TuningConfig). A `blend_weight` above 0 also fits the same classifier on
    `blend_embedder`'s vectors and mixes it in with that weight (blend.py). `text_heads`: an
    ensemble's n-gram heads fitted on the same samples (ensemble.TextHeads), reused.
    """
    if blend_weight:
        own = train(samples, book, classifier, embedder_name, info, log, tuning)
        member = train(samples, book, classifier, blend_embedder, log=log,
                       text_heads=getattr(own.classifier, "text_heads_", None))
        return blended(own, member, blend_weight)
    Y = label_matrix(samples, book.label_ids)
    files, info = {}, dict(info or {})
    if tuned.is_tuned(embedder_name) and classifier != "lexicon":
        embedder_name, files[tuned.TUNED_FILE], info["encoder"] = tuned.tune_embedder(samples, Y, tuning, log=log,
                                                                                      labels=book.label_ids)
    model = build(classifier, book, embedder_name)
    vectors = None if classifier == "lexicon" else get_embedder(embedder_name).embed([s.text for s in samples])
    if classifier != "ensemble":
        out_of_fold = np.zeros(Y.shape)
        for tr, te in cv_folds(samples):
            fold = build(classifier, book, embedder_name)
            fold.fit([samples[i] for i in tr], Y[tr], vectors=None if vectors is None else vectors[tr])
            out_of_fold[te] = fold.predict_proba([samples[i] for i in te],
                                                 vectors=None if vectors is None else vectors[te])
        model.fit(samples, Y, vectors=vectors)
        model.thresholds_ = best_thresholds(Y, out_of_fold)
    else:
        model.fit(samples, Y, vectors=vectors, text_heads=text_heads)
    info = dict(info, training_samples=len(samples),
                weighted_samples={str(w): n for w, n in sorted(Counter(s.weight for s in samples).items())},
                positives={l: int(Y[:, j].sum()) for j, l in enumerate(book.label_ids)})
    if isinstance(model, EnsembleClassifier):
        info["signals"] = model.signals_by_label()
    return Model(model, book, embedder_name, info, files)


def _member_record(info: dict) -> dict:
    return {k: info[k] for k in ("training_samples", "signals") if k in info}


def blended(own: Model, member: Model, weight: float) -> Model:
    """`own` with `member` mixed in (both trained on the same codebook): what `train(blend_weight=...)` builds."""
    if own.codebook.digest != member.codebook.digest:
        raise ModelError("the two models were trained on different codebooks")
    if member.blend or tuned.is_tuned(member.embedder_name):
        raise ModelError("the model mixed in must be a plain one (no blend of its own, no tuned encoder)")
    return Model(own.classifier, own.codebook, own.embedder_name, dict(own.info), dict(own.files),
                 Blend(member.classifier, member.embedder_name, weight, _member_record(member.info)))


def resolve(name_or_path: str | Path | None) -> Path:
    candidate = Path(name_or_path or DEFAULT_MODEL)
    if (candidate / "model.json").exists():
        return candidate
    shipped = MODELS_DIR / str(name_or_path or DEFAULT_MODEL)
    if (shipped / "model.json").exists():
        return shipped
    raise ModelError(f"no model {str(name_or_path or DEFAULT_MODEL)!r} (looked in {candidate} and {shipped}); "
                     "train one with `textci train -o models/NAME`")


def load(name_or_path: str | Path | None = None, codebook: str | Path | None = None) -> Model:
    folder = resolve(name_or_path)
    info = json.loads((folder / "model.json").read_text("utf-8"))
    if info.get("format") != FORMAT:
        raise ModelError(f"{folder}: unknown model format {info.get('format')!r}")
    book = codebooks.load(codebook or info["codebook"].get("path"))
    if book.digest != info["codebook"]["digest"] or list(book.label_ids) != info["codebook"]["labels"]:
        raise ModelError(f"{folder} was trained on codebook {info['codebook']['name']!r} "
                         f"({info['codebook']['digest']}), not on {book.source} ({book.digest}); "
                         "retrain with `textci train --codebook ...` or pass the matching --codebook")
    files = {}
    if tuned.is_tuned(info["embedder"]):
        try:
            tuned.load_embedder(folder, info["embedder"])
        except (OSError, ValueError) as exc:
            raise ModelError(str(exc)) from exc
        files[tuned.TUNED_FILE] = folder / tuned.TUNED_FILE
    classifier = build(info["classifier"], book, info["embedder"])
    with np.load(folder / "state.npz", allow_pickle=False) as state:
        own, members = split_state({k: state[k] for k in state.files}, info.get("blend", {}).get("shared_arrays", []))
    classifier.load_state(own)
    classifier.thresholds_ = np.array([info["thresholds"][l] for l in book.label_ids])
    blend = None
    if "blend" in info:
        record = info["blend"]
        member = build(record["classifier"], book, record["embedder"])
        member.load_state(members)
        member.thresholds_ = np.array([record["thresholds"][l] for l in book.label_ids])
        blend = Blend(member, record["embedder"], float(record["weight"]), _member_record(record))
    return Model(classifier, book, info["embedder"], info, files, blend)
