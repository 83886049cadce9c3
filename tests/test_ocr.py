"""What a user gets from scanned pages: each page's own text, its language, and a reason for each page that fails."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_factory import image_pages_pdf, text_image
from textci.errors import OCRFailed
from textci.extraction import ExtractOptions, extract, ocr
from textci.extraction.lines import RawPage
from textci.extraction.pdfium_backend import open_pdf

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")

ITALIAN = ["Il comune ha aperto un nuovo centro per i giovani",
           "vicino alla stazione, con due educatori ogni sera.",
           "La polizia locale passa nel quartiere tre volte",
           "alla settimana e incontra i residenti in piazza.",
           "Il piano prevede anche nuove luci nei giardini",
           "e una linea telefonica per segnalare i problemi."]


def squash(text):
    return " ".join(text.split())


def extract_one(path):
    result = extract([path], ExtractOptions(segment=False), workers=1)
    return result.documents[0]


def test_each_scanned_page_gets_its_own_text_and_the_document_its_language(tmp_path):
    pages = [ITALIAN[:2] * 8, ITALIAN[2:4] * 8, ITALIAN[4:] * 8]  # text down to the middle of each page
    document = extract_one(image_pages_pdf(tmp_path / "scan.pdf", [text_image(lines) for lines in pages]))
    assert document.lang == "it" and document.method == "ocr" and not document.errors
    keys = ["aperto un nuovo centro", "passa nel quartiere", "nuove luci nei giardini"]
    for record, key in zip(document.page_records, keys):
        assert [k for k in keys if k in squash(record.text)] == [key]


def test_a_page_tesseract_cannot_read_is_reported_and_the_other_pages_are_read(tmp_path):
    wide = text_image(["left end"], size=(33400, 80), left=10, top=10)  # wider than Tesseract's 32767 pixels
    wide.paste(text_image(["right end"], size=(400, 80), left=10, top=10), (33000, 0))
    images = [text_image(ITALIAN[:2] * 8), wide, text_image(ITALIAN[4:] * 8)]
    document = extract_one(image_pages_pdf(tmp_path / "scan.pdf", images))
    assert [(e.page, e.stage, e.error) for e in document.errors] == [(2, "ocr", "OCRFailed")]
    assert "Image too large" in document.errors[0].message
    assert "aperto un nuovo centro" in squash(document.page_records[0].text)
    assert "nuove luci nei giardini" in squash(document.page_records[2].text)
    assert document.status == "partial"


def test_a_page_that_takes_longer_than_the_timeout_is_stopped_with_its_own_reason(tmp_path):
    pdf = open_pdf(image_pages_pdf(tmp_path / "scan.pdf", [text_image(ITALIAN), text_image(ITALIAN[::-1])]))
    try:
        pages = [ocr.render(pdf, i) for i in range(2)]
    finally:
        pdf.close()
    results = ocr.read_pages(pages, "eng", timeout=0.01)
    assert all(isinstance(r, OCRFailed) and "longer than 0.01 s on this page" in str(r) for r in results)


def test_ocr_words_keep_their_place_on_the_page_when_the_white_space_is_cut_off(tmp_path):
    pdf = open_pdf(image_pages_pdf(tmp_path / "scan.pdf", [text_image(["Station square"], left=1000, top=1500)]))
    try:
        page = ocr.render(pdf, 0)
    finally:
        pdf.close()
    assert page.image.width * page.image.height < 0.1 * 1654 * 2339
    line, = ocr.read_page(page, "eng").lines
    assert line.text == "Station square"
    assert abs(line.x0 - 1000 * 72 / 200) < 3 and abs(line.top - 1500 * 72 / 200) < 6


def test_ocr_leaves_no_temporary_files(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    path = image_pages_pdf(tmp_path / "scan.pdf", [text_image(ITALIAN)])
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "textci.cli", "extract", str(path), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert '"method": "ocr"' in (tmp_path / "out" / "pages.jsonl").read_text("utf-8")
    assert list(scratch.iterdir()) == []


def test_pages_are_read_in_runs_of_at_most_eight_a4_pages_and_a_huge_page_alone():
    a4 = [RawPage(n, 595, 842, (), True) for n in range(1, 11)]
    assert [[p.number for p in batch] for batch in ocr.batches(a4)] == [list(range(1, 9)), [9, 10]]
    huge = RawPage(11, 5000, 5000, (), True)
    assert [[p.number for p in batch] for batch in ocr.batches(a4[:2] + [huge] + a4[2:3])] == [[1, 2], [11], [3]]
