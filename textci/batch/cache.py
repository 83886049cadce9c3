"""The workspace's memory: what each document gave, keyed by its content and the configuration.

    .textci/extract/<key>/    document.json pages.jsonl passages.jsonl errors.jsonl
    .textci/classify/<key>/   predictions.jsonl
    .textci/files.sqlite      path, size, mtime -> sha256 (so unchanged files are not re-hashed)

A key is a hash of the file's bytes and of everything that changes the
result (extraction options; for classification also the model's and the
codebook's digests), so a renamed file costs nothing and a new model redoes
classification only. Entries are written to a temporary folder and renamed
into place: a kill at any moment leaves either a complete entry or none.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from ..io import dumps_jsonl

STATE = ".textci"


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class FileHashes:
    """sha256 of each input, recomputed only when its size or modification time changes."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                         "mtime_ns INTEGER, sha256 TEXT)")

    def sha256(self, path: Path) -> str:
        st = os.stat(path)
        key = str(Path(path).resolve())
        row = self._db.execute("SELECT size, mtime_ns, sha256 FROM files WHERE path = ?", (key,)).fetchone()
        if row and row[0] == st.st_size and row[1] == st.st_mtime_ns:
            return row[2]
        from ..extraction.document import content_hash

        value = content_hash(path)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                             (key, st.st_size, st.st_mtime_ns, value))
        return value

    def close(self) -> None:
        self._db.close()


class ResultCache:
    """Folders of JSONL per key, for one stage (`extract` or `classify`)."""

    def __init__(self, root: Path, stage: str):
        self.folder = Path(root) / STATE / stage
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.path(key) / "done").exists()

    def read(self, key: str, name: str) -> list[dict]:
        file = self.path(key) / name
        if not file.exists():
            return []
        return [json.loads(line) for line in file.read_text("utf-8").splitlines() if line]

    def put(self, key: str, files: dict[str, list[dict]]) -> None:
        """Write all files of an entry, then rename the folder into place (atomic on one filesystem)."""
        target = self.path(key)
        if self.has(key):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=target.parent))
        try:
            for name, records in files.items():
                (staging / name).write_text(dumps_jsonl(records), encoding="utf-8")
            (staging / "done").write_text("", encoding="utf-8")
            for item in staging.iterdir():
                with open(item, "rb") as handle:
                    os.fsync(handle.fileno())
            if target.exists():  # a half entry from an older crash (no `done`): replace it
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def sweep(self) -> None:
        """Remove staging folders a killed run left behind."""
        for leftover in self.folder.glob("*/.*"):
            shutil.rmtree(leftover, ignore_errors=True)
