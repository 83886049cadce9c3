"""Evaluation numbers checked against values computed by hand on a tiny set."""
import numpy as np
import pytest

from textci.classification.evaluate import cohen_kappa, evaluate, expected_calibration_error


def test_precision_recall_f1_and_kappa_match_hand_computation():
    # label a: gold 1,1,0,0 ; predicted 1,0,1,0 -> tp=1 fp=1 fn=1: P=R=F1=0.5
    # kappa: observed 0.5, expected 0.5*0.5+0.5*0.5=0.5 -> 0
    # label b: gold 1,0,0,0 ; predicted 1,0,0,0 -> perfect, kappa 1
    Y = np.array([[1, 1], [1, 0], [0, 0], [0, 0]])
    D = np.array([[1, 1], [0, 0], [1, 0], [0, 0]])
    P = D.astype(float)
    result = evaluate(("a", "b"), Y, P, D, ["en", "en", "de", "de"])
    assert result["labels"]["a"]["precision"] == pytest.approx(0.5)
    assert result["labels"]["a"]["recall"] == pytest.approx(0.5)
    assert result["labels"]["a"]["f1"] == pytest.approx(0.5)
    assert result["labels"]["a"]["cohen_kappa"] == pytest.approx(0.0)
    assert result["labels"]["b"]["cohen_kappa"] == pytest.approx(1.0)
    assert result["macro_f1"] == pytest.approx(0.75)
    # micro: tp=2 fp=1 fn=1 -> 4/6
    assert result["micro_f1"] == pytest.approx(2 / 3)
    # English rows: label a tp=1 fn=1 -> F1 2/3; label b tp=1 -> 1; macro 5/6.
    assert result["macro_f1_by_language"]["en"]["macro_f1"] == pytest.approx(5 / 6)
    # German rows carry no gold label: no macro F1 to report.
    assert result["macro_f1_by_language"]["de"]["macro_f1"] is None
    assert result["brier"] == pytest.approx(2 / 8)


def test_cohen_kappa_on_a_textbook_table():
    # 50 items: both yes 20, a yes/b no 5, a no/b yes 10, both no 15.
    a = np.array([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15)
    # po = 35/50 = .7 ; pe = .5*.6 + .5*.4 = .5 ; kappa = .4
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_expected_calibration_error_by_hand():
    y = np.array([1, 0, 1, 1])
    p = np.array([0.95, 0.95, 0.15, 0.15])
    # bin 0.9-1.0: accuracy 0.5 vs confidence 0.95 -> 0.45 ; bin 0.1-0.2: 1.0 vs 0.15 -> 0.85
    assert expected_calibration_error(y, p) == pytest.approx(0.5 * 0.45 + 0.5 * 0.85)
