"""One report -> a Document with clean pages and passages, or a clear failure.

A PDF is read here (text layer, layout, furniture, OCR); every other format
by its reader in `readers/`, whose blocks are cleaned the same way. This runs
inside an isolated worker (see `isolate.py`); any exception that escapes is
turned into an error record by the caller.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .. import errors
from ..io import file_sha256
from ..data import Block, Document, ErrorRecord, Page
from ..segment import identify, split_pages
from . import clean, footnotes, glyphs, layout, ocr, readers
from .furniture import find_furniture, strip_furniture
from .lines import Line, RawPage

MIN_TEXT_CHARS = 20   # a page with fewer characters of text is treated as image-only
GARBLED = 0.25        # share of broken-font characters above which a page is unusable


@dataclass(frozen=True)
class ExtractOptions:
    extractor: str = "pdfium"           # pdfium | pdfplumber
    ocr: bool = True                    # OCR image-only pages when Tesseract is installed
    max_pages: int | None = None        # read at most this many pages per document
    max_file_bytes: int = 1 << 30       # refuse files above this size
    segment: bool = True                # also split pages into passages


def content_hash(path: Path) -> str:
    return file_sha256(path)


def check_size(path: Path, options: ExtractOptions) -> None:
    size = path.stat().st_size
    if size == 0:
        raise errors.EmptyFile("the file is empty (0 bytes); re-download or re-export it")
    if size > options.max_file_bytes:
        raise errors.FileTooLarge(
            f"the file is {size / 2**20:.0f} MiB, above the limit of "
            f"{options.max_file_bytes / 2**20:.0f} MiB; raise --max-file-mb to process it")


def check_file(path: Path, options: ExtractOptions) -> None:
    check_size(path, options)
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise errors.NotAPDF("the file does not start like a PDF (no %PDF- header); "
                             "it may be HTML, an image or another format saved as .pdf")


def extract_document(path: Path, name: str, options: ExtractOptions) -> Document:
    """Read the file with the reader its name and content choose; a misnamed file is read as what it is."""
    check_size(path, options)
    fmt, warning = readers.choose(path, name)
    document = _extract_pdf(path, name, options) if fmt == "pdf" else _extract_blocks(path, name, fmt, options)
    if warning:
        document = replace(document, errors=(ErrorRecord(name, None, "extract", "FormatMismatch", warning),)
                           + document.errors)
    return replace(document, format=fmt)


def _extract_blocks(path: Path, name: str, fmt: str, options: ExtractOptions) -> Document:
    """A non-PDF report: its reader's pages of blocks, normalised, joined and cited like a PDF's."""
    raw_pages = readers.reader_for(fmt)(path)
    doc_id = content_hash(path)
    problems: list[ErrorRecord] = []
    total = len(raw_pages)
    limit = min(total, options.max_pages or total)
    if limit < total:
        problems.append(ErrorRecord(name, None, "extract", "PageLimit",
                                    f"only the first {limit} of {total} pages were read "
                                    "(--max-pages); raise the limit to read them all"))
    raw_pages = [[readers.TextBlock(b.kind, tuple(clean.normalise(line) for line in b.lines)) for b in blocks]
                 for blocks in raw_pages[:limit]]
    all_lines = [line for blocks in raw_pages for b in blocks for line in b.lines]
    doc_lang = identify(" ".join(all_lines))
    vocab = clean.vocabulary(all_lines)
    pages = []
    for number, blocks in enumerate(raw_pages, start=1):
        text, spans = _assemble(blocks, vocab, word_pairs=doc_lang is not None and doc_lang not in COMPOUNDING)
        pages.append(Page(doc_id, name, number, text, "text" if text else "none", spans))
    if not any(p.text.strip() for p in pages):
        raise errors.EmptyDocument(f"the {fmt.upper()} file holds no text to read (only markup, images "
                                   "or boilerplate); check that it is the report")
    passages = split_pages(pages, doc_lang) if options.segment else []
    return Document(doc_id=doc_id, file=name, pages=total, lang=doc_lang, status="partial" if problems else "ok",
                    method="text", page_records=tuple(pages), passages=tuple(passages), errors=tuple(problems))


def _extract_pdf(path: Path, name: str, options: ExtractOptions) -> Document:
    check_file(path, options)
    doc_id = content_hash(path)
    problems: list[ErrorRecord] = []
    raw_pages, total = _read_pages(path, name, options, problems)
    text_pages = [p for p in raw_pages if p.method == "text"]
    doc_lang = identify(" ".join(l.text for p in text_pages for l in p.lines))
    raw_pages = _ocr_scanned(path, name, raw_pages, doc_lang, options, problems)
    if doc_lang is None:
        doc_lang = identify(" ".join(l.text for p in raw_pages for l in p.lines))
    pages = _clean_pages(raw_pages, doc_id, name, doc_lang)
    if not any(p.text.strip() for p in pages):
        if not problems:
            raise errors.EmptyDocument(f"none of the {total} pages holds text or images")
        return Document(doc_id=doc_id, file=name, pages=total, lang=doc_lang, status="failed",
                        method="none", page_records=tuple(pages), errors=tuple(problems))
    passages = split_pages(pages, doc_lang) if options.segment else []
    methods = {p.method for p in pages if p.text.strip()}
    method = methods.pop() if len(methods) == 1 else "mixed"
    return Document(doc_id=doc_id, file=name, pages=total, lang=doc_lang,
                    status="partial" if problems else "ok", method=method,
                    page_records=tuple(pages), passages=tuple(passages), errors=tuple(problems))


def _read_pages(path: Path, name: str, options: ExtractOptions,
                problems: list[ErrorRecord]) -> tuple[list[RawPage], int]:
    from .pdfium_backend import open_pdf, read_page

    pdf = open_pdf(path)
    try:
        total = len(pdf)
        if total == 0:
            raise errors.EmptyDocument("the PDF has no pages")
        limit = min(total, options.max_pages or total)
        if limit < total:
            problems.append(ErrorRecord(name, None, "extract", "PageLimit",
                                        f"only the first {limit} of {total} pages were read "
                                        "(--max-pages); raise the limit to read them all"))
        if options.extractor == "pdfplumber":
            from .plumber_backend import read_pages

            return list(read_pages(path, 1, limit)), total
        return [read_page(pdf, i) for i in range(limit)], total
    finally:
        pdf.close()


def _is_image_only(page: RawPage) -> bool:
    return sum(len(l.text.strip()) for l in page.lines) < MIN_TEXT_CHARS and page.has_images


def _is_garbled(page: RawPage) -> bool:
    text = " ".join(l.text for l in page.lines)
    return len(text.strip()) >= MIN_TEXT_CHARS and clean.garbled_share(text) > GARBLED


def _ocr_scanned(path: Path, name: str, pages: list[RawPage], doc_lang: str | None,
                 options: ExtractOptions, problems: list[ErrorRecord]) -> list[RawPage]:
    """Replace image-only and broken-font pages by their OCR, or report them."""
    todo = [i for i, p in enumerate(pages) if _is_image_only(p) or _is_garbled(p)]
    if not todo:
        return pages
    langs = ocr.tesseract_langs(doc_lang) if options.ocr else None
    result = list(pages)
    if langs is None:
        for i in todo:
            reason = "ScannedPage" if _is_image_only(pages[i]) else "GarbledText"
            problems.append(ErrorRecord(name, i + 1, "extract", reason, _no_ocr_message(reason, options)))
            result[i] = RawPage(i + 1, pages[i].width, pages[i].height, (), pages[i].has_images, "none")
        return result
    from .pdfium_backend import open_pdf

    pdf = open_pdf(path)
    try:
        rendered = {}
        if "+" in langs:  # the document's language is unknown (all of it is scanned): find it once
            langs, rendered = _ocr_language(pdf, todo, langs)
        for batch in ocr.batches([pages[i] for i in todo]):
            indices = [page.number - 1 for page in batch]
            images = [rendered.pop(i, None) or ocr.render(pdf, i) for i in indices]
            for i, page in zip(indices, ocr.read_pages(images, langs)):
                if isinstance(page, errors.OCRFailed):
                    problems.append(ErrorRecord(name, i + 1, "ocr", "OCRFailed", str(page)))
                    page = RawPage(i + 1, pages[i].width, pages[i].height, (), True, "none")
                result[i] = page
    finally:
        pdf.close()
    return result


LANGUAGE_SAMPLES = 3  # pages read to find a scanned document's language before all are read with every model


def _ocr_language(pdf, todo: list[int], langs: str) -> tuple[str, dict]:
    """The language to OCR a scanned document in, read off its first pages with the English model.

    Tesseract with all six models loaded is several times slower than with
    one, and a Latin-script page read with the English model is still good
    enough to tell Dutch from Italian; a band of body text usually is too, for
    a fraction of the cost of reading the whole page. Returns the language and
    the pages rendered on the way, to be OCR'd without rendering them again.
    """
    from ..segment.language import identify

    rendered = {}
    for i in todo[:LANGUAGE_SAMPLES]:
        rendered[i] = image = ocr.render(pdf, i)
        try:
            lang = identify(ocr.sample_text(image))
            if lang is None:  # little text in the band and the upper half: read all of the page
                lang = identify(" ".join(line.text for line in ocr.read_page(image, "eng").lines))
        except errors.OCRFailed:  # the page's own OCR will report it
            continue
        if lang in ocr.TESSERACT_LANG:
            return ocr.tesseract_langs(lang), rendered
    return langs, rendered


def _no_ocr_message(reason: str, options: ExtractOptions) -> str:
    what = ("the page is an image with no text layer (scanned)" if reason == "ScannedPage"
            else "the page's text comes from a broken font encoding and would be garbage")
    how = ("OCR was switched off (--no-ocr)" if not options.ocr else
           "Tesseract is not installed: run scripts/install_system_deps.sh to OCR it")
    return f"{what}; {how}"


# Languages that write compounds as one word: there both halves of a hyphenated
# line end being words proves nothing ("Stadt-" + "teil" is "Stadtteil").
COMPOUNDING = frozenset({"de", "nl", "sv", "da", "no", "fi", "hu", "et", "lb"})


def count_artefacts(path: Path, options: ExtractOptions) -> Counter[str]:
    """How many artefacts of each kind extraction took out of the body text of a PDF (for benchmarks)."""
    raw_pages, _ = _read_pages(path, path.name, options, [])
    counts: Counter[str] = Counter()
    for page in raw_pages:
        counts.update(dict(page.artefacts))
    _clean_pages(raw_pages, "", path.name, None, counts)
    return counts


def _clean_pages(raw_pages: list[RawPage], doc_id: str, name: str, doc_lang: str | None = None,
                 counts: Counter[str] | None = None) -> list[Page]:
    counts = Counter() if counts is None else counts
    furniture = find_furniture(raw_pages)
    stripped = [strip_furniture(p, furniture) for p in raw_pages]
    counts["rotated line dropped as furniture"] += sum(
        l.rotated for p in raw_pages for l in p.lines) - sum(l.rotated for lines in stripped for l in lines)
    vocab = clean.vocabulary(clean.normalise(l.text) for lines in stripped for l in lines)
    word_pairs = doc_lang is not None and doc_lang not in COMPOUNDING
    pages = []
    for raw, lines in zip(raw_pages, stripped):
        text_lines = [line for line in map(_clean_line, lines) if line.text.strip()]
        text_lines, detached = footnotes.drop_detached_markers(text_lines)
        text_lines = [_list_item(l) for l in text_lines]
        flat = [l for l in text_lines if not l.rotated]
        body, notes = footnotes.split_notes(flat, raw.height)
        counts["footnote marker (drawn apart)"] += detached
        counts["list mark"] += sum(1 for l in text_lines if l.mark and l.mark[0] not in footnotes.MARKER_CHARS)
        counts["footnote line moved after the body"] += len(notes)
        body, tables = layout.split_tables(body)
        ordered = layout.reading_order(body + [layout.table_as_line(t) for t in tables])
        text_blocks = layout.build_blocks(ordered)
        text_blocks += _as_notes(layout.build_blocks(layout.reading_order(notes)))
        text_blocks += _as_notes(layout.build_blocks(layout.top_down([l for l in text_lines if l.rotated])))
        text, blocks = _assemble(text_blocks, vocab, word_pairs)
        pages.append(Page(doc_id, name, raw.number, text, raw.method if text else "none", blocks))
    return pages


def _clean_line(line: Line) -> Line:
    """Normalised text without glued superscript markers."""
    text = clean.normalise(footnotes.drop_unicode_markers(line.text)[0])
    return line if text == line.text else replace(line, text=text)


def _list_item(line: Line) -> Line:
    """A line with its list mark taken off the front (into `mark`)."""
    if line.mark:
        return line
    mark, text = glyphs.split_list_mark(line.text)
    return replace(line, text=text, mark=mark) if mark else line


def _as_notes(text_blocks: list[layout.TextBlock]) -> list[layout.TextBlock]:
    """Notes and margin text are read as prose, whatever their size or length."""
    return [replace(b, kind="paragraph") if b.kind == "heading" else b for b in text_blocks]


def _assemble(text_blocks, vocab, word_pairs: bool = False) -> tuple[str, tuple[Block, ...]]:
    """Page text with blank lines between blocks, and each block's span in it.

    A block's list mark or note label is printed before it, outside its span,
    so no passage starts with a bullet or a footnote number.
    """
    parts: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for block in text_blocks:
        if block.kind == "table":
            body = "\n".join(" ".join(row.split()) for row in block.lines)
        else:
            body = clean.join_lines(list(block.lines), vocab, word_pairs)
        body = body.strip()
        if not body:
            continue
        if parts:
            offset += 2
        prefix = f"{block.mark} " if block.mark else ""
        blocks.append(Block(block.kind, offset + len(prefix), offset + len(prefix) + len(body)))
        parts.append(prefix + body)
        offset += len(prefix) + len(body)
    return "\n\n".join(parts), tuple(blocks)
