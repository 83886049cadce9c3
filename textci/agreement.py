"""Inter-coder agreement on label codings: the reliability figures a methods section reports.

Each coder is one JSONL file of `id` + `labels`. Every label is treated as a
binary nominal variable per unit (present / absent), and a unit a coder did not
code is *missing* for that coder, never "no label". For every label and pooled
over all labels we report percent agreement, Cohen's kappa (two coders only)
and Krippendorff's alpha (nominal, any number of coders, missing allowed), each
with a percentile bootstrap interval from resampling units.

Conventions for the edge cases:

- Cohen's kappa is 1.0 when chance agreement is total (both coders used one
  and the same value throughout) and observed agreement is 1, else 0.0; it is
  None for other than two coders or when no unit was coded by both.
- Krippendorff's alpha is None when undefined: fewer than two pairable values,
  or only one value ever used (expected disagreement 0). A label nobody
  assigned, or everybody assigned everywhere, therefore has no alpha.
- A bootstrap interval is taken over the resamples in which the figure is
  defined (a resample of a rare label may contain no positive at all); it is
  None when the figure itself is undefined or no resample defines it.
- One set of unit resamples serves every label and the pooled figures, so the
  intervals are reproducible from `seed` alone.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import InputLineError, UsageError
from .io import json_object, numbered_lines

# Per-unit quantities whose sums over (resampled) units determine every figure.
_STATS = ("pairable", "agreeing_share", "n_present", "n_absent", "o_same",
          "both", "both_agree", "first_present", "second_present")
_K = {name: k for k, name in enumerate(_STATS)}
_BOOT_CELLS = 4_000_000  # resample weights held in memory at once


def read_codings(path: Path) -> dict[str, frozenset[str]]:
    """One coder's labels per unit id, from a gold file or `textci classify` output."""
    path = Path(path)
    codings: dict[str, frozenset[str]] = {}
    first_line: dict[str, int] = {}
    for number, line in numbered_lines(path):
        if not line.strip():
            continue
        unit_id, labels = _parse_coding(f"{path}:{number}", line)
        if unit_id in codings:
            raise InputLineError(f"{path}:{number}: id {unit_id!r} already coded on line "
                                 f"{first_line[unit_id]}; each unit must appear once per coder")
        codings[unit_id] = labels
        first_line[unit_id] = number
    return codings


def _parse_coding(where: str, line: bytes) -> tuple[str, frozenset[str]]:
    data = json_object(where, line, "'id' and 'labels'")
    unit_id = data.get("id")
    if isinstance(unit_id, bool) or not isinstance(unit_id, (str, int)) or unit_id == "":
        raise InputLineError(f"{where}: missing or empty 'id' (a string)")
    labels = data.get("labels")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InputLineError(f"{where}: 'labels' must be a list of label ids (possibly empty)")
    return str(unit_id), frozenset(labels)


def krippendorff_alpha_nominal(matrix) -> float | None:
    """Nominal alpha of a coders x units array (NaN = missing), by the coincidence matrix.

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C.
    None when undefined: fewer than two pairable values or a single value used.
    """
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"expected a coders x units matrix, got shape {data.shape}")
    values = np.unique(data[~np.isnan(data)])
    counts = (data[:, :, None] == values).sum(axis=0).astype(float)  # units x values
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    weighted = counts / (m - 1)[:, None]
    coincidences = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidences.sum(axis=1)
    n = n_c.sum()
    expected = n * (n - 1) - np.sum(n_c * (n_c - 1))
    if expected <= 0:
        return None
    return float(((n - 1) * np.trace(coincidences) - np.sum(n_c * (n_c - 1))) / expected)


