"""Which city each PDF of a corpus is counted under, and what a user is told when the mapping is wrong."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_factory import prose_pdf, report_pdf
from textci.cities import UNASSIGNED, map_cities, read_cities_csv
from textci.errors import CityMappingError
from textci.extraction.discover import discover

REPO = Path(__file__).resolve().parents[1]


def pdf(path: Path, sentence="The city opened a new youth centre near the station last year.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return prose_pdf(path, [[sentence]])


def corpus_files(corpus: Path) -> list[str]:
    """The document names exactly as `textci extract` and `textci run` report them."""
    found, problems = discover([corpus])
    assert not problems
    return [f.name for f in found]


def write_csv(path: Path, text: str, encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_cities_csv_beside_the_pdfs_maps_each_file_with_its_country_year_and_kind(tmp_path):
    pdf(tmp_path / "lyon_plan_2021.pdf")
    pdf(tmp_path / "gent_evaluatie_2022.pdf")
    write_csv(tmp_path / "cities.csv", "file,city,country,year,kind\n"
                                       "lyon_plan_2021.pdf,Lyon,France,2021,strategy\n"
                                       "gent_evaluatie_2022.pdf,Gent,Belgium,2022,evaluation\n")
    cities = map_cities(corpus_files(tmp_path), tmp_path)
    assert cities.city_of("lyon_plan_2021.pdf") == "Lyon"
    assert cities.city_of("gent_evaluatie_2022.pdf") == "Gent"
    assert cities.cities == ["Gent", "Lyon"]
    assert not cities.warnings
    assert cities.rows() == [
        {"file": "gent_evaluatie_2022.pdf", "city": "Gent", "country": "Belgium", "year": 2022, "kind": "evaluation"},
        {"file": "lyon_plan_2021.pdf", "city": "Lyon", "country": "France", "year": 2021, "kind": "strategy"},
    ]


def test_a_folder_per_city_maps_the_pdfs_inside_it(tmp_path):
    pdf(tmp_path / "Lyon" / "plan.pdf")
    pdf(tmp_path / "Lyon" / "annexes" / "annex.pdf")
    pdf(tmp_path / "San Teodoro" / "piano.pdf")
    cities = map_cities(corpus_files(tmp_path), tmp_path)
    assert cities.city_of("Lyon/plan.pdf") == "Lyon"
    assert cities.city_of("Lyon/annexes/annex.pdf") == "Lyon"
    assert cities.city_of("San Teodoro/piano.pdf") == "San Teodoro"
    assert not cities.warnings


def test_a_cities_csv_inside_a_subfolder_maps_files_relative_to_that_folder(tmp_path):
    pdf(tmp_path / "batch-2023" / "report.pdf")
    write_csv(tmp_path / "batch-2023" / "cities.csv", "file,city\nreport.pdf,Valdeoro\n")
    cities = map_cities(corpus_files(tmp_path), tmp_path)
    assert cities.city_of("batch-2023/report.pdf") == "Valdeoro"


def test_a_cities_csv_row_wins_over_the_folder_name(tmp_path):
    pdf(tmp_path / "inbox" / "report.pdf")
    write_csv(tmp_path / "cities.csv", "file,city\ninbox/report.pdf,Grauwald\n")
    assert map_cities(corpus_files(tmp_path), tmp_path).city_of("inbox/report.pdf") == "Grauwald"


def test_a_file_with_no_mapping_is_unassigned_with_a_warning_naming_it(tmp_path):
    pdf(tmp_path / "lyon.pdf")
    pdf(tmp_path / "mystery_report.pdf")
    write_csv(tmp_path / "cities.csv", "file,city\nlyon.pdf,Lyon\n")
    cities = map_cities(corpus_files(tmp_path), tmp_path)
    assert cities.city_of("mystery_report.pdf") == UNASSIGNED == "unassigned"
    assert cities.city_of("lyon.pdf") == "Lyon"
    assert len(cities.warnings) == 1
    assert "mystery_report.pdf" in cities.warnings[0]
    assert "unassigned" in cities.warnings[0]


def test_a_header_without_a_city_column_is_an_error_naming_the_file_and_row_1(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,country\nlyon.pdf,France\n")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert "row 1" in message and "city" in message


def test_a_row_with_more_fields_than_the_header_is_an_error_naming_the_row(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,city,country\n"
                                              "lyon.pdf,Lyon,France\n"
                                              "gent.pdf,Gent,Belgium,2022\n")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    assert str(path) in str(info.value)
    assert "row 3" in str(info.value)


def test_a_row_without_a_city_is_an_error_naming_the_row(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,city,country\nlyon.pdf,Lyon,France\ngent.pdf\n")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    assert str(path) in str(info.value) and "row 3" in str(info.value)


@pytest.mark.parametrize("year", ["twenty-twenty", "21", "3021", "2021.5"])
def test_a_year_that_is_not_a_year_is_an_error_naming_the_row_and_value(tmp_path, year):
    path = write_csv(tmp_path / "cities.csv", f"file,city,year\nlyon.pdf,Lyon,2021\ngent.pdf,Gent,{year}\n")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and year in message


def test_a_cities_csv_that_is_not_utf8_is_an_error_naming_the_file_and_row(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,city\nkoln.pdf,Köln\nlyon.pdf,Lyon\n", encoding="latin-1")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert "UTF-8" in message
    assert re.search(r"\b(row|line) 2\b", message), message


def test_a_utf8_cities_csv_with_a_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "\ufefffile,city\nkoln.pdf,Köln\n")
    assert read_cities_csv(path)["koln.pdf"][0].city == "Köln"


def test_the_same_file_mapped_to_two_cities_is_an_error_naming_both_rows(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,city\n"
                                              "plan.pdf,Lyon\n"
                                              "other.pdf,Gent\n"
                                              "plan.pdf,Lille\n")
    with pytest.raises(CityMappingError) as info:
        read_cities_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert "row 4" in message and "row 2" in message
    assert "Lyon" in message and "Lille" in message and "plan.pdf" in message


def test_two_cities_csv_files_that_disagree_about_a_file_are_an_error_naming_both(tmp_path):
    pdf(tmp_path / "batch" / "plan.pdf")
    top = write_csv(tmp_path / "cities.csv", "file,city\nbatch/plan.pdf,Lyon\n")
    inner = write_csv(tmp_path / "batch" / "cities.csv", "file,city\nplan.pdf,Lille\n")
    with pytest.raises(CityMappingError) as info:
        map_cities(corpus_files(tmp_path), tmp_path)
    message = str(info.value)
    assert str(top) in message and str(inner) in message
    assert "Lyon" in message and "Lille" in message


def test_mapping_a_file_twice_to_the_same_city_is_not_an_error(tmp_path):
    path = write_csv(tmp_path / "cities.csv", "file,city\nplan.pdf,Lyon\nplan.pdf,Lyon\n")
    assert read_cities_csv(path)["plan.pdf"][0].city == "Lyon"


@pytest.mark.slow
def test_run_on_a_corpus_with_an_unmapped_pdf_completes_and_warns_about_that_file(tmp_path):
    corpus = tmp_path / "corpus"
    sentences = {
        "lyon_strategie.pdf": ["Les partenaires ont adopté une stratégie commune de prévention de la délinquance "
                               "des mineurs et se réunissent chaque mois en cellule de veille."],
        "gent_plan.pdf": ["De partners hebben een gezamenlijke strategie tegen radicalisering afgesproken en "
                          "delen elke maand hun cijfers over incidenten in de wijk."],
        "forgotten_report.pdf": ["The partnership agreed a joint strategy on knife crime and meets every month "
                                 "to review the shared data on youth violence."],
    }
    corpus.mkdir()
    for name, paragraphs in sentences.items():
        report_pdf(corpus / name, [paragraphs])
    write_csv(corpus / "cities.csv", "file,city,country\nlyon_strategie.pdf,Lyon,France\ngent_plan.pdf,Gent,Belgium\n")
    workspace = tmp_path / "ws"
    done = subprocess.run([sys.executable, "-m", "textci.cli", "run", str(corpus), "-o", str(workspace),
                           "--workers", "1"], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "forgotten_report.pdf" in warnings[0]
    assert (workspace / "report.html").is_file()
    mapped = (workspace / "cities.csv").read_text("utf-8").splitlines()
    assert "forgotten_report.pdf,unassigned,,," in mapped
    assert "unassigned" in (workspace / "tables" / "cities.csv").read_text("utf-8")
