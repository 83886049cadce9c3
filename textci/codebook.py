"""The codebook: labels, their meaning and signals per language, as validated data.

A codebook is a YAML file (see `codebooks/ci_urban_security.yaml`). It is
checked completely when loaded, and every problem names the file, the label
and the key, so a user editing their own codebook knows what to fix.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import CodebookError

DEFAULT = "ci_urban_security"
TOP_KEYS = {"name", "version", "description", "languages", "dimensions", "labels"}
LABEL_KEYS = {"id", "dimension", "name", "description", "descriptions", "keywords", "exclusions", "examples"}
PER_LANGUAGE = ("descriptions", "keywords", "exclusions", "examples")


@dataclass(frozen=True)
class Label:
    id: str
    dimension: str
    name: str
    description: str
    descriptions: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    exclusions: dict[str, tuple[str, ...]]
    examples: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    languages: tuple[str, ...]
    dimensions: dict[str, str]
    labels: tuple[Label, ...]
    source: str
    digest: str  # content hash: a model trained on one codebook refuses another

    @property
    def label_ids(self) -> tuple[str, ...]:
        return tuple(label.id for label in self.labels)

    def label(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)


def resolve(name_or_path: str | Path | None) -> Path:
    """A path to a codebook file: a file the user names, or one shipped by name."""
    if name_or_path is None:
        name_or_path = DEFAULT
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise CodebookError(f"codebook {path} does not exist")
        return path
    shipped = resources.files("textci") / "codebooks" / f"{name_or_path}.yaml"
    if not shipped.is_file():
        raise CodebookError(f"no codebook named {name_or_path!r}; give a path to a .yaml file")
    return Path(str(shipped))


def load(name_or_path: str | Path | None = None) -> Codebook:
    import yaml

    path = resolve(name_or_path)
    raw_text = path.read_bytes()
    try:
        data = yaml.load(raw_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 20x faster
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML ({exc})") from exc
    return parse(data, str(path), hashlib.sha256(raw_text).hexdigest()[:16])


def parse(data, source: str, digest: str = "") -> Codebook:
    def fail(where: str, problem: str):
        raise CodebookError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        fail("top level", "must be a mapping with keys " + ", ".join(sorted(TOP_KEYS)))
    unknown = set(data) - TOP_KEYS
    if unknown:
        fail("top level", f"unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    for key in ("name", "languages", "dimensions", "labels"):
        if key not in data:
            fail("top level", f"missing key {key!r}")
    languages = data["languages"]
    if not isinstance(languages, list) or not languages or not all(isinstance(l, str) for l in languages):
        fail("languages", "must be a non-empty list of language codes")
    dimensions = data["dimensions"]
    if not isinstance(dimensions, dict) or not dimensions:
        fail("dimensions", "must map each dimension id to a description")
    if not isinstance(data["labels"], list) or not data["labels"]:
        fail("labels", "must be a non-empty list")
    labels, seen = [], set()
    for index, entry in enumerate(data["labels"]):
        where = f"label #{index + 1}"
        if not isinstance(entry, dict):
            fail(where, "must be a mapping")
        label_id = entry.get("id")
        if not isinstance(label_id, str) or not label_id:
            fail(where, "missing key 'id'")
        where = f"label {label_id!r}"
        if label_id in seen:
            fail(where, "duplicate id")
        seen.add(label_id)
        unknown = set(entry) - LABEL_KEYS
        if unknown:
            fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(LABEL_KEYS)}")
        for key in ("dimension", "description", "keywords", "examples"):
            if key not in entry:
                fail(where, f"missing key {key!r}")
        if entry["dimension"] not in dimensions:
            fail(f"{where}, key 'dimension'", f"{entry['dimension']!r} is not one of {sorted(dimensions)}")
        per_language = {}
        for key in PER_LANGUAGE:
            value = entry.get(key, {})
            if not isinstance(value, dict):
                fail(f"{where}, key {key!r}", "must map each language code to its entries")
            extra = set(value) - set(languages)
            if extra:
                fail(f"{where}, key {key!r}", f"language(s) {sorted(extra)} not in languages {languages}")
            cleaned = {}
            for lang in languages:
                items = value.get(lang)
                if key == "exclusions" and items is None:
                    items = []
                if key == "descriptions" and items is None and key not in entry:
                    continue
                if items is None or (key != "exclusions" and not items):
                    fail(f"{where}, key {key!r}", f"language {lang!r} is missing or empty")
                if key == "descriptions":
                    if not isinstance(items, str):
                        fail(f"{where}, key {key!r}, language {lang!r}", "must be a string")
                    cleaned[lang] = items.strip()
                    continue
                if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                    fail(f"{where}, key {key!r}, language {lang!r}", "must be a list of non-empty strings")
                cleaned[lang] = tuple(i.strip() for i in items)
            per_language[key] = cleaned
        labels.append(Label(id=label_id, dimension=entry["dimension"], name=str(entry.get("name", label_id)),
                            description=str(entry["description"]).strip(), **per_language))
    return Codebook(name=str(data["name"]), version=str(data.get("version", "1")), languages=tuple(languages),
                    dimensions={str(k): str(v) for k, v in dimensions.items()}, labels=tuple(labels),
                    source=source, digest=digest)
