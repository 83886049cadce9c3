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

    img = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_DIR / "Vera.ttf"), 40)
    for i, line in enumerate(text_lines):
        draw.text((150, 200 + i * 60), line, font=font, fill=0)
    return _image_page(img, path)


def _cmap(pairs: list[tuple[int, int]]) -> bytes:
    """A ToUnicode CMap sending each one-byte code to the given code point."""
    body = b"".join(b"<%02X> <%04X>\n" % pair for pair in pairs)
    return (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Custom def 1 begincodespacerange <00> <FF> endcodespacerange\n"
            + b"%d beginbfchar\n" % len(pairs) + body +
            b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n")


def raw_pdf(path: Path, content: bytes, fonts: dict[str, tuple[str, bytes | None]]) -> Path:
    """A one-page PDF written by hand: `fonts` maps a resource name to (BaseFont, ToUnicode CMap or None).

    For what reportlab cannot make: fonts whose ToUnicode map reports letters or
    private-use codes, as Word and old DTP programs write them.
    """
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        None,  # the page, once the font objects are numbered
        b"<< /Length %d >>\nstream\n%sendstream" % (len(content), content),
    ]
    resources = []
    for name, (base, cmap) in fonts.items():
        font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s" % base.encode()
        if cmap is not None:
            objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(cmap), cmap))
            font += b" /ToUnicode %d 0 R" % len(objects)
        objects.append(font + b" >>")
        resources.append(b"/%s %d 0 R" % (name.encode(), len(objects)))
    objects[2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                  b"/Resources << /Font << %s >> >> >>" % b" ".join(resources))
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


def broken_font_pdf(path: Path, lines: int = 6) -> Path:
    """A page whose font maps every character to a private-use code point.

    This is what a PDF with a custom-encoded font looks like to a text
    extractor: the page renders fine, the text layer is garbage.
    """
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Broken def 1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"1 beginbfrange <20> <7E> <E000> endbfrange endcmap "
            b"CMapName currentdict /CMap defineresource pop end end\n")
    text = b"".join(b"BT /F1 11 Tf 56 %d Td (Safety partners meet monthly to share data on theft) Tj ET\n"
                    % (780 - 16 * i) for i in range(lines))
    return raw_pdf(path, text, {"F1": ("Helvetica", cmap)})


# (BaseFont, code of the bullet, code point the font's ToUnicode map reports for it)
SYMBOL_BULLETS = {
    "zapf": ("ZapfDingbats", 0x6E, 0x6E),             # a black square that reads as the letter "n"
    "wingdings": ("Wingdings-Regular", 0xA7, 0xF0A7),  # Word's square bullet, a private-use code
    "symbol": ("SymbolMT", 0xB7, 0xF0B7),              # Word's round bullet, a private-use code
}


def symbol_bullets_pdf(path: Path, kind: str, items: list[str], intro: str) -> Path:
    """An introductory sentence and a list whose bullets are set in a symbol font."""
    base, code, reported = SYMBOL_BULLETS[kind]
    content = b"BT /F1 11 Tf 56 760 Td (%s) Tj ET\n" % intro.encode("latin-1")
    for i, item in enumerate(items):
        y = 730 - 18 * i
        content += b"BT /F2 11 Tf 60 %d Td <%02X> Tj ET\n" % (y, code)
        content += b"BT /F1 11 Tf 78 %d Td (%s) Tj ET\n" % (y, item.encode("latin-1"))
    return raw_pdf(path, content, {"F1": ("Helvetica", None), "F2": (base, _cmap([(code, reported)]))})


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


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def footnoted_pdf(path: Path, before: str, word: str, after: str, note: str, style: str = "rise") -> Path:
    """A paragraph whose `word` carries a raised footnote marker "1", and the footnote at the page foot.

    `style` is "rise" (text rise, same size), "small" (smaller and raised, as
    word processors set a superscript), "spaced" (small and raised, with a
    space either side) or "unicode" (the character ¹).
    """
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    text = c.beginText(56, H - 100)
    text.setFont("Vera", 11)
    text.textOut(before + " " + word if word else before + " ")
    if style == "unicode":
        text.textOut("\u00b9")
    else:
        text.setRise(4 if style == "rise" else 4.5)
        text.setFont("Vera", 11 if style == "rise" else 7)
        text.textOut("1 " if style == "spaced" else "1")
        text.setRise(0)
        text.setFont("Vera", 11)
    text.textOut(after if after[:1] in ".,;:" or style == "spaced" else " " + after)
    c.drawText(text)
    y = H - 100
    for line in _wrap("The council will report on the results every year to the residents of the district "
                      "and to the partners who fund the work.", 80):
        y -= 15
        c.setFont("Vera", 11)
        c.drawString(56, y, line)
    c.line(56, 110, 200, 110)
    label = c.beginText(56, 96)
    label.setFont("Vera", 6)
    label.setRise(3)
    label.textOut("1")
    label.setRise(0)
    label.setFont("Vera", 8)
    label.textOut(" " + note)
    c.drawText(label)
    c.showPage()
    c.save()
    return path


