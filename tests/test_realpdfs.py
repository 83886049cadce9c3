"""Integration: the real public reports in ../shared/realpdfs/ (read by path, never copied)."""
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from textci.extraction import ExtractOptions, extract

REAL = Path(__file__).resolve().parents[2] / "shared" / "realpdfs"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not REAL.exists(), reason="../shared/realpdfs is not beside the repo")]


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def result():
    ocr = shutil.which("tesseract") is not None
    # beside the PDFs lie PROBES.md and MANIFEST.tsv
    return extract([REAL], ExtractOptions(ocr=ocr), workers=2, include=["*.pdf"])


@pytest.fixture(scope="module")
def pages(result):
    return {(p.file, p.page): p.text for p in result.pages}


def test_probe_pass_rate_is_at_least_095(pages):
    probes = [json.loads(l) for l in (REAL / "probes.jsonl").read_text("utf-8").splitlines() if l.strip()]
    if shutil.which("tesseract") is None:
        probes = [p for p in probes if p["kind"] != "ocr"]
    passed = 0
    for probe in probes:
        hit = squash(probe["text"]) in squash(pages.get((probe["file"], probe["page"]), ""))
        passed += (not hit) if probe["kind"] == "furniture" else hit
    assert passed / len(probes) >= 0.95


def test_every_real_report_is_read(result):
    assert {d.status for d in result.documents} <= {"ok", "partial"}
    assert len(result.documents) == len(list(REAL.glob("*.pdf")))


def _repeated_header(path: Path):
    """The most frequent first line of the raw PDFium text: a running header."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    firsts = Counter()
    for page in pdf:
        text = page.get_textpage().get_text_range().strip()
        if text:
            firsts[text.splitlines()[0].strip()] += 1
    line, count = firsts.most_common(1)[0]
    return line, count, len(pdf)


@pytest.mark.parametrize("name", ["de_fdp-muenster-kommunalwahlprogramm-2014.pdf",
                                  "en_mental-health-task-force-training-recommendations.pdf"])
def test_running_header_of_a_real_report_is_gone(name, pages, result):
    line, count, total = _repeated_header(REAL / name)
    assert count >= total / 3, "the report should have a running header"
    own = [text for (file, _), text in pages.items() if file == name]
    assert sum(squash(line) in squash(text) for text in own) <= 1
    assert not any(squash(line) == squash(p.text) for p in result.passages if p.file == name)


def test_page_numbers_are_not_passages(result):
    assert not any(re.fullmatch(r"[\d\W]+", p.text) for p in result.passages)


def test_hyphenated_words_of_the_german_programmes_are_joined(pages):
    text = " ".join(t for (file, _), t in pages.items() if file.startswith("de_"))
    # Line-end hyphens that split plain words leave fragments such as "Erreich- barkeit".
    fragments = re.findall(r"\b[a-zäöüß]{3,}- [a-zäöüß]{3,}\b", text)
    real = [f for f in fragments if f.split("- ")[1] in {"und", "oder", "bzw", "sowie"}]
    assert len(fragments) - len(real) <= 0.01 * len(text.split())
    assert "Jugend- und" in text or "- und " in text  # real compound hyphens survive
