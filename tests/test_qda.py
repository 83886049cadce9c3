"""A workspace goes to a REFI-QDA project and comes back with every coder's codings."""
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from textci import codebook, qda
from textci.errors import InputLineError

NS = {"q": qda.NS}
DOC_A = "a1" * 32
DOC_B = "b2" * 32
HOSTILE = "<script>alert('x')</script> & ]]> \x00\x01\x0b\x1f\ud800\uffff fin"
HOSTILE_FILE = "Bericht <b>&amp; ]]>\x07.pdf"

needs_schema = pytest.mark.skipif(not qda.SCHEMA.is_file(),
                                  reason=f"REFI-QDA schema not found at {qda.SCHEMA} (../shared is absent)")


def _pid(doc_id, page, start):
    return f"{doc_id[:12]}-p{page:04d}-c{start:06d}"


PAGES = {
    (DOC_A, 1): "Café 😀 — Introduction. The partners signed one charter with shared goals. "
                "A joint dashboard reports the same indicators every quarter.",
    (DOC_A, 2): "Youth gangs recruit teenagers near the station. Street lighting was improved in the square. "
                "Nothing else happened this year at all.",
    (DOC_B, 1): "Prevention of radicalisation is coordinated by one unit. " + HOSTILE,
}
SENTENCES = {
    "agenda": (DOC_A, 1, "The partners signed one charter with shared goals."),
    "dashboard": (DOC_A, 1, "A joint dashboard reports the same indicators every quarter."),
    "gangs": (DOC_A, 2, "Youth gangs recruit teenagers near the station."),
    "lighting": (DOC_A, 2, "Street lighting was improved in the square."),
    "nothing": (DOC_A, 2, "Nothing else happened this year at all."),
    "unit": (DOC_B, 1, "Prevention of radicalisation is coordinated by one unit."),
    "hostile": (DOC_B, 1, HOSTILE),
}
FILES = {DOC_A: "reports/city_a.pdf", DOC_B: HOSTILE_FILE}


def _passages():
    passages = {}
    for key, (doc_id, page, sentence) in SENTENCES.items():
        start = PAGES[doc_id, page].index(sentence)
        passages[key] = {"id": _pid(doc_id, page, start), "doc_id": doc_id, "file": FILES[doc_id], "page": page,
                         "char_start": start, "char_end": start + len(sentence), "lang": "en", "text": sentence}
    return passages


P = _passages()
PREDICTED = {"agenda": ["common_agenda"], "dashboard": ["shared_measurement", "backbone_support"],
             "gangs": ["gang_violence", "youth_justice"], "lighting": ["public_space_safety"],
             "nothing": [], "unit": ["radicalisation_extremism", "backbone_support"], "hostile": ["street_crime"]}
REVIEWED = [("ana", "agenda", ["common_agenda"]), ("ana", "gangs", ["gang_violence"]),
            ("ana", "gangs", ["gang_violence", "youth_justice"]),  # a later line replaces the earlier one
            ("bo", "dashboard", ["shared_measurement"]), ("bo", "lighting", []),
            ("bo", "hostile", ["street_crime", "discrimination_minorities"])]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")


@pytest.fixture(scope="module")
def book():
    return codebook.load(None)


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    ws.mkdir()
    _write_jsonl(ws / "documents.jsonl", [
        {"doc_id": DOC_A, "file": FILES[DOC_A], "pages": 2, "lang": "en", "status": "ok", "method": "text"},
        {"doc_id": None, "file": "broken.pdf", "pages": 0, "lang": None, "status": "failed", "method": "none"},
        {"doc_id": DOC_B, "file": FILES[DOC_B], "pages": 1, "lang": "en", "status": "ok", "method": "text"}])
    _write_jsonl(ws / "pages.jsonl", [{"doc_id": d, "file": FILES[d], "page": n, "text": t, "method": "text"}
                                      for (d, n), t in PAGES.items()])
    _write_jsonl(ws / "passages.jsonl", P.values())
    _write_jsonl(ws / "predictions.jsonl", [{"id": P[k]["id"], "labels": labels, "scores": {}, "evidence": {}}
                                            for k, labels in PREDICTED.items()])
    _write_jsonl(ws / "reviews.jsonl", [{"id": P[k]["id"], "labels": labels, "reviewer": who}
                                        for who, k, labels in REVIEWED])
    return ws


