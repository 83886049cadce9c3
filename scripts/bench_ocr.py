#!/usr/bin/env python3
"""Benchmark OCR of scanned pages: today's settings against the old 300 dpi ones, in the same run.

The scanned pages: the two scans in ../shared/realpdfs/ (Dutch, two columns;
Italian letter), the scanned page of the sample corpus and the scanned pages
tests/pdf_factory.py draws. Each document is OCR'd as extraction does it (a
document whose language no text layer tells is first sampled with the English
model), once per setting, the settings interleaved so that a busy machine
slows both alike:
  * old: 300 dpi, the page handed to pytesseract as a PIL image (written as
    PNG), the language read off a whole page;
  * new: `textci.extraction.ocr` at --dpi (default its DPI).
Reported per document and in total: CPU seconds of this process and its
Tesseract children per page, pages per CPU second (pages/s/core), the word
similarity of the new text to the old (difflib ratio of the word sequences,
and the share of words in common whatever their order: table cells and
columns may come out in another order), and the OCR probes of probes.jsonl
passed by the full extraction at the new settings.

    .venv/bin/python scripts/bench_ocr.py [--pdfdir ../shared/realpdfs] [--dpi 200] [--repeat 2] [--json out.json]
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from textci.extraction import document as extraction, ocr  # noqa: E402
from textci.extraction.document import ExtractOptions, extract_document  # noqa: E402
from textci.extraction.lines import RawPage, merge_fragments  # noqa: E402
from textci.extraction.pdfium_backend import open_pdf  # noqa: E402

SCANS = ["nl_openbare-verlichting-beleving-veiligheid-scan.pdf", "it_dpc-contratto-covid19-0013525-scan.pdf"]
SAMPLE_SCAN = ROOT / "corpora" / "sample" / "san-teodoro_piano_2021_it.pdf"
OLD_DPI = 300


def factory_scans(folder: Path) -> list[Path]:
    from pdf_factory import image_only_pdf, scanned_list_pdf

    return [image_only_pdf(folder / "factory_scan.pdf", ["The city will light the park at night",
                                                          "and open the youth centre on Sundays."]),
            scanned_list_pdf(folder / "factory_list.pdf", "The council will do three things:",
                             ["Repair the street lights in the park.", "Open the youth centre on Sundays.",
                              "Pay for a night bus to the station."])]


def scanned_pages(path: Path) -> tuple[list[int], str | None]:
    """The 0-based pages extraction would OCR, and the language of the text layer if there is one."""
    document = extract_document(path, path.name, ExtractOptions(ocr=False, segment=False))
    pages = sorted(e.page - 1 for e in document.errors if e.error in ("ScannedPage", "GarbledText"))
    return pages, document.lang


def old_ocr_page(pdf, index: int, langs: str) -> RawPage:
    """The OCR of a page before bench_ocr.py existed: 300 dpi, a PIL image through pytesseract (PNG)."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # as the old code did: one thread per page
    image, scale, (width, height) = ocr.render(pdf, index, OLD_DPI)
    data = pytesseract.image_to_data(image, lang=langs, output_type=pytesseract.Output.DICT, timeout=ocr.TIMEOUT)
    return RawPage(index + 1, width, height, tuple(merge_fragments(ocr.positioned_words(data, scale))), True, "ocr")


def old_language(pdf, index: int, langs: str) -> str:
    from textci.segment.language import identify

    lang = identify(" ".join(line.text for line in old_ocr_page(pdf, index, "eng").lines))
    return ocr.tesseract_langs(lang) if lang in ocr.TESSERACT_LANG else langs


def new_ocr_page(dpi: int):
    return lambda pdf, index, langs: ocr.ocr_page(pdf, index, langs, dpi=dpi)


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ocr_document(path: Path, pages: list[int], lang: str | None, read_page, find_language):
    """OCR the pages as document._ocr_scanned does; (CPU s, wall s, page texts, language used)."""
    langs = ocr.tesseract_langs(lang)
    cpu, wall = cpu_seconds(), time.perf_counter()
    pdf = open_pdf(path)
    texts = {}
    try:
        for i in pages:
            if "+" in langs:
                langs = find_language(pdf, i, langs)
            texts[i] = " ".join(line.text for line in read_page(pdf, i, langs).lines)
    finally:
        pdf.close()
    return cpu_seconds() - cpu, time.perf_counter() - wall, texts, langs


def word_similarity(old: str, new: str) -> tuple[float, float]:
    """(difflib ratio of the word sequences, share of words in common regardless of order)."""
    a, b = old.split(), new.split()
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    common = sum((Counter(a) & Counter(b)).values())
    return ratio, 2 * common / max(1, len(a) + len(b))


