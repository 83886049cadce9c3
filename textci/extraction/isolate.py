"""Run each document in its own worker process, with a time and memory limit.

A hostile PDF can hang or crash a C library; in a forked child that costs
only that document. The parent keeps up to `workers` children running and
turns a timeout, a crash or an exhausted memory limit into an error record.
However the parent stops (done, interrupted, an error), no child outlives it:
each leads its own process group, which is killed with whatever it started.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .. import interrupt
from ..data import Document, ErrorRecord
from ..errors import InputFileError, TextciError


@dataclass(frozen=True)
class Limits:
    timeout: float = 120.0            # seconds per document
    memory_mb: int | None = 1024      # memory a worker may add to what it starts with (forked from the parent)


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


class Cancelled(Exception):
    """The caller's `should_stop` said to stop; the running children were killed."""


def _child(conn, fn, args, memory_mb, parent_pid):
    import faulthandler

    interrupt.in_worker(parent_pid)
    faulthandler.disable()  # a crash is reported by the parent, not dumped on the user's terminal
    if memory_mb:
        # The limit is on what the document may add: a forked worker starts with
        # the parent's address space, which is large when e.g. torch is loaded.
        limit = _address_space() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = ("ok", fn(*args))
    except InputFileError as exc:
        result = ("error", type(exc).__name__, str(exc))
    except MemoryError:
        result = ("error", "OutOfMemory", "the document needs more memory than the limit "
                  "(--memory-mb); it may be a decompression bomb, or raise the limit")
    except TextciError as exc:
        result = ("error", type(exc).__name__, str(exc))
    except Exception as exc:  # an unexpected bug must not kill the batch
        tail = traceback.format_exc(limit=3).strip().splitlines()[-1]
        result = ("error", type(exc).__name__, f"unexpected failure ({tail}); please report it")
    try:
        conn.send_bytes(pickle.dumps(result))
    except Exception as exc:
        conn.send_bytes(pickle.dumps(("error", "WorkerCrashed", f"result could not be sent back ({exc})")))
    conn.close()


def failed(name: str, error: str, message: str, stage: str = "extract") -> Document:
    from .readers import format_of

    return Document(doc_id=None, file=name, pages=0, lang=None, status="failed", method="none",
                    errors=(ErrorRecord(name, None, stage, error, message),), format=format_of(name))


def run_isolated(jobs: Iterable[tuple[str, Callable, tuple]], workers: int,
                 limits: Limits, should_stop: Callable[[], bool] | None = None) -> Iterator[Document]:
    """Yield one Document per job, in completion order; failures become failed Documents.

    Use it inside `contextlib.closing` where the caller may stop early: closing
    (or any exception) kills the children still running. `should_stop`, polled
    twice a second, stops the work from outside (raises Cancelled).
    """
    ctx = mp.get_context("fork")
    pending = list(jobs)[::-1]
    running: dict = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                name, fn, args = pending.pop()
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(writer, fn, args, limits.memory_mb, os.getpid()),
                                   daemon=True)
                with interrupt.signals_deferred():  # a signal during fork would be lost in an at-fork hook
                    proc.start()
                    interrupt.register_worker(proc.pid)
                    _lead_group(proc.pid)
                writer.close()
                running[reader] = (name, proc, time.monotonic())
            ready = mp.connection.wait(list(running), timeout=0.5)
            for reader in ready:
                name, proc, _ = running.pop(reader)
                yield _collect(reader, name, proc, limits)
            now = time.monotonic()
            for reader, (name, proc, started) in list(running.items()):
                if now - started > limits.timeout:
                    running.pop(reader)
                    _stop(proc, reader)
                    yield failed(name, "Timeout", f"processing took longer than {limits.timeout:g} s and "
                                 "was stopped; raise --timeout or check the file")
            if should_stop is not None and should_stop():
                raise Cancelled("stopped from outside")
    finally:
        for reader, (_, proc, _) in running.items():
            _stop(proc, reader)


def _lead_group(pid: int) -> None:
    """Make the child its own process group leader from this side too (no race with its start)."""
    try:
        os.setpgid(pid, pid)
    except OSError:  # it did so itself already, or has exited
        pass


def _stop(proc, reader) -> None:
    interrupt.kill_worker(proc.pid)
    proc.join()
    interrupt.unregister_worker(proc.pid)
    reader.close()


def _collect(reader, name, proc, limits) -> Document:
    try:
        payload = pickle.loads(reader.recv_bytes())
    except (EOFError, OSError):
        payload = None
    finally:
        reader.close()
    proc.join()
    interrupt.kill_worker(proc.pid, group_only=True)  # anything the worker started and left behind
    interrupt.unregister_worker(proc.pid)
    if payload is None:
        code = proc.exitcode
        how = f"signal {-code}" if code and code < 0 else f"exit code {code}"
        return failed(name, "WorkerCrashed",
                      f"the worker reading this file died ({how}); the file probably crashes its reader "
                      f"library or exceeded the memory limit of {limits.memory_mb} MB")
    if payload[0] == "ok":
        return payload[1]
    return failed(name, payload[1], payload[2])
