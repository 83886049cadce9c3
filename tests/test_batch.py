"""Archive runs: incremental, resumable, locked, isolated, and the same on a Dask cluster."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pdf_factory import column, prose_pdf, write_pages
from textci.batch import run
from textci.batch.runner import WorkspaceLock
from textci.errors import UsageError
from textci.extraction import ExtractOptions

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "sample"
OUTPUTS = ("documents.jsonl", "pages.jsonl", "passages.jsonl", "errors.jsonl", "predictions.jsonl",
           "cities.csv", "themes.json", "passage_themes.jsonl", "tables/city_labels.csv", "tables/evidence.csv")
NO_OCR = ExtractOptions(ocr=False)


def corpus_copy(tmp_path: Path, name: str = "corpus", leave_out: tuple[str, ...] = ()) -> Path:
    target = tmp_path / name
    target.mkdir()
    for pdf in sorted(SAMPLE.glob("*.pdf")):
        if pdf.name not in leave_out:
            shutil.copy(pdf, target / pdf.name)
    shutil.copy(SAMPLE / "cities.csv", target / "cities.csv")
    return target


def outputs(workspace: Path) -> dict[str, bytes]:
    return {name: (workspace / name).read_bytes() for name in OUTPUTS}


def quiet_run(corpus, workspace, **kwargs):
    from textci.batch.progress import Progress

    return run(corpus, workspace, extract_options=NO_OCR, workers=2, progress=Progress(open(os.devnull, "w")),
               **kwargs)


@pytest.mark.slow
def test_unchanged_rerun_redoes_nothing_and_writes_the_same_files(tmp_path):
    corpus = corpus_copy(tmp_path)
    first = quiet_run(corpus, tmp_path / "ws")
    before = outputs(tmp_path / "ws")
    again = quiet_run(corpus, tmp_path / "ws")
    assert first.stats.extracted == 8 and again.stats.extracted == 0 and again.stats.classified == 0
    assert not again.stats.corpus_steps
    assert outputs(tmp_path / "ws") == before


@pytest.mark.slow
def test_parquet_views_hold_the_same_rows_partitioned_by_city(tmp_path):
    import pandas as pd

    quiet_run(corpus_copy(tmp_path), tmp_path / "ws")
    ws = tmp_path / "ws"
    passages = [json.loads(l) for l in (ws / "passages.jsonl").read_text().splitlines()]
    table = pd.read_parquet(ws / "parquet" / "passages")
    assert sorted(table["id"]) == sorted(p["id"] for p in passages)
    assert {p.name for p in (ws / "parquet" / "passages").iterdir()} == {
        "city=Brakenhoven", "city=Eastmere", "city=Grauwald", "city=Port-Aurel", "city=San Teodoro",
        "city=Valdeoro", "city=Veltmark"}
    predictions = pd.read_parquet(ws / "parquet" / "predictions")
    assert len(predictions) == len(passages) and "score_common_agenda" in predictions.columns
    eastmere = pd.read_parquet(ws / "parquet" / "passages" / "city=Eastmere")
    assert set(eastmere["file"]) == {"eastmere_strategy_2019_en.pdf", "eastmere_evaluation_2022_en.pdf"}


@pytest.mark.slow
def test_adding_changing_and_removing_a_file_redoes_only_that_file_and_equals_a_fresh_run(tmp_path):
    corpus = corpus_copy(tmp_path, leave_out=("valdeoro_plan_2023_es.pdf",))
    quiet_run(corpus, tmp_path / "ws")

    shutil.copy(SAMPLE / "valdeoro_plan_2023_es.pdf", corpus / "valdeoro_plan_2023_es.pdf")
    added = quiet_run(corpus, tmp_path / "ws")
    assert added.stats.extracted == 1 and added.stats.corpus_steps
    fresh = quiet_run(corpus_copy(tmp_path, "fresh"), tmp_path / "fresh-ws")
    assert fresh.stats.extracted == 8
    assert outputs(tmp_path / "ws") == outputs(tmp_path / "fresh-ws")

    (corpus / "grauwald_evaluation_2023_de.pdf").unlink()
    removed = quiet_run(corpus, tmp_path / "ws")
    assert removed.stats.extracted == 0 and removed.stats.documents == 7
    names = [json.loads(l)["file"] for l in (tmp_path / "ws" / "documents.jsonl").read_text().splitlines()]
    assert "grauwald_evaluation_2023_de.pdf" not in names

    prose_pdf(corpus / "eastmere_strategy_2019_en.pdf", [[
        "The partners of the city signed a joint charter with three shared goals for youth safety."]])
    changed = quiet_run(corpus, tmp_path / "ws")
    assert changed.stats.extracted == 1


def test_a_second_run_on_a_workspace_in_use_refuses_with_a_clear_message(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    prose_pdf(corpus / "a.pdf", [["The city and its partners agreed on a common strategy for safer streets."]])
    with WorkspaceLock(tmp_path / "ws"):
        with pytest.raises(UsageError, match="in use by another textci run"):
            quiet_run(corpus, tmp_path / "ws")
    (tmp_path / "ws" / "report.html").exists() or quiet_run(corpus, tmp_path / "ws")  # free again afterwards


def test_run_refuses_a_non_empty_folder_that_is_not_a_workspace(tmp_path):
    from textci.batch import check_workspace

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(UsageError, match="not a textci workspace"):
        check_workspace(tmp_path / "mine", force=False)


def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    prose_pdf(folder / "good_one.pdf", [["The municipality and the police run a joint prevention plan against "
                                         "burglary and street robbery in the old town."]])
    prose_pdf(folder / "good_two.pdf", [["Youth workers and schools meet every month to share information on "
                                         "young people at risk of radicalisation."]])
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "truncated.pdf").write_bytes((folder / "good_one.pdf").read_bytes()[:400])
    write_pages(folder / "encrypted.pdf", [column(56, 100, ["secret text of the council"])], encrypt="s3cret")
    (folder / "not_a_pdf.pdf").write_text("<html><body>this is a web page saved with a .pdf name</body></html>")
    (folder / "huge.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 2**20))
    (folder / "$(touch PWNED).pdf").write_bytes(b"%PDF-1.4 nothing else")
    return folder


@pytest.mark.slow
def test_a_folder_of_bad_files_fails_each_alone_and_the_good_ones_complete(tmp_path):
    from textci.cli import main

    folder = hostile_folder(tmp_path)
    status = main(["run", str(folder), "-o", str(tmp_path / "ws"), "--no-ocr", "--max-file-mb", "1"])
    assert status == 3
    errors = [json.loads(l) for l in (tmp_path / "ws" / "errors.jsonl").read_text().splitlines()]
    failed = {e["file"]: e for e in errors}
    for name in ("zero.pdf", "truncated.pdf", "encrypted.pdf", "not_a_pdf.pdf", "huge.pdf", "$(touch PWNED).pdf"):
        assert name in failed and failed[name]["message"], name
    assert failed["encrypted.pdf"]["error"] == "EncryptedPDF"
    assert failed["huge.pdf"]["error"] == "FileTooLarge"
    lines = (tmp_path / "ws" / "documents.jsonl").read_text().splitlines()
    documents = {json.loads(l)["file"]: json.loads(l) for l in lines}
    assert documents["good_one.pdf"]["status"] == "ok" and documents["good_two.pdf"]["status"] == "ok"
    passages = [json.loads(l) for l in (tmp_path / "ws" / "passages.jsonl").read_text().splitlines()]
    assert {p["file"] for p in passages} == {"good_one.pdf", "good_two.pdf"}
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
    report = (tmp_path / "ws" / "report.html").read_text()
    assert "Failures" in report and "encrypted.pdf" in report and "$(touch PWNED).pdf" in report


def _wait_until_unlocked(workspace: Path, seconds: float = 30) -> None:
    """Until the workspace lock is free: every process of a killed run has exited and let go of it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with WorkspaceLock(workspace):
                return
        except UsageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.slow
