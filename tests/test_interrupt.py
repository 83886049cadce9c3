"""Stopping a command with real signals: Ctrl-C, SIGINT to the main process, SIGTERM, a second Ctrl-C.

Each test starts the real CLI in its own session (as a terminal would), sends
the signal mid-run and checks what the user sees (one sentence, the exit
status), what is left running (nothing the command started), and what the
next run finds (finished documents kept, the same files as an uninterrupted
run).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pdf_factory import image_only_pdf, prose_pdf
from test_batch import corpus_copy, dask_cluster, outputs, quiet_run  # noqa: F401 (fixture)
from textci.batch.runner import WorkspaceLock

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "realpdfs"
STOP_WITHIN = 2.0  # seconds from the signal to the end of the command (the contract)


class Command:
    """The textci CLI in a new session, with every process it starts recorded while it runs."""

    def __init__(self, *args: str, cwd: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen([sys.executable, "-m", "textci.cli", *args], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.started: set[int] = set()

    def watch(self) -> None:
        try:
            self.started |= {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass

    def wait_until(self, condition, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"ended before the signal: {self.proc.communicate()}"
            assert time.monotonic() < deadline, "the condition never came"
            self.watch()
            time.sleep(0.05)
        self.watch()

    def stop(self, signum: int, group: bool = False, twice: bool = False) -> float:
        """Send the signal (to the whole foreground group, as Ctrl-C does, if group); seconds until the end."""
        self.watch()
        sent = time.monotonic()
        (os.killpg if group else os.kill)(self.proc.pid, signum)
        if twice:
            time.sleep(0.1)
            if self.proc.poll() is None:
                (os.killpg if group else os.kill)(self.proc.pid, signum)
        self.out, self.err = self.proc.communicate(timeout=60)
        return time.monotonic() - sent

    def survivors(self) -> list[str]:
        alive = []
        for pid in self.started:
            try:
                p = psutil.Process(pid)
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{pid} {p.name()} {p.status()}")
            except psutil.NoSuchProcess:
                pass
        return alive


def finished_documents(workspace: Path, stage: str = "classify") -> int:
    """Entries of one stage in the workspace cache (not the staging folders, whose names start with a dot)."""
    return sum(not p.parent.name.startswith(".") for p in (workspace / ".textci" / stage).glob("*/*/done"))


def assert_one_sentence(err: str, status: int, expected_status: int) -> str:
    assert status == expected_status, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("textci: interrupted"), err
    return last


def assert_nothing_half_written(workspace: Path) -> None:
    assert not [p for p in workspace.rglob("*.tmp")], "a temporary file was left behind"
    assert not [p for p in workspace.rglob("*") if p.name.endswith(".tmp") or ".tmp-" in p.name]


@pytest.mark.slow
@pytest.mark.parametrize("signum, group", [(signal.SIGINT, True), (signal.SIGINT, False), (signal.SIGTERM, False)],
                         ids=["ctrl-c", "sigint-to-main", "sigterm"])
def test_a_signal_stops_the_run_cleanly_and_the_same_command_resumes(tmp_path, signum, group):
    corpus = corpus_copy(tmp_path)
    reference = quiet_run(corpus_copy(tmp_path, "reference"), tmp_path / "reference-ws")
    workspace = tmp_path / "ws"
    command = Command("run", str(corpus), "-o", str(workspace), "--no-ocr", "--workers", "2", cwd=tmp_path)
    command.wait_until(lambda: finished_documents(workspace) >= 2)
    seconds = command.stop(signum, group=group)

    line = assert_one_sentence(command.err, command.proc.returncode, 130 if signum == signal.SIGINT else 143)
    done, extracted = finished_documents(workspace), finished_documents(workspace, "extract")
    assert extracted >= done, "a classified document was extracted first"
    assert f"after {done} of 8 documents" in line and "run the same command again to resume" in line
    assert seconds < STOP_WITHIN, f"took {seconds:.2f} s to stop"
    assert command.started and not command.survivors()
    with WorkspaceLock(workspace):  # released
        pass
    assert_nothing_half_written(workspace)

    resumed = quiet_run(corpus, workspace)
    # a document extracted but not yet classified when stopped is only classified on the re-run
    assert resumed.stats.classified == 8 - done, "finished documents must not be redone"
    assert resumed.stats.extracted == 8 - extracted, "extracted documents must not be extracted again"
    assert outputs(workspace) == outputs(tmp_path / "reference-ws")
    assert reference.stats.documents == resumed.stats.documents == 8


@pytest.mark.slow
def test_a_second_ctrl_c_while_stopping_ends_at_once_without_a_traceback(tmp_path):
    corpus = corpus_copy(tmp_path)
    workspace = tmp_path / "ws"
    command = Command("run", str(corpus), "-o", str(workspace), "--no-ocr", "--workers", "2", cwd=tmp_path)
    command.wait_until(lambda: finished_documents(workspace) >= 1)
    seconds = command.stop(signal.SIGINT, group=True, twice=True)
    assert command.proc.returncode == 130, command.err
    assert "Traceback" not in command.err and "KeyboardInterrupt" not in command.err, command.err
    assert seconds < STOP_WITHIN and not command.survivors()
    assert quiet_run(corpus, workspace).stats.documents == 8  # the workspace is usable


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("tesseract"), reason="needs tesseract-ocr (scripts/install_system_deps.sh)")
def test_sigterm_during_ocr_ends_the_tesseract_processes_too(tmp_path):
    corpus = tmp_path / "scans"
    corpus.mkdir()
    lines = ["The municipal prevention council meets every month with the police,",
             "schools and youth workers to review the incidents in the city centre."] * 12
    for i in range(6):
        image_only_pdf(corpus / f"scan_{i}.pdf", lines)
    workspace = tmp_path / "ws"
    command = Command("run", str(corpus), "-o", str(workspace), "--workers", "2", cwd=tmp_path)

    def tesseract_running() -> bool:
        try:
            return any(p.name() == "tesseract" for p in psutil.Process(command.proc.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            return False

    command.wait_until(tesseract_running, timeout=300)
    seconds = command.stop(signal.SIGTERM)
    assert_one_sentence(command.err, command.proc.returncode, 143)
    assert seconds < STOP_WITHIN
    assert not command.survivors(), "a worker or its tesseract outlived the run"


@pytest.mark.slow
def test_sigint_stops_a_run_on_a_dask_cluster_and_leaves_the_cluster_up(tmp_path, dask_cluster):
    from distributed import Client

    corpus = corpus_copy(tmp_path)
    workspace = tmp_path / "ws"
    command = Command("run", str(corpus), "-o", str(workspace), "--no-ocr", "--scheduler", dask_cluster,
                      cwd=tmp_path)
    command.wait_until(lambda: finished_documents(workspace) >= 1)
    seconds = command.stop(signal.SIGINT)
    assert_one_sentence(command.err, command.proc.returncode, 130)
    assert seconds < STOP_WITHIN and not command.survivors()
    with Client(dask_cluster, timeout=30) as client:
        assert len(client.scheduler_info()["workers"]) == 2, "the cluster's own workers stay up"
        deadline = time.monotonic() + 10
        while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0, \
            "pending tasks are cancelled"
        # running tasks are stopped (they poll the stop event twice a second): no extraction child is left
        deadline = time.monotonic() + 5
        while any(children := client.run(lambda: [p.pid for p in psutil.Process().children(recursive=True)]).values()) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(children), children
    done, extracted = finished_documents(workspace), finished_documents(workspace, "extract")
    assert extracted >= done, "a classified document was extracted first"
    resumed = quiet_run(corpus, workspace, scheduler=dask_cluster)
    assert resumed.stats.classified == 8 - done
    assert resumed.stats.extracted == 8 - extracted


def _big_passages(tmp_path: Path, copies: int) -> Path:
    passages = tmp_path / "passages.jsonl"
    sentences = ["The prevention council and the police share a monthly dashboard of incidents in {}.",
                 "Youth workers, schools and the housing office meet weekly in {} to agree who does what.",
                 "In {} the city hall funds a coordination office that convenes every partner."]
    with passages.open("w") as handle:
        for i in range(copies):
            text = sentences[i % 3].format(f"district {i}")
            handle.write(json.dumps({"id": f"p{i}", "text": text, "lang": "en"}) + "\n")
    return passages


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["extract", "classify", "train"])
def test_extract_classify_and_train_stop_on_ctrl_c_with_one_sentence_and_write_nothing(tmp_path, stage):
    if stage == "extract":
        corpus = tmp_path / "reports"
        corpus.mkdir()
        for copy in range(6):  # ~1,800 pages: still under way after the 4 s below, however fast extraction gets
            for pdf in sorted(REAL.glob("*.pdf")):
                (corpus / f"{copy}_{pdf.name}").write_bytes(pdf.read_bytes() + f"\n%copy {copy}\n".encode())
        target = tmp_path / "out"
        args = ["extract", str(corpus), "-o", str(target), "--no-ocr", "--workers", "1"]
    elif stage == "classify":
        target = tmp_path / "predictions.jsonl"
        args = ["classify", str(_big_passages(tmp_path, 20000)), "-o", str(target)]
    else:
        target = tmp_path / "model"
        args = ["train", "-o", str(target), "--classifier", "supervised"]
    if stage == "extract" and not REAL.is_dir():
        pytest.skip("needs ../shared/realpdfs")
    command = Command(*args, cwd=REPO)
    time.sleep(4)  # the models are loaded and the work is under way
    seconds = command.stop(signal.SIGINT, group=True)
    assert_one_sentence(command.err, command.proc.returncode, 130)
    assert "nothing was written" in command.err and "run the same command again" in command.err
    assert seconds < STOP_WITHIN, f"took {seconds:.2f} s to stop"
    assert not command.survivors()
    if stage == "extract":
        assert not [p for p in target.iterdir() if p.name != ".textci-output"]
        prose_pdf(corpus / "late.pdf", [["A late report arrives."]])
        again = subprocess.run([sys.executable, "-m", "textci.cli", *args], cwd=REPO, capture_output=True,
                               env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
        assert again.returncode in (0, 3), "the same command runs again without --force"
    elif stage == "classify":
        assert not target.exists()
    else:
        assert not target.exists() or not any(target.iterdir())
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_a_corpus_with_nothing_to_read_says_so_writes_no_report_and_exits_1(tmp_path):
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "notes.xlsx").write_bytes(b"PK\x03\x04")   # a spreadsheet: listed, not read
    os.symlink(tmp_path / "gone.pdf", corpus / "missing.pdf")
    done = subprocess.run([sys.executable, "-m", "textci.cli", "run", str(corpus), "-o", str(tmp_path / "ws")],
                          cwd=REPO, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"nothing to read in {corpus}" in done.stderr and "PDF" in done.stderr
    errors = [json.loads(line) for line in (tmp_path / "ws" / "errors.jsonl").read_text().splitlines()]
    assert [(e["file"], e["error"]) for e in errors] == [("missing.pdf", "UnsafePath"),
                                                         ("notes.xlsx", "UnsupportedFormat")]
    assert not (tmp_path / "ws" / "report.html").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "textci.cli", "extract", str(empty), "-o", str(tmp_path / "ex")],
                          cwd=REPO, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          timeout=300)
    assert done.returncode == 1 and f"nothing to read in {empty}" in done.stderr
