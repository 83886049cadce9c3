"""`textci run`: an archive treated like a build: only new or changed documents are processed.

Per document, extraction and classification results are cached by content
(cache.py); the workspace files are then assembled from the cache in file
order, so an incremental run writes exactly what a fresh run would. The
corpus-level steps (themes, comparison, report) run again only when some
document, the city mapping or the configuration changed. A lock keeps a
second run off the same workspace; every file is written atomically, so a
run killed at any point is resumed by running it again.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import workspace as W
from ..errors import NothingToRead, UsageError
from ..interrupt import Interrupted
from ..io import write_atomic, write_jsonl
from ..markers import holds_files, mark_output
from .cache import STATE, FileHashes, ResultCache, digest
from .progress import Progress
from .work import LIMIT_FAILURES, cached_model, classify_records, document_records, failure_kind

FORMAT = "textci-workspace/1"
# Part of the extraction cache key: results made before documents had a format are redone.
READERS_VERSION = "readers/1"


@dataclass
class RunStats:
    documents: int = 0
    failed: int = 0
    problems: int = 0       # lines in errors.jsonl (failed files, unreadable pages, duplicates)
    unsupported: dict = field(default_factory=dict)   # files skipped for their format, by extension
    pages: int = 0
    passages: int = 0
    extracted: int = 0      # documents extracted in this run (the rest came from the cache)
    classified: int = 0
    corpus_steps: bool = False
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    workspace: Path
    report: Path
    exit_status: int
    stats: RunStats

    @property
    def summary(self) -> str:
        s = self.stats
        skipped = ""
        if s.unsupported:
            by_kind = ", ".join(f"{n} {ext}" for ext, n in sorted(s.unsupported.items()))
            skipped = f"; skipped {sum(s.unsupported.values())} files of unsupported formats ({by_kind})"
        return (f"{s.documents} documents ({s.documents - s.failed} ok, {s.failed} failed), {s.pages} pages, "
                f"{s.passages} passages in {s.seconds:.1f} s; extracted {s.extracted}, classified {s.classified}, "
                f"the rest from the workspace cache" + ("" if s.corpus_steps else "; themes and report unchanged")
                + skipped)


_HELD_LOCKS: set = set()


def _drop_locks_in_child() -> None:
    """A forked worker must not keep the workspace locked after its parent dies."""
    for handle in list(_HELD_LOCKS):
        try:
            handle.close()  # closes the child's copy of the descriptor; the parent keeps the lock
        except OSError:
            pass
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)


class WorkspaceLock:
    """An exclusive lock on the workspace, released by the OS even if the process is killed."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / STATE / "lock"

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a+")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "another process"
            self._handle.close()
            raise UsageError(f"{self.path.parent.parent} is in use by another textci run ({holder}); "
                             "wait for it to finish or use another workspace") from None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(f"pid {os.getpid()}")
        self._handle.flush()
        _HELD_LOCKS.add(self._handle)
        return self

    def __exit__(self, *exc):
        _HELD_LOCKS.discard(self._handle)
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def check_workspace(folder: Path, force: bool) -> None:
    """A workspace is reused; any other non-empty folder needs --force."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder; choose another -o")
    if folder.is_dir() and not (folder / STATE).is_dir() and holds_files(folder) and not force:
        raise UsageError(f"{folder} is not empty and is not a textci workspace; pass --force to use it "
                         "anyway, or choose another -o")
    folder.mkdir(parents=True, exist_ok=True)


def model_digest(folder: Path) -> str:
    return digest(*((folder / name).read_bytes().hex() for name in ("model.json", "state.npz")))


def run(corpus: Path, workspace: Path, *, model_name: str | None = None, theme_config=None,
        extract_options=None, limits=None, workers: int | None = None, evaluation: Path | None = None,
        scheduler: str | None = None, progress: Progress | None = None, include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = ()) -> RunResult:
    """Bring the workspace up to date with the corpus (`include`/`exclude` globs choose its files)."""
    from ..classification.model import resolve
    from ..extraction import ExtractOptions, Limits
    from ..themes import ThemeConfig

    started = time.perf_counter()
    corpus, workspace = Path(corpus), Path(workspace)
    options = extract_options or ExtractOptions()
    limits = limits or Limits()
    theme_config = theme_config or ThemeConfig()
    model_folder = resolve(model_name).resolve()
    progress = progress or Progress.for_stream(sys.stderr)
    mark_output(workspace, "run")
    with WorkspaceLock(workspace):
        stats = RunStats()
        jobs, problems, duplicates = _plan(corpus, workspace, options, limits, model_folder, include, exclude)
        if not jobs:
            write_jsonl(workspace / W.ERRORS, (p.to_json() for p in problems + duplicates))
            raise NothingToRead([corpus], problems + duplicates, workspace / W.ERRORS)
        extract_cache, classify_cache = ResultCache(workspace, "extract"), ResultCache(workspace, "classify")
        extract_cache.sweep()
        classify_cache.sweep()
        todo = [j for j in jobs if not classify_cache.has(j.classify_key) or not j.cached_extraction(extract_cache)]
        progress.start(len(jobs), len(jobs) - len(todo))
        t = time.perf_counter()
        try:
            _execute(todo, workspace, extract_cache, classify_cache, options, limits, model_folder, workers,
                     scheduler, progress, stats)
        except Interrupted as stop:
            progress.close()
            stop.done, stop.total = len(jobs) - len(todo) + stats.classified, len(jobs)
            raise
        stats.timings["documents"] = time.perf_counter() - t
        progress.close()
        from ..cities import map_cities

        from ..extraction.discover import is_unsupported

        cities = map_cities([j.name for j in jobs] + [p.file for p in problems + duplicates if not is_unsupported(p)],
                            corpus,
                            excluded=[workspace])
        documents_key = digest(sorted((j.name, j.classify_key) for j in jobs),
                               [p.to_json() for p in problems + duplicates], _cities_fingerprint(corpus, workspace))
        if not _assembled(workspace, documents_key, stats):
            _assemble(jobs, problems, duplicates, extract_cache, classify_cache, workspace, stats, cities)
            _remember_assembly(workspace, documents_key, stats)
        corpus_key = digest(documents_key, theme_config.to_json(), str(evaluation or ""), _read_bytes(evaluation))
        previous = _read_run_info(workspace)
        report = workspace / "report.html"
        if previous.get("corpus_key") != corpus_key or not report.exists():
            t = time.perf_counter()
            try:
                run_info = _corpus_steps(corpus, workspace, cities, model_name, model_folder, theme_config,
                                         evaluation, corpus_key, progress)
            except Interrupted as stop:
                stop.done = stop.total = len(jobs)
                stop.stage = "themes, comparison and report"
                raise
            stats.timings["corpus"] = time.perf_counter() - t
            stats.corpus_steps = True
            write_atomic(workspace / "run.json", json.dumps(run_info, indent=1, ensure_ascii=False) + "\n")
        from ..explore.database import build_database

        build_database(workspace)  # textci.db, rewritten only when a file above changed
        stats.seconds = time.perf_counter() - started
    status = 1 if not stats.documents or stats.failed == stats.documents else (3 if stats.problems else 0)
    return RunResult(workspace, report, status, stats)


@dataclass(frozen=True)
class Job:
    path: Path
    name: str
    sha256: str
    extract_key: str
    failure_key: str     # where a limit-dependent failure (timeout, crash) is remembered
    classify_key: str

    def cached_extraction(self, cache: ResultCache) -> str | None:
        for key in (self.extract_key, self.failure_key):
            if cache.has(key):
                return key
        return None


def _plan(corpus, workspace, options, limits, model_folder, include=(), exclude=()):
    from ..data import ErrorRecord
    from ..extraction.discover import discover

    found, problems = discover([corpus], excluded=[workspace], include=include, exclude=exclude)
    hashes = FileHashes(workspace / STATE / "files.sqlite")
    model_key = model_digest(model_folder)
    jobs, first_by_hash, duplicates = [], {}, []
    options_key, limits_key = digest(asdict(options)), digest(asdict(limits))
    for item in found:
        try:
            sha = hashes.sha256(item.path)
        except OSError as exc:
            problems.append(ErrorRecord(item.name, None, "discover", "InputFileError",
                                        f"cannot read the file ({exc.strerror})"))
            continue
        if sha in first_by_hash:
            duplicates.append(ErrorRecord(item.name, None, "discover", "Duplicate",
                                          f"same content as {first_by_hash[sha]}; processed once, under that name"))
            continue
        first_by_hash[sha] = item.name
        extract_key = digest("extract", READERS_VERSION, sha, options_key)
        jobs.append(Job(item.path, item.name, sha, extract_key, digest("extract-failure", sha, options_key, limits_key),
                        digest("classify", extract_key, model_key)))
    hashes.close()
    return jobs, problems, duplicates


def _execute(todo, workspace, extract_cache, classify_cache, options, limits, model_folder, workers, scheduler,
             progress, stats):
    if not todo:
        return
    if scheduler:
        from .dask_backend import run_on_dask

        for job, result in run_on_dask(scheduler, todo, extract_cache, options, limits, str(model_folder)):
            _store(job, result["records"], result["predictions"], extract_cache, classify_cache, stats,
                   extracted=job.cached_extraction(extract_cache) is None)
            progress.document(job.name, result["records"])
        return
    from ..classification.embeddings import EmbeddingCache
    from ..extraction import warm_up
    from ..extraction.document import extract_document
    from ..extraction.isolate import run_isolated

    model = cached_model(str(model_folder))
    # the workspace's embedding cache, which the themes step reads: passages are embedded once
    vectors = EmbeddingCache(workspace / STATE / "embeddings.sqlite")
    by_name = {j.name: j for j in todo}
    need = [j for j in todo if j.cached_extraction(extract_cache) is None]
    for job in todo:
        key = job.cached_extraction(extract_cache)
        if key is not None:  # extracted before (e.g. with another model): classify only
            records = {n: extract_cache.read(key, n) for n in ("document.json", "pages.jsonl", "passages.jsonl",
                                                                  "errors.jsonl")}
            _store(job, records, classify_records(records["passages.jsonl"], model, vectors), extract_cache,
                   classify_cache, stats, extracted=False)
            progress.document(job.name, records)
    if need:
        warm_up()
        jobs = [(j.name, extract_document, (j.path, j.name, options)) for j in need]
        with closing(run_isolated(jobs, workers or os.cpu_count() or 1, limits)) as documents:
            for document in documents:
                job = by_name[document.file]
                records = document_records(document)
                _store(job, records, classify_records(records["passages.jsonl"], model, vectors), extract_cache,
                       classify_cache, stats, extracted=True)
                progress.document(job.name, records)


def _store(job, records, predictions, extract_cache, classify_cache, stats, extracted: bool):
    kind = failure_kind(records)
    if extracted:
        extract_cache.put(job.failure_key if kind in LIMIT_FAILURES else job.extract_key, records)
        stats.extracted += 1
    classify_cache.put(job.classify_key, {"predictions.jsonl": predictions or []})
    stats.classified += 1


def _assemble(jobs, problems, duplicates, extract_cache, classify_cache, workspace, stats, cities):
    """Workspace JSONL (and Parquet) from the cache, in file order, with each file's current name."""
    from ..extraction.discover import is_unsupported, unsupported_counts
    from ..extraction.readers import format_of

    documents, pages, passages, errors, predictions = [], [], [], [], []
    for job in sorted(jobs, key=lambda j: j.name):
        key = job.cached_extraction(extract_cache)
        rename = lambda records: [dict(r, file=job.name) if "file" in r else r for r in records]  # noqa: E731
        document = rename(extract_cache.read(key, "document.json"))[0]
        documents.append(document)
        pages += rename(extract_cache.read(key, "pages.jsonl"))
        passages += rename(extract_cache.read(key, "passages.jsonl"))
        errors += rename(extract_cache.read(key, "errors.jsonl"))
        predictions += classify_cache.read(job.classify_key, "predictions.jsonl")
        stats.failed += document["status"] == "failed"
    for problem in sorted(problems + duplicates, key=lambda p: p.file):
        errors.append(problem.to_json())
        if is_unsupported(problem):
            continue
        documents.append({"doc_id": None, "file": problem.file, "pages": 0, "lang": None, "status": "failed",
                          "method": "none", "format": format_of(problem.file)})
        stats.failed += 1
    stats.documents, stats.pages, stats.passages = len(documents), len(pages), len(passages)
    stats.unsupported = dict(sorted(unsupported_counts(problems).items()))
    stats.problems = len(errors) - sum(stats.unsupported.values())
    for name, records in ((W.DOCUMENTS, documents), (W.PAGES, pages), (W.PASSAGES, passages),
                          (W.ERRORS, errors), (W.PREDICTIONS, predictions)):
        write_jsonl(workspace / name, records)
    from .parquet import write_parquet_views

    write_parquet_views(workspace, documents, pages, passages, predictions, cities.city_of)