def _expected():
    expected = {"textci default model": {P[k]["id"]: frozenset(v) for k, v in PREDICTED.items() if v}}
    for who, key, labels in REVIEWED:
        expected.setdefault(who, {})[P[key]["id"]] = frozenset(labels)
    return {who: {pid: labels for pid, labels in coded.items() if labels} for who, coded in expected.items()}


def _export(workspace, book, tmp_path, name="project.qdpx"):
    out = tmp_path / name
    counts = qda.export_qdpx(workspace, out, book, coder="textci default model")
    return out, counts


def _project(qdpx):
    with zipfile.ZipFile(qdpx) as archive:
        return ET.fromstring(archive.read("project.qde"))


def _rewrite(qdpx, out, change):
    """A copy of the project after CHANGE edits its XML, as a person's QDA tool would."""
    with zipfile.ZipFile(qdpx) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    root = ET.fromstring(members["project.qde"])
    change(root)
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def _q(name):
    return f"{{{qda.NS}}}{name}"


@needs_schema
def test_exported_project_is_valid_against_the_refi_qda_schema(workspace, book, tmp_path):
    pytest.importorskip("xmlschema", reason="xmlschema is not installed; pip install xmlschema==4.3.2")
    out, counts = _export(workspace, book, tmp_path)
    qda.validate(out)
    with zipfile.ZipFile(out) as archive:
        qda.validate(archive.read("project.qde"))
        names = archive.namelist()
    assert names[0] == "project.qde" and len([n for n in names if n.startswith("Sources/")]) == 2
    assert counts["documents"] == 2 and counts["passages"] == 7 and counts["codes"] == len(book.labels)
    assert counts["users"] == 3


@needs_schema
def test_an_invalid_project_is_refused_with_the_element_and_reason(tmp_path):
    pytest.importorskip("xmlschema", reason="xmlschema is not installed; pip install xmlschema==4.3.2")
    broken = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><Users><User/></Users></Project>'
    with pytest.raises(qda.QdaError, match=r"not a valid REFI-QDA project.*/Project.*'name'"):
        qda.validate(broken)
    with pytest.raises(qda.QdaError, match="not well-formed"):
        qda.validate(b"<Project")


def test_round_trip_gives_back_every_coders_passage_codings(workspace, book, tmp_path):
    out, counts = _export(workspace, book, tmp_path)
    assert qda.import_qdpx(out, book) == _expected()
    assert counts["codings"] == sum(len(labels) for coded in _expected().values() for labels in coded.values())


def test_the_same_workspace_exports_byte_identical_projects(workspace, book, tmp_path):
    first, _ = _export(workspace, book, tmp_path, "one.qdpx")
    second, _ = _export(workspace, book, tmp_path, "two.qdpx")
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_selections_cover_the_passage_text_counted_in_code_points(workspace, book, tmp_path):
    out, _ = _export(workspace, book, tmp_path)
    root = _project(out)
    source = next(s for s in root.iterfind("q:Sources/q:TextSource", NS) if s.get("name") == FILES[DOC_A])
    with zipfile.ZipFile(out) as archive:
        text = archive.read(f"Sources/{source.get('guid')}.txt").decode("utf-8")
    assert text == PAGES[DOC_A, 1] + qda.PAGE_BREAK + PAGES[DOC_A, 2]
    by_id = {p["id"]: p["text"] for p in P.values()}
    selections = source.findall("q:PlainTextSelection", NS)
    assert selections
    for selection in selections:
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert text[start:end] == by_id[selection.get("name")]


