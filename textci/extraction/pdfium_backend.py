"""Fast text layer: PDFium's text in its own order, with a box for every character.

PDFium's `get_text_range` spaces words correctly and marks line ends; the
character boxes let us cut each line where a wide gap shows two columns or
two table cells, and give every line the position the layout step needs.
"""
from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from pathlib import Path

from ..errors import CorruptPDF, EncryptedPDF
from .footnotes import MARKER_CHARS, UNITS, Box, is_raised
from .glyphs import meaning
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
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_AFTER_WORD = frozenset(".,;:)\u201d\u2019\"")
_TIGHT_PUNCT = frozenset(".,;:!?)")
TWO_PI = 2 * math.pi
TILT = 0.05  # radians: text at a larger angle is not horizontal


class _Glyphs:
    """Per-character font and loose-box look-ups, only for the few characters that need them."""

    def __init__(self, handle):
        import pypdfium2.raw as raw

        self.handle, self.raw = handle, raw
        self.rect = raw.FS_RECTF()
        self.buffer = ctypes.create_string_buffer(128)
        self.flags = ctypes.c_int()

    def font(self, index: int) -> str:
        self.raw.FPDFText_GetFontInfo(self.handle, index, self.buffer, 128, ctypes.byref(self.flags))
        return self.buffer.value.decode("latin-1")

    def box(self, index: int) -> Box:
        self.raw.FPDFText_GetLooseCharBox(self.handle, index, ctypes.byref(self.rect))
        return Box(self.rect.bottom, self.rect.top, self.rect.left, self.rect.right)

    def angle(self, index: int) -> float:
        return self.raw.FPDFText_GetCharAngle(self.handle, index)


def _marker_run(text: str, first: int, last: int) -> int:
    """Start of the trailing run of note-marker characters of a word, or -1."""
    run = last
    while run > first and text[run - 1] in MARKER_CHARS:
        run -= 1
    if last - run >= 3:
        return -1
    if run == first:
        return run
    word = text[first:run].lower()
    return run if _ends_word(text, run) and word not in UNITS else -1


def _ends_word(text: str, end: int) -> bool:
    """A word of three letters or more ends at `end` (perhaps before a closing mark).

    Shorter ones are a formula's variables ("m0", "x2") more often than words.
    """
    if end > 0 and text[end - 1] in _AFTER_WORD:
        end -= 1
    return end >= 3 and text[end - 3:end].isalpha()