def stamped_pdf(path: Path, pages: list[str], stamp: str, once: str | None = None) -> Path:
    """Pages of prose with `stamp` printed vertically in the left margin of every page."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for number, paragraph in enumerate(pages, start=1):
        c.setFont("Vera", 11)
        for i, line in enumerate(_wrap(paragraph, 80)):
            c.drawString(70, H - 100 - 15 * i, line)
        c.saveState()
        c.translate(30, 250)
        c.rotate(90)
        c.setFont("Vera", 9)
        c.drawString(0, 0, stamp.format(n=number))
        c.restoreState()
        if once and number == 1:
            c.saveState()
            c.translate(560, 300)
            c.rotate(90)
            c.drawString(0, 0, once)
            c.restoreState()
        c.showPage()
    c.save()
    return path


def three_columns_with_footnote_pdf(path: Path, columns: list[str], note: str) -> Path:
    """Three columns; a footnote block runs under the first two, the third goes down to the foot."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    xs = (40, 218, 396)
    bottoms = []
    for x, body in zip(xs, columns):
        lines = _wrap(body, 34)
        c.setFont("Vera", 9)
        for i, line in enumerate(lines):
            c.drawString(x, H - 300 - 12 * i, line)
        bottoms.append(300 + 12 * len(lines))
    top = max(bottoms[:2]) + 20
    c.line(40, H - top + 8, 200, H - top + 8)
    c.setFont("Vera", 7)
    for i, line in enumerate(_wrap("1 " + note, 100)):
        c.drawString(40, H - top - 9 - 9 * i, line)
    c.showPage()
    c.save()
    return path


def scanned_list_pdf(path: Path, intro: str, items: list[str], shape: str = "dot") -> Path:
    """A scanned page with a bulleted list: a dot or a square a tab's width before each item."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_DIR / "Vera.ttf"), 40)
    draw.text((150, 200), intro, font=font, fill=0)
    for i, item in enumerate(items):
        y = 290 + i * 70
        (draw.ellipse if shape == "dot" else draw.rectangle)((160, y + 14, 178, y + 32), fill=0)
        draw.text((230, y), item, font=font, fill=0)
    return _image_page(img, path)


def _image_page(img, path: Path) -> Path:
    """A one-page PDF whose page is the image and nothing else: what a scanner produces."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    buffer.seek(0)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawImage(ImageReader(buffer), 0, 0, W, H)
    c.showPage()
    c.save()
    return path


def text_image(lines: list[str], size: tuple[int, int] = (1654, 2339), left: int = 150, top: int = 200):
    """A grey-scale scan (A4 at 200 dpi by default) of lines of text, one every 60 pixels from (left, top)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_DIR / "Vera.ttf"), 40)
    for i, line in enumerate(lines):
        draw.text((left, top + i * 60), line, font=font, fill=0)
    return img


def image_pages_pdf(path: Path, images: list, dpi: int = 200) -> Path:
    """A PDF of image-only pages, each page the size of its image at `dpi`: a scanned document."""
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), invariant=1)
    for img in images:
        buffer = io.BytesIO()
        img.save(buffer, format="PNG")
        buffer.seek(0)
        width, height = img.width * 72 / dpi, img.height * 72 / dpi
        c.setPageSize((width, height))
        c.drawImage(ImageReader(buffer), 0, 0, width, height)
        c.showPage()
    c.save()
    return path
