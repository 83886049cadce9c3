"""Find the reports under the user's inputs without following anything unsafe.

Folders are walked recursively for the formats a reader takes (`*.pdf`,
`*.docx`, `*.odt`, `*.html`, `*.htm`, `*.txt`, `*.md`, in any case); any
other file is listed once as an `UnsupportedFormat` problem, with what to do
about it, except hidden files and the corpus's own `cities.csv`. `--include`
and `--exclude` globs (matched against the name relative to the input folder
and against the bare file name) choose among them. Symlinks are followed
only when they stay inside the input folder and do not loop; dangling links,
pipes, sockets and devices are reported and never opened. Folders textci
wrote (markers.py) and the excluded ones (the command's own output folder) are
not searched: a workspace kept inside its corpus is never read back as input.
"""
from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from ..data import ErrorRecord
from ..markers import FolderFilter
from .readers import format_of, unsupported_hint

UNSUPPORTED = "UnsupportedFormat"
NOT_LISTED = {"cities.csv", "thumbs.db", "desktop.ini"}   # the corpus's own mapping, system litter


@dataclass(frozen=True)
class Found:
    path: Path   # what to open
    name: str    # how to refer to it in outputs (relative to its input folder)


@dataclass(frozen=True)
class Selection:
    """Which files of a corpus to take: --include and --exclude globs."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def takes(self, name: str) -> bool:
        matches = lambda patterns: any(fnmatch(name, p) or fnmatch(PurePosixPath(name).name, p)  # noqa: E731
                                       for p in patterns)
        return (not self.include or matches(self.include)) and not matches(self.exclude)


def is_unsupported(problem: ErrorRecord) -> bool:
    """A file skipped for its format: listed for the user, but neither a failure nor a document."""
    return problem.error == UNSUPPORTED


def unsupported_counts(problems: Iterable[ErrorRecord]) -> Counter[str]:
    """Skipped files by extension, for the summary line."""
    return Counter(PurePosixPath(p.file).suffix.lower() or "(none)" for p in problems if is_unsupported(p))


def _skip(name: str, reason: str) -> ErrorRecord:
    return ErrorRecord(name, None, "discover", "UnsafePath", reason)


def discover(inputs: list[str | Path], excluded: list[str | Path] = (), include: Sequence[str] = (),
             exclude: Sequence[str] = ()) -> tuple[list[Found], list[ErrorRecord]]:
    """The reports under the inputs, and the problems (unsupported files among them, see `is_unsupported`).

    `excluded` folders (e.g. the output folder) are not searched; `include`
    and `exclude` are globs choosing files.
    """
    folders = FolderFilter(excluded)
    selection = Selection(tuple(include), tuple(exclude))
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
            _walk(path, found, problems, seen, "" if len(inputs) == 1 else str(raw).rstrip("/") + "/", folders,
                  selection)
        else:
            _add_file(path, path.name if len(inputs) == 1 else str(raw), found, problems, seen)
    return found, problems


def _add_file(path: Path, name: str, found, problems, seen) -> None:
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
    if real in seen:
        return
    seen.add(real)
    found.append(Found(Path(real), name))


def _wanted(name: str, problems: list[ErrorRecord], selection: Selection) -> bool:
    """True for a report to read; an unsupported file is listed (once) instead, litter is passed over."""
    base = PurePosixPath(name).name
    if base.startswith(".") or base.lower() in NOT_LISTED or not selection.takes(name):
        return False
    if format_of(base) is None:
        problems.append(ErrorRecord(name, None, "discover", UNSUPPORTED, unsupported_hint(base)))
        return False
    return True


def _walk(root: Path, found, problems, seen, base: str, folders: FolderFilter, selection: Selection) -> None:
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
                    if format_of(entry.name) is not None and selection.takes(name):
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
                if _wanted(name, problems, selection):
                    _add_file(Path(entry.path), name, found, problems, seen)
            elif entry.is_dir(follow_symlinks=False):
                visited_dirs.add(os.path.realpath(entry.path))
                if folders.skip(entry.path):
                    continue
                subfolders.append((Path(entry.path), name + "/"))
            elif _wanted(name, problems, selection):
                _add_file(Path(entry.path), name, found, problems, seen)
        stack.extend(reversed(subfolders))
