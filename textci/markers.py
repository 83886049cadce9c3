"""Folders textci wrote are marked, so that a corpus search never reads them back as input.

A workspace or an output folder kept inside the corpus it came from is common
(`textci run reports -o reports/out`). Without a mark, the next run would take
the workspace's own `tables/cities.csv` for a city mapping, and its reports or
exports for documents. Every folder a command writes gets a small marker file;
discovery of documents and of `cities.csv` files skips marked folders (and the
run's own output folder) wherever they sit in the corpus.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

MARKER = ".textci-output"
LEGACY_STATE = ".textci"  # a workspace written before markers existed still holds its state folder


def mark_output(folder: Path, command: str) -> None:
    """Create `folder` if needed and leave the marker in it (once; never rewritten)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not marker.exists():
        note = {"written_by": "textci", "command": command,
                "note": "textci skips this folder when it searches a corpus for documents or cities.csv"}
        marker.write_text(json.dumps(note) + "\n", encoding="utf-8")


def holds_files(folder: Path) -> bool:
    """True when the folder holds anything besides textci's marker (i.e. results a command could overwrite)."""
    return any(entry.name != MARKER for entry in Path(folder).iterdir())


def is_output(folder: str | os.PathLike) -> bool:
    """True for a folder textci wrote (marker file, or a workspace's state folder)."""
    return os.path.isfile(os.path.join(folder, MARKER)) or os.path.isdir(os.path.join(folder, LEGACY_STATE))


class FolderFilter:
    """Decides which subfolders of a corpus to search: not textci's outputs, not the excluded ones."""

    def __init__(self, excluded: Iterable[str | os.PathLike] = ()):
        self.excluded = {os.path.realpath(p) for p in excluded}

    def skip(self, folder: str | os.PathLike) -> bool:
        return os.path.realpath(folder) in self.excluded or is_output(folder)


def find_named(root: Path, name: str, excluded: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Every file called `name` under root, sorted, outside textci's own output folders."""
    folders = FolderFilter(excluded)
    found = []
    for current, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not folders.skip(os.path.join(current, d))]
        if name in files:
            found.append(Path(current) / name)
    return sorted(found)
