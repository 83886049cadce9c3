"""The codebook is data, validated on load with errors that name file, label and key."""
from pathlib import Path

import pytest
import yaml

from textci import codebook
from textci.errors import CodebookError

DATA = Path(__file__).parent / "data"
LABELS_MD = Path(__file__).resolve().parents[2] / "shared" / "LABELS.md"


def _write(tmp_path, mutate):
    data = yaml.safe_load((DATA / "two_labels.yaml").read_text("utf-8"))
    mutate(data)
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_shipped_codebook_has_exactly_the_public_label_ids():
    book = codebook.load()
    expected = {"common_agenda", "shared_measurement", "mutually_reinforcing_activities",
                "continuous_communication", "backbone_support", "street_crime", "gang_violence",
                "substance_abuse_nightlife", "youth_authority_polarisation", "discrimination_minorities",
                "radicalisation_extremism", "youth_justice", "public_space_safety"}
    assert set(book.label_ids) == expected
    assert set(book.languages) >= {"en", "fr", "de", "nl", "it", "es"}
    if LABELS_MD.exists():
        for label_id in book.label_ids:
            assert f"`{label_id}`" in LABELS_MD.read_text("utf-8")


def test_unknown_key_is_named_with_file_and_label(tmp_path):
    path = _write(tmp_path, lambda d: d["labels"][0].update(keywordz={"en": ["x"]}))
    with pytest.raises(CodebookError, match=r"book\.yaml.*label 'flooding'.*keywordz"):
        codebook.load(path)


def test_duplicate_label_id_is_an_error(tmp_path):
    path = _write(tmp_path, lambda d: d["labels"][1].update(id="flooding"))
    with pytest.raises(CodebookError, match=r"label 'flooding'.*duplicate id"):
        codebook.load(path)


def test_empty_language_is_named(tmp_path):
    path = _write(tmp_path, lambda d: d["labels"][1]["keywords"].update(de=[]))
    with pytest.raises(CodebookError, match=r"label 'heatwave', key 'keywords'.*language 'de'"):
        codebook.load(path)


def test_label_without_examples_is_an_error(tmp_path):
    path = _write(tmp_path, lambda d: d["labels"][0].pop("examples"))
    with pytest.raises(CodebookError, match=r"label 'flooding'.*missing key 'examples'"):
        codebook.load(path)


def test_unknown_dimension_is_an_error(tmp_path):
    path = _write(tmp_path, lambda d: d["labels"][0].update(dimension="weather"))
    with pytest.raises(CodebookError, match=r"label 'flooding', key 'dimension'.*weather"):
        codebook.load(path)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("labels: [unclosed", "utf-8")
    with pytest.raises(CodebookError, match="broken.yaml: not valid YAML"):
        codebook.load(path)
