"""One document's work, the same on a local worker and on a Dask worker: extract, then classify."""
from __future__ import annotations

import multiprocessing
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path

from ..data import Document, Sample

# Failures that depend on the limits rather than on the file: retried when the limits change.
LIMIT_FAILURES = frozenset({"Timeout", "WorkerCrashed", "OutOfMemory"})


def document_records(document: Document) -> dict[str, list[dict]]:
    return {"document.json": [document.to_json()],
            "pages.jsonl": [p.to_json() for p in document.page_records],
            "passages.jsonl": [p.to_json() for p in document.passages],
            "errors.jsonl": [e.to_json() for e in document.errors]}


def failure_kind(records: dict[str, list[dict]]) -> str | None:
    document = records["document.json"][0]
    if document["status"] != "failed":
        return None
    errors = records["errors.jsonl"]
    return errors[0]["error"] if errors else "failed"


def classify_records(passages: list[dict], model, cache=None) -> list[dict]:
    samples = [Sample(p["id"], p["text"], p.get("lang")) for p in passages]
    return [p.to_json() for p in model.classify(samples, cache=cache)] if samples else []


@lru_cache(maxsize=2)
def cached_model(reference: str):
    """The model, loaded once per process (a Dask worker keeps it between documents)."""
    from ..classification import load

    return load(reference)


def process_document(path: str, name: str, options, limits, model_reference: str | None,
                     records: dict | None = None, stop_event: str | None = None) -> dict:
    """Extract (unless `records` are given) in an isolated child, then classify: plain dicts back.

    Runs on Dask workers: everything it needs comes in as arguments, the
    result goes back as JSON-ready records, and the model stays loaded in the
    worker process between calls. `stop_event` names a Dask Event the client
    sets when the run stops: the extraction child is then killed.
    """
    from ..extraction.isolate import run_isolated
    from ..extraction.document import extract_document

    if records is None:
        from ..extraction import warm_up

        warm_up()  # language and sentence models load once per worker, not once per forked child
        with _children_allowed(), closing(run_isolated([(name, extract_document, (Path(path), name, options))],
                                                       1, limits, should_stop=_stop_check(stop_event))) as docs:
            document = next(docs)
        records = document_records(document)
    predictions = None
    if model_reference is not None:
        predictions = classify_records(records["passages.jsonl"], cached_model(model_reference))
    return {"records": records, "predictions": predictions}


def _stop_check(event_name: str | None):
    if event_name is None:
        return None
    from distributed import Event

    event = Event(event_name)
    return event.is_set


@contextmanager
def _children_allowed():
    """Let a daemonic process (a Dask worker under its nanny) fork the per-document child.

    multiprocessing forbids it so that daemons leave no orphans; run_isolated
    always waits for or kills its child before returning, so none is left.
    """
    config = multiprocessing.current_process()._config
    daemon = config.pop("daemon", None)
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon
