"""The stages after extraction, as library calls the CLI (and notebooks) use.

    classify_workspace   passages.jsonl -> predictions.jsonl
    themes_for           passages (+ cities, predictions) -> themes.json, passage_themes.jsonl
    resolve_cities       which city each document belongs to, from the best source at hand
    run                  extract -> classify -> themes -> compare -> report, into one workspace
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from . import workspace as W
from .cities import UNASSIGNED, CityMap, map_cities
from .data import Sample
from .io import write_atomic, write_jsonl


def resolve_cities(folder: Path | None, files: list[str], cities_csv: Path | None = None,
                   corpus: Path | None = None) -> CityMap:
    """An explicit CSV, else the corpus's cities.csv files, else the workspace's own, else folders."""
    if cities_csv:
        return map_cities(files, None, cities_csv)
    if corpus:
        return map_cities(files, corpus)
    own = Path(folder) / W.CITIES if folder else None
    return map_cities(files, None, own if own and own.exists() else None)


def classify_workspace(passages, model, out: Path):
    samples = [Sample(p.id, p.text, p.lang) for p in passages]
    predictions = model.classify(samples)
    write_jsonl(out, (p.to_json() for p in predictions))
    return predictions


def themes_for(passages, outdir: Path, config, cities: CityMap | None = None, predictions=None, codebook=None):
    from .themes import fit_themes, write_themes

    city_of = {p.id: cities.city_of(p.file) for p in passages} if cities else None
    # terms must be shared by several cities (or documents, where no city is known) to label a theme
    groups = [city_of[p.id] if city_of and city_of[p.id] != UNASSIGNED else f"file:{p.file}" for p in passages]
    known = tuple(cities.cities) + tuple(i.country for i in cities.by_file.values() if i.country) if cities else ()
    samples = [Sample(p.id, p.text, p.lang) for p in passages]
    result = fit_themes(samples, config, groups=groups, known_names=tuple(sorted(set(known))), codebook=codebook)
    labels_of = {i: p.labels for i, p in predictions.items()} if predictions is not None else None
    write_themes(result, outdir, city_of, labels_of)
    return result


@dataclass(frozen=True)
class RunResult:
    workspace: Path
    report: Path
    exit_status: int
    summary: str


def run(corpus: Path, workspace: Path, *, model_name: str | None = None, theme_config=None,
        extract_options=None, limits=None, workers: int | None = None, evaluation: Path | None = None,
        log=lambda message: print(message, file=sys.stderr)) -> RunResult:
    """Every stage on one corpus; the workspace then holds each stage's files and report.html."""
    from .classification import load
    from .compare import compare, write_tables
    from .extraction import extract
    from .outputs import write_extraction
    from .report import build_report
    from .themes import ThemeConfig

    corpus, workspace = Path(corpus), Path(workspace)
    log(f"extract: {corpus}")
    result = extract([corpus], extract_options, workers=workers, limits=limits,
                     on_document=lambda d: log(f"  {d.status:7s} {d.file} ({d.pages} pages, "
                                               f"{len(d.passages)} passages)"))
    write_extraction(result, workspace)
    files = [d.file for d in result.documents]
    cities = map_cities(files, corpus)
    for warning in cities.warnings:
        log(f"warning: {warning}")
    _write_cities(cities, workspace / W.CITIES)
    model = load(model_name)
    log(f"classify: {len(result.passages)} passages with model {model_name or 'default'} ({model.classifier.name})")
    predictions = {p.id: p for p in classify_workspace(result.passages, model, workspace / W.PREDICTIONS)}
    config = theme_config or ThemeConfig()
    log("themes")
    themes = themes_for(result.passages, workspace, config, cities, predictions, model.codebook)
    log("compare")
    ws = W.Workspace.load(workspace)
    comparison = compare(ws, cities, model.codebook)
    write_tables(comparison, workspace / "tables")
    run_info = {"corpus": str(corpus.resolve()), "model": model_name or "default", "model_info": model.info,
                "classifier": model.classifier.name, "codebook": model.codebook.name,
                "themes": config.to_json()}
    write_atomic(workspace / "run.json", json.dumps(run_info, indent=1, ensure_ascii=False) + "\n")
    report = workspace / "report.html"
    evaluation_data = json.loads(Path(evaluation).read_text("utf-8")) if evaluation else None
    build_report(ws, comparison, model.codebook, report, run_info=run_info, evaluation=evaluation_data,
                 corpus=corpus)
    docs = result.documents
    failed = sum(d.status == "failed" for d in docs)
    summary = (f"{len(docs)} documents ({failed} failed), {len(result.pages)} pages, {len(result.passages)} "
               f"passages, {len(themes.themes)} themes ({themes.outlier_share:.0%} outliers), "
               f"{len(cities.cities)} cities -> {report}")
    return RunResult(workspace, report, result.exit_status, summary)


def _write_cities(cities: CityMap, path: Path) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["file", "city", "country", "year", "kind"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(cities.rows())
    write_atomic(path, buffer.getvalue())
