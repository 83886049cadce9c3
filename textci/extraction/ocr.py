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
goes to the `tesseract` program as an uncompressed PGM on its standard input
and its words come back as TSV on its standard output: no temporary files to
leave behind, and no pytesseract, whose import (it loads pandas) cost more
than OCR'ing a short page.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
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
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):  # a broken install counts as none
        return frozenset()
    if listed.returncode != 0:
        return frozenset()
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:] if line.strip())


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


@dataclass(frozen=True)
class PageImage:
    """A page rendered for OCR: the grey-scale image, its pixels per point and the page's 1-based number and size."""

    image: object  # PIL.Image.Image
    scale: float
    number: int
    width: float
    height: float


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV output, in pixels of the image it read."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]  # block, paragraph and line number


def ocr_page(pdf, index: int, langs: str, dpi: int = DPI, timeout: float = TIMEOUT) -> RawPage:
    return read_page(render(pdf, index, dpi), langs, timeout)


def read_page(page: PageImage, langs: str, timeout: float = TIMEOUT) -> RawPage:
    words = positioned_words(read_words(page.image, langs, timeout), page.scale)
    return RawPage(page.number, page.width, page.height, tuple(merge_fragments(words)), True, method="ocr")


def sample_text(page: PageImage, lang: str = "eng") -> str:
    """The words of the upper half of a page: enough to tell its language, for half the time."""
    image = page.image
    words = read_words(image.crop((0, 0, image.width, image.height // 2)), lang)
    return " ".join(w.text for w in words)


def render(pdf, index: int, dpi: int = DPI) -> PageImage:
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil()
        return PageImage(image, scale, index + 1, width, height)
    finally:
        page.close()


def read_words(image, langs: str, timeout: float = TIMEOUT) -> list[Word]:
    """Tesseract's words and boxes for a grey-scale PIL image."""
    pgm = io.BytesIO()
    image.save(pgm, format="PPM")  # a grey-scale image is written as PGM
    # Tesseract's OpenMP threads fight each other and our parallel workers:
    # one thread per page is ~5x faster here (1.9 s vs 10.6 s on an A4 scan).
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", langs, "tsv"], input=pgm.getvalue(),
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise OCRFailed(f"Tesseract took longer than {timeout:g} s on this page and was stopped; "
                        "the page may be very large or noisy") from None
    except OSError as exc:
        raise OCRFailed(f"Tesseract could not be started ({exc}); check the tesseract install") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OCRFailed(f"Tesseract failed on this page (exit code {done.returncode}: "
                        f"{reason[-1] if reason else 'no message'}); check the tesseract install")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Word]:
    """The recognised words of Tesseract's TSV (rows of level 5 with text and a confidence)."""
    words = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip() and float(cells[10]) >= 0:
            block, par, line, _, left, top, width, height = map(int, cells[2:10])
            words.append(Word(cells[11], float(cells[10]), left, top, width, height, (block, par, line)))
    return words


def positioned_words(words: list[Word], scale: float) -> list[Line]:
    """Tesseract's words in page points, a list bullet taken off as the next word's mark."""
    bullets = bullet_words(words)
    lines = []
    for i, word in enumerate(words):
        if i not in bullets:
            x, y, w, h = (v / scale for v in (word.left, word.top, word.width, word.height))
            lines.append(Line(word.text, x, y, x + w, y + h, mark="•" if i - 1 in bullets else ""))
    return lines


# What Tesseract makes of a bullet glyph: a letter, a symbol, a stray mark.
BULLET_READINGS = frozenset("• · ° º © ® @ « » * + > ~ ¢ ¤ ø = | o e c m n mtm e. o. ©)".split())
BULLET_GAP = 0.6    # a bullet stands apart from the item's first word by this share of the line height
BULLET_HEIGHT = 0.8  # and is no taller than this share of the item's other words


def bullet_words(words: list[Word]) -> set[int]:
    """Indices of words that are a list bullet, however read, at the start of a line.

    A reading alone is not enough ("e" and "o" are words in Italian and
    Spanish): the glyph must also be small beside the line's words and stand
    apart from the first of them, as a bullet set before a tab does.
    """
    lines: dict[tuple, list[int]] = {}
    for i, word in enumerate(words):
        lines.setdefault(word.line, []).append(i)
    found = set()
    for members in lines.values():
        reading = words[members[0]].text.strip()
        if len(members) < 3 or not (reading.lower() in BULLET_READINGS or len(reading) <= 2 and not reading.isalnum()):
            continue
        first, second = words[members[0]], words[members[1]]
        height = sorted(words[i].height for i in members[1:])[len(members[1:]) // 2]
        gap = second.left - (first.left + first.width)
        if first.height <= BULLET_HEIGHT * height and gap >= BULLET_GAP * height and second.text[:1].isalnum():
            found.add(members[0])
    return found