def _lines(textpage, height: float) -> tuple[list[Line], Counter]:
    """Lines from PDFium's text, cut at wide gaps; boxes from each word's ends.

    Only the first and last character of every word are measured: that is
    all a gap test needs, and five times fewer calls into PDFium. Fonts and
    loose boxes are looked up only where a glyph may be a bullet, a
    private-use code or a raised note marker.
    """
    import pypdfium2.raw as raw

    text = textpage.get_text_range()
    counts: Counter = Counter()
    if len(text) != textpage.count_chars():  # characters outside the BMP
        return _rect_lines(textpage, height), counts
    get_box, get_size, handle = raw.FPDFText_GetCharBox, raw.FPDFText_GetFontSize, textpage.raw
    glyph = _Glyphs(handle)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (left, right, bottom, top))
    edits: dict[int, str] = {}  # character index -> replacement ("" drops it)
    private = _PRIVATE.findall(text)
    # A page mostly in private-use codes has a broken font: left alone for the garbled-text check.
    for match in _PRIVATE.finditer(text) if len(private) < 0.05 * len(text) else ():
        index = match.start()
        edits[index] = meaning(text[index], glyph.font(index))
        counts["private-use glyph mapped" if edits[index] else "private-use glyph dropped"] += 1
    lines: list[Line] = []

    def emit(a: int, b: int, box: tuple, size: float, label: str, rotated: bool) -> None:
        piece = text[a:b] if not edits else "".join(edits.get(i, text[i]) for i in range(a, b))
        lines.append(Line(piece.strip(), *box, size, label, rotated))

    label = ""  # a note's raised number, for the segment that follows it (perhaps on PDFium's next row)
    for row in _ROW.finditer(text):
        start = end = -1  # character span of the current segment
        size = 0.0
        bx0 = by0 = bx1 = by1 = last_x1 = 0.0
        rotated, previous = False, -1
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
            elif text[first] not in MARKER_CHARS and first not in edits:
                shown = meaning(text[first], glyph.font(first))
                if shown != text[first]:
                    edits[first] = shown
                    counts["symbol-font glyph mapped" if shown else "symbol-font glyph dropped"] += 1
            x1 = right.value if right.value > x0 else x0
            if start >= 0:
                char_height = y1 - y0 if y1 - y0 > by1 - by0 else by1 - by0
                char_height = char_height if char_height > 1.0 else 1.0
                lone_bullet = first - start <= 2 and not edits.get(start, text[start]).isalnum()
                if (x0 - last_x1 > GAP * char_height and not lone_bullet) or x0 < last_x1 - 4 * char_height:
                    emit(start, end, (bx0, by0, bx1, by1), size, label, rotated)
                    start, label, previous = -1, "", -1
            stop = last - 1 if text[last] in _TIGHT_PUNCT and last > first else last  # "award1."
            if text[stop] in MARKER_CHARS:
                run = _marker_run(text, first, stop)
                if run == first and start >= 0 and (y1 > by1 - 0.15 * (by1 - by0) or not _ends_word(text, end)):
                    run = -1  # on the line's baseline, or after a formula's variable or a figure: not a marker
                if run >= 0 and _is_marker(text, glyph, run, first, previous if start >= 0 else -1, token.end()):
                    for i in range(run, stop + 1):
                        edits[i] = ""
                    if run == first and stop == last and start < 0:  # a raised number opening a line: a note's
                        label = text[first:last + 1]
                        counts["note label"] += 1
                        continue
                    counts["footnote marker"] += 1
                    if run == first and first > 0 and text[first - 1] == " ":
                        edits[first - 1] = ""
                    elif stop == last and text[last + 1:last + 2] == " " and text[last + 2:last + 3] in _TIGHT_PUNCT:
                        edits[last + 1] = ""
            if start < 0:
                start, bx0, by0, bx1, by1 = first, x0, y0, x1, y1
                size = get_size(handle, first)
                size = size if size >= 4 else 0.0  # 1.0 means the size is in the text matrix
                angle = glyph.angle(first)
                rotated = TILT < angle < TWO_PI - TILT
                counts["rotated line"] += rotated
            else:  # plain comparisons: this loop runs once per word of the archive
                if x0 < bx0:
                    bx0 = x0
                if y0 < by0:
                    by0 = y0
                if x1 > bx1:
                    bx1 = x1
                if y1 > by1:
                    by1 = y1
            end, last_x1, previous = token.end(), x1, first
        if start >= 0:
            emit(start, end, (bx0, by0, bx1, by1), size, label, rotated)
            label = ""
    return [l for l in lines if l.text], counts


def _is_marker(text: str, glyph: _Glyphs, run: int, first: int, previous: int, after: int) -> bool:
    """Is the note-marker run raised against the word it follows (or, first on a line, precedes)?"""
    marker = glyph.box(run)
    if run > first:
        reference = glyph.box(run - 1 if text[run - 1].isalpha() else first)
    elif previous >= 0:
        reference = glyph.box(previous)
    else:  # a note's number: the word after it may be on PDFium's next row, as rise breaks rows
        following = _TOKEN.search(text, after)
        if following is None or not text[following.start()].isalpha():
            return False
        reference = glyph.box(following.start())
        if not 0 <= reference.left - marker.right < 2 * reference.height:
            return False
    return is_raised(marker, reference)


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
            lines, counts = _lines(textpage, height)
        finally:
            textpage.close()
        has_images = page_has_images(page) if sum(len(l.text) for l in lines) < 200 else False
        return RawPage(index + 1, width, height, tuple(lines), has_images,
                       artefacts=tuple(sorted((k, n) for k, n in counts.items() if n)))
    finally:
        page.close()
