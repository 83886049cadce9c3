"""REFI-QDA exchange: a workspace's documents and codings to a `.qdpx` project and back.

People code in ATLAS.ti, MAXQDA, NVivo or QualCoder; textci codes passages.
The REFI-QDA Project format (QDA-XML 1.0) carries both ways:

- Each document becomes one TextSource whose plain text is its pages' texts
  joined by PAGE_BREAK, stored UTF-8 as `Sources/<guid>.txt` in the zip.
  Characters XML 1.0 forbids (control characters other than tab, newline and
  carriage return, lone surrogates, U+FFFE, U+FFFF) become U+FFFD one for one,
  so no offset moves; only the source files keep PAGE_BREAK's form feed.
- Positions are counted in Unicode code points (Python string indices) from 0,
  end exclusive: `text[startPosition:endPosition]` is the selected text.
- Each coder is a User: the model (named by `coder`) and every reviewer of
  `reviews.jsonl`. A coder's labels on a passage are one PlainTextSelection
  over the passage with one Coding per label.
- The codebook becomes Codes named by label id, under one parent Code per
  dimension (not codable), with the label's description as Description.
- Every TextSource's Description ends with its passage map, one line per
  passage: `passage <id> <start> <end>`. Importing reads passages from this map,
  so a selection a person draws anywhere in the text, not only over a passage
  textci coded, finds its passages. Keep the Description when editing.

Importing maps a selection to every passage it overlaps by at least half of
the passage or at least half of the selection: a few words inside a passage
code that passage; a long selection codes each passage it mostly covers; a
selection that only grazes a passage's edge, or covers no passage (a
heading), codes nothing. Codings of a whole document (outside any selection)
are not passage codings and are not read. A passage nobody labelled has no
selection, so "reviewed, no label" and "not reviewed" look the same in a
project.
"""
from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice
from pathlib import Path

from . import __version__
from .errors import InputLineError, TextciError
from .io import write_atomic
from .workspace import iter_records

