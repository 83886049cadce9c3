"""Bytes -> text for the formats that carry no reliable declaration (TXT, MD, HTML).

A byte-order mark decides first, then what the file declares (HTML), then
zero bytes (UTF-16 without a mark), then strict UTF-8, then windows-1252 when
every non-ASCII character it yields is a Western European letter or
typographic mark (the encoding of most legacy files in the corpus languages;
charset-normalizer confuses it with look-alike code pages on short texts),
then charset-normalizer's detection. Text that decodes only into control
characters is not text at all.
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
    western = _western(data)
    if western is not None:
        return _checked(western)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise errors.NotText("the file does not decode as text in any common encoding; it may be binary "
                             "(an image or a document saved with the wrong extension)")
    return _checked(str(best))


_WESTERN = re.compile("[^\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153\u0160\u0161\u0178"
                      "\u017d\u017e\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u20ac"
                      "\u00a0\u00a7\u00b0\u00ab\u00bb\u00a3\u00b7\u00b4\u00e0\u00ba\u00aa\u00bf\u00a1]")


def _western(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return None if _WESTERN.search(text) else text


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
