"""Reading and writing the JSONL files users open: atomic, UTF-8, sorted keys."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputLineError


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def user_cache_dir() -> Path | None:
    """Where textci keeps what it can rebuild ($TEXTCI_CACHE or ~/.cache/textci); None when TEXTCI_CACHE=off."""
    where = os.environ.get("TEXTCI_CACHE", str(Path.home() / ".cache" / "textci"))
    return None if where.lower() in ("off", "none", "0", "") else Path(where)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MB chunks (reports and model files can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _clean(value):
    """Make any string valid UTF-8: lone surrogates from broken PDFs become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file so that readers see either the old or the complete new content."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside `path` for writers that want a file name (Parquet, Excel).

    It replaces `path` when the block ends without error and is removed otherwise.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # as open() would create it, not mkstemp's owner-only 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def xlsx_as_text(cell) -> None:
    """Text a spreadsheet must not run as a formula stays text, shown as it is (no added apostrophe)."""
    if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"
        cell.quotePrefix = True  # what typing a leading ' in Excel sets: an edited cell stays text too


def dumps_jsonl(records: Iterable[dict]) -> str:
    return "".join(json.dumps(_clean(r), ensure_ascii=False) + "\n" for r in records)


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    write_atomic(path, dumps_jsonl(records))


def write_parquet(frame, path: Path) -> None:
    """A pandas frame as Parquet, atomically (readers never see half a file)."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow")


def decode_line(where: str, raw: bytes) -> str:
    """One line of a file as text; bytes that are not UTF-8 raise an error naming `where` (file:line)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputLineError(f"{where}: not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8") from exc


def json_object(where: str, line: bytes | str, fields: str = "") -> dict:
    """One JSONL line as a dict; anything else raises an error naming `where` and, if given, the fields wanted."""
    text = decode_line(where, line) if isinstance(line, bytes) else line
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputLineError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InputLineError(f"{where}: expected a JSON object" + (f" with {fields}" if fields else ""))
    return record


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, raw bytes) of a file; a file that cannot be opened raises an error naming it."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputLineError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        yield from enumerate(handle, start=1)