def test_a_run_killed_midway_resumes_and_ends_with_the_files_of_an_uninterrupted_run(tmp_path):
    corpus = corpus_copy(tmp_path)
    reference = quiet_run(corpus_copy(tmp_path, "reference"), tmp_path / "reference-ws")
    assert reference.exit_status in (0, 3)
    command = [sys.executable, "-m", "textci.cli", "run", str(corpus), "-o", str(tmp_path / "ws"), "--no-ocr",
               "--workers", "1"]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    cache = tmp_path / "ws" / ".textci" / "classify"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(cache.glob("*/*/done"))) < 3:
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    _wait_until_unlocked(tmp_path / "ws")  # the killed run's workers may take a moment to die
    done_before = len(list(cache.glob("*/*/done")))
    assert 3 <= done_before < 8, "the kill should land mid-batch"
    resumed = quiet_run(corpus, tmp_path / "ws")
    assert resumed.stats.extracted == 8 - done_before
    assert outputs(tmp_path / "ws") == outputs(tmp_path / "reference-ws")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real scheduler and two worker processes on loopback."""
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 cwd=tmp_path, env=env, start_new_session=True)
    workers = [subprocess.Popen([str(bin_dir / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                 "--no-dashboard", "--name", f"w{i}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=tmp_path, env=env, start_new_session=True)
               for i in range(2)]
    from distributed import Client

    with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
        client.wait_for_workers(2, timeout=90)
    yield f"tcp://127.0.0.1:{port}"
    for proc in workers + [scheduler]:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in workers + [scheduler]:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_run_on_a_dask_cluster_writes_the_same_files_as_a_local_run(tmp_path, dask_cluster):
    corpus = corpus_copy(tmp_path)
    local = quiet_run(corpus, tmp_path / "local")
    remote = quiet_run(corpus, tmp_path / "remote", scheduler=dask_cluster)
    assert remote.stats.extracted == 8 and local.stats.extracted == 8
    assert outputs(tmp_path / "remote") == outputs(tmp_path / "local")


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_usage_error_and_leaves_the_workspace_usable(tmp_path, capsys):
    from textci.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    prose_pdf(corpus / "a.pdf", [["The city and its partners agreed on a common strategy for safer streets."]])
    status = main(["run", str(corpus), "-o", str(tmp_path / "ws"), "--no-ocr",
                   "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert status == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert quiet_run(corpus, tmp_path / "ws").stats.extracted == 1


@pytest.mark.slow
def test_two_identical_files_are_processed_once_and_the_copy_is_reported(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    prose_pdf(corpus / "plan.pdf", [["The city and its partners agreed on a common strategy for safer streets."]])
    shutil.copy(corpus / "plan.pdf", corpus / "plan_copy.pdf")
    result = quiet_run(corpus, tmp_path / "ws")
    assert result.stats.extracted == 1 and result.exit_status == 3
    errors = [json.loads(l) for l in (tmp_path / "ws" / "errors.jsonl").read_text().splitlines()]
    assert [(e["file"], e["error"]) for e in errors] == [("plan_copy.pdf", "Duplicate")]
    assert "plan.pdf" in errors[0]["message"]
    passages = [json.loads(l) for l in (tmp_path / "ws" / "passages.jsonl").read_text().splitlines()]
    assert {p["file"] for p in passages} == {"plan.pdf"}
    assert len({p["id"] for p in passages}) == len(passages)


@pytest.mark.slow
def test_each_passage_is_embedded_once_for_classification_and_themes_together(tmp_path, monkeypatch):
    """The classifier writes into the workspace's embedding cache and the themes step reads it."""
    from collections import Counter

    from textci.classification.embeddings import UniversalSentenceEncoder, default_cache
    from textci.workspace import read_jsonl

    encoded = Counter()
    real_encode = UniversalSentenceEncoder.encode

    def counting_encode(self, texts):
        encoded.update(texts)
        return real_encode(self, texts)

    monkeypatch.setenv("TEXTCI_CACHE", "off")  # no warm user cache to hide a second embedding
    default_cache.cache_clear()
    monkeypatch.setattr(UniversalSentenceEncoder, "encode", counting_encode)
    try:
        quiet_run(corpus_copy(tmp_path), tmp_path / "ws")
    finally:
        default_cache.cache_clear()
    texts = {p["text"] for p in read_jsonl(tmp_path / "ws" / "passages.jsonl")}
    assert texts and all(encoded[t] == 1 for t in texts), max(encoded[t] for t in texts)
