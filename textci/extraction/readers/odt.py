"""ODT -> pages of blocks, read from the package's content.xml (OpenDocument text).

The same rules as for DOCX: body text, headings, lists, tables, text boxes,
field results and inserted changes are kept, notes follow the body of their
page; page headers and footers (styles.xml), annotations, the tracked-changes
log (deleted text) and hidden text are left out. Pages split where a paragraph
style breaks before or after a page, and at the page breaks LibreOffice saves
from its last layout (`text:soft-page-break`).
"""
from __future__ import annotations

from pathlib import Path

from ... import errors
from .blocks import PageBuilder, TextBlock, paragraph, table
from .safety import open_zip, parse_xml, read_member

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
SKIPPED = {OFFICE + "annotation", OFFICE + "annotation-end", TEXT + "tracked-changes", TEXT + "note-citation",
           TEXT + "hidden-text", TEXT + "hidden-paragraph", TEXT + "sequence-decls", TEXT + "variable-decls",
           TEXT + "user-field-decls", TEXT + "bookmark-ref-decls", DRAW + "image"}
ODT_MIME = b"application/vnd.oasis.opendocument.text"


def read(path: Path) -> list[list[TextBlock]]:
    archive = open_zip(path, "ODT")
    with archive:
        mime = read_member(archive, "mimetype")
        if mime is not None and mime.strip() != ODT_MIME:
            raise errors.CorruptFile(f"the package is {mime.decode('ascii', 'replace').strip()}, not an "
                                     "OpenDocument text; save it as .odt")
        content = read_member(archive, "content.xml")
        if content is None:
            raise errors.CorruptFile("the package has no content.xml; it is not an OpenDocument file, re-export it")
        styles_xml = read_member(archive, "styles.xml")
    root = parse_xml(content, "content.xml")
    styles = _Styles([parse_xml(styles_xml, "styles.xml")] if styles_xml else [])
    styles.add(root)
    body = root.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise errors.CorruptFile("content.xml holds no text body (a spreadsheet or a drawing?); save it as .odt")
    reader = _BodyReader(styles)
    reader.container(body)
    return reader.pages.result()


class _Styles:
    """What the named styles say about page breaks and hidden text (following parent styles)."""

    def __init__(self, roots):
        self.parent: dict[str, str] = {}
        self.breaks: dict[str, tuple[bool, bool]] = {}
        self.hidden: set[str] = set()
        for root in roots:
            self.add(root)

    def add(self, root) -> None:
        for style in root.iter(STYLE + "style"):
            name = style.get(STYLE + "name")
            if style.get(STYLE + "parent-style-name"):
                self.parent[name] = style.get(STYLE + "parent-style-name")
            props = style.find(STYLE + "paragraph-properties")
            if props is not None and (props.get(FO + "break-before") or props.get(FO + "break-after")):
                self.breaks[name] = (props.get(FO + "break-before") == "page", props.get(FO + "break-after") == "page")
            text_props = style.find(STYLE + "text-properties")
            if text_props is not None and text_props.get(TEXT + "display") == "none":
                self.hidden.add(name)

    def _lookup(self, name: str | None, table: dict | set):
        seen = set()
        while name and name not in seen:
            if name in table:
                return table[name] if isinstance(table, dict) else True
            seen.add(name)
            name = self.parent.get(name)
        return None

    def page_breaks(self, name: str | None) -> tuple[bool, bool]:
        return self._lookup(name, self.breaks) or (False, False)

    def is_hidden(self, name: str | None) -> bool:
        return bool(self._lookup(name, self.hidden))


class _BodyReader:
    def __init__(self, styles: _Styles):
        self.styles = styles
        self.pages = PageBuilder()

    def container(self, element) -> None:
        for child in element:
            tag = child.tag
            if tag in (TEXT + "p", TEXT + "h"):
                self.paragraph(child)
            elif tag == TABLE + "table":
                self.pages.add(table(self._rows(child)))
            elif tag == TEXT + "soft-page-break":
                self.pages.page_break()
            elif tag in (TEXT + "list", TEXT + "list-item", TEXT + "list-header", TEXT + "section",
                         TEXT + "note-body", DRAW + "text-box", DRAW + "frame", TEXT + "index-body",
                         TEXT + "table-of-content", TEXT + "alphabetical-index"):
                self.container(child)

    def paragraph(self, p) -> None:
        style = p.get(TEXT + "style-name")
        before, after = self.styles.page_breaks(style)
        if before:
            self.pages.page_break()
        parts: list[str] = []
        boxes, notes = [], []
        for event, node in self._walk(p):
            if event == "text":
                parts.append(node)
            elif event == "break":
                self._flush(parts, p)
                parts = []
                self.pages.page_break()
            elif event == "box":
                boxes.append(node)
            elif event == "note":
                notes.append(node)
        if not self.styles.is_hidden(style):
            self._flush(parts, p)
        for box in boxes:
            self.container(box)
        for body in notes:
            note_reader = _BodyReader(self.styles)
            note_reader.container(body)
            for block in (b for page in note_reader.pages.result() for b in page):
                self.pages.add_note(block)
        if after:
            self.pages.page_break()

    def _flush(self, parts: list[str], p) -> None:
        self.pages.add(paragraph("".join(parts), "heading" if p.tag == TEXT + "h" else "paragraph"))

    def _walk(self, p):
        """Events of a paragraph in order (iteratively): text, page breaks, text boxes, note bodies."""
        if p.text:
            yield "text", p.text
        stack = [iter(p)]
        while stack:
            node = next(stack[-1], None)
            if node is None:
                stack.pop()
                continue
            if isinstance(node, str):   # the tail of an element whose children are done
                yield "text", node
                continue
            tag = node.tag
            if not isinstance(tag, str):
                pass
            elif tag in SKIPPED or tag == TEXT + "span" and self.styles.is_hidden(node.get(TEXT + "style-name")):
                pass
            elif tag == TEXT + "note":
                body = node.find(TEXT + "note-body")
                if body is not None:
                    yield "note", body
            elif tag == DRAW + "text-box":
                yield "box", node
            elif tag == TEXT + "s":
                yield "text", " " * _count(node.get(TEXT + "c"))
            elif tag == TEXT + "tab":
                yield "text", " "
            elif tag == TEXT + "line-break":
                yield "text", "\n"
            elif tag == TEXT + "soft-page-break":
                yield "break", None
            else:
                if node.text:
                    yield "text", node.text
                stack.append(iter([node.tail] if node.tail else []))
                stack.append(iter(node))
                continue
            if node.tail:
                yield "text", node.tail

    def _rows(self, tbl) -> list[list[str]]:
        rows = []
        for row in tbl.iter(TABLE + "table-row"):
            cells = []
            for cell in row.findall(TABLE + "table-cell"):
                cells.append(" ".join("".join(n for e, n in self._walk(p) if e == "text")
                                      for p in cell.iter(TEXT + "p", TEXT + "h")))
            rows.append(cells)
        return rows


def _count(value: str | None) -> int:
    """A `text:s` repeat count, bounded: spaces collapse later anyway."""
    return min(int(value), 100) if value and value.isdigit() else 1
