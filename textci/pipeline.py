"""The stages after extraction, as library calls the CLI (and notebooks) use.

    themes_for           passages (+ cities, predictions) -> themes.json, passage_themes.jsonl
    resolve_cities       which city each document belongs to, from the best source at hand

`textci run` (extract -> classify -> themes -> compare -> report) lives in batch/runner.py.
"""
from __future__ import annotations

from pathlib import Path

from . import workspace as W
from .cities import UNASSIGNED, CityMap, map_cities
from .data import Sample
from .io import write_atomic
from .markers import mark_output


def resolve_cities(folder: Path | None, files: list[str], cities_csv: Path | None = None,
                   corpus: Path | None = None) -> CityMap:
    """An explicit CSV, else the corpus's cities.csv files, else the workspace's own, else folders."""
    if cities_csv:
        return map_cities(files, None, cities_csv)
    if corpus:
        return map_cities(files, corpus, excluded=[folder] if folder else ())
    own = Path(folder) / W.CITIES if folder else None
    return map_cities(files, None, own if own and own.exists() else None)


def themes_for(passages, outdir: Path, config, cities: CityMap | None = None, predictions=None, codebook=None,
               cache_folder: Path | None = None):
    """Themes of the passages, written to outdir; embeddings cached in cache_folder (else the user cache)."""
    from .themes import fit_themes, write_themes

    city_of = {p.id: cities.city_of(p.file) for p in passages} if cities else None
    # terms must be shared by several cities (or documents, where no city is known) to label a theme
    groups = [city_of[p.id] if city_of and city_of[p.id] != UNASSIGNED else f"file:{p.file}" for p in passages]
    known = tuple(cities.cities) + tuple(i.country for i in cities.by_file.values() if i.country) if cities else ()
    samples = [Sample(p.id, p.text, p.lang) for p in passages]
    cache = None
    if cache_folder is not None:
        from .classification.embeddings import EmbeddingCache

        cache = EmbeddingCache(Path(cache_folder) / "embeddings.sqlite")
    result = fit_themes(samples, config, groups=groups, known_names=tuple(sorted(set(known))), codebook=codebook,
                        cache=cache)
    labels_of = {i: p.labels for i, p in predictions.items()} if predictions is not None else None
    mark_output(outdir, "themes")
    write_themes(result, outdir, city_of, labels_of)
    return result


def write_cities(cities: CityMap, path: Path) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["file", "city", "country", "year", "kind"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(cities.rows())
    write_atomic(path, buffer.getvalue())
