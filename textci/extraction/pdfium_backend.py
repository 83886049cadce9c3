"""Fast text layer: PDFium's own text segments, one rectangle per line piece."""
from __future__ import annotations

from pathlib import Path

from ..errors import CorruptPDF, EncryptedPDF
from .lines import Line, RawPage, merge_fragments


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


def read_page(pdf, index: int) -> RawPage:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        lines = []
        try:
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                text = textpage.get_text_bounded(left, bottom, right, top)
                if text.strip():
                    lines.append(Line(text.rstrip("\r\n"), left, height - top, right, height - bottom))
        finally:
            textpage.close()
        has_images = page_has_images(page) if len(lines) < 3 else False
        return RawPage(index + 1, width, height, tuple(merge_fragments(lines)), has_images)
    finally:
        page.close()
