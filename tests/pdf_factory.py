"""Small PDFs made on the fly for the extraction tests (reportlab, real files)."""
from __future__ import annotations

import io
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # has ligature and thin-space glyphs
pdfmetrics.registerFont(TTFont("Vera", str(DEJAVU if DEJAVU.exists() else FONT_DIR / "Vera.ttf")))
W, H = A4


def write_pages(path: Path, pages: list[list[tuple[float, float, str]]], size: float = 10,
                header: str | None = None, footer: str | None = None, encrypt: str | None = None) -> Path:
    """Each page is a list of (x, y-from-top, text) lines; optional running header/footer."""
    kwargs = {"encrypt": encrypt} if encrypt else {}
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **kwargs)
    for number, lines in enumerate(pages, start=1):
        if header:
            c.setFont("Vera", 8)
            c.drawString(56, H - 30, header)
        if footer:
            c.setFont("Vera", 8)
            c.drawCentredString(W / 2, 28, footer.format(n=number))
        c.setFont("Vera", size)
        for x, y, text in lines:
            c.drawString(x, H - y, text)
        c.showPage()
    c.save()
    return path


def column(x: float, top: float, lines: list[str], leading: float = 14) -> list[tuple[float, float, str]]:
    return [(x, top + i * leading, line) for i, line in enumerate(lines)]


def prose_pdf(path: Path, paragraphs: list[list[str]], **kwargs) -> Path:
    """One page, one column; each paragraph a list of lines, a blank line between."""
    lines, y = [], 90
    for paragraph in paragraphs:
        lines += column(56, y, paragraph)
        y += 14 * (len(paragraph) + 1)
    return write_pages(path, [lines], **kwargs)


def image_only_pdf(path: Path, text_lines: list[str]) -> Path:
    """A page that is only a picture of text, as a scanner produces it."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_DIR / "Vera.ttf"), 40)
    for i, line in enumerate(text_lines):
        draw.text((150, 200 + i * 60), line, font=font, fill=0)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    buffer.seek(0)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawImage(ImageReader(buffer), 0, 0, W, H)
    c.showPage()
    c.save()
    return path


def broken_font_pdf(path: Path, lines: int = 6) -> Path:
    """A page whose font maps every character to a private-use code point.

    This is what a PDF with a custom-encoded font looks like to a text
    extractor: the page renders fine, the text layer is garbage.
    """
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Broken def 1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"1 beginbfrange <20> <7E> <E000> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end\n")
    text = b"".join(b"BT /F1 11 Tf 56 %d Td (Safety partners meet monthly to share data on theft) Tj ET\n"
                    % (780 - 16 * i) for i in range(lines))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%sendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%sendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def report_pdf(path: Path, pages: list[list[str]], width: int = 88, **kwargs) -> Path:
    """A report of several pages; each page a list of paragraphs, wrapped to lines of `width` characters."""
    import textwrap

    laid_out = []
    for paragraphs in pages:
        lines, y = [], 90
        for paragraph in paragraphs:
            wrapped = textwrap.wrap(paragraph, width)
            lines += column(56, y, wrapped)
            y += 14 * (len(wrapped) + 1)
        laid_out.append(lines)
    return write_pages(path, laid_out, **kwargs)
