"""A workspace or output folder kept inside its own corpus is never read back as input."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_batch import OUTPUTS, SAMPLE, corpus_copy, outputs, quiet_run
from textci.markers import MARKER, is_output

EXTRACT_OUTPUTS = ("documents.jsonl", "pages.jsonl", "passages.jsonl", "errors.jsonl")
LATE = "valdeoro_plan_2023_es.pdf"


def _files(folder: Path, names) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


@pytest.mark.slow
def test_run_into_a_folder_inside_the_corpus_first_again_and_after_adding_a_report(tmp_path):
    inside_corpus = corpus_copy(tmp_path, "reports", leave_out=(LATE,))
    outside_corpus = corpus_copy(tmp_path, "reference", leave_out=(LATE,))
    inside, outside = inside_corpus / "out", tmp_path / "reference-ws"

    first = quiet_run(inside_corpus, inside)
    quiet_run(outside_corpus, outside)
    assert first.stats.documents == 7 and (inside / MARKER).is_file()
    assert outputs(inside) == outputs(outside)

    again = quiet_run(inside_corpus, inside)  # this used to read out/tables/cities.csv as a city mapping
    assert again.stats.documents == 7 and again.stats.extracted == 0 and not again.stats.corpus_steps
    assert outputs(inside) == outputs(outside)

    for corpus in (inside_corpus, outside_corpus):
        shutil.copy(SAMPLE / LATE, corpus / LATE)
    added = quiet_run(inside_corpus, inside)
    quiet_run(outside_corpus, outside)
    assert added.stats.documents == 8 and added.stats.extracted == 1
    assert outputs(inside) == outputs(outside)
    files = [json.loads(line)["file"] for line in (inside / "documents.jsonl").read_text().splitlines()]
    assert not [f for f in files if f.startswith("out/")]


def _extract(inputs: Path, outdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "textci.cli", "extract", str(inputs), "-o", str(outdir),
                           "--no-ocr", "--workers", "2", *extra], capture_output=True, text=True, timeout=300)


def _extracted(inputs: Path, outdir: Path, *extra: str) -> bool:
    """Extraction finished (the sample's scanned page is reported without OCR: status 3)."""
    done = _extract(inputs, outdir, *extra)
    assert done.returncode in (0, 3), done.stderr
    return True


@pytest.mark.slow
def test_extract_into_a_folder_inside_its_input_first_again_and_after_adding_a_report(tmp_path):
    inside_corpus = corpus_copy(tmp_path, "reports", leave_out=(LATE,))
    outside_corpus = corpus_copy(tmp_path, "reference", leave_out=(LATE,))
    inside, outside = inside_corpus / "extracted", tmp_path / "reference-out"

    assert _extracted(inside_corpus, inside) and _extracted(outside_corpus, outside)
    assert is_output(inside) and _files(inside, EXTRACT_OUTPUTS) == _files(outside, EXTRACT_OUTPUTS)

    refused = _extract(inside_corpus, inside)
    assert refused.returncode == 2 and "--force" in refused.stderr  # results are never overwritten by surprise
    assert _extracted(inside_corpus, inside, "--force")
    assert _files(inside, EXTRACT_OUTPUTS) == _files(outside, EXTRACT_OUTPUTS)

    for corpus in (inside_corpus, outside_corpus):
        shutil.copy(SAMPLE / LATE, corpus / LATE)
    assert _extracted(inside_corpus, inside, "--force") and _extracted(outside_corpus, outside, "--force")
    assert _files(inside, EXTRACT_OUTPUTS) == _files(outside, EXTRACT_OUTPUTS)
    documents = (inside / "documents.jsonl").read_text()
    assert LATE in documents and "extracted/" not in documents


def test_discovery_skips_every_folder_textci_wrote_wherever_it_sits(tmp_path):
    from pdf_factory import prose_pdf
    from textci.cities import map_cities
    from textci.extraction.discover import discover
    from textci.markers import mark_output

    corpus = tmp_path / "corpus"
    (corpus / "Ostheim").mkdir(parents=True)
    prose_pdf(corpus / "Ostheim" / "plan.pdf", [["The partners of Ostheim agreed a common strategy."]])
    (corpus / "cities.csv").write_text("file,city,country,year,kind\nOstheim/plan.pdf,Ostheim,DE,2021,strategy\n")
    # an old extraction kept deep in the corpus, a workspace written before markers, and the -o folder
    for folder, mark in ((corpus / "Ostheim" / "old" / "extracted", True),
                         (corpus / "legacy-ws", False), (corpus / "new-out", False)):
        (folder / "tables").mkdir(parents=True)
        if mark:
            mark_output(folder, "extract")
        else:
            (folder / ".textci").mkdir() if folder.name == "legacy-ws" else None
        shutil.copy(corpus / "Ostheim" / "plan.pdf", folder / "copy.pdf")
        (folder / "tables" / "cities.csv").write_text("city,label,passages\nOstheim,common_agenda,1\n")

    found, problems = discover([corpus], excluded=[corpus / "new-out"])
    assert [f.name for f in found] == ["Ostheim/plan.pdf"] and not problems
    cities = map_cities(["Ostheim/plan.pdf"], corpus, excluded=[corpus / "new-out"])
    assert cities.city_of("Ostheim/plan.pdf") == "Ostheim" and not cities.warnings
    # a marked folder named as the input itself is still read: the user asked for it
    found, _ = discover([corpus / "Ostheim" / "old" / "extracted"])
    assert [f.name for f in found] == ["copy.pdf"]


@pytest.mark.slow
def test_every_folder_a_command_writes_carries_the_marker(tmp_path):
    from textci.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    from pdf_factory import prose_pdf

    prose_pdf(corpus / "a.pdf", [["The city and its partners agreed on a common strategy for safer streets."]])
    assert main(["extract", str(corpus), "-o", str(tmp_path / "ex"), "--no-ocr", "--workers", "1"]) == 0
    assert main(["classify", str(tmp_path / "ex" / "passages.jsonl"), "-o",
                 str(tmp_path / "ex" / "predictions.jsonl")]) == 0
    assert main(["compare", str(tmp_path / "ex"), "-o", str(tmp_path / "tables")]) == 0
    assert is_output(tmp_path / "ex") and is_output(tmp_path / "tables")
    marker = json.loads((tmp_path / "ex" / MARKER).read_text())
    assert marker["written_by"] == "textci" and marker["command"] == "extract"
