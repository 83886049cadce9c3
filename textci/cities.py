"""Which city each document belongs to: `cities.csv` beside the PDFs, or `CORPUS/<city>/*.pdf`.

Comparison is per city, so every document needs one. A document with no
mapping is grouped as `unassigned` with a warning (the run goes on); a
malformed `cities.csv` or a document mapped to two cities is an error that
names the file and row, because a silent guess would put evidence under the
wrong city.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from .errors import CityMappingError
from .markers import find_named

UNASSIGNED = "unassigned"
COLUMNS = ("file", "city", "country", "year", "kind")


@dataclass(frozen=True)
class CityInfo:
    city: str
    country: str = ""
    year: int | None = None
    kind: str = ""
    source: str = ""  # where the mapping came from: "cities.csv:4", "folder", "none"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CityMap:
    by_file: dict[str, CityInfo]   # document file (as extract names it) -> city
    warnings: tuple[str, ...] = ()

    def city_of(self, file: str) -> str:
        return self.by_file.get(file, CityInfo(UNASSIGNED)).city

    @property
    def cities(self) -> list[str]:
        return sorted({info.city for info in self.by_file.values()})

    def rows(self) -> list[dict]:
        """One tidy row per document, sorted by file: what `cities.csv` in a workspace holds."""
        return [{"file": f, "city": i.city, "country": i.country,
                 "year": "" if i.year is None else i.year, "kind": i.kind}
                for f, i in sorted(self.by_file.items())]


def read_cities_csv(path: Path) -> dict[str, tuple[CityInfo, int]]:
    """file -> (city, row number) from one cities.csv; the file column is relative to the CSV's folder."""
    path = Path(path)
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CityMappingError(f"{path}: line {line}: not UTF-8 text ({exc.reason}); save it as UTF-8 CSV") from exc
    try:
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in ("file", "city") if c not in header]
            if missing:
                raise CityMappingError(f"{path}: row 1: the header lacks column(s) {', '.join(missing)}; "
                                       f"expected {','.join(COLUMNS)}")
            unknown = [h for h in header if h not in COLUMNS]
            if unknown:
                raise CityMappingError(f"{path}: row 1: unknown column(s) {', '.join(unknown)}; "
                                       f"expected {','.join(COLUMNS)}")
            reader.fieldnames = header
            mapping: dict[str, tuple[CityInfo, int]] = {}
            for number, row in enumerate(reader, start=2):
                mapping_row(path, number, row, mapping)
    except csv.Error as exc:
        raise CityMappingError(f"{path}: not a readable CSV ({exc})") from exc
    return mapping


def mapping_row(path: Path, number: int, row: dict, mapping: dict) -> None:
    if None in row:
        raise CityMappingError(f"{path}: row {number}: more fields than the header has columns")
    values = {k: (v or "").strip() for k, v in row.items()}
    if not any(values.values()):
        return
    file, city = values.get("file", ""), values.get("city", "")
    if not file or not city:
        raise CityMappingError(f"{path}: row {number}: both file and city are required")
    year_text = values.get("year", "")
    if year_text and not (year_text.isdigit() and 1800 <= int(year_text) <= 2200):
        raise CityMappingError(f"{path}: row {number}: year {year_text!r} is not a year")
    key = PurePosixPath(file.replace("\\", "/")).as_posix()
    info = CityInfo(city, values.get("country", ""), int(year_text) if year_text else None,
                    values.get("kind", ""), f"{path.name}:{number}")
    if key in mapping and mapping[key][0].city != city:
        raise CityMappingError(f"{path}: row {number}: {file} is mapped to {city!r} here and to "
                               f"{mapping[key][0].city!r} in row {mapping[key][1]}")
    mapping[key] = (info, number)


def map_cities(files: Iterable[str], root: Path | None, cities_csv: Path | None = None,
               excluded: Iterable[Path] = ()) -> CityMap:
    """Map each document `file` (relative to the corpus root) to its city.

    Sources, in order: an explicit CSV; every `cities.csv` under `root` (each
    maps files relative to its own folder); the first folder of the file's
    path (a CSV row wins over the folder). Two CSV rows that map one file to
    two cities are an error naming both. Folders textci wrote (a workspace
    kept inside the corpus) and the `excluded` ones are not searched.
    """
    files = sorted(set(files))
    from_csv: dict[str, tuple[CityInfo, str]] = {}
    csvs = [Path(cities_csv)] if cities_csv else corpus_city_files(root, excluded)
    for csv_path in csvs:
        prefix = _relative_folder(csv_path, root) if not cities_csv else PurePosixPath()
        for file, (info, number) in read_cities_csv(csv_path).items():
            key = (prefix / file).as_posix()
            where = f"{csv_path}: row {number}"
            if key in from_csv and from_csv[key][0].city != info.city:
                raise CityMappingError(f"{where}: {key} is mapped to {info.city!r} here and to "
                                       f"{from_csv[key][0].city!r} in {from_csv[key][1]}")
            from_csv[key] = (info, where)
    by_file, warnings = {}, []
    for file in files:
        parts = PurePosixPath(file).parts
        folder_city = parts[0] if len(parts) > 1 else None
        if file in from_csv:
            by_file[file] = from_csv[file][0]
        elif folder_city:
            by_file[file] = CityInfo(folder_city, source="folder")
        else:
            by_file[file] = CityInfo(UNASSIGNED, source="none")
            warnings.append(f"{file}: no city (not in cities.csv, not in a city folder); "
                            f"grouped as {UNASSIGNED!r}")
    return CityMap(by_file, tuple(warnings))


def corpus_city_files(root: Path | None, excluded: Iterable[Path] = ()) -> list[Path]:
    """The `cities.csv` files of a corpus, outside textci's own output folders."""
    if not root or not Path(root).is_dir():
        return []
    return find_named(Path(root), "cities.csv", excluded)


def _relative_folder(csv_path: Path, root: Path | None) -> PurePosixPath:
    if root is None:
        return PurePosixPath()
    try:
        return PurePosixPath(csv_path.parent.resolve().relative_to(Path(root).resolve()).as_posix())
    except ValueError:
        return PurePosixPath()


def read_workspace_cities(path: Path) -> CityMap:
    """The resolved mapping a workspace keeps (its own `cities.csv`, one row per document)."""
    mapping = read_cities_csv(path)
    return CityMap({file: info for file, (info, _) in mapping.items()})
