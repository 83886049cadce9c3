"""Exploring a workspace as a researcher does: textci.db, `textci search`, `textci serve` in a browser.

One workspace of the sample corpus plus a report with hostile markup in its
text, written by `textci run` as a user would; then the real database, the
real search, a real Datasette server on loopback (its JSON API read with
urllib, its pages opened in Chromium) and real signals to stop it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pdf_factory import report_pdf
from test_report import HOSTILE, SCRIPT, browser  # noqa: F401 (browser: the report tests' fixture)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpora" / "sample"
HOSTILE_FILE = "kelmford_strategy_2022_en.pdf"
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def textci(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "textci.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env=ENV, timeout=timeout)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """The sample corpus and one report whose text holds <script> and <img onerror>, after `textci run`."""
    root = tmp_path_factory.mktemp("explore")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE, corpus)
    report_pdf(corpus / HOSTILE_FILE, [["Kelmford Community Safety Strategy 2022", HOSTILE]])
    with open(corpus / "cities.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{HOSTILE_FILE},Kelmford,United Kingdom,2022,strategy\n")
    done = textci("run", str(corpus), "-o", str(root / "ws"), "--workers", "2", "--no-ocr")
    assert done.returncode == 3, done.stderr  # without OCR the Italian plan's scanned page is an error row
    assert lines(root / "ws" / "errors.jsonl")
    return root / "ws"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def connect(workspace: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{(workspace / 'textci.db').as_uri()}?mode=ro", uri=True)


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the database -----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_run_writes_a_database_whose_rows_match_the_workspace_files(workspace):
    passages = lines(workspace / "passages.jsonl")
    themes = json.loads((workspace / "themes.json").read_text("utf-8"))["themes"]
    with connect(workspace) as conn:
        n_labels = count(conn, "labels")
        assert n_labels == 13
        for table, file in (("documents", "documents.jsonl"), ("pages", "pages.jsonl"),
                            ("passages", "passages.jsonl"), ("errors", "errors.jsonl"),
                            ("passage_themes", "passage_themes.jsonl")):
            assert count(conn, table) == len(lines(workspace / file)), table
        assert count(conn, "predictions") == len(passages) * n_labels  # one row per passage and label
        assert count(conn, "themes") == len(themes)
        for table in ("cities", "city_labels"):
            assert count(conn, table) == len(json.loads((workspace / "tables" / f"{table}.json").read_text()))
        assigned = sum(len(p["labels"]) for p in lines(workspace / "predictions.jsonl"))
        assert conn.execute("SELECT count(*) FROM predictions WHERE assigned = 1").fetchone()[0] == assigned
        assert count(conn, "passage_labels") == assigned
        assert count(conn, "passage_details") == len(passages)
        assert "reviews" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}  # none yet


@pytest.mark.slow
def test_database_keeps_its_foreign_keys_has_indexes_and_a_full_text_index(workspace):
    with connect(workspace) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        keys = {(r[2], r[3]) for r in conn.execute("PRAGMA foreign_key_list(predictions)")}
        assert keys == {("passages", "passage_id"), ("labels", "label")}
        assert {r[2] for r in conn.execute("PRAGMA foreign_key_list(passages)")} == {"documents", "cities", "themes"}
        indexes = {r[1] for r in conn.execute("PRAGMA index_list(predictions)")}
        assert "idx_predictions_label_assigned_score" in indexes
        found = conn.execute("SELECT p.file FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
                             "WHERE passages_fts MATCH 'groomed'").fetchall()
        assert found == [("eastmere_strategy_2019_en.pdf",)]


@pytest.mark.slow
def test_views_join_a_passage_with_its_city_document_and_labels(workspace):
    with connect(workspace) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM passage_details WHERE text LIKE '%groomed%'").fetchone()
        assert (row["city"], row["country"], row["year"], row["kind"]) == ("Eastmere", "United Kingdom", 2019,
                                                                           "strategy")
        assert row["source"] == f"eastmere_strategy_2019_en.pdf#page={row['page']}"
        assert "Gang violence" in json.loads(row["labels"])
        labelled = conn.execute("SELECT label, label_name, dimension FROM passage_labels WHERE passage_id = ?",
                                (conn.execute("SELECT id FROM passages WHERE text LIKE '%groomed%'").fetchone()[0],))
        assert ("gang_violence", "Gang violence", "issue_area") in [tuple(r) for r in labelled]


@pytest.mark.slow
def test_database_is_left_alone_when_nothing_changed_and_rebuilt_with_the_same_rows(workspace, tmp_path):
    db = workspace / "textci.db"
    before = (db.stat().st_mtime_ns, db.read_bytes())
    done = textci("db", str(workspace))
    assert done.returncode == 0 and "unchanged" in done.stdout, done.stderr
    again = textci("run", json.loads((workspace / "run.json").read_text())["corpus"], "-o", str(workspace),
                   "--workers", "2", "--no-ocr")
    assert again.returncode == 3, again.stderr
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before

    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    forced = textci("db", str(copy), "--force")
    assert forced.returncode == 0 and "written" in forced.stdout, forced.stderr
    assert all_rows(copy / "textci.db") == all_rows(db)


def all_rows(path: Path) -> dict:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                         "AND name NOT LIKE 'passages_fts%' ORDER BY name")]
    rows = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    conn.close()
    return rows


@pytest.mark.slow
def test_reviews_become_a_table_and_a_changed_file_rebuilds_the_database(workspace, tmp_path):
    from textci.explore.database import build_database

    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    first = lines(copy / "passages.jsonl")[0]["id"]
    (copy / "reviews.jsonl").write_text(json.dumps({"id": first, "labels": ["common_agenda"], "reviewer": "ana",
                                                    "notes": "", "source": "review.csv:2"}) + "\n")
    built = build_database(copy)
    assert built.rebuilt and built.counts["reviews"] == 1
    with connect(copy) as conn:
        assert conn.execute("SELECT passage_id, reviewer, labels FROM reviews").fetchall() == [
            (first, "ana", '["common_agenda"]')]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_db_of_a_folder_without_passages_is_a_usage_error(tmp_path):
    done = textci("db", str(tmp_path))
    assert done.returncode == 2 and "passages.jsonl" in done.stderr


# --- search -----------------------------------------------------------------------------------------------------

COORDINATOR = "a coordinator prepares the meetings of the partners and gathers their figures"


@pytest.mark.slow
def test_an_english_query_finds_passages_in_other_languages(workspace):
    import textci

    hits = textci.search(workspace, COORDINATOR, k=10, mode="semantic")
    assert len(hits) == 10 and [h.rank for h in hits] == list(range(1, 11))
    assert len({h.lang for h in hits} - {"en"}) >= 3, [(h.lang, h.text[:40]) for h in hits]
    hybrid = textci.search(workspace, COORDINATOR, k=10)
    assert {h.lang for h in hybrid} - {"en"}
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)


@pytest.mark.slow
def test_an_exact_term_is_found_by_keyword_and_ranked_first_by_hybrid(workspace):
    from textci.explore.search import search

    keyword = search(workspace, "groomed", mode="keyword")
    assert [h.file for h in keyword] == ["eastmere_strategy_2019_en.pdf"]
    assert search(workspace, "groomed")[0].id == keyword[0].id


@pytest.mark.slow
def test_filters_keep_only_the_cities_languages_and_labels_asked_for(workspace):
    from textci.explore.search import search

    hits = search(workspace, COORDINATOR, k=50, cities=["Grauwald", "Veltmark"])
    assert hits and {h.city for h in hits} == {"Grauwald", "Veltmark"}
    assert {h.lang for h in search(workspace, COORDINATOR, k=50, langs=["fr"])} == {"fr"}
    labelled = search(workspace, COORDINATOR, k=50, labels=["backbone_support"])
    assert labelled and all("backbone_support" in h.labels for h in labelled)
    assert search(workspace, COORDINATOR, cities=["Atlantis"]) == []


@pytest.mark.slow
def test_search_json_prints_one_object_per_hit_with_exactly_the_promised_fields(workspace):
    done = textci("search", str(workspace), COORDINATOR, "-k", "5", "--json", "--lang", "de")
    assert done.returncode == 0, done.stderr
    hits = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(hits) == 5
    for rank, hit in enumerate(hits, start=1):
        assert list(hit) == ["rank", "id", "score", "file", "page", "city", "lang", "labels", "text"]
        assert hit["rank"] == rank and hit["lang"] == "de" and isinstance(hit["labels"], list)


@pytest.mark.slow
def test_search_on_a_terminal_shows_where_each_passage_is_and_highlights_the_query_words(workspace):
    from textci.explore.search import format_hit, search

    hit = search(workspace, "knife crime", k=1)[0]
    shown = format_hit(hit, "knife crime", color=True)
    first = shown.splitlines()[0].split()
    assert first[0] == "1" and float(first[1]) == pytest.approx(hit.score, abs=1e-4)
    assert f"{hit.file}, p. {hit.page}  {hit.city}  [{hit.lang}]" in shown and "labels: " in shown
    assert "\033[1;33mKnife\033[0m" in shown and "\033[1;33mcrime\033[0m" in shown
    piped = textci("search", str(workspace), "knife crime", "-k", "1")  # not a terminal: no escape codes
    assert piped.returncode == 0 and "\033[" not in piped.stdout and hit.file in piped.stdout


def test_search_mode_must_be_one_of_three(tmp_path):
    done = textci("search", str(tmp_path), "x", "--mode", "fuzzy")
    assert done.returncode == 2 and "hybrid" in done.stderr


# --- serve ------------------------------------------------------------------------------------------------------

class Server:
    """`textci serve WORKSPACE --port 0` in its own session; url from its first line."""

    def __init__(self, workspace: Path, *extra: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "textci.cli", "serve", str(workspace), "--port", "0",
                                      *extra], cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:(\d+)/)", line)
        assert match, (line, self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.url, self.port = match.group(1), int(match.group(2))

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
            return response.status, response.headers, response.read()

    def json(self, path: str):
        return json.loads(self.get(path)[2])

    def stop(self, signum=signal.SIGTERM) -> float:
        sent = time.monotonic()
        os.kill(self.proc.pid, signum)
        self.out, self.err = self.proc.communicate(timeout=30)
        return time.monotonic() - sent


@pytest.fixture(scope="module")
def server(workspace):
    running = Server(workspace)
    yield running
    if running.proc.poll() is None:
        running.stop()


@pytest.mark.slow
def test_serve_opens_on_the_passages_and_its_json_api_returns_rows(server, workspace):
    with urllib.request.urlopen(server.url, timeout=30) as response:
        assert response.url.endswith("/textci/passages")
    data = server.json("/textci/passages.json?_shape=objects&_size=max")
    assert len(data["rows"]) == len(lines(workspace / "passages.jsonl"))
    assert {"id", "city", "lang", "labels", "label_names", "theme_label", "source", "text"} <= set(data["rows"][0])
    found = server.json("/textci/passages.json?_shape=objects&_search=groomed")["rows"]
    assert [r["file"] for r in found] == ["eastmere_strategy_2019_en.pdf"]
    faceted = server.json("/textci/passages.json?_shape=objects&lang=fr&_size=max")["rows"]
    assert faceted and {r["lang"] for r in faceted} == {"fr"}


@pytest.mark.slow
def test_canned_queries_answer_with_rows(server):
    strongest = server.json("/textci/strongest_evidence.json?_shape=objects")["rows"]
    assert strongest and {"city", "label", "rank", "score", "source", "text"} <= set(strongest[0])
    assert max(r["rank"] for r in strongest) <= 3
    of_label = server.json("/textci/passages_of_label_in_city.json?_shape=objects&label=gang_violence"
                           "&city=Eastmere")["rows"]
    assert of_label and {r["city"] for r in of_label} == {"Eastmere"}
    side = server.json("/textci/cities_side_by_side.json?_shape=objects&city_a=Eastmere&city_b=Grauwald")["rows"]
    assert len(side) == 13 and {"share_a", "share_b"} <= set(side[0])
    labels = server.json("/textci/labels.json?_shape=objects")["rows"]
    assert all(r["description"] for r in labels)


@pytest.mark.slow
def test_source_route_serves_the_corpus_documents_and_nothing_else(server, workspace):
    status, headers, body = server.get("/-/source/eastmere_strategy_2019_en.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    corpus = Path(json.loads((workspace / "run.json").read_text())["corpus"])
    (corpus.parent / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    for path in ("/-/source/..%2Fsecret.pdf", "/-/source/%2E%2E/secret.pdf", "/-/source/cities.csv",
                 f"/-/source/{corpus.parent / 'secret.pdf'}", "/-/source/%2Fetc%2Fpasswd",
                 "/-/source/eastmere_strategy_2019_en.pdf%00.txt"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.get(path)
        assert refused.value.code == 404, path


@pytest.fixture
def page(browser):
    seen = {"console": [], "pageerror": []}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
    yield page, seen
    page.close()


@pytest.mark.slow
def test_start_page_in_chromium_loads_without_errors_and_offers_the_facets(server, page):
    page, seen = page
    page.goto(server.url, wait_until="load")
    assert page.url.endswith("/textci/passages")
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    facets = page.locator(".facet-info").evaluate_all("els => els.map(e => e.getAttribute('data-column'))")
    assert {"city", "lang", "label_names", "theme_label"} <= set(facets)
    assert "Backbone support" in page.content()  # the codebook's names and descriptions beside the labels
    assert seen == {"console": [], "pageerror": []}


@pytest.mark.slow
def test_a_facet_filters_and_full_text_search_finds_a_known_passage(server, page):
    page, seen = page
    page.goto(server.url + "textci/passages", wait_until="load")
    page.locator('.facet-info[data-column="city"] a', has_text="Grauwald").first.click()
    page.wait_for_load_state("load")
    cities = page.locator("table.rows-and-columns td.col-city").all_text_contents()
    assert cities and {c.strip() for c in cities} == {"Grauwald"}
    page.goto(server.url + "textci/passages", wait_until="load")
    page.fill("input#_search", "groomed")
    page.locator("input#_search").press("Enter")
    page.wait_for_load_state("load")
    texts = page.locator("table.rows-and-columns td.col-text").all_text_contents()
    assert len(texts) == 1 and "forty-one stabbings" in texts[0]
    link = page.locator("table.rows-and-columns td.col-source a")
    assert re.fullmatch(r"/-/source/eastmere_strategy_2019_en\.pdf#page=\d+", link.get_attribute("href"))
    assert seen == {"console": [], "pageerror": []}


@pytest.mark.slow
def test_a_passage_with_script_in_its_text_shows_it_as_text_and_runs_nothing(server, page):
    page, seen = page
    page.goto(server.url + "textci/passages?_search=radicalisation", wait_until="load")
    page.wait_for_timeout(300)
    texts = page.locator("table.rows-and-columns td.col-text").all_text_contents()
    assert any(SCRIPT in t for t in texts), texts
    assert page.title() != "PWNED" and page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("td.col-text script, td.col-text img").count() == 0
    assert seen["pageerror"] == []


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_serve_cleanly_and_frees_the_port(workspace, signum, status):
    running = Server(workspace)
    assert running.json("/textci/passages.json?_size=1")["rows"]
    took = running.stop(signum)
    assert running.proc.returncode == status, running.err
    assert took < 2.0
    assert running.err.strip() == "textci: interrupted; the server stopped"
    assert not port_open(running.port)


def test_serve_on_a_port_in_use_says_so(tmp_path):
    from textci.explore.database import build_database  # noqa: F401 (the workspace needs passages first)

    (tmp_path / "passages.jsonl").write_text("")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = textci("serve", str(tmp_path), "--port", str(taken.getsockname()[1]), timeout=120)
    assert done.returncode == 2 and "choose another --port" in done.stderr, done.stderr
