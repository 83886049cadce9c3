"""OCR of image-only pages with Tesseract, returned as positioned lines.

The OCR'd lines go through the same furniture, ordering and hyphenation
steps as a text layer, so scanned and born-digital pages come out alike. A
bullet at the start of a list line, whatever letter or symbol Tesseract reads
it as, becomes the line's list mark.

Speed (scripts/bench_ocr.py): Tesseract's line recogniser scales every text
line to a fixed height, so most of its time does not fall with the
resolution; binarisation and layout analysis do. At 200 dpi a dense scanned
page costs about two thirds of the CPU time it does at 300, with the same
body text (the words that differ are stamps, letterheads and the order of
table cells); at 150 dpi thin letters start to drop ("verichting"). The page
goes to Tesseract as an uncompressed PGM file, which costs next to nothing to
write, where a PNG costs a compression and a decompression.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache

from ..errors import OCRFailed
from .lines import Line, RawPage, merge_fragments

TESSERACT_LANG = {"en": "eng", "de": "deu", "fr": "fra", "nl": "nld", "it": "ita", "es": "spa"}
DPI = 200
MAX_PIXELS = 40_000_000  # an A4 page at 200 dpi is ~3.9 Mpx; larger pages are rendered smaller
TIMEOUT = 120  # seconds per Tesseract run


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    if not shutil.which("tesseract"):
        return frozenset()
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except Exception:  # a broken install counts as none
        return frozenset()


def tesseract_langs(lang: str | None) -> str | None:
    """Tesseract language string for a document language, or None without OCR."""
    have = available_languages()
    if not have:
        return None
    wanted = TESSERACT_LANG.get(lang or "")
    if wanted in have:
        return wanted
    known = [code for code in TESSERACT_LANG.values() if code in have]
    return "+".join(known) if known else None


def ocr_page(pdf, index: int, langs: str, dpi: int = DPI) -> RawPage:
    image, scale, (width, height) = render(pdf, index, dpi)
    words = positioned_words(read_words(image, langs), scale)
    return RawPage(index + 1, width, height, tuple(merge_fragments(words)), True, method="ocr")


def sample_text(pdf, index: int, lang: str = "eng", dpi: int = DPI) -> str:
    """The words of the upper half of a page: enough to tell its language, for half the time."""
    image, _, _ = render(pdf, index, dpi, upper_half=True)
    data = read_words(image, lang)
    return " ".join(t for t, c in zip(data["text"], data["conf"]) if t.strip() and float(c) >= 0)


def render(pdf, index: int, dpi: int = DPI, upper_half: bool = False):
    """The page as a grey-scale image, its scale in pixels per point, and its size in points."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        crop = (0, height / 2, 0, 0) if upper_half else (0, 0, 0, 0)
        return page.render(scale=scale, grayscale=True, crop=crop).to_pil(), scale, (width, height)
    finally:
        page.close()


def read_words(image, langs: str) -> dict:
    """Tesseract's words and boxes (pytesseract's image_to_data dict) for a PIL image."""
    import pytesseract

    # Tesseract's OpenMP threads fight each other and our parallel workers:
    # one thread per page is ~5x faster here (1.9 s vs 10.6 s on an A4 scan).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory(prefix="textci-ocr-") as folder:
        path = os.path.join(folder, "page.pgm")
        image.save(path)
        try:
            return pytesseract.image_to_data(path, lang=langs, output_type=pytesseract.Output.DICT,
                                             timeout=TIMEOUT)
        except Exception as exc:
            raise OCRFailed(f"Tesseract failed on this page ({exc}); check the tesseract install") from exc


def positioned_words(data: dict, scale: float) -> list[Line]:
    """Tesseract's words in page points, a list bullet taken off as the next word's mark."""
    bullets = bullet_words(data)
    words = []
    for i, text in enumerate(data["text"]):
        if text.strip() and float(data["conf"][i]) >= 0 and i not in bullets:
            x, y, w, h = (data[k][i] / scale for k in ("left", "top", "width", "height"))
            words.append(Line(text, x, y, x + w, y + h, mark="•" if i - 1 in bullets else ""))
    return words


# What Tesseract makes of a bullet glyph: a letter, a symbol, a stray mark.
BULLET_READINGS = frozenset("• · ° º © ® @ « » * + > ~ ¢ ¤ ø = | o e c m n mtm e. o. ©)".split())
BULLET_GAP = 0.6    # a bullet stands apart from the item's first word by this share of the line height
BULLET_HEIGHT = 0.8  # and is no taller than this share of the item's other words


def bullet_words(data: dict) -> set[int]:
    """Indices of words that are a list bullet, however read, at the start of a line.

    A reading alone is not enough ("e" and "o" are words in Italian and
    Spanish): the glyph must also be small beside the line's words and stand
    apart from the first of them, as a bullet set before a tab does.
    """
    lines: dict[tuple, list[int]] = {}
    for i, text in enumerate(data["text"]):
        if text.strip() and float(data["conf"][i]) >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    found = set()
    for words in lines.values():
        reading = data["text"][words[0]].strip()
        if len(words) < 3 or not (reading.lower() in BULLET_READINGS or len(reading) <= 2 and not reading.isalnum()):
            continue
        first, second = words[0], words[1]
        height = sorted(data["height"][i] for i in words[1:])[len(words[1:]) // 2]
        gap = data["left"][second] - (data["left"][first] + data["width"][first])
        if data["height"][first] <= BULLET_HEIGHT * height and gap >= BULLET_GAP * height \
                and data["text"][second][:1].isalnum():
            found.add(first)
    return found
