"""Agreement figures checked against published worked examples and hand computation."""
import json
import time

import numpy as np
import pytest

from textci.agreement import agreement, format_report, krippendorff_alpha_nominal, read_codings
from textci.errors import InputLineError, UsageError

nan = np.nan


def codings_from_columns(*columns, label="x"):
    """One coder per column of 0/1/None (None = the coder did not code that unit)."""
    return [{f"u{i}": frozenset([label] if value else []) for i, value in enumerate(column) if value is not None}
            for column in columns]


def test_nominal_alpha_reproduces_krippendorff_2011_example_with_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    # 4 observers, 12 units, values 1-5, "." missing; nominal alpha = 0.743.
    matrix = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
              [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
              [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
              [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    assert round(krippendorff_alpha_nominal(matrix), 3) == 0.743


def test_binary_example_of_the_paper_gives_its_alpha_and_kappa_by_hand():
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    # Alpha (paper, section A): 20 values, n1 = 6, n0 = 14; coincidences
    # o00 = 10, o11 = 2, o01 = o10 = 4;
    # alpha = (19 * 12 - 6*5 - 14*13) / (20*19 - 6*5 - 14*13) = 16 / 168 = 0.0952.
    assert round(krippendorff_alpha_nominal([a, b]), 3) == 0.095
    # Kappa: both 1 in 1 unit, both 0 in 5, A1/B0 in 1, A0/B1 in 3.
    # po = 6/10 = 0.6; A says 1 in 2/10, B in 4/10;
    # pe = 0.2*0.4 + 0.8*0.6 = 0.08 + 0.48 = 0.56;
    # kappa = (0.6 - 0.56) / (1 - 0.56) = 0.04 / 0.44 = 1/11 = 0.0909
    # (not 0.0833: that would need pe = 0.5636).
    result = agreement(codings_from_columns(a, b), n_boot=0)
    figures = result["labels"]["x"]
    assert figures["cohen_kappa"] == pytest.approx(1 / 11, abs=1e-4)
    assert figures["krippendorff_alpha"] == pytest.approx(16 / 168, abs=1e-4)
    assert figures["percent_agreement"] == pytest.approx(0.6)
    assert figures["n"] == 10


def test_cohen_kappa_of_the_textbook_table_through_the_public_api():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # po = 35/50 = 0.7; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    result = agreement(codings_from_columns(a, b, label="gang_violence"), n_boot=200)
    figures = result["labels"]["gang_violence"]
    assert figures["cohen_kappa"] == pytest.approx(0.4)
    assert figures["percent_agreement"] == pytest.approx(0.7)
    low, high = figures["ci"]["cohen_kappa"]
    assert low < 0.4 < high


def test_a_unit_only_one_coder_coded_is_missing_not_unlabelled():
    a = [1, 1, 0, 0, 1, 0]
    b = [1, 0, 0, 0, 1, 1]
    without = agreement(codings_from_columns(a, b), n_boot=0)
    # A also coded u6 as "x"; B has no line for it: missing, not a disagreement.
    with_extra = agreement(codings_from_columns(a + [1], b + [None]), n_boot=0)
    assert with_extra["units"] == without["units"] + 1
    for name in ("n", "percent_agreement", "cohen_kappa", "krippendorff_alpha"):
        assert with_extra["labels"]["x"][name] == without["labels"]["x"][name]


def test_three_coders_with_gaps_match_hand_computation_and_have_no_kappa():
    # u0: 1 1 1 | u1: 0 0 . | u2: 1 0 1 | u3: . 0 0 | u4: 1 . .  (only A: not pairable)
    # percent agreement: (1 + 1 + 1/3 + 1) / 4 = 5/6
    # coincidences: o11 = 3 (u0) + 1 (u2) = 4; o00 = 2 (u1) + 2 (u3) = 4; o01 = o10 = 1 (u2)
    # n1 = n0 = 5, n = 10: alpha = (9 * 8 - 5*4 - 5*4) / (10*9 - 5*4 - 5*4) = 32/50 = 0.64
    codings = codings_from_columns([1, 0, 1, None, 1], [1, 0, 0, 0, None], [1, None, 1, 0, None])
    result = agreement(codings, n_boot=50)
    figures = result["labels"]["x"]
    assert (result["coders"], result["units"], figures["n"]) == (3, 5, 4)
    assert figures["percent_agreement"] == pytest.approx(5 / 6, abs=1e-4)
    assert figures["krippendorff_alpha"] == pytest.approx(0.64)
    assert figures["cohen_kappa"] is None
    assert figures["ci"]["cohen_kappa"] is None
    assert result["overall"]["cohen_kappa"] is None


def test_per_label_and_pooled_alpha_agree_with_the_general_nominal_formula():
    rng = np.random.default_rng(7)
    labels = ["common_agenda", "shared_measurement", "youth_justice"]
    present = rng.random((3, 40, 3)) < 0.3
    coded = rng.random((3, 40)) < 0.8
    codings = [{f"u{i}": frozenset(l for j, l in enumerate(labels) if present[c, i, j])
                for i in range(40) if coded[c, i]} for c in range(3)]
    result = agreement(codings, labels=labels, n_boot=0)
    matrices = [np.where(coded, present[:, :, j], nan) for j in range(3)]
    for j, label in enumerate(labels):
        assert result["labels"][label]["krippendorff_alpha"] == pytest.approx(
            krippendorff_alpha_nominal(matrices[j]), abs=1e-4)
    # pooled: every (unit, label) pair is one item
    assert result["overall"]["krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha_nominal(np.concatenate(matrices, axis=1)), abs=1e-4)


def test_pooled_kappa_treats_unit_label_pairs_as_items():
    # label p: A 1100, B 1000; label q: A 0011, B 0111 -> 8 items, 6 agreeing;
    # A says yes on 4/8 items, B on 4/8: pe = 0.5, po = 0.75, kappa = 0.5
    a = {"u0": frozenset({"p"}), "u1": frozenset({"p"}), "u2": frozenset({"q"}), "u3": frozenset({"q"})}
    b = {"u0": frozenset({"p"}), "u1": frozenset({"q"}), "u2": frozenset({"q"}), "u3": frozenset({"q"})}
    result = agreement([a, b], n_boot=0)
    assert result["overall"]["cohen_kappa"] == pytest.approx(0.5)
    assert result["overall"]["percent_agreement"] == pytest.approx(0.75)


def test_perfect_agreement_is_one_everywhere_with_a_degenerate_interval():
    coder = {"u0": frozenset({"a"}), "u1": frozenset(), "u2": frozenset({"a", "b"}), "u3": frozenset({"b"})}
    result = agreement([coder, dict(coder)], n_boot=300, seed=3)
    for figures in [*result["labels"].values(), result["overall"]]:
        for name in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
            assert figures[name] == 1.0
            assert figures["ci"][name] == [1.0, 1.0]


def test_a_label_nobody_uses_has_no_alpha_but_full_kappa():
    coder = {"u0": frozenset({"a"}), "u1": frozenset()}
    result = agreement([coder, coder], labels=["a", "unused"], n_boot=20)
    unused = result["labels"]["unused"]
    assert unused["krippendorff_alpha"] is None and unused["ci"]["krippendorff_alpha"] is None
    assert unused["cohen_kappa"] == 1.0
    assert unused["percent_agreement"] == 1.0


def test_bootstrap_is_deterministic_for_a_seed_and_the_result_is_plain_json():
    rng = np.random.default_rng(0)
    a, c = rng.random((2, 60)) < 0.4
    b = a ^ (rng.random(60) < 0.2)
    codings = codings_from_columns(list(a), list(b), list(c))
    first = agreement(codings, n_boot=200, seed=11)
    assert first == agreement(codings, n_boot=200, seed=11)
    assert first != agreement(codings, n_boot=200, seed=12)
    assert json.loads(json.dumps(first)) == first
    ci = first["overall"]["ci"]
    assert ci["level"] == 0.95 and ci["n_boot"] == 200
    assert ci["percent_agreement"][0] <= first["overall"]["percent_agreement"] <= ci["percent_agreement"][1]


def test_a_thousand_resamples_of_a_realistic_set_take_well_under_a_few_seconds():
    rng = np.random.default_rng(1)
    labels = [f"label_{j:02d}" for j in range(13)]
    truth = rng.random((2000, 13)) < 0.1
    codings = []
    for _ in range(3):
        coded = truth ^ (rng.random((2000, 13)) < 0.03)
        codings.append({f"u{i}": frozenset(l for j, l in enumerate(labels) if coded[i, j]) for i in range(2000)})
    start = time.perf_counter()
    result = agreement(codings, n_boot=1000)
    assert time.perf_counter() - start < 5
    assert result["overall"]["ci"]["krippendorff_alpha"] is not None


def test_report_is_a_table_with_a_row_per_label_and_a_pooled_row():
    codings = codings_from_columns([1, 0, 1, 0], [1, 0, 0, 0], label="street_crime")
    report = format_report(agreement(codings, n_boot=50))
    lines = report.splitlines()
    assert lines[0].startswith("2 coders, 4 units; 95% bootstrap intervals from 50 resamples")
    assert lines[2].split() == ["label", "n", "%", "agree", "CI", "kappa", "CI", "alpha", "CI"]
    assert any(line.startswith("street_crime") and "75.0" in line for line in lines)
    assert lines[-1].startswith("overall")


def test_one_coder_is_a_usage_error():
    with pytest.raises(UsageError, match="at least two coders"):
        agreement([{"u0": frozenset()}])


def test_read_codings_accepts_gold_and_classify_output_and_skips_blank_lines(tmp_path):
    path = tmp_path / "coder.jsonl"
    path.write_text('{"id": "p1", "text": "A charter.", "lang": "en", "labels": ["common_agenda"]}\n'
                    "\n"
                    '{"id": "p2", "labels": [], "scores": {"common_agenda": 0.1}, "evidence": {}}\n',
                    encoding="utf-8")
    assert read_codings(path) == {"p1": frozenset({"common_agenda"}), "p2": frozenset()}


@pytest.mark.parametrize("line, reason", [
    ("{not json", "not valid JSON"),
    ('{"labels": []}', "'id'"),
    ('{"id": "p2", "labels": "common_agenda"}', "'labels' must be a list"),
    ('{"id": "p2", "labels": [1]}', "'labels' must be a list"),
    ('{"id": "p2"}', "'labels' must be a list"),
    ('["p2", []]', "JSON object"),
])
def test_a_malformed_line_is_reported_with_file_and_line_number(tmp_path, line, reason):
    path = tmp_path / "coder_b.jsonl"
    path.write_text('{"id": "p1", "labels": []}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputLineError, match=reason) as caught:
        read_codings(path)
    assert f"{path}:3:" in str(caught.value)


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(InputLineError, match="cannot open"):
        read_codings(tmp_path / "absent.jsonl")


def test_a_duplicate_id_is_reported_with_file_line_and_id(tmp_path):
    path = tmp_path / "coder_c.jsonl"
    path.write_text('{"id": "p1", "labels": []}\n{"id": "p2", "labels": []}\n{"id": "p1", "labels": []}\n',
                    encoding="utf-8")
    with pytest.raises(InputLineError) as caught:
        read_codings(path)
    message = str(caught.value)
    assert f"{path}:3:" in message and "'p1'" in message and "line 1" in message
