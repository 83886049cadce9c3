"""DOCX, ODT, HTML, TXT and Markdown read through the same pipeline as PDFs, cleanly and safely."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from office_factory import para, run, write_docx, write_odt
from pdf_factory import report_pdf
from textci.cli import main
from textci.extraction import ExtractOptions, extract, extract_document
from textci.extraction.isolate import Limits

BODY = ("The backbone organisation convenes the council, the police and the youth services every month "
        "to review the shared measurement figures.")
SECOND = "Partners agreed on a common agenda for the northern districts and publish their progress each year."


def read(path: Path):
    return extract_document(path, path.name, ExtractOptions())


def texts(document) -> list[str]:
    return [p.text for p in document.page_records]


def all_text(document) -> str:
    return "\n".join(texts(document))


def reads_as_error(tmp_path, path: Path) -> dict:
    """The one errors.jsonl line a bad file leaves, read through the isolated worker as in a batch."""
    result = extract([path], workers=1, limits=Limits(timeout=60))
    (document,) = result.documents
    assert document.status == "failed"
    (error,) = result.errors
    return error.to_json()


# --- DOCX ---------------------------------------------------------------------------------------

def test_docx_keeps_body_headings_tables_and_notes_and_drops_what_a_reader_does_not_see(tmp_path):
    body = (para("Safer Streets Strategy", style="Heading1")
            + para(run(BODY[:60]), '<w:r><w:footnoteReference w:id="1"/></w:r>', run(BODY[60:]))
            + para(run("Deleted words stay out. "), '<w:del w:author="A"><w:r><w:delText>REMOVED PHRASE</w:delText>'
                   '</w:r></w:del>', '<w:ins w:author="A">' + run(SECOND) + "</w:ins>")
            + para(run("Visible sentence of the report is kept here."), run("SECRET HIDDEN RUN", "<w:vanish/>"))
            + para(run("The meeting date is "), '<w:fldSimple w:instr="DATE"><w:r><w:t>12 May 2023</w:t></w:r>'
                   "</w:fldSimple>", run(" and the agenda was shared with every partner."))
            + para(run("Commented text stays, "), '<w:commentRangeStart w:id="0"/>', run("the comment does not."),
                   '<w:r><w:commentReference w:id="0"/></w:r>')
            + "<w:tbl><w:tr><w:tc>" + para("Year") + "</w:tc><w:tc>" + para("Budget") + "</w:tc></w:tr>"
            + "<w:tr><w:tc>" + para("2021") + "</w:tc><w:tc>" + para("1.2") + "</w:tc></w:tr></w:tbl>"
            + para(run("A text box follows. "), '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
                   "<wps:txbx><w:txbxContent>" + para("Box: neighbourhood wardens patrol every evening.")
                   + "</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>"
                   "<w:txbxContent>" + para("Box: neighbourhood wardens patrol every evening.")
                   + "</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"))
    doc = read(write_docx(tmp_path / "plan.docx", body, footnotes={"1": "Source: council minutes of 2022."},
                          header="RUNNING HEADER TEXT", comments="REVIEWER COMMENT"))
    text = all_text(doc)
    assert doc.format == "docx" and doc.method == "text" and doc.status == "ok"
    assert BODY in text and SECOND in text and "12 May 2023" in text
    for absent in ("REMOVED PHRASE", "SECRET HIDDEN RUN", "RUNNING HEADER", "REVIEWER COMMENT", "DATE"):
        assert absent not in text
    assert text.count("neighbourhood wardens") == 1
    assert text.index("Source: council minutes") > text.index("neighbourhood wardens")   # note after the body
    page = doc.page_records[0]
    kinds = {page.text[b.char_start:b.char_end]: b.kind for b in page.blocks}
    assert kinds["Safer Streets Strategy"] == "heading"
    assert kinds["Year | Budget\n2021 | 1.2"] == "table"
    assert not any(p.text.startswith(("2021", "Year")) for p in doc.passages)   # no passages of loose numbers


def test_docx_pages_split_at_explicit_and_rendered_page_breaks(tmp_path):
    body = (para(BODY) + para(run("First page ends here with this sentence."), '<w:r><w:br w:type="page"/></w:r>')
            + para('<w:r><w:lastRenderedPageBreak/></w:r>', run(SECOND))   # Word records the same break twice
            + para(run("Third page starts with a break Word saved from its layout."))
            + para('<w:r><w:lastRenderedPageBreak/><w:t>Last page text of the report is here.</w:t></w:r>'))
    doc = read(write_docx(tmp_path / "pages.docx", body))
    assert doc.pages == 3
    assert texts(doc)[1].startswith(SECOND) and texts(doc)[2] == "Last page text of the report is here."
    assert {p.page for p in doc.passages} == {1, 2, 3}
    for passage in doc.passages:
        assert texts(doc)[passage.page - 1][passage.char_start:passage.char_end] == passage.text


def test_docx_soft_hyphens_ligatures_and_odd_spaces_are_normalised(tmp_path):
    doc = read(write_docx(tmp_path / "chars.docx", para(run("Co"), "<w:r><w:softHyphen/></w:r>",
                                                        run("ordination of the \ufb01re\u00a0service and "
                                                            "the police across the whole city."))))
    assert "Coordination of the fire service and the police" in all_text(doc)


# --- ODT ----------------------------------------------------------------------------------------

def test_odt_reads_like_docx_and_splits_pages_at_break_styles(tmp_path):
    body = ('<text:h text:outline-level="1">Safer Streets Strategy</text:h>'
            f'<text:p>{BODY[:60]}<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            "<text:note-body><text:p>Source: council minutes of 2022.</text:p></text:note-body></text:note>"
            f"{BODY[60:]}</text:p>"
            '<text:p>Kept words. <text:span text:style-name="Hidden">SECRET HIDDEN SPAN</text:span>'
            "<office:annotation><text:p>REVIEWER COMMENT</text:p></office:annotation>Still kept.</text:p>"
            "<text:tracked-changes><text:changed-region text:id=\"c1\"><text:deletion><text:p>REMOVED PHRASE</text:p>"
            "</text:deletion></text:changed-region></text:tracked-changes>"
            "<table:table><table:table-row><table:table-cell><text:p>Year</text:p></table:table-cell>"
            "<table:table-cell><text:p>Budget</text:p></table:table-cell></table:table-row></table:table>"
            '<text:list><text:list-item><text:p>Street lighting is renewed in three districts.</text:p>'
            "</text:list-item></text:list>"
            '<text:p><draw:frame><draw:text-box><text:p>Box: wardens patrol every evening.</text:p>'
            "</draw:text-box></draw:frame></text:p>"
            f'<text:p text:style-name="Break">{SECOND}</text:p>')
    doc = read(write_odt(tmp_path / "plan.odt", body, header="RUNNING HEADER TEXT"))
    assert doc.format == "odt" and doc.pages == 2
    first, second = texts(doc)
    assert BODY in first and "Kept words. Still kept." in first and "Street lighting" in first
    assert "wardens patrol" in first and first.index("Source: council") > first.index("wardens patrol")
    assert "Year | Budget" in first and second == SECOND
    for absent in ("SECRET HIDDEN", "REVIEWER COMMENT", "REMOVED PHRASE", "RUNNING HEADER"):
        assert absent not in first + second


# --- HTML ---------------------------------------------------------------------------------------

BOILERPLATE_PAGE = """<html><head><meta charset="windows-1252"><title>Site title</title>
<style>.x {{color: red}}</style><script>var tracking = "SCRIPT TEXT";</script></head><body>
<div class="top-menu"><a href="/">Home</a> <a href="/a">About us</a> <a href="/n">News</a></div>
<div id="cookieBanner">We use cookies to improve the site. <a href="#">Accept all cookies</a></div>
<div class="crumbs"><a href="/">Home</a> &gt; <a href="/r">Reports</a></div>
<div class="wrapper"><div class="text"><h1>Safer Streets in Northbridge</h1>
<div>{body} Caf&eacute; owners and the \u201cneighbourhood watch\u201d take part.</div>
<p>{second}</p>
<table><tr><th>Year</th><th>Budget</th></tr><tr><td>2021</td><td>1.2</td></tr></table></div>
<div class="share-buttons"><a href="#">Share on social networks</a></div>
<div><a href="/1">Related report one</a> <a href="/2">Related report two</a></div></div>
<div class="foot">Copyright City of Northbridge, all rights reserved.</div></body></html>"""


def test_html_keeps_the_main_content_of_a_page_built_only_from_divs(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(BOILERPLATE_PAGE.format(body=BODY, second=SECOND).encode("cp1252"))
    doc = read(path)
    text = all_text(doc)
    assert doc.format == "html" and doc.pages == 1
    assert text.startswith("Safer Streets in Northbridge\n\n" + BODY)
    assert "Café owners and the \u201cneighbourhood watch\u201d take part." in text
    assert text.index(SECOND) > text.index(BODY) and "Year | Budget\n2021 | 1.2" in text
    for absent in ("Home", "About us", "cookies", "Reports", "Share on", "Related report", "Copyright",
                   "SCRIPT TEXT", "color", "Site title"):
        assert absent not in text


def test_html_semantic_page_reads_its_main_element_in_reading_order(tmp_path):
    path = tmp_path / "semantic.htm"
    path.write_text(f"""<!DOCTYPE html><html><body><header><a href="/">Logo</a></header>