def agreement(codings: list[dict[str, frozenset[str]]], labels: list[str] | None = None,
              n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Per-label and pooled agreement of several coders, with bootstrap intervals.

    `codings` holds one {id: labels} mapping per coder. Units are all ids any
    coder coded; labels default to the sorted union of labels used.
    """
    if len(codings) < 2:
        raise UsageError(f"agreement needs at least two coders, got {len(codings)}")
    if not 0 < level < 1:
        raise UsageError(f"level must be between 0 and 1 (e.g. 0.95), got {level}")
    if n_boot < 0:
        raise UsageError(f"n_boot must be 0 (no intervals) or more, got {n_boot}")
    if labels is None:
        labels = sorted(set().union(*(l for coder in codings for l in coder.values())))
    labels = list(labels)
    unit_ids = sorted(set().union(*codings))
    coded, present = _coding_arrays(codings, unit_ids, labels)
    per_unit = _per_unit_stats(coded, present)
    resamples = _resampled_sums(per_unit, n_boot, seed)
    point = per_unit.sum(axis=0)
    figures = _figures(point)
    boot = _figures(resamples) if resamples is not None else None
    n_pairable = int(np.sum(coded.sum(axis=0) >= 2))

    def block(column: int) -> dict:
        return _block(figures, boot, column, n_pairable, n_boot, level)

    return {
        "coders": len(codings),
        "units": len(unit_ids),
        "labels": {label: block(j) for j, label in enumerate(labels)},
        "overall": block(len(labels)),
    }


def _coding_arrays(codings, unit_ids, labels) -> tuple[np.ndarray, np.ndarray]:
    """coded: coders x units; present: coders x units x labels."""
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    label_index = {l: j for j, l in enumerate(labels)}
    coded = np.zeros((len(codings), len(unit_ids)), dtype=bool)
    present = np.zeros((len(codings), len(unit_ids), len(labels)), dtype=bool)
    for c, coder in enumerate(codings):
        for unit_id, unit_labels in coder.items():
            i = unit_index[unit_id]
            coded[c, i] = True
            for label in unit_labels:
                if label in label_index:
                    present[c, i, label_index[label]] = True
    return coded, present


def _per_unit_stats(coded: np.ndarray, present: np.ndarray) -> np.ndarray:
    """units x stats x (labels + pooled): every figure is a function of these columns' sums."""
    m = coded.sum(axis=0).astype(float)[:, None]
    a = present.sum(axis=0).astype(float)
    b = m - a
    pairable = np.broadcast_to(m >= 2, a.shape).astype(float)
    same_pairs = a * (a - 1) + b * (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        agreeing_share = np.where(pairable > 0, same_pairs / (m * (m - 1)), 0.0)
        o_same = np.where(pairable > 0, same_pairs / (m - 1), 0.0)
    stats = {"pairable": pairable, "agreeing_share": agreeing_share,
             "n_present": a * pairable, "n_absent": b * pairable, "o_same": o_same}
    if len(coded) == 2:
        both = np.broadcast_to((coded[0] & coded[1])[:, None], a.shape)
        stats.update(both=both.astype(float), both_agree=(both & (present[0] == present[1])).astype(float),
                     first_present=(both & present[0]).astype(float),
                     second_present=(both & present[1]).astype(float))
    else:
        stats.update({name: np.zeros_like(a) for name in _STATS[5:]})
    per_label = np.stack([stats[name] for name in _STATS], axis=1)
    pooled = per_label.sum(axis=2, keepdims=True)
    return np.concatenate([per_label, pooled], axis=2)


def _resampled_sums(per_unit: np.ndarray, n_boot: int, seed: int) -> np.ndarray | None:
    """Sums of the per-unit columns over `n_boot` resamples of units with replacement."""
    if n_boot == 0:
        return None
    n_units = per_unit.shape[0]
    flat = per_unit.reshape(n_units, -1)
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOT_CELLS // max(n_units, 1))
    sums = []
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(rows, n_units)) if n_units else np.zeros((rows, 0), dtype=int)
        offsets = draws + (np.arange(rows) * n_units)[:, None]
        weights = np.bincount(offsets.ravel(), minlength=rows * n_units).reshape(rows, n_units)
        sums.append(weights.astype(float) @ flat)
    return np.concatenate(sums).reshape(n_boot, *per_unit.shape[1:])


def _figures(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Percent agreement, kappa and alpha from summed stats (..., stats, columns); NaN = undefined."""
    s = {name: sums[..., k, :] for name, k in _K.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(s["pairable"] > 0, s["agreeing_share"] / s["pairable"], np.nan)

        n1, n0 = s["n_present"], s["n_absent"]
        n = n1 + n0
        by_chance = n1 * (n1 - 1) + n0 * (n0 - 1)
        expected = n * (n - 1) - by_chance
        alpha = np.where(expected > 0, ((n - 1) * s["o_same"] - by_chance) / expected, np.nan)

        both, agree = s["both"], s["both_agree"]
        first, second = s["first_present"], s["second_present"]
        chance = first * second + (both - first) * (both - second)  # expected agreement x both^2
        total_chance = chance == both * both
        kappa = np.where(total_chance, np.where(agree == both, 1.0, 0.0),
                         (agree * both - chance) / (both * both - chance))
        kappa = np.where(both > 0, kappa, np.nan)
    return {"percent_agreement": percent, "cohen_kappa": kappa, "krippendorff_alpha": alpha}


def _block(figures, boot, column: int, n_pairable: int, n_boot: int, level: float) -> dict:
    out: dict = {"n": n_pairable}
    ci: dict = {}
    for name in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
        value = figures[name][column]
        defined = not np.isnan(value)
        out[name] = round(float(value), 4) if defined else None
        ci[name] = _interval(boot[name][:, column], level) if defined and boot is not None else None
    ci.update(level=level, n_boot=n_boot)
    out["ci"] = ci
    return out


def _interval(samples: np.ndarray, level: float) -> list[float] | None:
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return None
    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return [round(float(low), 4), round(float(high), 4)]


def format_report(result: dict) -> str:
    """The agreement result as a fixed-width table, one row per label and a pooled row."""
    ci = result["overall"]["ci"]
    header = (f"{result['coders']} coders, {result['units']} units; "
              f"{ci['level']:.0%} bootstrap intervals from {ci['n_boot']} resamples of units")
    rows = [("label", "n", "% agree", "CI", "kappa", "CI", "alpha", "CI")]
    for label, figures in [*result["labels"].items(), ("overall", result["overall"])]:
        rows.append((label, str(figures["n"]),
                     _percent(figures["percent_agreement"]), _range(figures["ci"]["percent_agreement"], _percent),
                     _number(figures["cohen_kappa"]), _range(figures["ci"]["cohen_kappa"], _number),
                     _number(figures["krippendorff_alpha"]), _range(figures["ci"]["krippendorff_alpha"], _number)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header, ""]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - 2:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _range(bounds: list[float] | None, show) -> str:
    return "n/a" if bounds is None else f"[{show(bounds[0])}, {show(bounds[1])}]"
