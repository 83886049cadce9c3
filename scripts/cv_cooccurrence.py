#!/usr/bin/env python3
"""Would a second stage over all labels' scores (label co-occurrence) help the default? Measured, not kept.

Under scripts/cv_default.py's five folds of real source pages, each fold's
default model is trained as shipped; then, per label, a logistic model over
the logits of every label's stacked score is fitted on the stack's own
out-of-fold scores of the training passages (its threshold from a further
out-of-fold pass) and applied to the held-out fold. Prints the shipped
recipe and the second stage at three regularisation strengths, on the same
predictions. On the corpus with the eighth round: 0.724 against 0.725-0.726,
within noise, so the stage was not added.

    .venv/bin/python scripts/cv_cooccurrence.py    # ~15 minutes on 2 cores
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STRENGTHS = (0.1, 0.3, 1.0)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def second_stage(X_fit, Y_fit, weight, folds, X_held, C):
    """Per label: probabilities for the held-out passages and whether they pass the label's threshold."""
    from textci.classification.base import LinearUnits, best_threshold

    proba, passed = np.zeros((len(X_held), Y_fit.shape[1])), np.zeros((len(X_held), Y_fit.shape[1]), dtype=bool)
    for j in range(Y_fit.shape[1]):
        inner = np.zeros(len(X_fit))
        for train, test in folds:
            inner[test] = LinearUnits.fit(X_fit[train], Y_fit[train, j][:, None], C=C,
                                          sample_weight=weight[train]).proba(X_fit[test])[:, 0]
        cut, _ = best_threshold(Y_fit[:, j], inner, weight=weight)
        proba[:, j] = LinearUnits.fit(X_fit, Y_fit[:, j][:, None], C=C, sample_weight=weight).proba(X_held)[:, 0]
        passed[:, j] = proba[:, j] >= cut
    return proba, passed


def main() -> int:
    os.environ.setdefault("TEXTCI_CACHE", str(Path(tempfile.gettempdir()) / "textci-cv-cache"))
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    from textci.classification import evaluate
    from textci.classification.base import cv_folds, sample_weights
    from textci.classification.model import build

    from cv_default import FOLDS, corpus, page_parts

    book, training, vectors, Y = corpus(ROOT / "corpora" / "training")
    part = page_parts(training)
    results = {"shipped recipe": (np.zeros(Y.shape), np.zeros(Y.shape, dtype=bool))}
    results.update({f"second stage C={C}": (np.zeros(Y.shape), np.zeros(Y.shape, dtype=bool)) for C in STRENGTHS})
    for k in range(FOLDS):
        fit, held = np.flatnonzero(part != k), np.flatnonzero(part == k)
        fit_samples, held_samples = [training[i] for i in fit], [training[i] for i in held]
        model = build("ensemble", book, "use").fit(fit_samples, Y[fit], vectors[fit])
        stacked = model.predict_proba(held_samples, vectors[held])
        results["shipped recipe"][0][held] = stacked
        results["shipped recipe"][1][held] = stacked >= model.thresholds_
        folds, weight = list(cv_folds(fit_samples)), sample_weights(fit_samples)
        for C in STRENGTHS:
            proba, passed = second_stage(logit(model.oof_proba_), Y[fit], weight, folds, logit(stacked), C)
            results[f"second stage C={C}"][0][held], results[f"second stage C={C}"][1][held] = proba, passed
        print(f"fold {k + 1}/{FOLDS} done", flush=True)
    rows = np.flatnonzero(part >= 0)
    for name, (proba, passed) in results.items():
        result = evaluate.evaluate(book.label_ids, Y[rows].astype(bool), proba[rows], passed[rows],
                                   [training[i].lang for i in rows])
        f1 = [result["labels"][label]["f1"] for label in book.label_ids]
        print(f"{name:22s} macro {result['macro_f1']:.3f}  CI mean {np.mean(f1[:5]):.3f}  "
              f"lowest CI {min(f1[:5]):.2f}  ECE {result['ece']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
