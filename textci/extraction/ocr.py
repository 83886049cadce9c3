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
table cells); at 150 dpi thin letters start to drop ("verichting"). A
document's scanned pages go to one `tesseract` run, eight A4 pages at a time, as an
uncompressed multi-page TIFF on its standard input, and their words come back
as TSV on its standard output: the model is loaded once, there are no
temporary files to leave behind, and no pytesseract, whose import (it loads
pandas) cost more than OCR'ing a short page.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..errors import OCRFailed
from .lines import Line, RawPage, merge_fragments

TESSERACT_LANG = {"en": "eng", "de": "deu", "fr": "fra", "nl": "nld", "it": "ita", "es": "spa"}
DPI = 200
MAX_PIXELS = 40_000_000  # an A4 page at 200 dpi is ~3.9 Mpx; larger pages are rendered smaller
TIMEOUT = 120  # seconds a page
BATCH_PIXELS = 32_000_000  # pixels a Tesseract run: eight A4 pages at 200 dpi, ~32 MB of image


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
    """A page rendered for OCR, cut to its ink: the grey-scale image, where it sits on the page, the page's number."""

    image: object  # PIL.Image.Image
    scale: float   # pixels a point
    number: int    # 1-based
    width: float   # the page's size in points
    height: float
    left: int = 0  # pixels of the page left out of the image on the left and at the top
    top: int = 0


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


def batches(pages: list[RawPage], dpi: int = DPI) -> Iterator[list[RawPage]]:
    """The pages in runs of at most BATCH_PIXELS once rendered (a larger page goes alone)."""
    batch, pixels = [], 0.0
    for page in pages:
        size = min(page.width * page.height * (dpi / 72) ** 2, MAX_PIXELS)
        if batch and pixels + size > BATCH_PIXELS:
            yield batch
            batch, pixels = [], 0.0
        batch.append(page)
        pixels += size
    if batch:
        yield batch


def read_pages(pages: list[PageImage], langs: str, timeout: float = TIMEOUT) -> list[RawPage | OCRFailed]:
    """The OCR of pages in one Tesseract run, or each page's own reason why it failed.

    One run loads the language model once (about 0.1 s of CPU a page less).
    A run that fails, or takes longer than `timeout` seconds a page, is redone
    page by page, so that a failure is reported for the page that caused it.
    """
    try:
        found = read_words([page.image for page in pages], langs, timeout * len(pages))
        return [_raw_page(page, words) for page, words in zip(pages, found)]
    except OCRFailed as failure:
        if len(pages) == 1:
            return [failure]
    return [read_pages([page], langs, timeout)[0] for page in pages]


def read_page(page: PageImage, langs: str, timeout: float = TIMEOUT) -> RawPage:
    result = read_pages([page], langs, timeout)[0]
    if isinstance(result, OCRFailed):
        raise result
    return result


def _raw_page(page: PageImage, words: list[Word]) -> RawPage:
    lines = merge_fragments(positioned_words(words, page.scale, page.left, page.top))
    return RawPage(page.number, page.width, page.height, tuple(lines), True, method="ocr")


# A band of the page (from, to as shares of its height) below most titles and
# letterheads: some ten lines of body text, enough to tell the language, for a
# fraction of the time of reading the page.
SAMPLE_BAND = (0.3, 0.4)
SAMPLE_MIN_CHARS = 150


def sample_text(page: PageImage, lang: str = "eng") -> str:
    """Words of the page to tell its language by: a band of body text, or the upper half if the band has too few."""
    image = page.image
    for top, bottom in (SAMPLE_BAND, (0.0, 0.5)):
        band = image.crop((0, int(top * image.height), image.width, int(bottom * image.height)))
        text = " ".join(word.text for word in read_words([band], lang)[0])
        if len(text) >= SAMPLE_MIN_CHARS:
            break
    return text


def render(pdf, index: int, dpi: int = DPI) -> PageImage:
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()
    left, top, right, bottom = ink_box(image, margin=round(MARGIN * scale))
    return PageImage(image.crop((left, top, right, bottom)), scale, index + 1, width, height, left, top)


INK = 128     # grey levels below this are ink
MARGIN = 20   # points of white kept around the ink


def ink_box(image, margin: int) -> tuple[int, int, int, int]:
    """The part of a grey-scale image that holds ink, with a margin: the whole image when it holds none.

    Tesseract's binarisation and layout analysis cost by the pixel, blank or
    not: a page with a few paragraphs on it is read in two thirds of the time
    once its white space is cut off (scanned pages, with their dark edges,
    rarely lose much).
    """
    box = image.point(lambda v: 255 if v < INK else 0).getbbox()
    if box is None:
        return 0, 0, image.width, image.height
    return (max(box[0] - margin, 0), max(box[1] - margin, 0),
            min(box[2] + margin, image.width), min(box[3] + margin, image.height))


def read_words(images: list, langs: str, timeout: float = TIMEOUT) -> list[list[Word]]:
    """Tesseract's words and boxes for each of some grey-scale PIL images, read in one run."""
    tiff = io.BytesIO()  # uncompressed: costs next to nothing to write and to read
    images[0].save(tiff, format="TIFF", save_all=True, append_images=images[1:])
    # Tesseract's OpenMP threads fight each other and our parallel workers:
    # one thread per page is ~5x faster here (1.9 s vs 10.6 s on an A4 scan).
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    what = "this page" if len(images) == 1 else f"these {len(images)} pages"
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", langs, "tsv"], input=tiff.getvalue(),
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise OCRFailed(f"Tesseract took longer than {timeout:g} s on {what} and was stopped; "
                        "the page may be very large or noisy") from None
    except OSError as exc:
        raise OCRFailed(f"Tesseract could not be started ({exc}); check the tesseract install") from exc
    if done.returncode != 0:
        said = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines()
                if line.strip() and not line.startswith(PROGRESS)]
        raise OCRFailed(f"Tesseract failed on {what} (exit code {done.returncode}: "
                        f"{'; '.join(said)[-300:] or 'no message'}); check the page and the tesseract install")
    return parse_tsv(done.stdout.decode("utf-8", "replace"), len(images))


PROGRESS = ("Page ", "Estimating resolution", "Detected ", "Warning: Invalid resolution")  # not a reason


def parse_tsv(tsv: str, pages: int = 1) -> list[list[Word]]:
    """The recognised words of each page of Tesseract's TSV (rows of level 5 with text and a confidence)."""
    words: list[list[Word]] = [[] for _ in range(pages)]
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip() and float(cells[10]) >= 0:
            page, block, par, line, _, left, top, width, height = map(int, cells[1:10])
            words[page - 1].append(Word(cells[11], float(cells[10]), left, top, width, height, (block, par, line)))
    return words


def positioned_words(words: list[Word], scale: float, left: int = 0, top: int = 0) -> list[Line]:
    """Tesseract's words in page points (the image cut `left` and `top` pixels from the page's corner), a list
    bullet taken off as the next word's mark."""
    bullets = bullet_words(words)
    lines = []
    for i, word in enumerate(words):
        if i not in bullets:
            x, y, w, h = (v / scale for v in (word.left + left, word.top + top, word.width, word.height))
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
