"""The HTML report as a reader's browser shows it: a corpus of generated PDFs, `textci run`, then chromium.

One report contains hostile markup in its text; the report must show it as
text, never run it, and never call the network.
"""
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pdf_factory import report_pdf

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>document.title='PWNED'</script>"
IMG = '<img src=x onerror="document.body.dataset.pwned=1">'
HOSTILE = (f"All partners adopted a joint strategy for radicalisation prevention {SCRIPT} and {IMG} "
           "against violent extremism and extremist recruitment of young people.")

REPORTS = {  # file -> pages of paragraphs
    "eastmere_strategy_2021_en.pdf": [
        ["Eastmere Community Safety Strategy 2021-2024",
         "The council, the police, schools and eleven youth organisations agreed a joint strategy with three "
         "shared goals: fewer young people drawn into gangs, safer streets at night and more trust between "
         "young people and the police."],
        ["A dedicated coordinator in the town hall supports the partnership, prepares its monthly meetings, "
         "manages the shared data and leads on bids for external funding.",
         HOSTILE],
        ["Every partner reports the same indicators on knife crime, youth offending and repeat victimisation "
         "to one shared dashboard, which the board reviews each quarter."],
    ],
    "port-aurel_strategie_2020_fr.pdf": [
        ["Stratégie territoriale de sécurité et de prévention de la délinquance 2020-2025",
         "La ville, le parquet, les bailleurs et les associations ont adopté une stratégie commune fixant "
         "quatre priorités pour la prévention de la délinquance des mineurs."],
        ["Un coordonnateur du conseil local de sécurité prépare les réunions, relance les partenaires, "
         "rassemble les chiffres de chacun et monte les dossiers de subvention.",
         "Les partenaires se réunissent chaque mois en cellule de veille pour échanger des informations sur "
         "les jeunes suivis et sur les tensions entre les jeunes et la police dans les quartiers."],
    ],
    "grauwald_evaluation_2023_de.pdf": [
        ["Evaluation der kommunalen Präventionsstrategie 2023",
         "Stadtverwaltung, Polizei, Schulen und Träger haben sich auf gemeinsame Ziele verständigt: weniger "
         "Jugendgewalt, mehr Sicherheit im öffentlichen Raum und eine bessere Beleuchtung von Plätzen."],
        ["Eine Koordinierungsstelle im Rathaus unterstützt die Partnerschaft, bereitet die Sitzungen vor und "
         "führt die gemeinsamen Daten zu Straftaten von Jugendlichen zusammen.",
         "Die Polizei und die Jugendhilfe treffen sich jede Woche in einer Fallkonferenz, um jugendliche "
         "Intensivtäter gemeinsam zu betreuen und Rückfälle zu verhindern."],
    ],
}
CITIES_CSV = ("file,city,country,year,kind\n"
              "eastmere_strategy_2021_en.pdf,Eastmere,United Kingdom,2021,strategy\n"
              "port-aurel_strategie_2020_fr.pdf,Métropole de Port-Aurel-sur-Mer,France,2020,strategy\n"
              "grauwald_evaluation_2023_de.pdf,Grauwald,Austria,2023,evaluation\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A three-city corpus run through `textci run`, as a user would."""
    root = tmp_path_factory.mktemp("report")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, pages in REPORTS.items():
        report_pdf(corpus / name, pages)
    (corpus / "cities.csv").write_text(CITIES_CSV, encoding="utf-8")
    workspace = root / "ws"
    done = subprocess.run([sys.executable, "-m", "textci.cli", "run", str(corpus), "-o", str(workspace),
                           "--workers", "1"], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr
    return corpus, workspace


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (scripts/install_system_deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shown(run, browser):
    """The report opened from disk: the page, and every console error, page error and request it caused."""
    _, workspace = run
    seen = {"console": [], "pageerror": [], "requests": []}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto((workspace / "report.html").resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    yield page, seen
    page.close()


def hostile_passages(workspace: Path) -> list[dict]:
    passages = [json.loads(line) for line in (workspace / "passages.jsonl").read_text("utf-8").splitlines()]
    return [p for p in passages if SCRIPT in p["text"]]


@pytest.mark.slow
def test_hostile_markup_survives_extraction_and_becomes_evidence(run):
    _, workspace = run
    hostile = hostile_passages(workspace)
    assert len(hostile) == 1 and IMG in hostile[0]["text"] and hostile[0]["page"] == 2
    evidence = json.loads((workspace / "tables" / "evidence.json").read_text("utf-8"))
    assert any(SCRIPT in row["text"] and row["label"] == "radicalisation_extremism" for row in evidence)


@pytest.mark.slow
def test_report_shows_hostile_markup_as_text_and_runs_nothing(shown):
    page, seen = shown
    assert page.title() == "textci report"
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.get_attribute("body", "data-pwned") is None
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    text = page.inner_text("body")
    assert SCRIPT in text and IMG in text


@pytest.mark.slow
def test_report_opens_without_console_or_page_errors(shown):
    _, seen = shown
    assert seen["console"] == []
    assert seen["pageerror"] == []


@pytest.mark.slow
def test_report_makes_no_network_request(shown):
    _, seen = shown
    assert seen["requests"], "the report itself was not requested"
    assert all(url.startswith("file://") for url in seen["requests"]), seen["requests"]


@pytest.mark.slow
def test_report_forbids_scripts_with_a_content_security_policy(run):
    _, workspace = run
    html = (workspace / "report.html").read_text("utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in html.replace("&lt;script", "")


@pytest.mark.slow
def test_heatmap_and_charts_are_drawn_with_a_visible_size(shown):
    page, _ = shown
    heatmap = page.locator("#heatmap table.heat")
    assert heatmap.count() == 1
    box = heatmap.bounding_box()
    assert box["width"] > 300 and box["height"] > 60
    rows = page.locator("#heatmap table.heat tr")
    assert rows.count() == 2 + 3  # two header rows, one row per city
    charts = page.locator("svg.chart")
    assert charts.count() >= 4  # themes by city, one label chart per city
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 10, i
    assert page.locator("#theme-chart svg rect").count() > 0


@pytest.mark.slow
def test_chart_labels_are_not_cut_off_at_the_chart_edges(shown):
    page, _ = shown
    outside = page.locator("svg.chart").evaluate_all("""charts => charts.flatMap(svg => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()])
            .filter(([_, r]) => r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                                || r.bottom > box.bottom + 1)
            .map(([text, _]) => text);
    })""")
    assert outside == []


@pytest.mark.slow
def test_full_page_screenshot_is_a_real_picture(shown, tmp_path):
    from PIL import Image

    page, _ = shown
    path = tmp_path / "report.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        assert image.width > 800 and image.height > 800
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20


@pytest.mark.slow
def test_evidence_links_open_the_pdf_at_the_cited_page(run, shown):
    corpus, workspace = run
    page, _ = shown
    links = page.locator("blockquote .cite a").evaluate_all("els => els.map(a => [a.href, a.textContent])")
    assert links
    for href, label in links:
        url = urlparse(href)
        assert url.scheme == "file" and re.fullmatch(r"page=\d+", url.fragment), href
        target = Path(unquote(url.path))
        assert target.is_file() and target.parent == corpus.resolve(), href
        file, cited = re.fullmatch(r"(.+), p\. (\d+)", label).groups()
        assert target.name == file and url.fragment == f"page={cited}"
    hostile = [h for h, label in links if label.startswith("eastmere_strategy_2021_en.pdf, p. 2")]
    assert hostile and hostile[0].endswith("eastmere_strategy_2021_en.pdf#page=2")
