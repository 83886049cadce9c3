"""What a user sees in pages.jsonl and passages.jsonl for PDFs with known content."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_factory import broken_font_pdf, column, image_only_pdf, prose_pdf, write_pages
from textci.extraction import ExtractOptions, Limits, extract

REPO = Path(__file__).resolve().parents[1]
NO_OCR = ExtractOptions(ocr=False)


def run_one(path, options=NO_OCR):
    result = extract([path], options, workers=1)
    return result.documents[0], result


def page_text(document, number=1):
    return next(p.text for p in document.page_records if p.page == number)


def squash(text):
    return " ".join(text.split())


LEFT = ["The council agreed on a new strategy for",
        "the old harbour district in the spring of",
        "last year after long talks with residents."]
RIGHT = ["Later the partners opened a youth centre",
         "near the station and hired two workers",
         "to run its evening programme every week."]
THIRD = ["Finally a small fund now pays for repairs",
         "that residents report through a hotline",
         "run by the housing office on weekdays."]


def test_two_columns_are_read_left_column_first(tmp_path):
    lines = column(56, 120, LEFT) + column(310, 120, RIGHT)
    heading = [(56, 90, "Two columns below a full-width heading line")]
    doc, _ = run_one(write_pages(tmp_path / "two.pdf", [heading + lines]))
    text = squash(page_text(doc))
    assert text.index(squash(" ".join(LEFT))) < text.index(squash(" ".join(RIGHT)))
    assert text.index("full-width heading") < text.index("The council")


def test_three_columns_are_read_left_to_right(tmp_path):
    narrow = [[w for w in LEFT], [w for w in RIGHT], [w for w in THIRD]]
    lines = [(x, 120 + i * 14, line[:28]) for x, col in zip((40, 220, 400), narrow) for i, line in enumerate(col)]
    doc, _ = run_one(write_pages(tmp_path / "three.pdf", [lines], size=8))
    text = squash(page_text(doc))
    assert text.index("The council") < text.index("Later the") < text.index("Finally a small")


def test_running_headers_footers_and_page_numbers_are_removed(tmp_path):
    pages = [column(56, 100, [f"Paragraph {n} says something new about the budget."]) for n in range(1, 5)]
    path = write_pages(tmp_path / "furniture.pdf", pages, header="City of Testford - Safety Plan 2024",
                       footer="Page {n} of 4")
    doc, result = run_one(path)
    for page in doc.page_records:
        assert "Safety Plan 2024" not in page.text
        assert "of 4" not in page.text
        assert f"Paragraph {page.page}" in page.text
    assert all("Safety Plan" not in p.text for p in result.passages)


def test_line_end_hyphens_are_repaired_and_real_hyphens_kept(tmp_path):
    path = prose_pdf(tmp_path / "hyphen.pdf", [[
        "Die Stadt stärkt die Zusammen-",
        "arbeit mit der Jugend-",
        "und Familienhilfe und den well-",
        "known partners, die seit Jahren evidence-based arbeiten.",
    ]])
    text = squash(page_text(run_one(path)[0]))
    assert "Zusammenarbeit" in text
    assert "Jugend- und Familienhilfe" in text
    assert "evidence-based" in text


def test_a_real_hyphen_at_a_line_end_is_kept_when_both_halves_are_words_of_the_document(tmp_path):
    path = prose_pdf(tmp_path / "pairs.pdf", [
        ["The council works with well-",
         "known partners on an evidence-",
         "based plan. The organi-",
         "sation of the work is described below."],
        ["Partners that are well established and known in the district share evidence on what works,",
         "based on the results of earlier programmes of the council and its organisation."],
    ])
    text = squash(page_text(run_one(path)[0]))
    assert "well-known partners" in text and "evidence-based plan" in text
    assert "organisation of the work" in text


def test_ligatures_and_odd_spaces_are_normalised(tmp_path):
    path = prose_pdf(tmp_path / "lig.pdf", [["The o\ufb03ce for \ufb01nance\u00a0and\u2009safety was opened."]])
    assert "The office for finance and safety was opened." in page_text(run_one(path)[0])


def test_broken_font_text_is_reported_not_passed_on(tmp_path):
    doc, result = run_one(broken_font_pdf(tmp_path / "broken.pdf"))
    assert any(e.error == "GarbledText" for e in result.errors)
    assert all(not any("\ue000" <= c <= "\uf8ff" for c in p.text) for p in doc.page_records)
    assert not doc.passages


def test_scanned_page_is_reported_when_ocr_is_off(tmp_path):
    path = image_only_pdf(tmp_path / "scan.pdf", ["The city will light the park at night."])
    doc, result = run_one(path)
    assert doc.status == "failed"
    assert [(e.page, e.error) for e in result.errors] == [(1, "ScannedPage")]
    assert "Tesseract" in result.errors[0].message or "OCR" in result.errors[0].message


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")
def test_scanned_page_is_read_by_ocr(tmp_path):
    path = image_only_pdf(tmp_path / "scan.pdf",
                          ["The city will light the park at night", "and open the youth centre on Sundays."])
    doc, result = run_one(path, ExtractOptions())
    assert doc.method == "ocr" and doc.status == "ok"
    assert "light the park at night" in squash(page_text(doc))
    assert not result.errors


def test_table_numbers_do_not_become_passages(tmp_path):
    rows = [("Item", "2021", "2022", "2023"), ("Street lighting", "40,000", "12,000", "8,000"),
            ("Youth work", "95,000", "98,000", "99,000"), ("Evaluation", "15,000", "15,000", "20,000")]
    lines = [(56 + k * 130, 120 + i * 16, cell) for i, row in enumerate(rows) for k, cell in enumerate(row)]
    lines += column(56, 220, ["The council approved these amounts for the safety plan in December."])
    doc, _ = run_one(write_pages(tmp_path / "table.pdf", [lines]))
    assert "Youth work | 95,000 | 98,000 | 99,000" in page_text(doc)
    assert [p.text for p in doc.passages] == ["The council approved these amounts for the safety plan in December."]


@pytest.mark.parametrize("lang, sentences", [
    ("en", ["The city opened a new youth centre near the station.", "It is run by two social workers every evening."]),
    ("fr", ["La ville a ouvert un nouveau centre pour les jeunes.", "Il est animé par deux éducateurs chaque soir."]),
    ("de", ["Die Stadt hat ein neues Jugendzentrum eröffnet, z. B. für Schüler.",
            "Es wird jeden Abend von zwei Fachkräften betreut."]),
    ("nl", ["De gemeente heeft een nieuw jongerencentrum geopend.",
            "Het wordt elke avond door twee jongerenwerkers gerund."]),
    ("it", ["Il comune ha aperto un nuovo centro giovanile vicino alla stazione.",
            "È gestito ogni sera da due educatori."]),
    ("es", ["El ayuntamiento abrió un nuevo centro juvenil junto a la estación.",
            "Lo gestionan cada tarde dos educadores."]),
])
def test_passages_carry_page_offsets_and_language(tmp_path, lang, sentences):
    doc, _ = run_one(prose_pdf(tmp_path / f"{lang}.pdf", [[s] for s in sentences]))
    assert doc.lang == lang
    page = page_text(doc)
    assert doc.passages
    for passage in doc.passages:
        assert page[passage.char_start:passage.char_end] == passage.text
        assert passage.lang == lang and passage.page == 1 and passage.doc_id == doc.doc_id


def test_passage_ids_are_stable_across_runs(tmp_path):
    path = prose_pdf(tmp_path / "a.pdf", [["The city opened a new youth centre near the station last year."]])
    first = [p.id for p in run_one(path)[0].passages]
    assert first and first == [p.id for p in run_one(path)[0].passages]


def test_abbreviations_do_not_end_sentences():
    from textci.segment.sentences import sentence_spans

    text = "Die Stadt fördert z. B. Vereine, Dr. Meier leitet das Amt. Das ist neu."
    spans = sentence_spans(text, "de")
    assert [text[a:b] for a, b in spans] == ["Die Stadt fördert z. B. Vereine, Dr. Meier leitet das Amt.",
                                             "Das ist neu."]


# ------------------------------------------------------------------ bad input

def _good(folder):
    return prose_pdf(folder / "good.pdf", [["The city opened a new youth centre near the station last year."]])


@pytest.mark.parametrize("make, error", [
    (lambda p: p.write_bytes(b""), "EmptyFile"),
    (lambda p: p.write_bytes(b"<html><body>not a pdf</body></html>"), "NotAPDF"),
    (lambda p: p.write_bytes(_good(p.parent).read_bytes()[:400]), None),  # truncated: corrupt or empty
    (lambda p: write_pages(p, [column(56, 100, ["secret text"])], encrypt="s3cret"), "EncryptedPDF"),
    (lambda p: write_pages(p, [[]]), "EmptyDocument"),
])
def test_a_bad_file_fails_alone_with_a_reason(tmp_path, make, error):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder)
    make(folder / "bad.pdf")
    result = extract([folder], NO_OCR, workers=2)
    status = {d.file: d.status for d in result.documents}
    assert status["good.pdf"] == "ok"
    assert status["bad.pdf"] == "failed"
    bad = [e for e in result.errors if e.file == "bad.pdf"]
    assert bad and all(e.message for e in bad)
    if error:
        assert bad[0].error == error
    assert result.exit_status == 3


def test_max_pages_reads_a_prefix_and_says_so(tmp_path):
    pages = [column(56, 100, [f"Page {n} tells about the safety plan of the city."]) for n in range(1, 6)]
    doc, result = run_one(write_pages(tmp_path / "long.pdf", pages), ExtractOptions(ocr=False, max_pages=2))
    assert doc.status == "partial" and len(doc.page_records) == 2 and doc.pages == 5
    assert [e.error for e in result.errors] == ["PageLimit"]


def test_unsafe_paths_are_skipped_and_reported(tmp_path):
    import os

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    _good(folder)
    os.mkfifo(folder / "pipe.pdf")
    os.symlink(folder, folder / "sub" / "loop")
    os.symlink(tmp_path / "missing.pdf", folder / "dangling.pdf")
    outside = _good(tmp_path)
    os.symlink(outside, folder / "outside.pdf")
    result = extract([folder], NO_OCR, workers=1)
    problems = {e.file: e.message for e in result.errors}
    assert "pipe.pdf" in problems and "pipe" in problems["pipe.pdf"]
    assert "sub/loop" in problems and "loop" in problems["sub/loop"]
    assert "dangling.pdf" in problems and "outside.pdf" in problems
    assert [d.file for d in result.documents if d.status == "ok"] == ["good.pdf"]


def test_hostile_file_names_are_processed_and_never_executed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = _good(folder)
    names = ["-rf x.pdf", "$(touch X).pdf", "<img onerror=alert(1)>.pdf"]
    for name in names:
        shutil.copy(good, folder / name)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "textci.cli", "extract", str(folder), "-o", str(out), "--no-ocr"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    files = {json.loads(l)["file"] for l in (out / "documents.jsonl").read_text("utf-8").splitlines()}
    assert files == {"good.pdf", *names}
    assert not (tmp_path / "X").exists() and not (folder / "X").exists()


def _sleep(seconds):
    import time

    time.sleep(seconds)


def _segfault():
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def _fine():
    from textci.data import Document

    return Document("x", "fine.pdf", 1, "en", "ok", "text")


def test_a_hanging_or_crashing_worker_fails_only_its_document():
    from textci.extraction.isolate import run_isolated

    jobs = [("slow.pdf", _sleep, (30,)), ("crash.pdf", _segfault, ()), ("fine.pdf", _fine, ())]
    documents = {d.file: d for d in run_isolated(jobs, workers=3, limits=Limits(timeout=2))}
    assert documents["slow.pdf"].errors[0].error == "Timeout"
    assert documents["crash.pdf"].errors[0].error == "WorkerCrashed"
    assert "signal 11" in documents["crash.pdf"].errors[0].message
    assert documents["fine.pdf"].status == "ok"


# ------------------------------------------------------------------ CLI

def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "textci.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_cli_writes_four_files_and_refuses_to_overwrite_without_force(tmp_path):
    good = _good(tmp_path)
    out = tmp_path / "out"
    assert _cli("extract", good, "-o", out, "--no-ocr").returncode == 0
    for name in ("documents.jsonl", "pages.jsonl", "passages.jsonl", "errors.jsonl"):
        for line in (out / name).read_bytes().decode("utf-8").splitlines():
            json.loads(line)
    passage = json.loads((out / "passages.jsonl").read_text("utf-8").splitlines()[0])
    assert set(passage) == {"id", "doc_id", "file", "page", "char_start", "char_end", "lang", "text"}
    again = _cli("extract", good, "-o", out, "--no-ocr")
    assert again.returncode == 2 and "--force" in again.stderr
    assert _cli("extract", good, "-o", out, "--no-ocr", "--force").returncode == 0


def test_cli_exit_status_is_1_when_nothing_could_be_processed(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    done = _cli("extract", bad, "-o", tmp_path / "out")
    assert done.returncode == 1
    error = json.loads((tmp_path / "out" / "errors.jsonl").read_text("utf-8"))
    assert error["error"] == "EmptyFile" and error["file"] == "bad.pdf"


def test_cli_usage_error_exits_2(tmp_path):
    assert _cli("extract", tmp_path).returncode == 2  # no -o


def test_pdfplumber_extractor_is_available(tmp_path):
    doc, _ = run_one(_good(tmp_path), ExtractOptions(extractor="pdfplumber", ocr=False))
    assert "youth centre near the station" in page_text(doc)


def test_a_file_over_the_size_limit_is_skipped_with_the_limit_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = _good(folder)
    big = folder / "big.pdf"
    big.write_bytes(good.read_bytes() + b"%" + b"x" * (2 * 2**20) + b"\n")  # a PDF padded to over 2 MB
    result = extract([folder], ExtractOptions(ocr=False, max_file_bytes=2**20), workers=1)
    (error,) = [e for e in result.errors if e.file == "big.pdf"]
    assert error.error == "FileTooLarge" and "--max-file-mb" in error.message
    assert {d.file: d.status for d in result.documents}["good.pdf"] == "ok"


def test_sentence_rules_on_report_text():
    """Ordinals, section numbers, spaced ellipses and a lost space, as real reports have them."""
    from textci.segment.sentences import sentence_spans

    cases = [
        ("de", "Am 3. Mai tagte der Rat. 2.3. Ziele und Maßnahmen werden jährlich geprüft.",
         ["Am 3. Mai tagte der Rat.", "2.3. Ziele und Maßnahmen werden jährlich geprüft."]),
        ("fr", "Un cube C = hD1, . . . , Dn, Fi est donné. Les membres sont connus.",
         ["Un cube C = hD1, . . . , Dn, Fi est donné.", "Les membres sont connus."]),
        ("de", "im Rahmen des offenen Ganztags.Bereits erfolgreiche Projekte laufen weiter.",
         ["im Rahmen des offenen Ganztags.", "Bereits erfolgreiche Projekte laufen weiter."]),
        ("en", "The coordinator met the team (May). (Objective #3) Training was held, e.g. for J. Smith.",
         ["The coordinator met the team (May).", "(Objective #3) Training was held, e.g. for J. Smith."]),
        ("en", 'He said "stop." Then he left... Why? Nobody knows.',
         ['He said "stop."', "Then he left...", "Why?", "Nobody knows."]),
        ("it", "Vedi il d.lgs. 81/2008 e l'art. 5. Il piano è approvato.",
         ["Vedi il d.lgs. 81/2008 e l'art. 5.", "Il piano è approvato."]),
    ]
    for lang, text, sentences in cases:
        assert [text[a:b] for a, b in sentence_spans(text, lang)] == sentences, text
    assert sentence_spans("   ", "en") == [] and sentence_spans("", "xx") == []


def test_extract_does_not_load_torch_or_spacy(tmp_path):
    """A one-file extraction starts in a fraction of a second: nothing heavy is imported on its way."""
    import subprocess
    import sys

    from pdf_factory import prose_pdf

    pdf = prose_pdf(tmp_path / "r.pdf", [["Die Stadt fördert z. B. Vereine und Schulen.",
                                          "Das Amt leitet Dr. Meier seit dem 3. Mai."]])
    code = ("import sys, textci.cli as c\n"
            f"try: c.main(['extract', {str(pdf)!r}, '-o', {str(tmp_path / 'out')!r}, '--no-ocr'])\n"
            "except SystemExit: pass\n")
    code += "heavy = sorted(m for m in ('torch', 'spacy', 'thinc', 'sklearn', 'pandas') if m in sys.modules)\n"
    code += "print('HEAVY', heavy)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
