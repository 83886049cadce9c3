"""Fast text layer: PDFium's text in its own order, with a box for every character.

PDFium's `get_text_range` spaces words correctly and marks line ends; the
character boxes let us cut each line where a wide gap shows two columns or
two table cells, and give every line the position the layout step needs.
"""
from __future__ import annotations

import ctypes
import re
from pathlib import Path

from ..errors import CorruptPDF, EncryptedPDF
from .lines import Line, RawPage, merge_fragments

GAP = 1.5  # a horizontal gap wider than this many character heights splits a line
_ROW = re.compile("[^\\r\\n]+")


def open_pdf(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise EncryptedPDF(
                "the PDF is password-protected; decrypt it (for example with "
                "`qpdf --decrypt`) and run again") from exc
        raise CorruptPDF(f"PDFium cannot open the file ({message}); it is damaged or "
                         "truncated: get a fresh copy of the file") from exc


def page_has_images(page) -> bool:
    import pypdfium2.raw as raw

    return any(True for _ in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2))


_TOKEN = re.compile("[^\\s\ufffe\x02]+[\ufffe\x02]?|[\ufffe\x02]")


def _lines(textpage, height: float) -> list[Line]:
    """Lines from PDFium's text, cut at wide gaps; boxes from each word's ends.

    Only the first and last character of every word are measured: that is
    all a gap test needs, and five times fewer calls into PDFium.
    """
    import pypdfium2.raw as raw

    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():  # characters outside the BMP
        return _rect_lines(textpage, height)
    get_box, get_size, handle = raw.FPDFText_GetCharBox, raw.FPDFText_GetFontSize, textpage.raw
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (left, right, bottom, top))
    lines: list[Line] = []
    for row in _ROW.finditer(text):
        start = end = -1  # character span of the current segment
        size = 0.0
        bx0 = by0 = bx1 = by1 = last_x1 = 0.0
        for token in _TOKEN.finditer(text, row.start(), row.end()):
            first, last = token.span()
            last -= 1
            get_box(handle, first, *refs)
            x0, y0, y1 = left.value, height - top.value, height - bottom.value
            if text[last] in "\ufffe\x02" and last > first:
                last -= 1  # PDFium gives soft-hyphen markers no usable box
            if last != first:
                get_box(handle, last, *refs)
                if top.value > bottom.value:
                    if height - top.value < y0:
                        y0 = height - top.value
                    if height - bottom.value > y1:
                        y1 = height - bottom.value
            x1 = right.value if right.value > x0 else x0
            if start >= 0:
                char_height = y1 - y0 if y1 - y0 > by1 - by0 else by1 - by0
                char_height = char_height if char_height > 1.0 else 1.0
                lone_bullet = first - start <= 2 and not text[start].isalnum()
                if (x0 - last_x1 > GAP * char_height and not lone_bullet) or x0 < last_x1 - 4 * char_height:
                    lines.append(Line(text[start:end], bx0, by0, bx1, by1, size))
                    start = -1
            if start < 0:
                start, bx0, by0, bx1, by1 = first, x0, y0, x1, y1
                size = get_size(handle, first)
                size = size if size >= 4 else 0.0  # 1.0 means the size is in the text matrix
            else:  # plain comparisons: this loop runs once per word of the archive
                if x0 < bx0:
                    bx0 = x0
                if y0 < by0:
                    by0 = y0
                if x1 > bx1:
                    bx1 = x1
                if y1 > by1:
                    by1 = y1
            end, last_x1 = token.end(), x1
        if start >= 0:
            lines.append(Line(text[start:end], bx0, by0, bx1, by1, size))
    return lines


def _rect_lines(textpage, height: float) -> list[Line]:
    lines = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        if text.strip():
            lines.append(Line(text.rstrip("\r\n"), left, height - top, right, height - bottom))
    return merge_fragments(lines)


def read_page(pdf, index: int) -> RawPage:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            lines = _lines(textpage, height)
        finally:
            textpage.close()
        has_images = page_has_images(page) if sum(len(l.text) for l in lines) < 200 else False
        return RawPage(index + 1, width, height, tuple(lines), has_images)
    finally:
        page.close()