def ocr_probes(pdfdir: Path, files: list[Path]) -> tuple[int, int]:
    """OCR probes of probes.jsonl passed by a full extraction (new settings) of the files they name."""
    probes = [json.loads(l) for l in open(pdfdir / "probes.jsonl", encoding="utf-8") if l.strip()]
    probes = [p for p in probes if p["kind"] == "ocr"]
    squash = lambda text: re.sub(r"\s+", " ", text).strip()  # noqa: E731
    texts = {}
    for path in files:
        if any(p["file"] == path.name for p in probes):
            for page in extract_document(path, path.name, ExtractOptions(segment=False)).page_records:
                texts[(path.name, page.page)] = squash(page.text)
    return sum(squash(p["text"]) in texts.get((p["file"], p["page"]), "") for p in probes), len(probes)


def measure(path: Path, dpi: int, repeat: int) -> dict:
    """Both settings on one document, interleaved; the best CPU time of each and the text of its first run."""
    settings = {"old": (old_ocr_page, old_language), "new": (new_ocr_page(dpi), extraction._ocr_language)}
    pages, lang = scanned_pages(path)
    runs = {name: [] for name in settings}
    for n in range(repeat):
        for name in (list(settings) if n % 2 == 0 else list(settings)[::-1]):
            runs[name].append(ocr_document(path, pages, lang, *settings[name]))
    old_text = " ".join(runs["old"][0][2].values())
    new_text = " ".join(runs["new"][0][2].values())
    return {"file": path.name, "pages": len(pages),
            **{f"{name}_cpu_s": min(r[0] for r in runs[name]) for name in settings},
            **{f"{name}_wall_s": min(r[1] for r in runs[name]) for name in settings},
            **{f"{name}_langs": runs[name][0][3] for name in settings},
            **dict(zip(("sequence_ratio", "words_in_common"), word_similarity(old_text, new_text))),
            "old_words": len(old_text.split()), "new_words": len(new_text.split())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfdir", type=Path, default=ROOT.parent / "shared" / "realpdfs")
    parser.add_argument("--dpi", type=int, default=ocr.DPI, help="resolution of the new settings")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each setting per document")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not ocr.available_languages():
        sys.exit("Tesseract is not installed: run scripts/install_system_deps.sh")
    from textci.segment import language

    language.warm_up()
    with tempfile.TemporaryDirectory(prefix="bench_ocr_") as folder:
        files = [args.pdfdir / name for name in SCANS] + [SAMPLE_SCAN] + factory_scans(Path(folder))
        rows = [measure(path, args.dpi, args.repeat) for path in files]
        passed, total = ocr_probes(args.pdfdir, files)
    print_table(rows, args.dpi)
    print(f"\nOCR probes passed by the full extraction at {args.dpi} dpi: {passed}/{total}")
    if args.json:
        args.json.write_text(json.dumps({"dpi": args.dpi, "rows": rows, "ocr_probes": f"{passed}/{total}"},
                                        indent=1), encoding="utf-8")
    return 0


def print_table(rows: list[dict], dpi: int) -> None:
    total = {"file": "ALL", **{k: sum(r[k] for r in rows) for k in ("pages", "old_cpu_s", "new_cpu_s",
                                                                      "old_words", "new_words")}}
    weights = [r["old_words"] + r["new_words"] for r in rows]
    for key in ("sequence_ratio", "words_in_common"):
        total[key] = sum(r[key] * w for r, w in zip(rows, weights)) / max(1, sum(weights))
    print(f"CPU seconds (this process + Tesseract) per scanned page; old = {OLD_DPI} dpi PNG, new = {dpi} dpi; "
          "best of the runs\n")
    print(f"{'file':52} {'pages':>5} {'old s/p':>8} {'new s/p':>8} {'old p/s':>8} {'new p/s':>8} "
          f"{'speed-up':>8} {'seq sim':>8} {'common':>8}  lang")
    for row in rows + [total]:
        old, new = row["old_cpu_s"] / row["pages"], row["new_cpu_s"] / row["pages"]
        lang = f"{row['old_langs']}/{row['new_langs']}" if "old_langs" in row else ""
        print(f"{row['file'][:52]:52} {row['pages']:5d} {old:8.2f} {new:8.2f} {1 / old:8.2f} {1 / new:8.2f} "
              f"{old / new:7.2f}x {row['sequence_ratio']:8.3f} {row['words_in_common']:8.3f}  {lang}")


if __name__ == "__main__":
    sys.exit(main())
