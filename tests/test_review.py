"""A reviewer checks the passages the model is least sure of; their labels come back to train, score and compare.

Everything runs through the CLI on one real workspace: the sample corpus's PDFs,
extracted and classified once per module, copied afresh for each test.
"""
import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from textci.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpora" / "sample"
TRAINING = ROOT / "corpora" / "training" / "written" / "team_positives.jsonl"  # small, so training takes seconds
GOLD = ROOT / "corpora" / "training" / "written" / "team_second_batch.jsonl"  # not in TRAINING
COLUMNS = ["passage_id", "file", "page", "lang", "text", "predicted", "scores", "priority", "reasons",
           "reviewer", "labels", "notes"]


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The sample corpus extracted and classified once (about 20 s); tests work on copies."""
    ws = tmp_path_factory.mktemp("sample") / "workspace"
    # exit 3: with --no-ocr the sample's scanned page is reported in errors.jsonl, the rest completes
    assert main(["run", str(SAMPLE), "-o", str(ws), "--no-ocr"]) == 3
    return ws


@pytest.fixture
def workspace(sample_run, tmp_path):
    return _copy(sample_run, tmp_path / "workspace")


def _copy(workspace, to):
    shutil.copytree(workspace, to)
    return to


def textci(*argv) -> int:
    return main([str(arg) for arg in argv])


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]


def write_jsonl(path, records):
    Path(path).write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")


def exported_rows(workspace, out):
    assert textci("review", "export", workspace, "-o", out) == 0
    return read_csv(out)


def reviewed_csv(rows, path, labels_by_row: dict[int, str], reviewer: str = ""):
    """The exported sheet as a reviewer saves it: some labels cells filled, BOM and CRLF from the spreadsheet."""
    edited = [dict(row) for row in rows]
    for index, labels in labels_by_row.items():
        edited[index]["labels"] = labels
        edited[index]["reviewer"] = reviewer
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(edited)
    return path


def review(workspace, folder, labels_by_row: dict[int, str], reviewer: str, *options) -> list[dict]:
    """Export, fill the given rows (0 = first data row) and import as `reviewer`; returns the exported rows."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = exported_rows(workspace, folder / "review.csv")
    sheet = reviewed_csv(rows, folder / f"review_{reviewer}.csv", labels_by_row)
    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", reviewer, *options) == 0
    return rows


def reviews(workspace) -> set[tuple[str, tuple[str, ...], str]]:
    return {(r["id"], tuple(r["labels"]), r["reviewer"]) for r in read_jsonl(workspace / "reviews.jsonl")}


def csv_row(index: int) -> str:
    """The row number a spreadsheet shows for the index-th data row (row 1 is the header)."""
    return f"row {index + 2}"


# ---------------------------------------------------------------- review export

