"""`textci serve`: Datasette on WORKSPACE/textci.db, opening where a researcher starts.

The database is opened read-only. Our plugin adds two things Datasette lacks:
the start page (passages with facets by city, language, label and theme) and
`/-/source/<file>`, which serves the workspace's documents so that each
passage links to its source at the page. That route serves only files the
workspace lists as documents and that lie inside the corpus folder, whatever
the link says. The server runs in a thread; the main thread waits under the
CLI's signal handlers, so Ctrl-C and SIGTERM stop it like any other command.
"""
from __future__ import annotations

import mimetypes
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote

from ..errors import UsageError
from .database import build_database

DATABASE_NAME = "textci"   # Datasette names a database after its file: textci.db
SOURCE_ROUTE = "/-/source/"
LINKED_COLUMNS = {"source"}


class SourcePlugin:
    """Datasette hooks: the start page, source links in cells, and the route that serves the documents."""

    def __init__(self, corpus: Path | None, files: set[str]):
        self.corpus = Path(corpus).resolve() if corpus else None
        self.files = files

    def path_of(self, name: str) -> Path | None:
        """The document's file inside the corpus, or None for anything else (unknown names, '..', links)."""
        if self.corpus is None or name not in self.files:
            return None
        target = (self.corpus / name).resolve()
        if not target.is_relative_to(self.corpus) or not target.is_file():
            return None
        return target

    def hooks(self):
        from datasette import hookimpl
        from datasette.utils.asgi import AsgiFileDownload, Response
        from markupsafe import Markup

        plugin = self

        class Hooks:
            __name__ = __name__  # Datasette lists plugins by module name

            @hookimpl
            def register_routes(self, datasette):
                async def start(request):
                    return Response.redirect(datasette.urls.table(DATABASE_NAME, "passages"))

                async def source(request):
                    target = plugin.path_of(unquote(request.url_vars["path"]))
                    if target is None:
                        return Response.text("not a document of this workspace", status=404)
                    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    return AsgiFileDownload(str(target), content_type=kind, headers={
                        "Content-Disposition": "inline", "X-Content-Type-Options": "nosniff",
                        "Content-Security-Policy": "sandbox"})  # an HTML document runs nothing here

                return [(r"^/$", start), (rf"^{SOURCE_ROUTE}(?P<path>.+)$", source)]

            @hookimpl
            def render_cell(self, value, column, datasette):
                if column not in LINKED_COLUMNS or not isinstance(value, str) or plugin.corpus is None:
                    return None
                file, _, fragment = value.partition("#")
                if file not in plugin.files:
                    return None
                href = datasette.urls.path(SOURCE_ROUTE + quote(file)) + (f"#{fragment}" if fragment else "")
                return Markup('<a href="{}">{}</a>').format(href, value)  # format escapes both

        return Hooks()


def metadata(database: Path, book_labels: list[tuple[str, str, str]], title: str) -> dict:
    """Datasette metadata: descriptions, facets, the codebook beside the labels, canned queries."""
    from markupsafe import Markup

    codebook = Markup("").join(Markup("<dt>{}</dt><dd>{}</dd>").format(name, description)
                               for _, name, description in book_labels)
    passage_columns = {
        "id": "Stable passage id (document, page, character offset)",
        "file": "The document, relative to the corpus", "page": "Page of the document, from 1",
        "lang": "Language of the passage", "city": "The document's city (cities.csv)",
        "labels": "Codebook label ids the classifier assigned", "label_names": "The same labels by name",
        "theme": "Theme (BERTopic); empty for passages close to no theme", "theme_label": "The theme's top terms",
        "source": "Opens the document at the page", "text": "The passage as extracted (full-text searchable)",
    }
    facets = ["city", "lang", {"array": "label_names"}, "theme_label"]
    return {
        "title": title,
        "description": "Passages of policy and evaluation reports, classified against the codebook by textci.",
        "databases": {DATABASE_NAME: {"tables": {
            "passages": {"description_html": str(Markup("Every passage with its city, labels and theme. "
                                                        "Labels:<dl>{}</dl>").format(codebook)),
                         "columns": passage_columns, "facets": facets, "label_column": "id"},
            "passage_details": {"description": "A passage with its city, country, year, document kind, "
                                               "labels and theme", "facets": ["city", "lang", "theme"]},
            "passage_labels": {"description": "One row per passage and assigned label, with its score",
                               "facets": ["label_name", "city", "lang"]},
            "labels": {"description": "The codebook: label id, dimension, name and description",
                       "label_column": "name"},
            "themes": {"description": "Themes found across the passages", "label_column": "label"},
            "predictions": {"description": "Every passage x label score; assigned = 1 over the threshold",
                            "facets": ["label", "assigned"]},
            "cities": {"description": "Per city: documents, pages, passages, years, kinds"},
            "city_labels": {"description": "Per city and label: passages, share of the city's passages, "
                                           "documents with evidence, mean score", "facets": ["label", "city"]},
            "documents": {"description": "One row per input file", "facets": ["city", "status", "lang"]},
            "pages": {"description": "The clean text of every page"},
            "errors": {"description": "What went wrong, per file and page, and what to do"},
            "build_info": {"hidden": True},
        }, "queries": QUERIES}},
    }


