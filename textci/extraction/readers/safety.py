"""Open untrusted containers and XML without letting them reach anything else.

Zip members are checked before any is inflated (count, sizes, compression
ratio): a zip bomb fails with a reason instead of exhausting memory. XML is
parsed with entities left unresolved, no network and no DTD loading, and a
part that declares a DTD at all is refused: Word and LibreOffice never write
one, so one that does is hostile or broken.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ... import errors

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 200 * 2**20     # one uncompressed part
MAX_TOTAL_BYTES = 1 << 30          # everything uncompressed
MAX_RATIO = 200                    # uncompressed / compressed, for parts above 1 MiB

_DTD = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_zip(path: Path, what: str) -> zipfile.ZipFile:
    """The checked zip container of a DOCX or ODT, or a clear error."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE2):
        raise errors.EncryptedFile(
            f"the file is an OLE2 container, not a {what} zip: a password-protected Office file "
            "(or a legacy .doc renamed); remove the password (or save it as .docx) and run again")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise errors.CorruptFile(f"the file is not a readable zip container, as a {what} must be: it is "
                                 "truncated or another format renamed; re-export or re-download it") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise errors.UnsafeFile(f"the container holds {len(infos)} parts (at most {MAX_MEMBERS}); "
                                "refused as a possible zip bomb")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise errors.EncryptedFile(f"part {info.filename} is encrypted; remove the password and run again")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise errors.UnsafeFile(
                f"part {info.filename} inflates to {info.file_size / 2**20:.0f} MiB from "
                f"{info.compress_size / 2**10:.0f} KiB; refused as a zip bomb (open and re-save the file "
                "if it is genuine)")
    if total > MAX_TOTAL_BYTES:
        raise errors.UnsafeFile(f"the parts inflate to {total / 2**20:.0f} MiB in all; refused as a zip bomb")
    return archive


def read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A part's bytes (None when absent); a damaged part is a CorruptFile."""
    try:
        return archive.read(name)
    except KeyError:
        return None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise errors.CorruptFile(f"part {name} cannot be read ({exc}); the file is damaged, re-export it") from None


def parse_xml(data: bytes, where: str):
    """An lxml element tree root, parsed safely (no entities, no network, no DTD)."""
    from lxml import etree

    if _DTD.search(data[:8192]):
        raise errors.UnsafeFile(f"{where} declares a DTD, which office files never do; refused as possibly "
                                "hostile (XML entity attack)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise errors.CorruptFile(f"{where} is not well-formed XML ({exc}); the file is damaged, re-export it") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise errors.UnsafeFile(f"{where} declares a DTD, which office files never do; refused as possibly "
                                "hostile (XML entity attack)")
    return root