NS = "urn:QDA-XML:project:1.0"
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "Project-mrt2019.xsd"
PAGE_BREAK = "\n\f\n"
SOURCES_FOLDER = "Sources"
_GUID_SPACE = uuid.uuid5(uuid.NAMESPACE_URL, "textci:refi-qda")  # fixed: same input, same GUIDs
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_TEXT = re.compile("[^\t\n\x0c\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAP_LINE = re.compile(r"^passage (\S+) (\d+) (\d+)$", re.MULTILINE)


class QdaError(TextciError):
    """A REFI-QDA project cannot be written, read or validated."""


@dataclass(frozen=True)
class _Source:
    """One document as a TextSource: its text and where each passage lies in it."""

    doc_id: str
    file: str
    text: str
    spans: dict[str, tuple[int, int]]  # passage id -> (start, end) in text

    @property
    def guid(self) -> str:
        return _guid("source", self.doc_id)


# ---------------------------------------------------------------- export

def export_qdpx(workspace: Path, out: Path, book, coder: str = "textci") -> dict:
    """Write WORKSPACE's documents, codebook and codings as a REFI-QDA project at OUT.

    The same workspace gives the same bytes: GUIDs derive from document ids,
    passage ids and labels, and the zip carries fixed timestamps.
    """
    workspace, out = Path(workspace), Path(out)
    sources = _read_sources(workspace)
    passage_ids = {pid for source in sources for pid in source.spans}
    codings = _read_codings(workspace, book, coder, passage_ids)
    root = _project_xml(workspace, book, sources, codings)
    ET.indent(root)
    qde = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    files = [("project.qde", qde)] + [(f"{SOURCES_FOLDER}/{s.guid}.txt", s.text.encode("utf-8")) for s in sources]
    write_atomic(out, _zip(files))  # readers never see a half-written zip
    selections = sum(len(by_passage) for by_passage in codings.values())
    return {"documents": len(sources), "passages": len(passage_ids), "codes": len(book.labels),
            "users": len(codings), "selections": selections,
            "codings": sum(len(labels) for by_passage in codings.values() for labels in by_passage.values())}


def _read_sources(workspace: Path) -> list[_Source]:
    """The workspace's readable documents with their text and passage spans, by file name."""
    documents = {}
    for where, record in iter_records(workspace / "documents.jsonl"):
        if record.get("doc_id") is not None:  # a failed document has no id and no pages
            documents[_str(record, "doc_id", where)] = str(record.get("file") or record["doc_id"])
    pages: dict[str, dict[int, str]] = {doc_id: {} for doc_id in documents}
    for where, record in iter_records(workspace / "pages.jsonl"):
        if isinstance(record.get("doc_id"), str) and record["doc_id"] in pages:
            pages[record["doc_id"]][_int(record, "page", where)] = _str(record, "text", where)
    offsets = {doc_id: _page_offsets(by_number) for doc_id, by_number in pages.items()}
    spans: dict[str, dict[str, tuple[int, int]]] = {doc_id: {} for doc_id in documents}
    seen: set[str] = set()
    for where, record in iter_records(workspace / "passages.jsonl"):
        doc_id, page, pid = _str(record, "doc_id", where), _int(record, "page", where), _str(record, "id", where)
        start, end = _int(record, "char_start", where), _int(record, "char_end", where)
        if doc_id not in documents or page not in pages[doc_id]:
            raise InputLineError(f"{where}: passage {pid!r} is on page {page} of document {doc_id!r}, "
                                 "which documents.jsonl and pages.jsonl do not hold; re-run textci extract")
        if not 0 <= start <= end <= len(pages[doc_id][page]):
            raise InputLineError(f"{where}: passage {pid!r} spans {start}..{end}, outside page {page} "
                                 f"({len(pages[doc_id][page])} characters)")
        if pid in seen:
            raise InputLineError(f"{where}: passage id {pid!r} appears twice; ids must be unique")
        seen.add(pid)
        spans[doc_id][pid] = (offsets[doc_id][page] + start, offsets[doc_id][page] + end)
    sources = [_Source(doc_id, documents[doc_id], _document_text(pages[doc_id]), spans[doc_id]) for doc_id in documents]
    return sorted(sources, key=lambda s: (s.file, s.doc_id))


def _read_codings(workspace: Path, book, coder: str, passage_ids: set[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Per coder, the labels of each passage: the model's predictions and, if present, human reviews.

    A later review line of the same reviewer for the same passage replaces an
    earlier one. Passages with no label are left out.
    """
    if not coder.strip():
        raise QdaError("the model coder needs a non-empty name")
    codings: dict[str, dict[str, tuple[str, ...]]] = {coder: {}}
    for where, record in iter_records(workspace / "predictions.jsonl"):
        codings[coder][_str(record, "id", where)] = _labels(record, where, book, passage_ids)
    reviews = workspace / "reviews.jsonl"
    for where, record in (iter_records(reviews) if reviews.exists() else ()):
        reviewer = _str(record, "reviewer", where)
        if reviewer == coder:
            raise InputLineError(f"{where}: reviewer {reviewer!r} has the model coder's name; "
                                 "export with another coder name")
        codings.setdefault(reviewer, {})[_str(record, "id", where)] = _labels(record, where, book, passage_ids)
    order = {label_id: n for n, label_id in enumerate(book.label_ids)}
    return {name: {pid: tuple(sorted(set(labels), key=order.__getitem__))
                   for pid, labels in sorted(codings[name].items()) if labels}
            for name in [coder] + sorted(set(codings) - {coder})}


def _project_xml(workspace: Path, book, sources: list[_Source], codings: dict) -> ET.Element:
    users = {name: _guid("user", name) for name in codings}
    model = next(iter(codings))
    root = _element(None, "Project", name=f"textci: {_xml_text(Path(workspace).resolve().name)}",
                    origin=f"textci {__version__}", creatingUserGUID=users[model])
    users_xml = _element(root, "Users")
    for name, guid in users.items():
        _element(users_xml, "User", guid=guid, name=_xml_text(name))
    _codebook_xml(_element(root, "CodeBook"), book)
    if sources:
        sources_xml = _element(root, "Sources")
        selections = _selections_by_source(sources, codings)
        for source in sources:
            _source_xml(sources_xml, source, sorted(selections[source.doc_id]), users)
    return root


def _selections_by_source(sources: list[_Source], codings: dict) -> dict[str, list]:
    """doc id -> [((start, end), coder, passage id, labels)] for every coded passage."""
    where = {pid: source for source in sources for pid in source.spans}
    selections: dict[str, list] = {source.doc_id: [] for source in sources}
    for name, by_passage in codings.items():
        for pid, labels in by_passage.items():
            selections[where[pid].doc_id].append((where[pid].spans[pid], name, pid, labels))
    return selections


def _codebook_xml(parent: ET.Element, book) -> None:
    codes = _element(parent, "Codes")
    for dimension, description in book.dimensions.items():
        group = _element(codes, "Code", guid=_guid("dimension", dimension), name=dimension, isCodable="false")
        _element(group, "Description").text = _xml_text(description)
        for label in (l for l in book.labels if l.dimension == dimension):
            code = _element(group, "Code", guid=_guid("code", label.id), name=label.id, isCodable="true")
            _element(code, "Description").text = _xml_text(f"{label.name}: {label.description}")


def _source_xml(parent: ET.Element, source: _Source, coded: list, users: dict) -> None:
    """A TextSource with one selection per (passage, coder), sorted by position then coder."""
    xml = _element(parent, "TextSource", guid=source.guid, name=_xml_text(source.file),
                   plainTextPath=f"internal://{source.guid}.txt")
    _element(xml, "Description").text = _xml_text(_passage_map(source))
    for (start, end), name, pid, labels in coded:
        selection = _element(xml, "PlainTextSelection", guid=_guid("selection", name, pid), name=pid,
                             startPosition=str(start), endPosition=str(end), creatingUser=users[name])
        for label_id in labels:
            coding = _element(selection, "Coding", guid=_guid("coding", name, pid, label_id),
                              creatingUser=users[name])
            _element(coding, "CodeRef", targetGUID=_guid("code", label_id))


def _passage_map(source: _Source) -> str:
    header = (f"textci passage map of {json.dumps(source.file, ensure_ascii=False)} "
              f"(document {source.doc_id}, {len(source.spans)} passages).\n"
              "Each line below is a passage: its id, then its start and end in characters of this text.\n"
              "textci reads this list to give codings back to passages: keep it as it is.\n")
    spans = sorted(source.spans.items(), key=lambda item: (item[1], item[0]))
    return header + "".join(f"passage {pid} {start} {end}\n" for pid, (start, end) in spans)


# ---------------------------------------------------------------- import

def import_qdpx(path: Path, book) -> dict[str, dict[str, frozenset[str]]]:
    """Per coder (user name), the labels of each passage coded in the project at PATH."""
    path = Path(path)
    root = _parse(_read_qde(path), path)
    users = {_norm_guid(u.get("guid")): u.get("name") or u.get("guid") for u in _descendants(root, "User")}
    labels_by_code = _code_labels(root, book, path)
    found: dict[str, dict[str, set[str]]] = {}
    for source in _children(_child(root, "Sources"), "TextSource"):
        selections = [s for s in _children(source, "PlainTextSelection") if _child(s, "Coding") is not None]
        if not selections:
            continue
        passage_map = _PassageMap.read(source, path)
        for selection in selections:
            passages = passage_map.under(*_position(selection, path))
            for coding in _children(selection, "Coding"):
                user = _norm_guid(coding.get("creatingUser") or selection.get("creatingUser") or "")
                label_id = _coded_label(coding, labels_by_code, path)
                for pid in passages:
                    found.setdefault(users.get(user, user or "unknown coder"), {}).setdefault(pid, set()).add(label_id)
    return {name: {pid: frozenset(labels) for pid, labels in sorted(by_passage.items())}
            for name, by_passage in sorted(found.items())}


def _code_labels(root: ET.Element, book, path: Path) -> dict[str, str | None]:
    """Code GUID -> label id (None for a dimension's parent code); unknown code names are an error."""
    labels, unknown = {}, []
    for code in _descendants(_child(root, "CodeBook"), "Code"):
        name = (code.get("name") or "").strip()
        if name in book.label_ids:
            labels[_norm_guid(code.get("guid"))] = name
        elif name in book.dimensions:
            labels[_norm_guid(code.get("guid"))] = None
        else:
            unknown.append(name)
    if unknown:
        raise QdaError(f"{path}: code(s) {', '.join(map(repr, sorted(set(unknown))))} are not labels of codebook "
                       f"{book.name!r}; rename each to one of {', '.join(book.label_ids)} or delete it")
    return labels


def _coded_label(coding: ET.Element, labels_by_code: dict, path: Path) -> str:
    ref = _child(coding, "CodeRef")
    guid = _norm_guid(ref.get("targetGUID") if ref is not None else "")
    if guid not in labels_by_code:
        raise QdaError(f"{path}: coding {coding.get('guid')} refers to code {guid or '(none)'}, "
                       "which the project's CodeBook does not hold")
    if labels_by_code[guid] is None:
        raise QdaError(f"{path}: coding {coding.get('guid')} uses a dimension code, not a label; "
                       "code the passage with one of the dimension's labels")
    return labels_by_code[guid]


@dataclass(frozen=True)
class _PassageMap:
    """A document's passages in text order, read back from its TextSource's Description."""

    spans: tuple[tuple[int, int, str], ...]  # (start, end, passage id), sorted, not overlapping

    @classmethod
    def read(cls, source: ET.Element, path: Path) -> _PassageMap:
        description = _child(source, "Description")
        text = (description.text or "") if description is not None else ""
        spans = tuple(sorted((int(start), int(end), pid) for pid, start, end in _MAP_LINE.findall(text)))
        if not spans:
            raise QdaError(f"{path}: source {source.get('name')!r} has codings but no textci passage map in its "
                           "Description; import projects exported by textci and keep the document's description")
        for (_, end, pid), (start, _, next_pid) in zip(spans, spans[1:]):
            if start < end:
                raise QdaError(f"{path}: passage map of source {source.get('name')!r} overlaps "
                               f"({pid} and {next_pid}); it was edited, export the workspace again")
        return cls(spans)

    def under(self, start: int, end: int) -> list[str]:
        """Passages the selection overlaps by at least half of the passage or of the selection."""
        first = bisect_right(self._ends, start)
        last = bisect_left(self._starts, end)
        chosen = []
        for p_start, p_end, pid in self.spans[first:last]:
            overlap = min(end, p_end) - max(start, p_start)
            if overlap > 0 and 2 * overlap >= min(end - start, p_end - p_start):
                chosen.append(pid)
        return chosen

    @cached_property
    def _starts(self) -> list[int]:
        return [start for start, _, _ in self.spans]

    @cached_property
    def _ends(self) -> list[int]:
        return [end for _, end, _ in self.spans]


def _position(selection: ET.Element, path: Path) -> tuple[int, int]:
    try:
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    except (TypeError, ValueError):
        start = end = -1
    if not 0 <= start <= end:
        raise QdaError(f"{path}: selection {selection.get('guid')} has no valid startPosition/endPosition "
                       f"({selection.get('startPosition')!r}, {selection.get('endPosition')!r})")
    return start, end


# ---------------------------------------------------------------- validation

def validate(qde: bytes | Path, schema: Path = SCHEMA) -> None:
    """Check a project (project.qde bytes, a .qde file or a .qdpx) against the REFI-QDA schema."""
    import xmlschema

    where = "project.qde" if isinstance(qde, (bytes, bytearray)) else str(qde)
    data = bytes(qde) if isinstance(qde, (bytes, bytearray)) else _read_qde(Path(qde))
    if not Path(schema).is_file():
        raise QdaError(f"REFI-QDA schema {schema} not found; pass schema= the path of Project-mrt2019.xsd")
    try:
        resource = xmlschema.XMLResource(io.BytesIO(data), defuse="always")
        errors = list(islice(_schema(str(schema)).iter_errors(resource), 5))
    except xmlschema.XMLResourceError as exc:
        raise QdaError(f"{where}: not well-formed or unsafe XML ({exc})") from exc
    if errors:
        details = "; ".join(f"{e.path}: {e.reason}" for e in errors)
        raise QdaError(f"{where}: not a valid REFI-QDA project per {Path(schema).name}: {details}")


@lru_cache(maxsize=4)
def _schema(path: str):
    import xmlschema

    return xmlschema.XMLSchema(path)


# ---------------------------------------------------------------- helpers

def _str(record: dict, key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or (key != "text" and not value.strip()):
        raise InputLineError(f"{where}: {key!r} must be a{'' if key == 'text' else ' non-empty'} string")
    return value


def _int(record: dict, key: str, where: str) -> int:
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputLineError(f"{where}: {key!r} must be an integer")
    return value


def _labels(record: dict, where: str, book, passage_ids: set[str]) -> list[str]:
    if record["id"] not in passage_ids:
        raise InputLineError(f"{where}: passage {record['id']!r} is not in passages.jsonl; "
                             "predictions and reviews must come from this workspace")
    labels = record.get("labels")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InputLineError(f"{where}: 'labels' must be a list of label ids")
    unknown = sorted(set(labels) - set(book.label_ids))
    if unknown:
        raise InputLineError(f"{where}: unknown label(s) {unknown}; codebook {book.name!r} has "
                             f"{', '.join(book.label_ids)}")
    return labels


def _page_offsets(pages: dict[int, str]) -> dict[int, int]:
    offsets, at = {}, 0
    for number, text in sorted(pages.items()):
        offsets[number] = at
        at += len(text) + len(PAGE_BREAK)
    return offsets


def _document_text(pages: dict[int, str]) -> str:
    """The pages joined in order; characters no reader accepts become U+FFFD, one for one."""
    return _NOT_TEXT.sub("\ufffd", PAGE_BREAK.join(text for _, text in sorted(pages.items())))


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_GUID_SPACE, "\x1f".join(parts)))


def _norm_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


def _element(parent: ET.Element | None, tag: str, /, **attributes: str) -> ET.Element:
    """Elements are written unqualified under the root's default namespace (xmlns=NS).

    ElementTree's own default_namespace option refuses unqualified attributes.
    """
    if parent is None:
        return ET.Element(tag, {"xmlns": NS, **attributes})
    return ET.SubElement(parent, tag, attributes)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(parent: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if parent is None else [e for e in parent if _local(e.tag) == name]


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    return next(iter(_children(parent, name)), None)


def _descendants(parent: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if parent is None else [e for e in parent.iter() if _local(e.tag) == name]


def _read_qde(path: Path) -> bytes:
    """project.qde from a .qdpx (zip), or the bytes of a .qde file."""
    try:
        if not zipfile.is_zipfile(path):
            return path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower() == "project.qde"]
            if not names:
                raise QdaError(f"{path}: no project.qde in this .qdpx; is it a REFI-QDA project?")
            return archive.read(names[0])
    except (OSError, zipfile.BadZipFile) as exc:
        raise QdaError(f"{path}: cannot read ({exc})") from exc


def _parse(data: bytes, path: Path) -> ET.Element:
    import xmlschema

    try:
        root = xmlschema.XMLResource(io.BytesIO(data), defuse="always").root
    except xmlschema.XMLResourceError as exc:
        raise QdaError(f"{path}: project.qde is not well-formed or unsafe XML ({exc})") from exc
    if _local(root.tag) != "Project":
        raise QdaError(f"{path}: project.qde has root <{_local(root.tag)}>, not a REFI-QDA <Project>")
    return root


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


