"""Reading JSONL inputs line by line, with errors that name the line."""
from __future__ import annotations

from pathlib import Path

from ..data import Sample
from ..errors import InputLineError
from ..io import decode_line, json_object, numbered_lines

MAX_CHARS = 100_000


def read_samples(path: Path, known_labels: tuple[str, ...] | None = None, need_labels: bool = False,
                 problems: list[InputLineError] | None = None) -> list[Sample]:
    """Samples from a JSONL file whose lines have `id`, `text`, optionally `lang` and `labels`.

    A bad line raises InputLineError naming file and line; when `problems` is
    given the error is collected there instead and reading goes on.
    """
    samples, seen = [], set()
    for number, line in numbered_lines(path):
        try:
            sample = _parse(path, number, line, known_labels, need_labels)
            if sample.id in seen:
                raise InputLineError(f"{path}:{number}: id {sample.id!r} appears twice; ids must be unique")
            seen.add(sample.id)
            samples.append(sample)
        except InputLineError as exc:
            if problems is None:
                raise
            problems.append(exc)
    return samples


def _parse(path, number, raw: bytes, known_labels, need_labels) -> Sample:
    where = f"{path}:{number}"
    line = decode_line(where, raw)
    if not line.strip():
        raise InputLineError(f"{where}: blank line; remove it")
    if len(line) > MAX_CHARS + 1000:
        raise InputLineError(f"{where}: line of {len(line)} characters, above the limit of {MAX_CHARS}; "
                             "split the passage")
    data = json_object(where, line, "'id' and 'text'")
    for key in ("id", "text"):
        if key not in data:
            raise InputLineError(f"{where}: missing key {key!r}")
    text = data["text"]
    if not isinstance(text, str) or not text.strip():
        raise InputLineError(f"{where}: 'text' must be a non-empty string")
    if len(text) > MAX_CHARS:
        raise InputLineError(f"{where}: text of {len(text)} characters, above the limit of {MAX_CHARS}; "
                             "split the passage")
    labels = data.get("labels")
    if need_labels and labels is None:
        raise InputLineError(f"{where}: missing key 'labels' (a list of label ids, possibly empty)")
    if labels is not None:
        if not isinstance(labels, list) or not all(isinstance(l, str) for l in labels):
            raise InputLineError(f"{where}: 'labels' must be a list of label ids")
        if known_labels is not None:
            unknown = sorted(set(labels) - set(known_labels))
            if unknown:
                raise InputLineError(f"{where}: unknown label(s) {unknown}; the codebook has "
                                     f"{', '.join(known_labels)}")
        labels = tuple(labels)
    lang = data.get("lang")
    source = data.get("source")  # the page a training passage paraphrases: cross-validation keeps it whole
    return Sample(id=str(data["id"]), text=text, lang=lang if isinstance(lang, str) else None, labels=labels,
                  group=source if isinstance(source, str) and source else None)
