"""The per-city tables a user opens in pandas or a spreadsheet, checked against a workspace written by hand.

Three cities: Lyon (two reports, 8 passages), Gent (one report, 4 passages,
the same mix of labels and themes as Lyon) and Torino (one report read, one
that failed, 3 passages).
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from textci import codebook
from textci.cities import read_workspace_cities
from textci.compare import TABLES, Comparison, compare, write_tables
from textci.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
BOOK = codebook.load(None)
LOW = 0.05  # the score of every label a passage does not carry

DOCUMENTS = [  # file, pages, status
    ("lyon/plan.pdf", 3, "ok"), ("lyon/eval.pdf", 2, "ok"), ("gent/plan.pdf", 2, "ok"),
    ("torino/piano.pdf", 1, "ok"), ("torino/broken.pdf", 0, "failed"),
]
CITIES_CSV = ("file,city,country,year,kind\n"
              "gent/plan.pdf,Gent,Belgium,2022,strategy\n"
              "lyon/eval.pdf,Lyon,France,2023,evaluation\n"
              "lyon/plan.pdf,Lyon,France,2021,strategy\n"
              "torino/broken.pdf,Torino,Italy,,\n"
              "torino/piano.pdf,Torino,Italy,2020,action_plan\n")
PASSAGES = [  # id, file, page, {label: score} for the labels it carries, theme (-1: outlier)
    ("L1", "lyon/plan.pdf", 1, {"common_agenda": 0.9}, 0),
    ("L2", "lyon/plan.pdf", 2, {"common_agenda": 0.7, "gang_violence": 0.8}, 0),
    ("L3", "lyon/eval.pdf", 1, {"gang_violence": 0.95}, 1),
    ("L4", "lyon/eval.pdf", 2, {}, 1),
    ("L5", "lyon/plan.pdf", 3, {"common_agenda": 0.8}, 0),
    ("L6", "lyon/eval.pdf", 2, {"common_agenda": 0.65}, 1),
    ("L7", "lyon/plan.pdf", 3, {}, 0),
    ("L8", "lyon/eval.pdf", 1, {}, 1),
    ("G1", "gent/plan.pdf", 1, {"common_agenda": 0.85, "gang_violence": 0.7}, 0),
    ("G2", "gent/plan.pdf", 1, {"common_agenda": 0.6}, 1),
    ("G3", "gent/plan.pdf", 2, {}, 0),
    ("G4", "gent/plan.pdf", 2, {}, 1),
    ("T1", "torino/piano.pdf", 1, {"shared_measurement": 0.9}, 2),
    ("T2", "torino/piano.pdf", 1, {}, -1),
    ("T3", "torino/piano.pdf", 1, {"common_agenda": 0.6}, 0),
]
THEME_LABELS = {0: "joint strategy, charter", 1: "gangs, youth groups", 2: "indicators, dashboard"}
TEXT = {
    "common_agenda": "The partners signed a charter and agreed one joint strategy for the district.",
    "gang_violence": "Youth gangs recruit teenagers near the station.",
    "shared_measurement": "All partners report the same indicators to one dashboard.",
}

COLUMNS = {
    "cities": {"city": "str", "country": "str", "documents": "int64", "pages": "int64", "passages": "int64",
               "years": "str", "kinds": "str"},
    "city_labels": {"city": "str", "label": "str", "dimension": "str", "passages": "int64", "share": "float64",
                    "documents": "int64", "mean_score": "float64"},
    "evidence": {"city": "str", "label": "str", "rank": "int64", "passage_id": "str", "file": "str",
                 "page": "int64", "score": "float64", "terms": "str", "text": "str"},
    "city_themes": {"city": "str", "theme": "int64", "theme_label": "str", "passages": "int64", "share": "float64"},
    "city_similarity": {"city_a": "str", "city_b": "str", "labels": "float64", "themes": "float64",
                        "similarity": "float64"},
}


def jsonl(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def write_workspace(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc_id = {file: f"doc{i}" for i, (file, _, _) in enumerate(DOCUMENTS)}
    jsonl(folder / "documents.jsonl", [{"doc_id": doc_id[f], "file": f, "pages": n, "lang": "en", "status": s,
                                        "method": "text"} for f, n, s in DOCUMENTS])
    passages, predictions, assignments = [], [], []
    for pid, file, page, labels, theme in PASSAGES:
        text = " ".join(TEXT[label] for label in labels) or "The meeting took place in the town hall."
        passages.append({"id": pid, "doc_id": doc_id[file], "file": file, "page": page, "char_start": 0,
                         "char_end": len(text), "lang": "en", "text": text})
        scores = {label: labels.get(label, LOW) for label in BOOK.label_ids}
        evidence = {label: (["joint strategy", "charter", "cia-en-0001"] if label == "common_agenda" else ["gangs"])
                    for label in labels}
        predictions.append({"id": pid, "labels": sorted(labels), "scores": scores, "evidence": evidence})
        assignments.append({"id": pid, "theme": theme, "similarity": 0.5})
    jsonl(folder / "passages.jsonl", passages)
    jsonl(folder / "predictions.jsonl", predictions)
    jsonl(folder / "passage_themes.jsonl", assignments)
    themes = [{"id": t, "label": label, "terms": label.split(", "), "size": sum(p[4] == t for p in PASSAGES),
               "representative_ids": [], "languages": {"en": 1}, "seed": None} for t, label in THEME_LABELS.items()]
    (folder / "themes.json").write_text(json.dumps({"passages": len(PASSAGES), "themes": themes, "outliers": 1,
                                                    "outlier_share": 1 / len(PASSAGES)}), encoding="utf-8")
    (folder / "cities.csv").write_text(CITIES_CSV, encoding="utf-8")
    jsonl(folder / "errors.jsonl", [{"file": "torino/broken.pdf", "page": None, "stage": "open",
                                     "error": "CorruptPDF", "message": "the file is damaged"}])
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return write_workspace(tmp_path_factory.mktemp("ws"))


@pytest.fixture(scope="module")
def tables(workspace):
    ws = Workspace.load(workspace)
    return compare(ws, read_workspace_cities(workspace / "cities.csv"), BOOK).tables


def row(frame, **where):
    hit = frame
    for key, value in where.items():
        hit = hit[hit[key] == value]
    assert len(hit) == 1, where
    return hit.iloc[0]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_has_the_documented_columns_and_types(tables, name):
    frame = tables[name]
    assert list(frame.columns) == list(COLUMNS[name])
    for column, dtype in COLUMNS[name].items():
        if dtype == "str":
            assert pd.api.types.is_string_dtype(frame[column]), (name, column, frame[column].dtype)
        else:
            assert str(frame[column].dtype) == dtype, (name, column, frame[column].dtype)


def test_shares_and_similarities_lie_between_zero_and_one(tables):
    for name, column in [("city_labels", "share"), ("city_labels", "mean_score"), ("city_themes", "share"),
                         ("city_similarity", "labels"), ("city_similarity", "themes"),
                         ("city_similarity", "similarity"), ("evidence", "score")]:
        values = tables[name][column]
        assert values.notna().all() and values.between(0, 1).all(), (name, column)


def test_cities_table_counts_documents_pages_and_passages_without_failed_documents(tables):
    cities = tables["cities"]
    assert list(cities.city) == ["Gent", "Lyon", "Torino"]
    lyon = row(cities, city="Lyon")
    assert (lyon.country, lyon.documents, lyon.pages, lyon.passages) == ("France", 2, 5, 8)
    assert (lyon.years, lyon.kinds) == ("2021 2023", "evaluation strategy")
    torino = row(cities, city="Torino")
    assert (torino.documents, torino.pages, torino.passages) == (1, 1, 3)


def test_label_shares_are_of_the_citys_own_passages(tables):
    labels = tables["city_labels"]
    assert len(labels) == 3 * len(BOOK.labels)
    lyon = row(labels, city="Lyon", label="common_agenda")
    assert lyon.passages == 4 and lyon.share == pytest.approx(4 / 8)
    assert lyon.dimension == "ci_condition"
    assert lyon.mean_score == pytest.approx((0.9 + 0.7 + 0.8 + 0.65 + 4 * LOW) / 8)
    torino = row(labels, city="Torino", label="common_agenda")
    assert torino.passages == 1 and torino.share == pytest.approx(1 / 3)
    assert row(labels, city="Gent", label="street_crime").passages == 0
    assert row(labels, city="Gent", label="street_crime").share == 0.0


def test_documents_count_only_the_reports_that_hold_evidence_for_the_label(tables):
    labels = tables["city_labels"]
    assert row(labels, city="Lyon", label="common_agenda").documents == 2   # plan p1-3 and eval p2
    assert row(labels, city="Lyon", label="gang_violence").documents == 2   # plan p2 and eval p1
    assert row(labels, city="Gent", label="gang_violence").documents == 1
    assert row(labels, city="Torino", label="gang_violence").documents == 0


def test_strongest_evidence_cites_file_and_page_best_score_first_at_most_three(tables):
    evidence = tables["evidence"]
    lyon = evidence[(evidence.city == "Lyon") & (evidence.label == "common_agenda")]
    assert list(lyon["rank"]) == [1, 2, 3]
    assert list(lyon.score) == [0.9, 0.8, 0.7]
    assert list(zip(lyon.passage_id, lyon.file, lyon.page)) == [
        ("L1", "lyon/plan.pdf", 1), ("L5", "lyon/plan.pdf", 3), ("L2", "lyon/plan.pdf", 2)]
    for (_, _), group in evidence.groupby(["city", "label"]):
        assert list(group.score) == sorted(group.score, reverse=True)
        assert list(group["rank"]) == list(range(1, len(group) + 1))
    assert set(zip(evidence.city, evidence.label)) == {
        ("Lyon", "common_agenda"), ("Lyon", "gang_violence"), ("Gent", "common_agenda"),
        ("Gent", "gang_violence"), ("Torino", "common_agenda"), ("Torino", "shared_measurement")}


def test_evidence_lists_the_matched_words_not_training_example_ids(tables):
    first = row(tables["evidence"], city="Lyon", label="common_agenda", rank=1)
    assert first.terms == "joint strategy; charter"
    assert first.text.startswith("The partners signed a charter")


def test_theme_shares_are_of_the_citys_passages_and_outliers_count_in_no_theme(tables):
    themes = tables["city_themes"]
    assert len(themes) == 3 * len(THEME_LABELS)
    assert row(themes, city="Lyon", theme=0).share == pytest.approx(4 / 8)
    assert row(themes, city="Lyon", theme=0).theme_label == "joint strategy, charter"
    torino = themes[themes.city == "Torino"].set_index("theme")
    assert list(torino.passages) == [1, 0, 1]
    assert torino.share.sum() == pytest.approx(2 / 3)  # T2 is an outlier


def test_city_similarity_is_symmetric_and_one_for_the_same_mix(tables):
    similarity = tables["city_similarity"]
    assert len(similarity) == 3 * 2
    value = {(r.city_a, r.city_b): r for r in similarity.itertuples()}
    for (a, b), r in value.items():
        assert (r.labels, r.themes, r.similarity) == (value[b, a].labels, value[b, a].themes, value[b, a].similarity)
    same = value["Gent", "Lyon"]
    assert (same.labels, same.themes, same.similarity) == (1.0, 1.0, 1.0)
    assert value["Lyon", "Torino"].similarity < 1.0
    # Lyon (ca .5, gv .25) vs Torino (ca 1/3, sm 1/3): cosine = .5/3 / (|.5,.25| * |1/3,1/3|)
    expected = (0.5 / 3) / (math.hypot(0.5, 0.25) * math.hypot(1 / 3, 1 / 3))
    assert value["Lyon", "Torino"].labels == pytest.approx(expected, abs=1e-4)


def read_three_ways(folder: Path, name: str):
    parquet = pd.read_parquet(folder / f"{name}.parquet")
    strings = {c: "str" for c, t in COLUMNS[name].items() if t == "str"}
    csv = pd.read_csv(folder / f"{name}.csv", dtype=strings, keep_default_na=False)
    records = json.loads((folder / f"{name}.json").read_text("utf-8"))
    as_json = pd.DataFrame(records, columns=list(COLUMNS[name]))
    return parquet, csv, as_json


@pytest.mark.parametrize("name", TABLES)
def test_csv_parquet_and_json_hold_the_same_table(tables, tmp_path, name):
    write_tables(Comparison(tables), tmp_path)
    parquet, csv, as_json = read_three_ways(tmp_path, name)
    expected = tables[name]
    for frame in (parquet, csv, as_json):
        assert list(frame.columns) == list(expected.columns)
        assert len(frame) == len(expected)
        for column, dtype in COLUMNS[name].items():
            got, want = frame[column].tolist(), expected[column].tolist()
            if dtype == "float64":
                assert got == pytest.approx(want, abs=1e-12), column
            else:
                assert [type(w)(g) for g, w in zip(got, want)] == want, column
    for column, dtype in COLUMNS[name].items():
        if dtype != "str":
            assert str(parquet[column].dtype) == dtype


def test_tables_written_twice_are_byte_identical(tables, tmp_path):
    first = write_tables(Comparison(tables), tmp_path / "a")
    second = write_tables(Comparison(tables), tmp_path / "b")
    assert len(first) == 16
    for a, b in zip(first, second):
        if a.suffix == ".xlsx":  # a workbook carries its save time: compared by its rows
            assert workbook_rows(a) == workbook_rows(b)
        else:
            assert a.read_bytes() == b.read_bytes(), a.name


def workbook_rows(path):
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {name: [[c.value for c in row] for row in book[name].iter_rows()] for name in book.sheetnames}


def test_comparison_workbook_has_a_sheet_per_table_with_a_frozen_header(tables, tmp_path):
    from openpyxl import load_workbook

    write_tables(Comparison(tables), tmp_path)
    book = load_workbook(tmp_path / "comparison.xlsx")
    assert book.sheetnames == sorted(TABLES)
    for name in TABLES:
        sheet, expected = book[name], tables[name]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == list(expected.columns)
        assert sheet.max_row == len(expected) + 1


def test_workbook_cells_that_look_like_formulas_stay_text(tmp_path):
    hostile = pd.DataFrame({"city": ["Lyon"], "text": ['=HYPERLINK("http://evil.example","click")'],
                            "terms": ["+1 -2"], "score": [0.5]})
    write_tables(Comparison({"evidence": hostile}), tmp_path)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "comparison.xlsx")["evidence"]
    text, terms, score = sheet["B2"], sheet["C2"], sheet["D2"]
    assert text.data_type == "s" and text.value == '=HYPERLINK("http://evil.example","click")'
    assert text.quotePrefix and terms.data_type == "s" and terms.quotePrefix
    assert score.value == 0.5 and score.data_type == "n"


def test_compare_command_writes_fifteen_files_that_pandas_opens_and_a_workbook(workspace, tmp_path):
    out = tmp_path / "tables"
    done = subprocess.run([sys.executable, "-m", "textci.cli", "compare", str(workspace), "-o", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([".textci-output"] + [
        f"{t}.{ext}" for t in TABLES for ext in ("csv", "json", "parquet")] + ["comparison.xlsx"])  # marker: not input
    assert "3 cities" in done.stdout
    labels = pd.read_parquet(out / "city_labels.parquet")
    assert row(labels, city="Lyon", label="common_agenda").share == pytest.approx(0.5)


def test_compare_without_predictions_tells_the_user_what_to_run(tmp_path):
    folder = write_workspace(tmp_path / "ws")
    (folder / "predictions.jsonl").unlink()
    done = subprocess.run([sys.executable, "-m", "textci.cli", "compare", str(folder), "-o", str(tmp_path / "t")],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert "predictions.jsonl" in done.stderr and "textci classify" in done.stderr
