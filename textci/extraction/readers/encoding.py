"""Bytes -> text for the formats that carry no reliable declaration (TXT, MD, HTML).

A byte-order mark decides first, then what the file declares (HTML), then
strict UTF-8, then charset-normalizer's detection (windows-1252, UTF-16
without a mark, ...). Text that decodes only into control characters is not
text at all.
"""
from __future__ import annotations

import codecs
import re

from ... import errors

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def decode(data: bytes, declared: str | None = None) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], encoding)
    if declared:
        try:
            return data.decode(_known(declared) or "utf-8")
        except UnicodeDecodeError:
            pass
    sample = data[:4096]
    if sample.count(0) > len(sample) // 4:   # UTF-16 without a mark: every other byte of Latin text is 0
        big_endian = sample[0::2].count(0) > sample[1::2].count(0)
        return _strict(data, "utf-16-be" if big_endian else "utf-16-le")
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise errors.NotText("the file does not decode as text in any common encoding; it may be binary "
                             "(an image or a document saved with the wrong extension)")
    return _checked(str(best))


def _known(name: str) -> str | None:
    try:
        encoding = codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None
    return "cp1252" if encoding in ("latin-1", "iso8859-1", "ascii") else encoding  # as browsers do


def _strict(data: bytes, encoding: str) -> str:
    try:
        return _checked(data.decode(encoding))
    except UnicodeDecodeError:
        raise errors.NotText(f"the file does not decode as {encoding} (its byte-order mark or its "
                             "zero bytes say it should); it is damaged or binary, check its format") from None


def _checked(text: str) -> str:
    if text and len(_CONTROL.findall(text[:20000])) > 0.05 * len(text[:20000]):
        raise errors.NotText("the file holds binary data, not text (control characters throughout); "
                             "check its format")
    return text
