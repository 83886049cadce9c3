"""themes.json and passage_themes.jsonl, with each theme broken down by city and by label."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..io import write_atomic, write_jsonl
from .model import ThemeResult


def theme_records(result: ThemeResult, city_of: dict[str, str] | None = None,
                  labels_of: dict[str, tuple[str, ...]] | None = None) -> dict:
    """themes.json content: each theme with its passages counted per city and per predicted label."""
    members: dict[int, list[str]] = {}
    for a in result.assignments:
        members.setdefault(a.theme, []).append(a.id)
    data = result.to_json()
    for theme in data["themes"]:
        ids = members.get(theme["id"], [])
        if city_of is not None:
            theme["cities"] = dict(sorted(Counter(city_of.get(i, "unassigned") for i in ids).items()))
        if labels_of is not None:
            counts = Counter(label for i in ids for label in labels_of.get(i, ()))
            theme["labels"] = dict(sorted(counts.items()))
    return data


def write_themes(result: ThemeResult, outdir: Path, city_of=None, labels_of=None) -> None:
    outdir = Path(outdir)
    write_atomic(outdir / "themes.json",
                 json.dumps(theme_records(result, city_of, labels_of), ensure_ascii=False, indent=1) + "\n")
    write_jsonl(outdir / "passage_themes.jsonl", (a.to_json() for a in result.assignments))
