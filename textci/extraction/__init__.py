"""Reports (PDF, DOCX, ODT, HTML, TXT, MD) -> clean, page-cited text: the `extract` stage of the pipeline.

    >>> import textci
    >>> result = textci.extract(["reports/"])          # doctest: +SKIP
    >>> result.documents[0].passages[0].page            # doctest: +SKIP
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..data import Document, ErrorRecord, Page, Passage
from ..errors import NothingToRead
from ..interrupt import Interrupted
from .discover import discover, is_unsupported, unsupported_counts
from .document import ExtractOptions, extract_document
from .isolate import Limits, failed, run_isolated


@dataclass(frozen=True)
class ExtractionResult:
    documents: tuple[Document, ...]     # one per input file, in input order
    errors: tuple[ErrorRecord, ...]     # discovery problems (unsupported files too), failed files, failed pages

    @property
    def pages(self) -> list[Page]:
        return [p for d in self.documents for p in d.page_records]

    @property
    def passages(self) -> list[Passage]:
        return [p for d in self.documents for p in d.passages]

    @property
    def exit_status(self) -> int:
        """0 all succeeded, 3 some failed (the rest complete), 1 nothing processed."""
        if not self.documents:
            return 1
        succeeded = [d for d in self.documents if d.status != "failed"]
        if not succeeded:
            return 1
        return 0 if not any(not is_unsupported(e) for e in self.errors) else 3

    @property
    def unsupported(self) -> dict[str, int]:
        """Files skipped for their format, by extension (they do not change the exit status)."""
        return dict(sorted(unsupported_counts(self.errors).items()))


def warm_up() -> None:
    """Load the language model once, before workers fork."""
    from ..segment import language

    language.warm_up()


def extract(inputs: Sequence[str | Path], options: ExtractOptions | None = None, *,
            workers: int | None = None, limits: Limits | None = None,
            on_document: Callable[[Document], None] | None = None,
            excluded: Sequence[str | Path] = (), include: Sequence[str] = (),
            exclude: Sequence[str] = ()) -> ExtractionResult:
    """Extract every report found under `inputs` (not under `excluded` folders); bad files fail alone.

    `include` and `exclude` are globs choosing files (e.g. `exclude=["README*"]`).
    """
    options = options or ExtractOptions()
    limits = limits or Limits()
    found, problems = discover(list(inputs), excluded=list(excluded), include=include, exclude=exclude)
    if not found:
        raise NothingToRead(list(inputs), problems)
    warm_up()
    jobs = [(f.name, extract_document, (f.path, f.name, options)) for f in found]
    by_name: dict[str, Document] = {}
    try:
        with closing(run_isolated(jobs, workers or os.cpu_count() or 1, limits)) as documents:
            for document in documents:
                by_name[document.file] = document
                if on_document:
                    on_document(document)
    except Interrupted as stop:
        stop.done, stop.total = len(by_name), len(found)
        raise
    documents = [by_name[f.name] for f in found]
    documents += [failed(p.file, p.error, p.message, stage=p.stage) for p in problems if not is_unsupported(p)]
    all_errors = list(problems) + [e for d in documents[:len(found)] for e in d.errors]
    return ExtractionResult(tuple(documents), tuple(all_errors))


__all__ = ["ExtractOptions", "ExtractionResult", "Limits", "extract", "extract_document"]
