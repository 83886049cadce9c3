"""DOCX -> pages of blocks, read from the package's XML (WordprocessingML).

Only what a reader of the printed report sees is kept: body text, headings,
lists, tables, text boxes, inserted tracked changes, field results, and the
footnotes and endnotes (after the body of the page that cites them). Page
headers and footers (other parts), comments, deleted changes and hidden runs
are left out. Pages split at explicit page breaks and at the page breaks Word
saves from its last layout (`lastRenderedPageBreak`).
"""
from __future__ import annotations

import re
from pathlib import Path

from ... import errors
from .blocks import PageBuilder, TextBlock, paragraph, table
from .safety import open_zip, parse_xml, read_member

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
HEADING_STYLE = re.compile(r"^(heading|title|subtitle|berschrift|titre|titolo|kop|rubrik)", re.IGNORECASE)
# Elements whose text is never part of the visible body.
SKIPPED = {W + "del", W + "delText", W + "instrText", W + "delInstrText", W + "commentReference",
           W + "footnoteReference", W + "endnoteReference", MC_FALLBACK}


def read(path: Path) -> list[list[TextBlock]]:
    archive = open_zip(path, "DOCX")
    with archive:
        body_xml = read_member(archive, "word/document.xml")
        if body_xml is None:
            raise errors.CorruptFile("the package has no word/document.xml: it is not a Word document "
                                     "(a spreadsheet or a presentation renamed?); save it as .docx")
        styles = _heading_styles(read_member(archive, "word/styles.xml"))
        notes = {kind: _notes(read_member(archive, f"word/{kind}s.xml"), kind, styles)
                 for kind in ("footnote", "endnote")}
        root = parse_xml(body_xml, "word/document.xml")
    body = root.find(W + "body")
    if body is None:
        raise errors.CorruptFile("word/document.xml has no body; the file is damaged, re-export it")
    reader = _BodyReader(styles, notes)
    reader.container(body)
    return reader.pages.result()


def _heading_styles(xml: bytes | None) -> set[str]:
    """Style ids that mark headings: named like one, or given an outline level."""
    if xml is None:
        return set()
    found = set()
    for style in parse_xml(xml, "word/styles.xml").iter(W + "style"):
        style_id = style.get(W + "styleId") or ""
        name = style.find(W + "name")
        label = name.get(W + "val") if name is not None else style_id
        if HEADING_STYLE.match(label or "") or HEADING_STYLE.match(style_id) or \
                style.find(f"{W}pPr/{W}outlineLvl") is not None:
            found.add(style_id)
    return found


def _notes(xml: bytes | None, kind: str, styles: set[str]) -> dict[str, list[TextBlock]]:
    """Footnote or endnote id -> its paragraphs (the separator notes Word adds are skipped)."""
    if xml is None:
        return {}
    notes = {}
    for note in parse_xml(xml, f"word/{kind}s.xml").iter(W + kind):
        if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        reader = _BodyReader(styles, {})
        reader.container(note)
        notes[note.get(W + "id")] = [b for page in reader.pages.result() for b in page]
    return notes


class _BodyReader:
    def __init__(self, heading_styles: set[str], notes: dict[str, dict[str, list[TextBlock]]]):
        self.heading_styles = heading_styles
        self.notes = notes
        self.pages = PageBuilder()

    def container(self, element) -> None:
        for child in element:
            if child.tag == W + "p":
                self.paragraph(child)
            elif child.tag == W + "tbl":
                self.pages.add(table(self._rows(child)))
            elif child.tag in (W + "sdt", W + "customXml", W + "ins", W + "sdtContent", W + "smartTag"):
                self.container(child.find(W + "sdtContent") if child.tag == W + "sdt" and
                               child.find(W + "sdtContent") is not None else child)

    def paragraph(self, p) -> None:
        props = p.find(W + "pPr")
        if props is not None and props.find(W + "pageBreakBefore") is not None:
            self.pages.page_break()
        parts: list[str] = []
        boxes: list = []
        cited: list[tuple[str, str]] = []
        for event, node in _walk(p):
            if event == "break":
                self._flush(parts, props)
                parts = []
                self.pages.page_break()
            elif event == "text":
                parts.append(node)
            elif event == "box":
                boxes.append(node)
            elif event == "note":
                cited.append(node)
        self._flush(parts, props)
        for box in boxes:
            self.container(box)
        for kind, note_id in cited:
            for block in self.notes.get(kind, {}).get(note_id, []):
                self.pages.add_note(block)

    def _flush(self, parts: list[str], props) -> None:
        style = props.find(W + "pStyle") if props is not None else None
        heading = (style is not None and style.get(W + "val") in self.heading_styles) or \
            (props is not None and props.find(W + "outlineLvl") is not None)
        self.pages.add(paragraph("".join(parts), "heading" if heading else "paragraph"))

    def _rows(self, tbl) -> list[list[str]]:
        rows = []
        for tr in tbl.iter(W + "tr"):
            if tr.getparent() is not None and _nearest_table(tr) is not tbl:
                continue
            cells = []
            for tc in tr.findall(W + "tc"):
                cells.append(" ".join(_text(p) for p in tc.iter(W + "p")))
            rows.append(cells)
        return rows


def _nearest_table(tr):
    parent = tr.getparent()
    while parent is not None and parent.tag != W + "tbl":
        parent = parent.getparent()
    return parent


def _hidden(run_props) -> bool:
    if run_props is None:
        return False
    vanish = run_props.find(W + "vanish")
    return vanish is not None and vanish.get(W + "val") not in ("0", "false", "off")


def _walk(p):
    """Events of a paragraph in order: text, page breaks, text boxes, cited notes (iteratively, no recursion)."""
    stack = [iter(p)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        tag = node.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            if tag in (W + "footnoteReference", W + "endnoteReference"):
                yield "note", (tag[len(W):-len("Reference")], node.get(W + "id"))
            continue
        if tag == W + "txbxContent":
            yield "box", node
            continue
        if tag == W + "r" and _hidden(node.find(W + "rPr")):
            continue
        if tag == W + "pPr" or tag == W + "rPr":
            continue
        if tag == W + "t":
            yield "text", node.text or ""
        elif tag in (W + "tab", W + "ptab"):
            yield "text", " "
        elif tag == W + "noBreakHyphen":
            yield "text", "-"
        elif tag == W + "softHyphen":
            yield "text", "\xad"
        elif tag == W + "lastRenderedPageBreak":
            yield "break", None
        elif tag == W + "br":
            yield ("break", None) if node.get(W + "type") == "page" else ("text", "\n")
        elif tag == W + "cr":
            yield "text", "\n"
        else:
            stack.append(iter(node))


def _text(p) -> str:
    return "".join(node for event, node in _walk(p) if event == "text")