<nav><ul><li><a href="/">Menu entry</a></li></ul></nav><aside>Sidebar text that is not the report.</aside>
<main><article><h2>Findings</h2><p>{BODY}</p><p>{SECOND}</p></article></main>
<footer>Contact and imprint</footer></body></html>""", encoding="utf-8")
    text = all_text(read(path))
    assert text == f"Findings\n\n{BODY}\n\n{SECOND}"


# --- TXT and Markdown ---------------------------------------------------------------------------

def test_txt_in_utf16_with_hard_wrapped_lines_and_hyphenation_becomes_paragraphs(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(("The backbone organisation coordinates all part-\nners of the strategy and keeps the\n"
                      "shared agenda up to date.\n\n  Second paragraph of the plain text\nexport continues here.\n")
                     .encode("utf-16"))
    doc = read(path)
    assert doc.format == "txt" and texts(doc) == [
        "The backbone organisation coordinates all partners of the strategy and keeps the shared agenda up to date."
        "\n\nSecond paragraph of the plain text export continues here."]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_txt_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "export.txt"
    path.write_bytes(f"Die Stadtverwaltung fördert die Zusammenarbeit der Träger im Quartier. {BODY}"
                     .encode(encoding))
    assert all_text(read(path)).startswith("Die Stadtverwaltung fördert die Zusammenarbeit der Träger")


def test_markdown_loses_its_markup_but_keeps_headings_tables_and_link_text(tmp_path):
    path = tmp_path / "summary.MD"
    words = BODY.split(" ")
    path.write_text(f"# Safer *Streets*\n\n{' '.join(words[:5])} **{' '.join(words[5:9])}** "
                    f"[{' '.join(words[9:])}](https://example.org)\n\n"
                    "| Year | Budget |\n|---|---|\n| 2021 | 1.2 |\n\n- " + SECOND + "\n\n![logo](logo.png)\n",
                    encoding="utf-8")
    doc = read(path)
    page = doc.page_records[0]
    assert page.text == f"Safer Streets\n\n{BODY}\n\nYear | Budget\n2021 | 1.2\n\n{SECOND}"
    assert [b.kind for b in page.blocks] == ["heading", "paragraph", "table", "paragraph"]
    assert doc.format == "md" and "https" not in page.text and "logo" not in page.text


# --- signatures, discovery, hostile files ---------------------------------------------------------

def test_a_pdf_named_docx_is_read_as_the_pdf_it_is_with_a_warning(tmp_path):
    path = report_pdf(tmp_path / "misnamed.docx", [[BODY]])
    doc = read(path)
    assert doc.format == "pdf" and BODY in all_text(doc)
    assert [e.error for e in doc.errors] == ["FormatMismatch"] and "rename it" in doc.errors[0].message


@pytest.mark.parametrize("make, error, hint", [
    (lambda p: p.write_bytes(b""), "EmptyFile", "empty"),
    (lambda p: p.write_bytes(zipfile.Path.__doc__.encode() if zipfile.Path.__doc__ else b"plain words"),
     "CorruptFile", "not a readable zip"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "EncryptedFile", "password"),
])
def test_broken_docx_files_fail_alone_with_a_reason(tmp_path, make, error, hint):
    path = tmp_path / "bad.docx"
    make(path)
    record = reads_as_error(tmp_path, path)
    assert record["error"] == error and hint in record["message"] and record["file"] == "bad.docx"


def test_a_truncated_docx_fails_with_a_clear_error(tmp_path):
    good = write_docx(tmp_path / "good.docx", para(BODY) * 50).read_bytes()
    (tmp_path / "cut.docx").write_bytes(good[: len(good) // 2])
    record = reads_as_error(tmp_path, tmp_path / "cut.docx")
    assert record["error"] == "CorruptFile" and "truncated" in record["message"]


def test_a_zip_bomb_fails_alone_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b"a" * (300 * 2**20))
    record = reads_as_error(tmp_path, path)
    assert record["error"] == "UnsafeFile" and "zip bomb" in record["message"]


def test_xxe_never_leaks_a_local_file_into_any_output(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETVALUE")
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    docx = write_docx(tmp_path / "xxe.docx", para(BODY) + "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>", doctype=doctype)
    record = reads_as_error(tmp_path, docx)
    assert record["error"] == "UnsafeFile" and "TOPSECRETVALUE" not in json.dumps(record)
    html = tmp_path / "xxe.html"
    html.write_text(f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
                    f"<html><body><p>{BODY} &xxe;</p></body></html>")
    out = tmp_path / "out"
    assert main(["extract", str(html), "-o", str(out), "--workers", "1"]) == 0
    assert all("TOPSECRETVALUE" not in f.read_text() for f in out.glob("*.jsonl"))


def test_billion_laughs_is_refused_without_expanding(tmp_path):
    laughs = '<!DOCTYPE w:document [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    path = write_docx(tmp_path / "laughs.docx", "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", doctype=laughs)
    assert reads_as_error(tmp_path, path)["error"] == "UnsafeFile"


def test_100000_nested_divs_do_not_crash_the_html_reader(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(f"<html><body><p>{BODY}</p>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>")
    result = extract([path], workers=1, limits=Limits(timeout=60))
    assert result.documents[0].status == "ok" and BODY in result.documents[0].page_records[0].text


def test_empty_and_binary_text_files_fail_with_a_reason(tmp_path):
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 40)
    result = extract([tmp_path], workers=1)
    errors = {e.file: e.error for e in result.errors}
    assert errors == {"empty.md": "EmptyFile", "image.txt": "NotText"} and result.exit_status == 1


# --- a mixed folder, end to end -----------------------------------------------------------------

def mixed_folder(root: Path) -> Path:
    root.mkdir()
    report_pdf(root / "Northbridge_plan.pdf", [[BODY], [SECOND]])
    write_docx(root / "Eastwick_evaluation.DOCX", para("Evaluation", style="Heading1") + para(BODY))
    (root / "web").mkdir()
    (root / "web" / "Southport_news.html").write_bytes(BOILERPLATE_PAGE.format(body=BODY, second=SECOND)
                                                       .encode("cp1252"))
    (root / "Westfield_notes.txt").write_text(SECOND + "\n", encoding="utf-8")
    (root / "README.md").write_text("# How this folder was collected\n\nDownloaded by hand in 2024.\n")
    (root / "budget.xlsx").write_bytes(b"PK\x03\x04not really a spreadsheet")
    (root / "old_minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (root / ".DS_Store").write_bytes(b"\0\0")
    return root


def test_extract_on_a_mixed_folder_reads_each_format_and_lists_the_rest(tmp_path, capsys):
    corpus = mixed_folder(tmp_path / "corpus")
    out = tmp_path / "out"
    status = main(["extract", str(corpus), "-o", str(out), "--workers", "2", "--exclude", "README*"])
    assert status == 0
    documents = [json.loads(l) for l in (out / "documents.jsonl").read_text().splitlines()]
    assert {d["file"]: d["format"] for d in documents} == {
        "Northbridge_plan.pdf": "pdf", "Eastwick_evaluation.DOCX": "docx", "web/Southport_news.html": "html",
        "Westfield_notes.txt": "txt"}
    assert all(d["status"] == "ok" and d["method"] == "text" for d in documents)
    errors = [json.loads(l) for l in (out / "errors.jsonl").read_text().splitlines()]
    assert {(e["file"], e["stage"], e["error"]) for e in errors} == {
        ("budget.xlsx", "discover", "UnsupportedFormat"), ("old_minutes.doc", "discover", "UnsupportedFormat")}
    assert "LibreOffice" in next(e["message"] for e in errors if e["file"] == "old_minutes.doc")
    assert "skipped 2 files of unsupported formats (1 .doc, 1 .xlsx)" in capsys.readouterr().err
    passages = [json.loads(l) for l in (out / "passages.jsonl").read_text().splitlines()]
    assert {p["file"] for p in passages if p["text"].startswith(BODY)} == {
        "Northbridge_plan.pdf", "Eastwick_evaluation.DOCX", "web/Southport_news.html"}


def test_include_globs_choose_the_files_read(tmp_path):
    corpus = mixed_folder(tmp_path / "corpus")
    result = extract([corpus], workers=1, include=["*.html", "*.md"])
    assert [d.file for d in result.documents] == ["README.md", "web/Southport_news.html"]
    assert result.errors == () and result.exit_status == 0


@pytest.mark.slow
def test_run_on_city_folders_of_mixed_formats_reports_each_with_its_own_kind_of_link(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    for city in ("Northbridge", "Eastwick", "Southport"):
        (corpus / city).mkdir(parents=True)
    report_pdf(corpus / "Northbridge" / "plan.pdf", [[BODY, SECOND]])
    write_docx(corpus / "Eastwick" / "evaluation.docx", para("Evaluation", style="Heading1") + para(BODY)
               + para(SECOND))
    (corpus / "Southport" / "news.html").write_bytes(BOILERPLATE_PAGE.format(body=BODY, second=SECOND)
                                                     .encode("cp1252"))
    (corpus / "Southport" / "budget.xlsx").write_bytes(b"PK\x03\x04")
    workspace = tmp_path / "ws"
    assert main(["run", str(corpus), "-o", str(workspace), "--no-ocr", "--workers", "2"]) == 0
    assert "skipped 1 files of unsupported formats (1 .xlsx)" in capsys.readouterr().out
    documents = [json.loads(l) for l in (workspace / "documents.jsonl").read_text().splitlines()]
    assert {d["file"]: d["format"] for d in documents} == {
        "Eastwick/evaluation.docx": "docx", "Northbridge/plan.pdf": "pdf", "Southport/news.html": "html"}
    cities = (workspace / "cities.csv").read_text()
    assert "Southport/news.html,Southport" in cities and "budget" not in cities
    report = (workspace / "report.html").read_text()
    assert "plan.pdf#page=1" in report and "news.html#:~:text=" in report
    assert 'evaluation.docx"' in report and "evaluation.docx#" not in report
    assert "1 PDF" in report and "1 DOCX" in report and "1 HTML" in report
    assert main(["export", "qdpx", str(workspace), "-o", str(tmp_path / "project.qdpx")]) == 0
    with zipfile.ZipFile(tmp_path / "project.qdpx") as project:
        assert len([n for n in project.namelist() if n.startswith("Sources/")]) == 3
