"""Fast text layer: PDFium's text in its own order, with a box for every character.

PDFium's `get_text_range` spaces words correctly and marks line ends; the
character boxes let us cut each line where a wide gap shows two columns or
two table cells, and give every line the position the layout step needs.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

from ..errors import CorruptPDF, EncryptedPDF
from .lines import Line, RawPage, merge_fragments

GAP = 1.2  # a horizontal gap wider than this many character heights splits a line


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


def _lines(textpage, height: float) -> list[Line]:
    import pypdfium2.raw as raw

    text = textpage.get_text_range()
    count = textpage.count_chars()
    if len(text) != count:  # characters outside the BMP: fall back to PDFium's line boxes
        return _rect_lines(textpage, height)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    lines: list[Line] = []
    chars: list[str] = []
    box = None  # x0, top, x1, bottom of the current line
    last_x1 = None
    for k, ch in enumerate(text):
        if ch in "\r\n":
            if box and "".join(chars).strip():
                lines.append(Line("".join(chars), *box))
            chars, box, last_x1 = [], None, None
            continue
        raw.FPDFText_GetCharBox(textpage.raw, k, left, right, bottom, top)
        x0, x1, y0, y1 = left.value, right.value, height - top.value, height - bottom.value
        visible = not ch.isspace() and x1 > x0
        if visible and box is not None and last_x1 is not None:
            char_height = max(y1 - y0, box[3] - box[1], 1.0)
            bullet = len("".join(chars).strip()) == 1 and not chars[0].isalnum()
            if (x0 - last_x1 > GAP * char_height and not bullet) or x0 < last_x1 - 4 * char_height:
                if "".join(chars).strip():
                    lines.append(Line("".join(chars).rstrip(), *box))
                chars, box = [], None
        chars.append(ch)
        if visible:
            box = (x0, y0, x1, y1) if box is None else (
                min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1))
            last_x1 = x1
    if box and "".join(chars).strip():
        lines.append(Line("".join(chars), *box))
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