@pytest.mark.slow
def test_review_export_lists_every_classified_passage_once_with_columns_for_the_reviewer(workspace, tmp_path,
                                                                                       capsys):
    predictions = {p["id"]: p for p in read_jsonl(workspace / "predictions.jsonl")}
    out = tmp_path / "review.csv"

    assert textci("review", "export", workspace, "-o", out) == 0

    assert f"{len(predictions)} passages to review" in capsys.readouterr().out
    with open(out, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    rows = read_csv(out)
    assert sorted(r["passage_id"] for r in rows) == sorted(predictions)
    for row in rows:
        predicted = row["predicted"].split("; ") if row["predicted"] else []
        assert predicted == predictions[row["passage_id"]]["labels"]
        assert (row["reviewer"], row["labels"], row["notes"]) == ("", "", "")


@pytest.mark.slow
def test_review_export_puts_the_passages_most_worth_checking_first(workspace, tmp_path):
    rows = exported_rows(workspace, tmp_path / "review.csv")

    priorities = [float(r["priority"]) for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert priorities[0] > priorities[-1]
    assert rows[0]["reasons"], "the first passage should say why it is worth checking"


@pytest.mark.slow
@pytest.mark.slow
def test_review_export_flags_where_a_classifier_of_another_kind_disagrees(workspace, tmp_path):
    from textci.classification import load
    from textci.data import Sample
    from textci.workspace import read_passages

    assert textci("review", "export", workspace, "-o", tmp_path / "review.csv") == 0
    rows = {r["passage_id"]: r for r in read_csv(tmp_path / "review.csv")}
    zeroshot = load("zeroshot")
    passages = read_passages(workspace / "passages.jsonl")
    second = {p.id: set(p.labels) for p in zeroshot.classify([Sample(x.id, x.text, x.lang) for x in passages])}
    predicted = {r["id"]: set(r["labels"]) for r in read_jsonl(workspace / "predictions.jsonl")}
    differing = [pid for pid in predicted if predicted[pid] != second[pid]]
    assert differing, "the two classifiers should disagree somewhere on the sample"
    for pid in differing:
        labels = sorted(predicted[pid] ^ second[pid])
        assert f"classifiers disagree on {', '.join(labels)}" in rows[pid]["reasons"]
    assert textci("review", "export", workspace, "-o", tmp_path / "kw.csv", "--second-opinion", "keywords") == 0
    assert len(read_csv(tmp_path / "kw.csv")) == len(rows)  # the keyword comparison needs no second model


def test_review_export_limit_keeps_only_the_first_passages(workspace, tmp_path, capsys):
    everything = exported_rows(workspace, tmp_path / "all.csv")
    capsys.readouterr()

    assert textci("review", "export", workspace, "-o", tmp_path / "five.csv", "--limit", "5") == 0

    assert "5 passages to review" in capsys.readouterr().out
    assert read_csv(tmp_path / "five.csv") == everything[:5]


@pytest.mark.slow
def test_review_export_to_xlsx_opens_in_a_spreadsheet_with_the_same_rows_as_the_csv(workspace, tmp_path):
    as_csv = exported_rows(workspace, tmp_path / "review.csv")

    assert textci("review", "export", workspace, "-o", tmp_path / "review.xlsx") == 0

    sheet = load_workbook(tmp_path / "review.xlsx").worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    assert [row[0] for row in values[1:]] == [r["passage_id"] for r in as_csv]
    assert [row[4] for row in values[1:]] == [r["text"] for r in as_csv]


@pytest.mark.slow
def test_xlsx_review_shows_formula_like_passage_text_as_the_text_itself(workspace, tmp_path):
    passages = read_jsonl(workspace / "passages.jsonl")
    looks_like = {passages[0]["id"]: "=HYPERLINK(\"http://example.org\",\"click\") was written on the poster.",
                  passages[1]["id"]: "- fewer burglaries in the old town (minus 12 %)",
                  passages[2]["id"]: "+3 % more reports of vandalism than in 2020"}
    for passage in passages:
        passage["text"] = looks_like.get(passage["id"], passage["text"])
    write_jsonl(workspace / "passages.jsonl", passages)

    assert textci("review", "export", workspace, "-o", tmp_path / "review.xlsx") == 0

    sheet = load_workbook(tmp_path / "review.xlsx").worksheets[0]
    shown = {row[0].value: row[COLUMNS.index("text")] for row in sheet.iter_rows(min_row=2)}
    for pid, text in looks_like.items():
        assert shown[pid].data_type == "s", f"{pid}: text written as a formula"
        assert shown[pid].value == text
    with zipfile.ZipFile(tmp_path / "review.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.mark.slow
def test_csv_review_quotes_formula_like_cells_and_still_imports(workspace, tmp_path):
    passages = read_jsonl(workspace / "passages.jsonl")
    hostile = {passages[0]["id"]: "=HYPERLINK(\"http://evil\",\"x\") was written on the poster.",
               passages[1]["id"]: "@SUM(1) appears in the annex"}
    ordinary = {passages[2]["id"]: "'s-Hertogenbosch joined the network in 2021."}  # a ' of its own stays as it is
    for passage in passages:
        passage["text"] = {**hostile, **ordinary}.get(passage["id"], passage["text"])
    write_jsonl(workspace / "passages.jsonl", passages)

    rows = exported_rows(workspace, tmp_path / "review.csv")

    text = {r["passage_id"]: r["text"] for r in rows}
    for pid, original in hostile.items():
        assert text[pid] == "'" + original
    for passage in passages[2:]:
        assert text[passage["id"]] == passage["text"], "an ordinary cell must be written unchanged"
    with open(tmp_path / "review.csv", encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]

    index = {r["passage_id"]: i for i, r in enumerate(rows)}
    first, second = index[passages[0]["id"]], index[passages[1]["id"]]
    sheet = reviewed_csv(rows, tmp_path / "reviewed.csv", {first: "street_crime", second: "'-"}, reviewer="carla")
    edited = read_csv(sheet)
    edited[first]["notes"] = "'=1+1 is not a formula"  # as a CSV-guarding tool would write the reviewer's note
    reviewed_csv(edited, sheet, {})
    assert textci("review", "import", sheet, "--into", workspace) == 0

    assert reviews(workspace) == {(passages[0]["id"], ("street_crime",), "carla"), (passages[1]["id"], (), "carla")}
    notes = {r["id"]: r["notes"] for r in read_jsonl(workspace / "reviews.jsonl")}
    assert notes == {passages[0]["id"]: "=1+1 is not a formula", passages[1]["id"]: ""}


# ---------------------------------------------------------------- review import

@pytest.mark.slow
def test_review_import_keeps_exactly_the_rows_the_reviewer_labelled(workspace, tmp_path, capsys):
    rows = exported_rows(workspace, tmp_path / "review.csv")
    sheet = reviewed_csv(rows, tmp_path / "reviewed.csv",
                         {0: "common_agenda; youth_justice", 1: "none", 3: "street_crime"})
    capsys.readouterr()

    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", "alice") == 0

    assert "imported 3 reviewed passages" in capsys.readouterr().out
    assert reviews(workspace) == {(rows[0]["passage_id"], ("common_agenda", "youth_justice"), "alice"),
                                  (rows[1]["passage_id"], (), "alice"),
                                  (rows[3]["passage_id"], ("street_crime",), "alice")}


@pytest.mark.slow
def test_a_reviewer_named_in_the_sheet_wins_over_the_default_reviewer(workspace, tmp_path):
    rows = exported_rows(workspace, tmp_path / "review.csv")
    sheet = reviewed_csv(rows, tmp_path / "reviewed.csv", {0: "street_crime"}, reviewer="carla")

    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", "alice") == 0

    assert reviews(workspace) == {(rows[0]["passage_id"], ("street_crime",), "carla")}


@pytest.mark.slow
def test_a_review_without_any_reviewer_name_is_refused(workspace, tmp_path, capsys):
    rows = exported_rows(workspace, tmp_path / "review.csv")
    sheet = reviewed_csv(rows, tmp_path / "reviewed.csv", {0: "street_crime"})
    capsys.readouterr()

    assert textci("review", "import", sheet, "--into", workspace) == 1

    err = capsys.readouterr().err
    assert csv_row(0) in err and "--reviewer" in err
    assert not (workspace / "reviews.jsonl").exists()


@pytest.mark.slow
def test_a_mistyped_label_is_refused_naming_the_file_the_row_and_the_label_meant(workspace, tmp_path, capsys):
    review(workspace, tmp_path / "first", {0: "street_crime"}, "alice")
    before = (workspace / "reviews.jsonl").read_bytes()
    rows = read_csv(tmp_path / "first" / "review.csv")
    sheet = reviewed_csv(rows, tmp_path / "typo.csv", {1: "public_space_safety", 4: "comon_agenda; youth_justice"})
    capsys.readouterr()

    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", "alice") == 1

    err = capsys.readouterr().err
    assert str(sheet) in err and csv_row(4) in err
    assert "'comon_agenda'" in err and "did you mean 'common_agenda'" in err
    assert (workspace / "reviews.jsonl").read_bytes() == before


@pytest.mark.slow
def test_a_passage_id_not_in_the_workspace_is_refused_naming_the_row(workspace, tmp_path, capsys):
    rows = exported_rows(workspace, tmp_path / "review.csv")
    rows[2]["passage_id"] = "000000000000-p0001-c000000"
    sheet = reviewed_csv(rows, tmp_path / "reviewed.csv", {0: "street_crime", 2: "youth_justice"})
    capsys.readouterr()

    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", "alice") == 1

    err = capsys.readouterr().err
    assert str(sheet) in err and csv_row(2) in err and "000000000000-p0001-c000000" in err
    assert not (workspace / "reviews.jsonl").exists()


@pytest.mark.slow
def test_relabelling_a_passage_by_the_same_reviewer_needs_replace(workspace, tmp_path, capsys):
    rows = review(workspace, tmp_path / "first", {0: "street_crime", 1: "none"}, "alice")
    before = (workspace / "reviews.jsonl").read_bytes()
    second = reviewed_csv(rows, tmp_path / "second.csv", {0: "street_crime; public_space_safety", 1: "none"})
    capsys.readouterr()

    assert textci("review", "import", second, "--into", workspace, "--reviewer", "alice") == 1
    err = capsys.readouterr().err
    assert "alice" in err and rows[0]["passage_id"] in err and "--replace" in err
    assert (workspace / "reviews.jsonl").read_bytes() == before

    assert textci("review", "import", second, "--into", workspace, "--reviewer", "alice", "--replace") == 0
    assert "(1 replaced)" in capsys.readouterr().out
    assert reviews(workspace) == {(rows[0]["passage_id"], ("public_space_safety", "street_crime"), "alice"),
                                  (rows[1]["passage_id"], (), "alice")}


@pytest.mark.slow
def test_importing_the_same_review_twice_changes_nothing(workspace, tmp_path):
    rows = review(workspace, tmp_path / "first", {0: "street_crime", 1: "none"}, "alice")
    first = reviews(workspace)

    sheet = reviewed_csv(rows, tmp_path / "again.csv", {0: "street_crime", 1: "none"})
    assert textci("review", "import", sheet, "--into", workspace, "--reviewer", "alice") == 0

    assert reviews(workspace) == first


@pytest.mark.slow
def test_a_second_reviewers_labels_are_kept_beside_the_first(workspace, tmp_path, capsys):
    rows = review(workspace, tmp_path / "alice", {0: "street_crime", 1: "none"}, "alice")
    capsys.readouterr()

    review(workspace, tmp_path / "bob", {0: "public_space_safety", 2: "gang_violence"}, "bob")

    assert "reviews by alice, bob" in capsys.readouterr().out
    assert reviews(workspace) == {(rows[0]["passage_id"], ("street_crime",), "alice"),
                                  (rows[1]["passage_id"], (), "alice"),
                                  (rows[0]["passage_id"], ("public_space_safety",), "bob"),
                                  (rows[2]["passage_id"], ("gang_violence",), "bob")}


@pytest.mark.slow
def test_an_xlsx_review_imports_the_same_as_the_csv_review(sample_run, tmp_path):
    labels = {0: "common_agenda; youth_justice", 1: "none", 5: "shared_measurement"}
    from_csv = _copy(sample_run, tmp_path / "from_csv")
    review(from_csv, tmp_path / "csv", labels, "alice")

    from_xlsx = _copy(sample_run, tmp_path / "from_xlsx")
    sheet_path = tmp_path / "review.xlsx"
    assert textci("review", "export", from_xlsx, "-o", sheet_path) == 0
    book = load_workbook(sheet_path)
    sheet = book.worksheets[0]
    for index, cell in labels.items():
        sheet.cell(row=index + 2, column=COLUMNS.index("labels") + 1, value=cell)
    book.save(sheet_path)

    assert textci("review", "import", sheet_path, "--into", from_xlsx, "--reviewer", "alice") == 0

    assert reviews(from_xlsx) == reviews(from_csv)
    assert len(reviews(from_xlsx)) == 3


# ---------------------------------------------------------------- train and evaluate with reviews

@pytest.fixture(scope="module")
def models_with_and_without_reviews(sample_run, tmp_path_factory):
    """Two lexicon models on the same small training file, one also on a workspace's reviews."""
    folder = tmp_path_factory.mktemp("reviewed")
    ws = _copy(sample_run, folder / "workspace")
    review(ws, folder / "alice", {0: "common_agenda; youth_justice", 1: "none", 2: "street_crime"}, "alice")
    review(ws, folder / "bob", {0: "common_agenda", 3: "public_space_safety"}, "bob")
    base, reviewed = folder / "models" / "base", folder / "models" / "reviewed"
    assert textci("train", "--classifier", "lexicon", "--training", TRAINING, "-o", base) == 0
    assert textci("train", "--classifier", "lexicon", "--training", TRAINING, "--with-reviews", ws,
                  "-o", reviewed) == 0
    return ws, base, reviewed


@pytest.mark.slow
def test_a_model_trained_with_reviews_records_them_and_counts_each_reviewed_passage_once(
        models_with_and_without_reviews):
    ws, base, reviewed = models_with_and_without_reviews
    reviewed_passages = {pid for pid, _, _ in reviews(ws)}
    assert len(reviewed_passages) == 4  # two reviewers, five reviews

    base_info = json.loads((base / "model.json").read_text("utf-8"))
    reviewed_info = json.loads((reviewed / "model.json").read_text("utf-8"))

    assert base_info["reviews"] == []
    assert reviewed_info["reviews"] == [str(ws)]
    assert reviewed_info["training_samples"] == base_info["training_samples"] + len(reviewed_passages)


@pytest.mark.slow
def test_evaluate_with_a_baseline_prints_the_figures_of_both_models(models_with_and_without_reviews, capsys):
    _, base, reviewed = models_with_and_without_reviews

    assert textci("evaluate", GOLD, "--model", reviewed, "--baseline", base) == 0

    out = capsys.readouterr().out
    before, after = out.split(f"== after: {reviewed}")
    assert before.startswith(f"== before: {base}")
    for block in (before, after):
        assert "micro F1" in block and "macro F1 by language" in block and "calibration" in block
        assert "common_agenda" in block and "public_space_safety" in block


# ---------------------------------------------------------------- agreement

CODER_A = {"p1": ["common_agenda"], "p2": ["common_agenda", "street_crime"], "p3": [], "p4": ["street_crime"],
           "p5": [], "p6": ["common_agenda"], "p7": ["street_crime"], "p8": []}
CODER_B = {"p1": ["common_agenda"], "p2": ["common_agenda"], "p3": [], "p4": ["street_crime"],
           "p5": ["common_agenda"], "p6": ["common_agenda"], "p7": ["street_crime"], "p8": []}
CODER_C = {"p1": ["common_agenda"], "p2": ["common_agenda", "street_crime"], "p3": [], "p4": [],
           "p5": [], "p6": ["common_agenda"], "p7": ["street_crime"], "p8": ["street_crime"]}


def codings_file(path, codings):
    write_jsonl(path, [{"id": pid, "labels": labels} for pid, labels in codings.items()])
    return path


def test_agreement_of_two_coders_prints_a_table_of_every_label_and_overall(tmp_path, capsys):
    a, b = codings_file(tmp_path / "a.jsonl", CODER_A), codings_file(tmp_path / "b.jsonl", CODER_B)

    assert textci("agreement", a, b) == 0

    out = capsys.readouterr().out
    assert "2 coders, 8 units" in out
    table = {line.split()[0]: line.split() for line in out.splitlines()[2:] if line and not line.startswith("-")}
    assert set(table) == {"label", "common_agenda", "street_crime", "overall"}
    assert table["label"][:3] == ["label", "n", "%"]
    assert table["common_agenda"][1:3] == ["8", "87.5"]  # they differ on p5 only
    assert table["street_crime"][1:3] == ["8", "87.5"]  # and on p2 only
    assert table["overall"][1:3] == ["8", "87.5"]


def test_agreement_json_gives_every_figure_with_its_interval_per_label_and_overall(tmp_path):
    a, b = codings_file(tmp_path / "a.jsonl", CODER_A), codings_file(tmp_path / "b.jsonl", CODER_B)

    assert textci("agreement", a, b, "--json", tmp_path / "agreement.json") == 0

    result = json.loads((tmp_path / "agreement.json").read_text("utf-8"))
    assert set(result["labels"]) == {"common_agenda", "street_crime"}
    for figures in [*result["labels"].values(), result["overall"]]:
        assert set(figures) == {"n", "percent_agreement", "cohen_kappa", "krippendorff_alpha", "ci"}
        assert figures["n"] == 8 and figures["percent_agreement"] == 0.875
        for name in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
            low, high = figures["ci"][name]
            assert low <= figures[name] <= high
    assert result["labels"]["common_agenda"]["cohen_kappa"] == pytest.approx(0.75)


def test_agreement_of_three_coders_gives_alpha_but_no_cohen_kappa(tmp_path, capsys):
    files = [codings_file(tmp_path / f"{name}.jsonl", codings)
             for name, codings in (("a", CODER_A), ("b", CODER_B), ("c", CODER_C))]

    assert textci("agreement", *files, "--json", tmp_path / "agreement.json") == 0

    assert "3 coders, 8 units" in capsys.readouterr().out
    result = json.loads((tmp_path / "agreement.json").read_text("utf-8"))
    for figures in [*result["labels"].values(), result["overall"]]:
        assert figures["cohen_kappa"] is None and figures["ci"]["cohen_kappa"] is None
        assert figures["krippendorff_alpha"] is not None


def test_a_passage_only_one_coder_coded_counts_as_missing_not_as_no_label(tmp_path):
    only_a = {**CODER_B, "p9": ["common_agenda"], "p10": []}
    a, b = codings_file(tmp_path / "a.jsonl", only_a), codings_file(tmp_path / "b.jsonl", CODER_B)

    assert textci("agreement", a, b, "--json", tmp_path / "agreement.json") == 0

    result = json.loads((tmp_path / "agreement.json").read_text("utf-8"))
    assert result["units"] == 10
    for figures in [*result["labels"].values(), result["overall"]]:
        assert figures["n"] == 8
        assert figures["percent_agreement"] == 1.0 and figures["cohen_kappa"] == 1.0
        assert figures["krippendorff_alpha"] == 1.0


# ---------------------------------------------------------------- REFI-QDA round trip

@pytest.mark.slow
def test_a_qdpx_project_comes_back_as_one_codings_file_per_coder(workspace, tmp_path, capsys):
    rows = review(workspace, tmp_path / "alice", {0: "common_agenda; youth_justice", 1: "none", 2: "street_crime"},
                  "alice")
    review(workspace, tmp_path / "bob", {0: "common_agenda"}, "Bob Smith")
    project, coded = tmp_path / "project.qdpx", tmp_path / "coded"

    assert textci("export", "qdpx", workspace, "-o", project) == 0
    assert textci("import", "qdpx", project, "-o", coded) == 0

    assert sorted(p.name for p in coded.iterdir()) == [".textci-output", "Bob_Smith.jsonl", "alice.jsonl",
                                                      "textci.jsonl"]  # the marker: never read back as input
    assert "Bob Smith: 1 coded passages" in capsys.readouterr().out
    alice = {r["id"]: r["labels"] for r in read_jsonl(coded / "alice.jsonl")}
    assert alice == {rows[0]["passage_id"]: ["common_agenda", "youth_justice"],
                     rows[2]["passage_id"]: ["street_crime"]}  # "none" has nothing to select in a project
    assert {r["coder"] for r in read_jsonl(coded / "Bob_Smith.jsonl")} == {"Bob Smith"}


@pytest.mark.slow
def test_the_models_codings_come_back_from_a_qdpx_project_in_perfect_agreement(workspace, tmp_path):
    review(workspace, tmp_path / "alice", {0: "common_agenda", 1: "none"}, "alice")
    project, coded = tmp_path / "project.qdpx", tmp_path / "coded"
    assert textci("export", "qdpx", workspace, "-o", project) == 0
    assert textci("import", "qdpx", project, "-o", coded) == 0
    labelled = codings_file(tmp_path / "labelled.jsonl",
                            {p["id"]: p["labels"] for p in read_jsonl(workspace / "predictions.jsonl") if p["labels"]})

    assert textci("agreement", labelled, coded / "textci.jsonl", "--json", tmp_path / "agreement.json") == 0

    result = json.loads((tmp_path / "agreement.json").read_text("utf-8"))
    assert result["units"] == len(read_jsonl(labelled)) > 0
    assert result["overall"]["percent_agreement"] == 1.0
    assert result["overall"]["cohen_kappa"] == 1.0
    assert result["overall"]["krippendorff_alpha"] == 1.0
    assert all(figures["percent_agreement"] == 1.0 for figures in result["labels"].values())


@pytest.mark.slow
def test_a_qdpx_project_can_be_imported_into_the_workspace_itself(workspace, tmp_path):
    project = tmp_path / "project.qdpx"
    assert textci("export", "qdpx", workspace, "-o", project) == 0
    assert textci("import", "qdpx", project, "--into", workspace) == 0
    imported = read_jsonl(workspace / "codings" / "textci.jsonl")
    labelled = {r["id"]: sorted(r["labels"]) for r in read_jsonl(workspace / "predictions.jsonl") if r["labels"]}
    assert {r["id"]: r["labels"] for r in imported} == labelled
