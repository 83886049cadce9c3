"""Find the PDFs under the user's inputs without following anything unsafe.

Folders are walked recursively for `*.pdf` in any case. Symlinks are followed
only when they stay inside the input folder and do not loop; dangling links,
pipes, sockets and devices are reported and never opened. Folders textci
wrote (markers.py) and the excluded ones (the command's own output folder) are
not searched: a workspace kept inside its corpus is never read back as input.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..data import ErrorRecord
from ..markers import FolderFilter


@dataclass(frozen=True)
class Found:
    path: Path   # what to open
    name: str    # how to refer to it in outputs (relative to its input folder)


def _skip(name: str, reason: str) -> ErrorRecord:
    return ErrorRecord(name, None, "discover", "UnsafePath", reason)


def discover(inputs: list[str | Path], excluded: list[str | Path] = ()) -> tuple[list[Found], list[ErrorRecord]]:
    """The PDFs under the inputs; `excluded` folders (e.g. the output folder) are not searched."""
    folders = FolderFilter(excluded)
    found: list[Found] = []
    problems: list[ErrorRecord] = []
    seen: set[str] = set()
    for raw in inputs:
        path = Path(raw)
        try:
            st = path.lstat()
        except OSError as exc:
            problems.append(ErrorRecord(str(raw), None, "discover", "FileNotFoundError",
                                        f"cannot read the input ({exc.strerror}); check the path"))
            continue
        if stat.S_ISDIR(path.stat().st_mode if stat.S_ISLNK(st.st_mode) and path.exists() else st.st_mode):
            _walk(path, found, problems, seen, "" if len(inputs) == 1 else str(raw).rstrip("/") + "/", folders)
        else:
            _add_file(path, path.name if len(inputs) == 1 else str(raw), found, problems, seen,
                      explicit=True)
    return found, problems


def _add_file(path: Path, name: str, found, problems, seen, explicit: bool = False) -> None:
    try:
        real = os.path.realpath(path)
        st = os.stat(path)
    except OSError:
        problems.append(_skip(name, "the link points to nothing (dangling symlink); skipped"))
        return
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(st.st_mode) else "not a regular file"
        problems.append(_skip(name, f"{kind}; skipped without opening it"))
        return
    if not explicit and not path.name.lower().endswith(".pdf"):
        return
    if real in seen:
        return
    seen.add(real)
    found.append(Found(Path(real), name))


def _walk(root: Path, found, problems, seen, base: str, folders: FolderFilter) -> None:
    root_real = os.path.realpath(root)
    visited_dirs = {root_real}
    stack = [(Path(root), base)]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(_skip(prefix or str(folder), f"cannot list the folder ({exc.strerror})"))
            continue
        subfolders = []
        for entry in entries:
            name = f"{prefix}{entry.name}"
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not os.path.exists(target):
                    if entry.name.lower().endswith(".pdf"):
                        problems.append(_skip(name, "the link points to nothing (dangling symlink); skipped"))
                    continue
                if os.path.commonpath([root_real, target]) != root_real:
                    problems.append(_skip(name, "the link leads outside the input folder; skipped"))
                    continue
                if os.path.isdir(target):
                    if target in visited_dirs or os.path.commonpath([target, os.path.realpath(folder)]) == target:
                        problems.append(_skip(name, "the link loops back to a folder already searched; skipped"))
                        continue
                    visited_dirs.add(target)
                    if folders.skip(target):
                        continue
                    subfolders.append((Path(entry.path), name + "/"))
                    continue
                _add_file(Path(entry.path), name, found, problems, seen)
            elif entry.is_dir(follow_symlinks=False):
                visited_dirs.add(os.path.realpath(entry.path))
                if folders.skip(entry.path):
                    continue
                subfolders.append((Path(entry.path), name + "/"))
            elif entry.name.lower().endswith(".pdf"):
                _add_file(Path(entry.path), name, found, problems, seen)
        stack.extend(reversed(subfolders))
