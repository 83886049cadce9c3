#!/usr/bin/env python3
"""The default model under cross-validation over real source pages: this tree, and another revision on the same data.

The real corpus's source pages are cut into five parts by a hash of the
address (bench_classify's `page_position`); each part is predicted by the
default (ensemble on USE) trained on the other four plus every written
passage. Five held-out parts of about 800 passages each are a steadier
proxy for the held-back real evaluation than one fifth of the pages, so
design changes of the model are judged here. `--against REV` also runs
the `textci` package as it is at a git revision (unpacked with `git
archive`, run in a subprocess) on the same training files.

    .venv/bin/python scripts/cv_default.py [--against 255d429]     # ~5 minutes per revision on 2 cores
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5


def corpus(training_folder: Path):
    """The codebook, the training passages, their USE vectors and label matrix."""
    from textci import codebook
    from textci.classification import load_training
    from textci.classification.model import get_embedder, label_matrix

    book = codebook.load(None)
    training = load_training(training_folder, book)
    vectors = get_embedder("use").embed([s.text for s in training])
    return book, training, vectors, label_matrix(training, book.label_ids)


def page_parts(training):
    """Each real passage's part (0 to FOLDS - 1) by a hash of its source page; -1 (always trained on) for the rest."""
    import numpy as np

    from bench_classify import page_position  # after textci: bench_classify puts this tree first on sys.path

    return np.array([int(page_position(s.group) * FOLDS) if s.from_real_page else -1 for s in training])


def cross_validate(training_folder: Path) -> dict:
    """Out-of-fold evaluation of the default recipe on the real passages (textci.classification.evaluate)."""
    import numpy as np

    from textci.classification import evaluate
    from textci.classification.model import build

    book, training, vectors, Y = corpus(training_folder)
    part = page_parts(training)
    P, started = np.zeros(Y.shape), time.perf_counter()
    predicted = np.zeros(Y.shape, dtype=bool)
    for k in range(FOLDS):
        fit, held = np.flatnonzero(part != k), np.flatnonzero(part == k)
        model = build("ensemble", book, "use")
        model.fit([training[i] for i in fit], Y[fit], vectors[fit])
        P[held] = model.predict_proba([training[i] for i in held], vectors[held])
        predicted[held] = P[held] >= model.thresholds_
    rows = np.flatnonzero(part >= 0)
    result = evaluate.evaluate(book.label_ids, Y[rows].astype(bool), P[rows], predicted[rows],
                               [training[i].lang for i in rows])
    return dict(result, seconds=time.perf_counter() - started, label_ids=list(book.label_ids))


def at_revision(revision: str, training_folder: Path) -> dict:
    """cross_validate with the textci package of a git revision, in a fresh interpreter."""
    with tempfile.TemporaryDirectory(prefix="textci-cv-") as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "textci"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([folder, str(ROOT / "scripts")]))
        code = (f"import json, sys; sys.path.insert(0, {folder!r}); import cv_default; "
                f"result = cv_default.cross_validate(__import__('pathlib').Path({str(training_folder)!r})); "
                f"import textci; assert textci.__file__.startswith({folder!r}), textci.__file__; "
                f"print(json.dumps(result))")
        done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])


def line(name: str, result: dict) -> str:
    import numpy as np

    f1 = [result["labels"][label]["f1"] for label in result["label_ids"]]
    languages = " ".join(f"{lang} {v['macro_f1']:.2f}" for lang, v in sorted(result["macro_f1_by_language"].items()))
    return (f"{name:12s} macro {result['macro_f1']:.3f}  CI mean {np.mean(f1[:5]):.3f}  lowest CI {min(f1[:5]):.2f}  "
            f"ECE {result['ece']:.3f}  ({result['n']} passages, {result['seconds']:.0f} s)\n"
            f"{'':12s} {languages}\n{'':12s} "
            + ", ".join(f"{label} {v:.2f}" for label, v in zip(result["label_ids"], f1)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", help="also run the textci of this git revision on the same training files")
    parser.add_argument("--training", type=Path, default=ROOT / "corpora" / "training")
    args = parser.parse_args()
    os.environ.setdefault("TEXTCI_CACHE", str(Path(tempfile.gettempdir()) / "textci-cv-cache"))
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    if args.against:
        print(line(args.against, at_revision(args.against, args.training.resolve())), flush=True)
    import textci

    assert Path(textci.__file__).parent == ROOT / "textci", textci.__file__
    print(line("this tree", cross_validate(args.training)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