QUERIES = {
    "passages_of_label_in_city": {
        "title": "Passages of a label in a city",
        "description": "label: a label id (see the labels table); city: a city name",
        "sql": "SELECT p.city, p.file, p.page, l.name AS label, round(pr.score, 3) AS score, p.source, p.text\n"
               "FROM predictions pr JOIN passages p ON p.id = pr.passage_id JOIN labels l ON l.id = pr.label\n"
               "WHERE pr.assigned = 1 AND pr.label = :label AND p.city = :city\n"
               "ORDER BY pr.score DESC, p.id",
    },
    "strongest_evidence": {
        "title": "The strongest evidence per city and label",
        "description": "The three highest-scoring passages of every city for every label it has",
        "sql": "SELECT city, label_name AS label, rank, score, source, text FROM (\n"
               "  SELECT p.city, l.name AS label_name, l.rowid AS label_order, round(pr.score, 3) AS score,\n"
               "         p.source, p.text, row_number() OVER (PARTITION BY p.city, pr.label\n"
               "                                    ORDER BY pr.score DESC, p.id) AS rank\n"
               "  FROM predictions pr JOIN passages p ON p.id = pr.passage_id JOIN labels l ON l.id = pr.label\n"
               "  WHERE pr.assigned = 1)\n"
               "WHERE rank <= 3 ORDER BY city, label_order, rank",
    },
    "cities_side_by_side": {
        "title": "Two cities side by side",
        "description": "city_a, city_b: city names; per label, the share of each city's passages that carry it",
        "sql": "SELECT l.name AS label, l.dimension,\n"
               "  max(CASE WHEN cl.city = :city_a THEN round(cl.share, 3) END) AS share_a,\n"
               "  max(CASE WHEN cl.city = :city_b THEN round(cl.share, 3) END) AS share_b,\n"
               "  max(CASE WHEN cl.city = :city_a THEN cl.passages END) AS passages_a,\n"
               "  max(CASE WHEN cl.city = :city_b THEN cl.passages END) AS passages_b\n"
               "FROM labels l LEFT JOIN city_labels cl ON cl.label = l.id\n"
               "GROUP BY l.id ORDER BY l.rowid",
    },
}


def datasette_app(workspace: Path, corpus: Path | None = None):
    """The Datasette instance for a workspace (database built if missing or stale) and our plugin object."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    workspace = Path(workspace)
    path = build_database(workspace).path
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        files = {r[0] for r in conn.execute("SELECT file FROM documents")}
        labels = conn.execute("SELECT id, name, description FROM labels ORDER BY rowid").fetchall()
    if corpus is None:
        from .database import _run_info

        recorded = _run_info(workspace).get("corpus")
        corpus = Path(recorded) if recorded and Path(recorded).is_dir() else None
    plugin = SourcePlugin(corpus, files)
    hooks = plugin.hooks()
    name = "textci-serve"
    if pm.get_plugin(name) is not None:
        pm.unregister(name=name)
    pm.register(hooks, name=name)
    ds = Datasette(files=[str(path)], metadata=metadata(path, labels, f"textci: {workspace.resolve().name}"),
                   settings={"default_page_size": 50, "facet_time_limit_ms": 1000, "sql_time_limit_ms": 3000})
    return ds, plugin


def serve(workspace: Path, host: str = "127.0.0.1", port: int = 8001, corpus: Path | None = None,
          announce=print) -> None:
    """Serve until interrupted (Interrupted, KeyboardInterrupt) or the server fails."""
    import uvicorn

    ds, _ = datasette_app(workspace, corpus)
    server = uvicorn.Server(uvicorn.Config(ds.app(), host=host, port=port, log_level="warning",
                                           lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="textci-serve", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise UsageError(f"cannot serve on {host}:{port} (in use, or not an address of this machine); "
                                 "choose another --port or --host")
            time.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()
        announce(f"http://{_url_host(host)}:{bound[1]}/")
        while thread.is_alive():
            thread.join(0.5)
    finally:
        server.should_exit = True
        thread.join(2)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
