"""Progress of a run: a bar on a terminal, plain log lines otherwise (logs, CI, cron)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=sys.stderr, bar: bool = False):
        self.stream = stream
        self.bar = bar
        self._tqdm = None

    @classmethod
    def for_stream(cls, stream=sys.stderr) -> "Progress":
        return cls(stream, bar=hasattr(stream, "isatty") and stream.isatty())

    def start(self, total: int, cached: int) -> None:
        self.total, self.done, self.pages, self.passages = total, cached, 0, 0
        self.started = time.monotonic()
        self.log(f"{total} documents: {cached} unchanged (from the workspace cache), {total - cached} to process")
        if self.bar and total - cached:
            from tqdm import tqdm

            self._tqdm = tqdm(total=total, initial=cached, unit="doc", file=self.stream, dynamic_ncols=True)

    def document(self, name: str, records: dict) -> None:
        self.done += 1
        document = records["document.json"][0]
        self.pages += int(document.get("pages") or 0)
        self.passages += len(records["passages.jsonl"])
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if self._tqdm is not None:
            self._tqdm.set_postfix(pages=self.pages, passages=self.passages, refresh=False)
            self._tqdm.update(1)
            return
        remaining = self.total - self.done
        rate = self.pages / elapsed
        processed = max(1, self.done)
        eta = elapsed / processed * remaining
        status = "FAILED" if document["status"] == "failed" else document["status"]
        self.log(f"[{self.done}/{self.total}] {status:7s} {name} ({document.get('pages') or 0} pages, "
                 f"{len(records['passages.jsonl'])} passages) {rate:.1f} pages/s, ETA {eta:.0f} s")

    def log(self, message: str) -> None:
        if self._tqdm is not None:
            self._tqdm.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
