#!/usr/bin/env python3
"""Benchmark the non-PDF readers on generated reports, beside a plain library dump of the same files.

Per format it writes N generated documents that hold what real ones do
(footnotes, running headers, tracked deletions, hidden text, tables, text
boxes; navigation, cookie banners, sidebars and footers on web pages built
from divs; windows-1252 and UTF-16 text; hard-wrapped, hyphenated lines;
Markdown markup), then measures in the same run:
  * textci's reader (`extract_document`, segmentation included) and
  * the baseline: python-docx paragraphs (DOCX), the text nodes of
    content.xml (ODT), BeautifulSoup `get_text()` (HTML), the file decoded
    as UTF-8 (TXT, MD),
as documents per second and the share of checks passed: every main-content
run present, in order, with its words rejoined; every piece of boilerplate
absent. Peak memory is that of an `extract` over a mixed folder of all of
them plus a PDF, through the isolated workers.

    .venv/bin/python scripts/bench_formats.py [--docs 40] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from office_factory import para, run, write_docx, write_odt  # noqa: E402
from textci.extraction.document import ExtractOptions, extract_document  # noqa: E402

SENTENCES = ["The backbone organisation convenes the council, the police and the youth services every month.",
             "All partners record the same eight indicators and publish a shared dashboard twice a year.",
             "Street lighting in the harbour district was renewed after the residents' survey of 2021.",
             "Mobile youth workers reach about three hundred young people on weekend nights.",
             "The evaluation found fewer alcohol-related emergencies among teenagers than in 2019."]
BOILERPLATE = ["RUNNING HEADER", "DELETED PASSAGE", "HIDDEN NOTE", "Accept all cookies", "Home", "Share this page",
               "Related reports", "Copyright City", "trackingScript"]


def content(i: int) -> list[str]:
    return [f"Report {i}: " + SENTENCES[(i + k) % len(SENTENCES)] for k in range(len(SENTENCES))]


def make_docx(path: Path, runs: list[str]) -> None:
    body = para(runs[0]) + para(run(runs[1]), '<w:del w:author="A"><w:r><w:delText>DELETED PASSAGE</w:delText>'
                                              "</w:r></w:del>", run(" HIDDEN NOTE", "<w:vanish/>"))
    body += para(run(runs[2]), '<w:r><w:footnoteReference w:id="1"/></w:r>')
    box = '<w:r><w:drawing><w:txbxContent>' + para(runs[3]) + "</w:txbxContent></w:drawing></w:r>"
    body += para(run("See box. "), box)
    write_docx(path, body, footnotes={"1": runs[4]}, header="RUNNING HEADER")


def make_odt(path: Path, runs: list[str]) -> None:
    body = (f"<text:p>{runs[0]}</text:p><text:p>{runs[1]}<text:span text:style-name=\"Hidden\">HIDDEN NOTE"
            "</text:span></text:p><text:tracked-changes><text:changed-region text:id=\"c\"><text:deletion>"
            "<text:p>DELETED PASSAGE</text:p></text:deletion></text:changed-region></text:tracked-changes>"
            f"<text:p>{runs[2]}<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>"
            f"{runs[4]}</text:p></text:note-body></text:note></text:p>"
            f"<text:p><draw:frame><draw:text-box><text:p>{runs[3]}</text:p></draw:text-box></draw:frame></text:p>")
    write_odt(path, body, header="RUNNING HEADER")


def make_html(path: Path, runs: list[str]) -> None:
    page = ("<html><head><meta charset='windows-1252'><script>var trackingScript = 1;</script></head><body>"
            "<div class='menu'><a href='/'>Home</a> <a href='/about'>About</a></div>"
            "<div id='cookie-consent'>We use cookies. <a href='#'>Accept all cookies</a></div>"
            f"<div class='page'><div class='article'><div>{runs[0]}</div><p>{runs[1]}</p><p>{runs[2]}</p>"
            f"<div>{runs[3]}</div><p>{runs[4]}</p></div><div class='share'><a href='#'>Share this page</a></div>"
            "<div><a href='/1'>Related reports</a> <a href='/2'>More</a></div></div>"
            "<div class='site-footer'>Copyright City of Northbridge</div></body></html>")
    path.write_bytes(page.encode("cp1252"))


def wrap(text: str, width: int = 38) -> str:
    """Hard-wrap, hyphenating the word that crosses the margin."""
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width and len(word) > 7 and len(line) < width - 4:
            cut = width - len(line) - 2
            lines.append(f"{line} {word[:cut]}-".strip())
            line = word[cut:]
        elif len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def make_txt(path: Path, runs: list[str]) -> None:
    path.write_bytes("\n\n".join(wrap(r) for r in runs).encode("utf-16"))


def make_md(path: Path, runs: list[str]) -> None:
    words = runs[1].split(" ")
    path.write_text(f"# {runs[0]}\n\n**{' '.join(words[:3])}** {' '.join(words[3:])}\n\n"
                    f"[{runs[2]}](https://example.org/r)\n\n- {runs[3]}\n\n> {runs[4]}\n", encoding="utf-8")


WORKERS = 2
MAKERS = {"docx": make_docx, "odt": make_odt, "html": make_html, "txt": make_txt, "md": make_md}


def baseline(fmt: str, path: Path) -> str:
    if fmt == "docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if fmt == "odt":
        from lxml import etree

        with zipfile.ZipFile(path) as archive:
            return " ".join(etree.fromstring(archive.read("content.xml")).itertext())
    if fmt == "html":
        from bs4 import BeautifulSoup

        return BeautifulSoup(path.read_bytes(), "html.parser").get_text(" ")
    return path.read_bytes().decode("utf-8", errors="replace")


def textci_text(path: Path) -> str:
    document = extract_document(path, path.name, ExtractOptions())
    return "\n".join(page.text for page in document.page_records)


def checks(text: str, runs: list[str]) -> tuple[int, int]:
    """(passed, total): each run present in order, each piece of boilerplate absent."""
    flat = re.sub(r"\s+", " ", text)
    passed, position = 0, 0
    for expected in runs:
        found = flat.find(expected, position)
        if found >= 0:
            passed += 1
            position = found + len(expected)
    passed += sum(piece not in flat for piece in BOILERPLATE)
    return passed, len(runs) + len(BOILERPLATE)


def measure(fmt: str, files: list[tuple[Path, list[str]]], read) -> dict:
    started = time.perf_counter()
    texts = [read(path) for path, _ in files]
    seconds = time.perf_counter() - started
    scores = [checks(text, runs) for text, (_, runs) in zip(texts, files)]
    return {"docs_per_s": len(files) / seconds, "checks": sum(p for p, _ in scores) / sum(t for _, t in scores)}


def mixed_peak_mb(folder: Path) -> tuple[float, float]:
    """Peak resident memory (MB) of `textci extract` over the folder: the parent's, and the largest worker's."""
    import subprocess

    out = folder.parent / "out"
    code = ("import resource, sys; from textci.cli import main; status = main(sys.argv[1:]); "
            "r = resource.getrusage; print(r(resource.RUSAGE_SELF).ru_maxrss / 1024, "
            "r(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "extract", str(folder), "-o", str(out), "--force",
                           "--workers", str(WORKERS)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    parent, worker = done.stderr.strip().splitlines()[-1].split()
    return float(parent), float(worker)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40, help="generated documents per format (default 40)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    from textci.extraction import warm_up

    warm_up()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mixed"
        folder.mkdir()
        for fmt, make in MAKERS.items():
            files = []
            for i in range(args.docs):
                path = folder / f"report_{i:03d}.{fmt}"
                make(path, content(i))
                files.append((path, content(i)))
            textci_text(files[0][0])   # first calls load what each needs: not timed
            baseline(fmt, files[0][0])
            results[fmt] = {"baseline": measure(fmt, files, lambda p, f=fmt: baseline(f, p)),
                            "textci": measure(fmt, files, textci_text)}
        from pdf_factory import report_pdf

        report_pdf(folder / "report.pdf", [content(0)])
        peak = mixed_peak_mb(folder)
    print(f"{'format':7s} {'baseline checks':>15s} {'textci checks':>13s} {'baseline docs/s':>15s} "
          f"{'textci docs/s':>13s} {'speed ratio':>11s}")
    for fmt, row in results.items():
        b, t = row["baseline"], row["textci"]
        print(f"{fmt:7s} {b['checks']:15.1%} {t['checks']:13.1%} {b['docs_per_s']:15.0f} {t['docs_per_s']:13.0f} "
              f"{t['docs_per_s'] / b['docs_per_s']:11.2f}")
    parent, worker = peak
    print(f"peak memory of `textci extract --workers {WORKERS}` over the mixed folder "
          f"({len(MAKERS) * args.docs + 1} files): parent {parent:.0f} MB, largest worker {worker:.0f} MB, "
          f"at most {parent + WORKERS * worker:,.0f} MB together (limit 2,500 MB)")
    if args.json:
        args.json.write_text(json.dumps({"formats": results, "peak_mb": {"parent": parent, "worker": worker},
                                         "docs": args.docs}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
