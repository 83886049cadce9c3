"""Write an extraction to its four JSONL files, refusing to clobber old results."""
from __future__ import annotations

from pathlib import Path

from .errors import UsageError
from .extraction import ExtractionResult
from .io import write_jsonl
from .markers import holds_files, mark_output


def prepare_outdir(outdir: Path, force: bool) -> None:
    """Create and mark OUTDIR; an existing non-empty one needs force (nothing is overwritten by surprise)."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir} exists and is not a folder; choose another -o")
    if outdir.exists() and holds_files(outdir) and not force:
        raise UsageError(f"{outdir} already exists and is not empty; pass --force to overwrite "
                         "its results, or choose another -o")
    mark_output(outdir, "extract")


def write_extraction(result: ExtractionResult, outdir: Path) -> None:
    outdir = Path(outdir)
    write_jsonl(outdir / "documents.jsonl", (d.to_json() for d in result.documents))
    write_jsonl(outdir / "pages.jsonl", (p.to_json() for p in result.pages))
    write_jsonl(outdir / "passages.jsonl", (p.to_json() for p in result.passages))
    write_jsonl(outdir / "errors.jsonl", (e.to_json() for e in result.errors))
