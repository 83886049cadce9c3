"""Per-document work on an existing Dask cluster: `textci run --scheduler tcp://HOST:PORT`.

Workers need the PDFs and the model folder at the same paths (a shared
filesystem), as is usual on a cluster. Each task extracts one document in an
isolated child process with the run's limits and classifies it with a model
loaded once per worker process; results come back as records and are cached
in the workspace by the client, exactly as in a local run.

When the run is stopped (Ctrl-C, SIGTERM, an error), pending tasks are
cancelled and running ones are told to stop through a Dask Event, which the
task polls while its extraction child runs; the cluster's workers stay up.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator


def run_on_dask(address: str, jobs, extract_cache, options, limits, model_reference: str) -> Iterator[tuple]:
    from distributed import Client, Event, as_completed

    from .work import process_document

    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        from ..errors import UsageError

        raise UsageError(f"cannot reach the Dask scheduler at {address} ({exc}); start it with "
                         "`dask scheduler` and `dask worker ADDRESS`, or drop --scheduler") from exc
    with client:
        stop = Event(f"textci-stop-{uuid.uuid4().hex}", client=client)
        futures = {}
        try:
            for job in jobs:
                key = job.cached_extraction(extract_cache)
                records = None if key is None else {n: extract_cache.read(key, n) for n in (
                    "document.json", "pages.jsonl", "passages.jsonl", "errors.jsonl")}
                future = client.submit(process_document, str(job.path), job.name, options, limits,
                                       model_reference, records, stop.name, key=f"textci-{job.classify_key}",
                                       pure=False, retries=1)
                futures[future] = job
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            stop.set()
            client.cancel(list(futures), force=True)
            raise
