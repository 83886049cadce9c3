"""Agreement of predictions with gold labels: the numbers a methods section needs."""
from __future__ import annotations

import numpy as np


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two binary codings; None when chance agreement is total."""
    a, b = a.astype(bool), b.astype(bool)
    observed = np.mean(a == b)
    pa, pb = a.mean(), b.mean()
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected >= 1 else float((observed - expected) / (1 - expected))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Weighted gap between confidence and accuracy over equal-width probability bins."""
    y, p = y.ravel(), p.ravel()
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def evaluate(label_ids, Y: np.ndarray, P: np.ndarray, predicted: np.ndarray, langs: list[str | None]) -> dict:
    """Per-label and overall scores of predictions against gold.

    Y: gold 0/1 (n, labels); P: probabilities; predicted: 0/1 decisions.
    """
    Y, predicted = Y.astype(bool), predicted.astype(bool)
    per_label = {}
    for j, label in enumerate(label_ids):
        tp = int(np.sum(Y[:, j] & predicted[:, j]))
        fp = int(np.sum(~Y[:, j] & predicted[:, j]))
        fn = int(np.sum(Y[:, j] & ~predicted[:, j]))
        precision, recall, f1 = _prf(tp, fp, fn)
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": int(Y[:, j].sum()),
                            "cohen_kappa": cohen_kappa(Y[:, j], predicted[:, j])}
    tp, fp, fn = (int(np.sum(Y & predicted)), int(np.sum(~Y & predicted)), int(np.sum(Y & ~predicted)))
    macro = float(np.mean([v["f1"] for v in per_label.values()])) if per_label else 0.0
    by_language = {}
    for lang in sorted({l or "und" for l in langs}):
        rows = np.array([(l or "und") == lang for l in langs])
        scores = [_prf(int(np.sum(Y[rows, j] & predicted[rows, j])), int(np.sum(~Y[rows, j] & predicted[rows, j])),
                       int(np.sum(Y[rows, j] & ~predicted[rows, j])))[2]
                  for j in range(len(label_ids)) if Y[rows, j].any()]
        by_language[lang] = {"macro_f1": float(np.mean(scores)) if scores else None, "n": int(rows.sum())}
    return {
        "n": int(len(Y)),
        "labels": per_label,
        "micro_f1": _prf(tp, fp, fn)[2],
        "macro_f1": macro,
        "macro_f1_by_language": by_language,
        "brier": float(np.mean((P - Y) ** 2)),
        "ece": expected_calibration_error(Y.astype(float), P),
    }


def format_report(result: dict) -> str:
    lines = [f"{'label':34s} {'prec':>6s} {'rec':>6s} {'f1':>6s} {'kappa':>6s} {'support':>7s}"]
    for label, v in result["labels"].items():
        kappa = "   -  " if v["cohen_kappa"] is None else f"{v['cohen_kappa']:6.3f}"
        lines.append(f"{label:34s} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {kappa} {v['support']:7d}")
    lines.append(f"\nmicro F1 {result['micro_f1']:.3f}   macro F1 {result['macro_f1']:.3f}   "
                 f"(n = {result['n']})")
    lines.append("macro F1 by language: " + "  ".join(
        f"{lang} {v['macro_f1']:.3f} (n={v['n']})" if v["macro_f1"] is not None else f"{lang} - (n={v['n']})"
        for lang, v in result["macro_f1_by_language"].items()))
    lines.append(f"calibration: Brier {result['brier']:.4f}   ECE {result['ece']:.4f}")
    return "\n".join(lines)
