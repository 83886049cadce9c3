"""Stopping cleanly: Ctrl-C and SIGTERM end a command with one sentence, not a traceback.

The first SIGINT or SIGTERM raises `Interrupted` in the main process; the
work in progress unwinds through its `finally` blocks (worker processes and
the programs they started are killed, the workspace lock is released) and the
CLI prints what was finished and how to resume. Finished results are safe
because every file is written atomically. A second signal while stopping
kills the workers at once and exits without waiting for anything.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}
_worker_groups: set[int] = set()   # process groups of the worker processes running now
_stopping = False


class Interrupted(KeyboardInterrupt):
    """The user (SIGINT) or a job controller (SIGTERM) asked the command to stop."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.done: int | None = None     # documents finished (and kept), when the command knows
        self.total: int | None = None
        self.stage = ""                  # what was under way, e.g. "themes and report"

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS.get(self.signum, 128 + self.signum)

    def progress(self) -> str:
        if self.done is None or self.total is None:
            return ""
        return f" after {self.done} of {self.total} documents" + (f", during {self.stage}" if self.stage else "")


def _handle(signum, frame):
    global _stopping
    if _stopping:  # second signal: do not wait for anything
        kill_workers()
        os.write(2, b"textci: stopped at once\n")
        os._exit(EXIT_STATUS.get(signum, 128 + signum))
    _stopping = True
    raise Interrupted(signum)


@contextmanager
def handlers():
    """While inside, SIGINT and SIGTERM raise Interrupted (the CLI runs every command so)."""
    global _stopping
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; elsewhere the caller's handling stays
        return
    _stopping = False
    previous = {signum: signal.signal(signum, _handle) for signum in EXIT_STATUS}
    try:
        yield
    except Interrupted:
        raise  # handlers stay: the process is ending, and a second signal must end it at once
    except BaseException:
        _restore(previous)
        raise
    else:
        _restore(previous)


def _restore(previous) -> None:
    global _stopping
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    _stopping = False


def register_worker(pid: int) -> None:
    _worker_groups.add(pid)


def unregister_worker(pid: int) -> None:
    _worker_groups.discard(pid)


def kill_worker(pid: int, group_only: bool = False) -> None:
    """SIGKILL a worker and everything it started (it leads its own process group).

    group_only after the worker was reaped: its pid may be reused, its group id not while any member lives.
    """
    for kill in (os.killpg,) if group_only else (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


def kill_workers() -> None:
    for pid in list(_worker_groups):
        kill_worker(pid)


def in_worker(parent_pid: int) -> None:
    """Called first in a forked worker: the parent decides when it stops.

    The worker leads its own process group (so a terminal's Ctrl-C reaches only
    the parent, and killing the group ends any Tesseract it started), ignores
    SIGINT, dies on SIGTERM, and is killed by the kernel if the parent dies.
    """
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(EXIT_STATUS))  # the parent forked with them deferred
    _worker_groups.clear()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)


@contextmanager
def signals_deferred():
    """SIGINT and SIGTERM wait until the block is done: for a commit that must not stop halfway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = set(EXIT_STATUS)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
