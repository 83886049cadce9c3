"""One exception hierarchy; every message says what failed, where, and what to do."""
from __future__ import annotations


class TextciError(Exception):
    """Base of all errors textci raises on purpose."""


class UsageError(TextciError):
    """The command was called wrongly (exit status 2)."""


class InputFileError(TextciError):
    """A single input file cannot be processed; the batch goes on without it."""


class EmptyFile(InputFileError):
    pass


class NotAPDF(InputFileError):
    pass


class CorruptPDF(InputFileError):
    pass


class CorruptFile(InputFileError):
    """A DOCX, ODT or other container that is truncated, renamed or malformed."""


class EncryptedFile(InputFileError):
    """A password-protected Office file (an OLE2 container around the encrypted package)."""


class UnsafeFile(InputFileError):
    """A zip bomb, or XML that declares entities (a DTD): refused before it is read."""


class NotText(InputFileError):
    """A .txt or .md file that does not decode as text in any encoding tried."""


class UnsupportedFormat(InputFileError):
    """A file in the corpus that no reader takes (a spreadsheet, an image, a legacy .doc)."""


class EncryptedPDF(InputFileError):
    pass


class FileTooLarge(InputFileError):
    pass


class EmptyDocument(InputFileError):
    pass


class UnsafePath(InputFileError):
    """A symlink that leaves the input folder or loops, a pipe, a dangling link."""


class WorkerCrashed(InputFileError):
    pass


class Timeout(InputFileError):
    pass


class OutOfMemory(InputFileError):
    pass


class PageError(TextciError):
    """One page could not be read; the rest of the document still is."""


class ScannedPage(PageError):
    pass


class GarbledText(PageError):
    pass


class OCRFailed(PageError):
    pass


class PageLimit(PageError):
    pass


class CodebookError(TextciError):
    pass


class InputLineError(TextciError):
    """A line of a JSONL input is blank, malformed, too long or not UTF-8."""


class CityMappingError(TextciError):
    """cities.csv is malformed, or maps one document to two cities."""


class NothingToRead(TextciError):
    """The inputs hold no document textci can read (exit status 1); `errors` lists what was skipped."""

    FORMATS = ("reports: PDF, DOCX, ODT, HTML, TXT or Markdown files "
               "(*.pdf, *.docx, *.odt, *.html, *.htm, *.txt, *.md, any case)")

    def __init__(self, inputs, errors=(), errors_file=None):
        where = ", ".join(str(i) for i in inputs)
        message = f"nothing to read in {where}: looked for {self.FORMATS} in it and every subfolder"
        if errors:
            message += f"; {len(errors)} entries skipped" + (f", listed in {errors_file}" if errors_file else "")
        super().__init__(message)
        self.errors = tuple(errors)
