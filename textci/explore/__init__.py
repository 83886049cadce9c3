"""Explore a workspace: a SQLite database of it, hybrid search over it, Datasette in the browser.

    database   workspace files -> WORKSPACE/textci.db (sqlite-utils; FTS5, foreign keys, views)
    search     hybrid search: FTS5 BM25 and multilingual embeddings, fused by reciprocal rank
    serve      Datasette on textci.db, with our plugin (source links, start page)

These are views of the workspace's JSONL files, never a second data model:
every table is rebuilt from them.
"""
