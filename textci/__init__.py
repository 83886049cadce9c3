"""textci: text-mine policy and evaluation reports for Collective Impact evidence.

The library API mirrors the CLI; heavy libraries load on first use so that
`import textci` stays fast:

    textci.extract(paths) -> ExtractionResult (documents -> pages -> passages)
    textci.search(workspace, query, k=20, labels=(), cities=(), langs=(), mode="hybrid") -> list of Hit
"""
from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "extract": ("textci.extraction", "extract"),
    "ExtractOptions": ("textci.extraction.document", "ExtractOptions"),
    "Limits": ("textci.extraction.isolate", "Limits"),
    "write_extraction": ("textci.outputs", "write_extraction"),
    "search": ("textci.explore.search", "search"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'textci' has no attribute {name!r}")


__all__ = sorted(_LAZY)
