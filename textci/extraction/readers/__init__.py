"""One reader per format, chosen by the file's name and checked against its signature.

Every reader but the PDF one (extraction/document.py, with layout and OCR)
turns a file into pages of text blocks (`blocks.py`); from there all formats
are cleaned, segmented and cited the same way. The name proposes a format;
where the content has a signature (PDF, the zip of DOCX and ODT, OLE2) it
decides: a PDF named `.docx` is read as the PDF it is, with a warning.
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from .blocks import TextBlock

__all__ = ["TextBlock", "choose", "format_of", "reader_for", "unsupported_hint"]

EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".html": "html", ".htm": "html", ".txt": "txt",
              ".md": "md"}
# What to tell the user about files no reader takes (by extension).
CONVERT = {".doc": "convert it to .docx (LibreOffice: soffice --headless --convert-to docx FILE)",
           ".rtf": "convert it to .docx (LibreOffice: soffice --headless --convert-to docx FILE)",
           ".xls": "a spreadsheet is not a report; leave it out with --exclude or convert the text to .docx",
           ".xlsx": "a spreadsheet is not a report; leave it out with --exclude or convert the text to .docx",
           ".ods": "a spreadsheet is not a report; leave it out with --exclude or convert the text to .docx",
           ".ppt": "convert it to PDF (LibreOffice: soffice --headless --convert-to pdf FILE)",
           ".pptx": "convert it to PDF (LibreOffice: soffice --headless --convert-to pdf FILE)",
           ".odp": "convert it to PDF (LibreOffice: soffice --headless --convert-to pdf FILE)"}
DEFAULT_HINT = ("textci reads .pdf, .docx, .odt, .html/.htm, .txt and .md; convert it to one of those "
                "(LibreOffice converts most office formats), or leave it out with --exclude")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def format_of(name: str) -> str | None:
    """The format a file's name proposes (None: no reader takes it)."""
    return EXTENSIONS.get(Path(name).suffix.lower())


def unsupported_hint(name: str) -> str:
    suffix = Path(name).suffix.lower()
    what = f"{suffix} files are not read" if suffix else "files without an extension are not read"
    return f"{what}: {CONVERT.get(suffix, DEFAULT_HINT)}"


def signature(path: Path) -> str | None:
    """The format the content itself declares: pdf, docx, odt, ole2 or zip (another zip); None for none."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(OLE2):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "mimetype" in names and archive.getinfo("mimetype").file_size < 100 and \
                        archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                    return "odt"
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            pass   # truncated: the named reader reports it
        return "zip"
    return None


def choose(path: Path, name: str) -> tuple[str, str | None]:
    """(format to read it as, a warning when the content overrules the name)."""
    named = format_of(name) or "pdf"   # a file given explicitly by the user is tried as a PDF, as before
    found = signature(path)
    if found in ("pdf", "docx", "odt") and found != named:
        return found, (f"the file is named like a {named.upper()} but its content is a {found.upper()}; "
                       f"read as {found.upper()} (rename it to end in .{found})")
    return named, None


def reader_for(fmt: str) -> Callable[[Path], list[list[TextBlock]]]:
    """The block reader of a non-PDF format (imported only when needed)."""
    from . import docx, html, markdown, odt, text

    return {"docx": docx.read, "odt": odt.read, "html": html.read, "txt": text.read, "md": markdown.read}[fmt]
