"""Artefacts a person reading the page skips: note markers, bullets, margin stamps (issue 16)."""
import re
import shutil
from pathlib import Path

import pytest

from pdf_factory import (SYMBOL_BULLETS, footnoted_pdf, scanned_list_pdf, stamped_pdf, symbol_bullets_pdf,
                         three_columns_with_footnote_pdf)
from textci.extraction import ExtractOptions, extract

NO_OCR = ExtractOptions(ocr=False)
PRIVATE = re.compile("[\ue000-\uf8ff]")
REAL = Path(__file__).resolve().parents[2] / "shared" / "realpdfs"
ITEMS = ["Street lighting is repaired within a week of a report.", "Youth workers walk the park on Friday nights."]


def read(path):
    document = extract([path], NO_OCR, workers=1).documents[0]
    return document, "\n".join(p.text for p in document.page_records)


@pytest.mark.parametrize("style", ["rise", "small", "unicode"])
def test_a_raised_footnote_marker_is_not_part_of_the_word_or_the_sentence(tmp_path, style):
    path = footnoted_pdf(tmp_path / "note.pdf", "The cost of the programme was much larger than the", "award",
                         ". It was paid by the city.", "Figures from the city budget office, 2019.", style)
    document, text = read(path)
    assert "larger than the award. It was paid by the city." in text
    assert "award1" not in text and "award 1" not in text
    assert any(p.text.startswith("The cost of the programme was much larger than the award. It was paid")
               for p in document.passages)


def test_a_marker_standing_apart_in_the_sentence_is_removed(tmp_path):
    path = footnoted_pdf(tmp_path / "apart.pdf", "Reports", "", "from the accident investigation were published.",
                         "The investigation office, annual report.", "spaced")
    _, text = read(path)
    assert "Reports from the accident investigation were published." in text


def test_the_footnote_follows_the_body_and_is_a_passage_of_its_own(tmp_path):
    path = footnoted_pdf(tmp_path / "note.pdf", "The cost of the programme was much larger than the", "award",
                         ". It was paid by the city.", "Figures from the city budget office for the year 2019.")
    document, text = read(path)
    assert text.index("who fund the work.") < text.index("Figures from the city budget office")
    note = [p.text for p in document.passages if "budget office" in p.text]
    assert note == ["Figures from the city budget office for the year 2019."]
    assert not any("budget office" in p.text and "award" in p.text for p in document.passages)


@pytest.mark.parametrize("kind", sorted(SYMBOL_BULLETS))
def test_symbol_font_bullets_become_list_marks_outside_the_passages(tmp_path, kind):
    path = symbol_bullets_pdf(tmp_path / f"{kind}.pdf", kind, ITEMS, "The council will do two things:")
    document, text = read(path)
    assert not PRIVATE.search(text)
    assert [p.text for p in document.passages if p.text in ITEMS] == ITEMS
    for passage in document.passages:
        assert not re.match(r"^\W|^n ", passage.text), passage.text
    for item in ITEMS:  # the page keeps the list as a reader sees it, the mark as its Unicode meaning
        line = next(l for l in text.splitlines() if item in l)
        assert line[0] in "■▪•" and line[2:] == item


def test_no_private_use_character_of_a_real_report_reaches_pages_or_passages():
    path = REAL / "en_mental-health-response-team-program.pdf"
    if not path.exists():
        pytest.skip("../shared/realpdfs is not beside the repo")
    document, text = read(path)
    assert not PRIVATE.search(text)
    assert not any(PRIVATE.search(p.text) for p in document.passages)
    assert "• Prevent further crisis by providing follow up" in text
    assert any(p.text.startswith("Prevent further crisis by providing follow up") for p in document.passages)


def test_a_stamp_printed_vertically_on_every_page_is_furniture(tmp_path):
    pages = [f"Paragraph {n} says that the council opened a new youth centre near the station." for n in (1, 2, 3)]
    path = stamped_pdf(tmp_path / "stamp.pdf", pages, "DRAFT {n} - NOT FOR CIRCULATION",
                       once="Received by the clerk on 3 May")
    document, text = read(path)
    assert "CIRCULATION" not in text
    assert not any("CIRCULATION" in p.text for p in document.passages)
    first = document.page_records[0].text
    assert first.index("Paragraph 1 says") < first.index("Received by the clerk on 3 May")


def test_three_columns_stay_in_order_with_a_footnote_under_two_of_them(tmp_path):
    columns = ["The council agreed on a new strategy for the old harbour district after long talks. " * 6,
               "Later the partners opened a youth centre near the station and hired two workers. " * 6,
               "Finally a small fund now pays for repairs that residents report through a hotline. " * 10]
    path = three_columns_with_footnote_pdf(tmp_path / "three.pdf", columns,
                                           "The strategy was adopted by the council on 12 March.")
    document, text = read(path)
    flat = " ".join(text.split())
    order = [flat.index(s) for s in ("The council agreed", "Later the partners", "Finally a small fund",
                                     "The strategy was adopted")]
    assert order == sorted(order)
    assert flat.count("Finally a small fund") == 10
    assert "The strategy was adopted by the council on 12 March." in [p.text for p in document.passages]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")
@pytest.mark.parametrize("shape", ["dot", "square"])
def test_bullets_of_a_scanned_list_are_list_marks_whatever_tesseract_reads(tmp_path, shape):
    items = ["Repair the street lights in the park.", "Open the youth centre on Sundays.",
             "Pay for a night bus to the station."]
    path = scanned_list_pdf(tmp_path / "scan.pdf", "The council will do three things:", items, shape)
    document = extract([path], ExtractOptions(), workers=1).documents[0]
    assert document.method == "ocr"
    assert [p.text for p in document.passages if p.text in items] == items
    assert all(line[2:] in items for line in document.page_records[0].text.splitlines()[1:] if line)