ASSEMBLED = "assembled.json"
COUNTS = ("documents", "failed", "problems", "pages", "passages", "unsupported")


def _assembled(workspace: Path, key: str, stats: RunStats) -> bool:
    """True when the workspace files already hold exactly these documents' results (then counts are restored)."""
    try:
        state = json.loads((workspace / STATE / ASSEMBLED).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    names = (W.DOCUMENTS, W.PAGES, W.PASSAGES, W.ERRORS, W.PREDICTIONS)
    if state.get("key") != key or not all((workspace / n).exists() for n in names):
        return False
    for name in COUNTS:
        setattr(stats, name, state["counts"].get(name, {} if name == "unsupported" else 0))
    return True


def _remember_assembly(workspace: Path, key: str, stats: RunStats) -> None:
    counts = {name: getattr(stats, name) for name in COUNTS}
    write_atomic(workspace / STATE / ASSEMBLED, json.dumps({"key": key, "counts": counts}) + "\n")


def _corpus_steps(corpus, workspace, cities, model_name, model_folder, theme_config, evaluation, corpus_key,
                  progress):
    from ..compare import compare, write_tables
    from ..pipeline import themes_for, write_cities
    from ..report import build_report

    model = cached_model(str(model_folder))  # loaded once for both steps
    for warning in cities.warnings:
        progress.log(f"warning: {warning}")
    write_cities(cities, workspace / W.CITIES)
    ws = W.Workspace.load(workspace)
    progress.log(f"themes: {len(ws.passages)} passages")
    themes_for(ws.passages, workspace, theme_config, cities, ws.predictions, model.codebook,
               cache_folder=workspace / STATE)
    ws.load_themes()
    progress.log("compare and report")
    comparison = compare(ws, cities, model.codebook)
    write_tables(comparison, workspace / "tables")
    run_info = {"format": FORMAT, "corpus": str(Path(corpus).resolve()), "model": model_name or "default",
                "model_info": dict(model.info, thresholds=dict(zip(model.label_ids, model.thresholds.round(4).tolist()))),
                "classifier": model.classifier.name, "codebook": model.codebook.name,
                "themes": theme_config.to_json(), "corpus_key": corpus_key}
    evaluation_data = json.loads(Path(evaluation).read_text("utf-8")) if evaluation else None
    build_report(ws, comparison, model.codebook, workspace / "report.html", run_info=run_info,
                 evaluation=evaluation_data, corpus=corpus)
    return run_info


def _cities_fingerprint(corpus: Path, workspace: Path) -> list:
    from ..cities import corpus_city_files

    return sorted((str(p.relative_to(corpus)), p.read_bytes().hex()) for p in corpus_city_files(corpus, [workspace]))


def _read_bytes(path) -> str:
    return Path(path).read_bytes().hex() if path else ""


def _read_run_info(workspace: Path) -> dict:
    try:
        return json.loads((workspace / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
