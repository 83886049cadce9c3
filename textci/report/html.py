"""The report: overview heatmap, one section per city with cited evidence, themes, methods.

Everything that came from a document is escaped (html.escape) before it is
written, and the page carries a Content-Security-Policy that forbids scripts
and remote loads, so even text that slipped through could not run or call
home. The file works offline: styles and charts are inline.
"""
from __future__ import annotations

import os
from collections import defaultdict
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..io import write_atomic
from .charts import bars, heat_colour, stacked_bars, text_colour

TOP_THEMES = 8
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:28px;margin:8px 0 4px}h2{font-size:22px;margin:40px 0 8px;border-bottom:2px solid #e6e6e6}
h3{font-size:17px;margin:24px 0 6px}nav a{margin-right:14px}.muted{color:#666}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 8px;border:1px solid #e3e3e3;vertical-align:top}
th{background:#f3f3f3;text-align:left;font-weight:600}
table.heat td{text-align:center;min-width:54px;font-variant-numeric:tabular-nums}
table.heat th.rot{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-size:13px}
blockquote{margin:6px 0 12px;padding:6px 12px;border-left:4px solid #4e79a7;background:#f6f8fb}
blockquote .cite{display:block;font-size:13px;color:#555;margin-top:4px}
.terms{font-size:13px;color:#555}.axis{font-size:12px;fill:#333}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:middle}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #e3e3e3;padding:8px 14px;border-radius:6px}
.card b{display:block;font-size:22px}.fail{color:#b00020}
"""


def build_report(ws, comparison, book, out: Path, *, run_info: dict | None = None,
                 evaluation: dict | None = None, corpus: Path | None = None) -> Path:
    out = Path(out)
    write_atomic(out, render_report(ws, comparison, book, run_info=run_info, evaluation=evaluation,
                                    corpus=corpus, report_dir=out.resolve().parent))
    return out


def render_report(ws, comparison, book, *, run_info=None, evaluation=None, corpus=None, report_dir=None) -> str:
    cities = comparison["cities"]
    names = list(cities["city"])
    body = [f"<h1>Collective Impact and urban security: {len(names)} cities compared</h1>",
            _nav(names), _overview(ws, cities), _heatmap(comparison["city_labels"], book, names),
            _theme_chart(comparison["city_themes"], names), _similarity(comparison["city_similarity"], names)]
    link = _linker(corpus, report_dir)
    body += [_city_section(name, cities, comparison, book, link) for name in names]
    body += [_themes(ws, link), _failures(ws), _methods(book, run_info, evaluation, _formats(ws))]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>textci report</title><style>{STYLE}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>\n")


def _nav(names) -> str:
    links = "".join(f'<a href="#{_anchor(n)}">{escape(n)}</a>' for n in names)
    return (f'<nav><a href="#overview">Overview</a><a href="#themes">Themes</a>{links}'
            '<a href="#failures">Failures</a><a href="#methods">Methods</a></nav>')


def _overview(ws, cities) -> str:
    failed = sum(d.get("status") == "failed" for d in ws.documents)
    cards = [("cities", len(cities)), ("documents", len(ws.documents)), ("pages", int(cities["pages"].sum())),
             ("passages", len(ws.passages)), ("failed documents", failed)]
    items = "".join(f'<div class="card"><b>{v:,}</b>{escape(k)}</div>' for k, v in cards)
    return f'<section id="overview"><h2>Overview</h2><div class="cards">{items}</div></section>'


def _heatmap(city_labels, book, names) -> str:
    share = {(r.city, r.label): (r.share, r.documents) for r in city_labels.itertuples()}
    top = max([s for s, _ in share.values()] + [1e-9])
    dims = defaultdict(list)
    for label in book.labels:
        dims[label.dimension].append(label)
    head1 = "<tr><th></th>" + "".join(f'<th colspan="{len(ls)}">{escape(d)}</th>' for d, ls in dims.items()) + "</tr>"
    head2 = "<tr><th>city</th>" + "".join(f'<th class="rot" title="{escape(l.description)}">{escape(l.id)}</th>'
                                         for ls in dims.values() for l in ls) + "</tr>"
    rows = []
    for city in names:
        cells = []
        for ls in dims.values():
            for label in ls:
                value, docs = share.get((city, label.id), (0.0, 0))
                level = value / top
                cells.append(f'<td style="background:{heat_colour(level)};color:{text_colour(level)}" '
                             f'title="{escape(city)} · {escape(label.id)}: '
                             f'{value:.1%} of passages, {docs} document(s)">'
                             f"{value:.0%}</td>")
        rows.append(f'<tr><th><a href="#{_anchor(city)}">{escape(city)}</a></th>{"".join(cells)}</tr>')
    return ('<section id="heatmap"><h2>Which conditions and issues each city shows</h2>'
            '<p class="muted">Share of the city\'s passages with each label (darker = more); hover for the '
            f'number of documents.</p><table class="heat">{head1}{head2}{"".join(rows)}</table></section>')


def _theme_chart(city_themes, names) -> str:
    if city_themes.empty:
        return '<section id="theme-chart"><h2>Themes by city</h2><p class="muted">No themes computed.</p></section>'
    totals = city_themes.groupby(["theme", "theme_label"], as_index=False)["passages"].sum()
    totals = totals.sort_values(["passages", "theme"], ascending=[False, True])
    top = list(totals.head(TOP_THEMES).itertuples())
    legend = [f"{t.theme}: {t.theme_label}" for t in top]
    rows = []
    for city in names:
        part = city_themes[city_themes.city == city]
        segments = [(f"{t.theme}: {t.theme_label}", float(part[part.theme == t.theme].share.sum())) for t in top]
        rest = float(part.share.sum()) - sum(s for _, s in segments)
        rows.append((city, segments + [("other", max(0.0, rest))]))
    chart = stacked_bars(rows, legend + ["other"], "Share of each city's passages by theme")
    return (f'<section id="theme-chart"><h2>Themes by city</h2><p class="muted">Share of each city\'s passages '
            f"in the {len(top)} largest themes; outliers are left blank.</p>{chart}</section>")


def _similarity(frame, names) -> str:
    if frame.empty:
        return ""
    value = {(r.city_a, r.city_b): r.similarity for r in frame.itertuples()}
    head = "<tr><th></th>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"
    rows = []
    for a in names:
        cells = []
        for b in names:
            v = 1.0 if a == b else value.get((a, b), 0.0)
            cells.append(f'<td style="background:{heat_colour(v)};color:{text_colour(v)}">{v:.2f}</td>')
        rows.append(f"<tr><th>{escape(a)}</th>{''.join(cells)}</tr>")
    return ('<section id="similarity"><h2>How alike the cities are</h2><p class="muted">Cosine similarity of '
            "label and theme profiles (1 = same mix).</p>"
            f'<table class="heat">{head}{"".join(rows)}</table></section>')


def _city_section(city, cities, comparison, book, link) -> str:
    info = cities[cities.city == city].iloc[0]
    labels = comparison["city_labels"]
    mine = labels[labels.city == city].sort_values(["share", "label"], ascending=[False, True])
    shown = [(r.label, float(r.share)) for r in mine.itertuples() if r.passages > 0]
    chart = bars(shown, f"Labels in {city}") if shown else '<p class="muted">No label found.</p>'
    facts = (f"{escape(str(info.country) or 'country unknown')} · {int(info.documents)} document(s) · "
             f"{int(info.pages)} pages · {int(info.passages)} passages"
             + (f" · {escape(str(info.years))}" if str(info.years) else ""))
    evidence = comparison["evidence"]
    quotes = []
    for label in book.labels:
        rows = evidence[(evidence.city == city) & (evidence.label == label.id)]
        if rows.empty:
            continue
        items = "".join(_quote(r, link) for r in rows.itertuples())
        quotes.append(f"<h3>{escape(label.id)} <span class=\"muted\">{escape(label.name)}</span></h3>{items}")
    return (f'<section id="{_anchor(city)}"><h2>{escape(city)}</h2><p class="muted">{facts}</p>{chart}'
            + "".join(quotes) + "</section>")


def _cite(file: str, page: int, link, text: str | None = None) -> str:
    """"file, p. N", linked to the report (at that page, or that passage) when the corpus is known."""
    where = f"{escape(file)}, p. {page}"
    href = link(file, page, text)
    return f'<a href="{escape(href, quote=True)}">{where}</a>' if href else where


def _quote(row, link) -> str:
    cite = _cite(row.file, int(row.page), link, row.text)
    terms = f' · <span class="terms">matched: {escape(row.terms)}</span>' if row.terms else ""
    return (f"<blockquote>{escape(row.text)}<span class=\"cite\">{cite} · score {row.score:.2f}{terms}"
            "</span></blockquote>")


def _themes(ws, link) -> str:
    if not ws.themes:
        return '<section id="themes"><h2>Themes</h2><p class="muted">No themes computed.</p></section>'
    by_id = {p.id: p for p in ws.passages}
    parts = [f'<section id="themes"><h2>Themes</h2><p class="muted">{len(ws.themes["themes"])} themes; '
             f'{ws.themes.get("outlier_share", 0):.0%} of passages fit none.</p>']
    for theme in ws.themes["themes"]:
        langs = ", ".join(f"{escape(k)} {v}" for k, v in theme.get("languages", {}).items())
        cities = ", ".join(f"{escape(k)} {v}" for k, v in theme.get("cities", {}).items())
        parts.append(f"<h3>{theme['id']}: {escape(theme['label'])}</h3><p class=\"muted\">{theme['size']} passages"
                     f" · languages: {langs}" + (f" · cities: {cities}" if cities else "") + "</p>")
        for pid in theme.get("representative_ids", [])[:2]:
            p = by_id.get(pid)
            if p is not None:
                parts.append(f'<blockquote>{escape(p.text)}<span class="cite">{_cite(p.file, p.page, link, p.text)}'
                             "</span></blockquote>")
    return "".join(parts) + "</section>"


def _failures(ws) -> str:
    if not ws.errors:
        return '<section id="failures"><h2>Failures</h2><p>Every document was read.</p></section>'
    rows = "".join(f"<tr><td>{escape(str(e.get('file', '')))}</td><td>{escape(str(e.get('page') or ''))}</td>"
                   f"<td class=\"fail\">{escape(str(e.get('error', '')))}</td>"
                   f"<td>{escape(str(e.get('message', '')))}</td></tr>"
                   for e in ws.errors)
    return (f'<section id="failures"><h2>Failures</h2><p>{len(ws.errors)} problem(s) while reading; '
            f"the rest of the corpus was processed.</p><table><tr><th>file</th><th>page</th><th>error</th>"
            f"<th>what happened</th></tr>{rows}</table></section>")


def _formats(ws) -> str:
    """"5 PDF, 1 DOCX": the formats of the documents read (older workspaces hold PDFs only)."""
    counts: dict[str, int] = defaultdict(int)
    for document in ws.documents:
        if document.get("doc_id"):
            counts[(document.get("format") or "pdf").upper()] += 1
    return ", ".join(f"{n} {fmt}" for fmt, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _methods(book, run_info, evaluation, formats: str = "") -> str:
    info = run_info or {}
    model = info.get("model_info", {})
    thresholds = model.get("thresholds", {})
    rows = "".join(f"<tr><td>{escape(l.id)}</td><td>{escape(l.dimension)}</td><td>{escape(l.description)}</td>"
                   f"<td>{thresholds.get(l.id, '')}</td></tr>" for l in book.labels)
    parts = ['<section id="methods"><h2>Methods</h2>',
             f"<p>Text extracted from the reports ({escape(formats or 'none read')}): PDFs with PDFium (OCR with "
             f"Tesseract for scanned pages), other formats by their reader (main content only), split into "
             f"passages of one to three sentences. Each passage classified by the model "
             f"<b>{escape(str(info.get('model', 'default')))}</b> ({escape(str(info.get('classifier', '')))}, "
             f"trained on {escape(str(model.get('training_samples', '?')))} labelled passages, embeddings "
             f"{escape(str(model.get('embedder', '')))}) against the codebook <b>{escape(book.name)}</b> "
             f"version {escape(str(book.version))}. Themes: BERTopic on masked, language-centred embeddings "
             f"({escape(_config(info.get('themes', {})))}).</p>",
             f"<table><tr><th>label</th><th>dimension</th><th>definition</th><th>threshold</th></tr>{rows}</table>"]
    if evaluation:
        parts.append(_evaluation(evaluation))
    return "".join(parts) + "</section>"


def _evaluation(ev: dict) -> str:
    langs = ", ".join(f"{escape(k)} {v['macro_f1']:.2f}" for k, v in ev.get("macro_f1_by_language", {}).items()
                      if v.get("macro_f1") is not None)
    return (f"<h3>Evaluation</h3><p>On {ev.get('n', '?')} gold passages: macro F1 {ev.get('macro_f1', 0):.3f}, "
            f"micro F1 {ev.get('micro_f1', 0):.3f}, expected calibration error {ev.get('ece', 0):.3f}, "
            f"Brier {ev.get('brier', 0):.3f}. Macro F1 by language: {langs}.</p>")


def _config(config: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(config.items()))


def _linker(corpus, report_dir):
    """A link from the report to a source (relative, so the folder can be moved together).

    A PDF opens at the page; a web page scrolls to the passage (a text
    fragment, which browsers highlight); other formats open as a whole.
    """
    if corpus is None:
        return lambda file, page, text=None: None
    from ..extraction.readers import format_of

    corpus = Path(corpus).resolve()
    base = Path(report_dir or ".").resolve()

    def link(file: str, page: int, text: str | None = None) -> str:
        target = quote(Path(os.path.relpath(corpus / file, base)).as_posix())
        fmt = format_of(file)
        if fmt == "html" and text:
            return f"{target}#:~:text={text_fragment(text)}"
        return f"{target}#page={page}" if fmt in ("pdf", None) else target

    return link


def text_fragment(text: str, words: int = 6) -> str:
    """The `text=` directive of a URL text fragment: the passage, or its first and last words."""
    tokens = text.split()
    parts = [" ".join(tokens)] if len(tokens) <= 2 * words else \
        [" ".join(tokens[:words]), " ".join(tokens[-words:])]
    return ",".join(quote(part, safe="").replace("-", "%2D") for part in parts)


def _anchor(name: str) -> str:
    return "city-" + "".join(ch if ch.isalnum() else "-" for ch in name.casefold())