def test_hostile_text_survives_as_text_and_cannot_break_the_xml(workspace, book, tmp_path):
    out, _ = _export(workspace, book, tmp_path)
    root = _project(out)  # parses: nothing in the text escaped the XML
    source = next(s for s in root.iterfind("q:Sources/q:TextSource", NS) if s.get("name") != FILES[DOC_A])
    assert source.get("name") == "Bericht <b>&amp; ]]>\ufffd.pdf"
    with zipfile.ZipFile(out) as archive:
        text = archive.read(f"Sources/{source.get('guid')}.txt").decode("utf-8")
    clean = "<script>alert('x')</script> & ]]> \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd fin"
    assert text == "Prevention of radicalisation is coordinated by one unit. " + clean
    selection = next(s for s in source.iterfind("q:PlainTextSelection", NS) if s.get("name") == P["hostile"]["id"])
    assert text[int(selection.get("startPosition")):int(selection.get("endPosition"))] == clean
    assert qda.import_qdpx(out, book)["bo"][P["hostile"]["id"]] == {"street_crime", "discrimination_minorities"}
    if qda.SCHEMA.is_file():
        qda.validate(out)


def test_a_selection_drawn_by_a_person_codes_the_passages_it_mostly_covers(workspace, book, tmp_path):
    out, _ = _export(workspace, book, tmp_path)
    spans = {}
    for source in _project(out).iterfind("q:Sources/q:TextSource", NS):
        for line in source.find("q:Description", NS).text.splitlines():
            if line.startswith("passage "):
                _, pid, start, end = line.split()
                spans[pid] = (int(start), int(end))
    agenda, dashboard = spans[P["agenda"]["id"]], spans[P["dashboard"]["id"]]
    nothing = spans[P["nothing"]["id"]]
    drawn = [  # (start, end, code)
        (agenda[0] + 4, agenda[0] + 20, "common_agenda"),              # a few words inside one passage
        (agenda[1] - 10, dashboard[1], "continuous_communication"),  # grazes agenda, covers dashboard
        (nothing[0], nothing[1] - 3, "street_crime"),                 # a passage nobody coded before
    ]

    def add_cleo(root):
        users = root.find("q:Users", NS)
        ET.SubElement(users, _q("User"), guid="{0000AAAA-0000-4000-8000-000000000001}", name="Cleo")
        codes = {c.get("name"): c.get("guid") for c in root.iter(_q("Code"))}
        source = next(s for s in root.iterfind("q:Sources/q:TextSource", NS) if s.get("name") == FILES[DOC_A])
        for n, (start, end, code) in enumerate(drawn):
            selection = ET.SubElement(source, _q("PlainTextSelection"), guid=f"00000000-0000-4000-8000-00000000000{n}",
                                      name="drawn by hand", startPosition=str(start), endPosition=str(end),
                                      creatingUser="0000aaaa-0000-4000-8000-000000000001")
            coding = ET.SubElement(selection, _q("Coding"), guid=f"10000000-0000-4000-8000-00000000000{n}")
            ET.SubElement(coding, _q("CodeRef"), targetGUID=codes[code].upper())

    coded = qda.import_qdpx(_rewrite(out, tmp_path / "cleo.qdpx", add_cleo), book)
    assert coded["Cleo"] == {P["agenda"]["id"]: {"common_agenda"},
                             P["dashboard"]["id"]: {"continuous_communication"},
                             P["nothing"]["id"]: {"street_crime"}}
    assert coded["ana"] == _expected()["ana"]


def test_an_unknown_code_on_import_is_named(workspace, book, tmp_path):
    out, _ = _export(workspace, book, tmp_path)

    def add_code(root):
        codes = root.find("q:CodeBook/q:Codes", NS)
        ET.SubElement(codes, _q("Code"), guid="20000000-0000-4000-8000-000000000000", name="flooding",
                      isCodable="true")

    with pytest.raises(qda.QdaError, match=r"'flooding'.*not labels of codebook.*common_agenda"):
        qda.import_qdpx(_rewrite(out, tmp_path / "extra.qdpx", add_code), book)


def test_a_prediction_with_an_unknown_label_is_refused_naming_the_line(workspace, book, tmp_path):
    with open(workspace / "predictions.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": P["agenda"]["id"], "labels": ["flooding"]}) + "\n")
    with pytest.raises(InputLineError, match=r"predictions\.jsonl:8: unknown label\(s\) \['flooding'\]"):
        _export(workspace, book, tmp_path)
    assert not (tmp_path / "project.qdpx").exists()
