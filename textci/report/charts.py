"""Inline SVG charts: drawn on the server, so the report needs no script and no network."""
from __future__ import annotations

from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#86bcb6", "#d37295")
OTHER = "#d9d9d9"


def heat_colour(value: float) -> str:
    """White to deep blue as a share goes from 0 to its maximum (1)."""
    v = max(0.0, min(1.0, value))
    r, g, b = (int(255 - (255 - c) * v) for c in (33, 102, 172))
    return f"#{r:02x}{g:02x}{b:02x}"


def text_colour(value: float) -> str:
    return "#fff" if value > 0.55 else "#1a1a1a"


def stacked_bars(rows: list[tuple[str, list[tuple[str, float]]]], legend: list[str], title: str,
                 width: int = 760, bar: int = 22) -> str:
    """One horizontal bar per row; segments are (legend name, share of the row)."""
    label_w, gap = 170, 8
    height = len(rows) * (bar + gap) + 30
    colour = {name: (OTHER if name == "other" else PALETTE[i % len(PALETTE)]) for i, name in enumerate(legend)}
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">', f"<title>{escape(title)}</title>"]
    span = width - label_w - 24  # room for the centred "100%" tick label
    for i, (name, segments) in enumerate(rows):
        y = i * (bar + gap) + 4
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" class="axis">'
                     f"{escape(_short(name, 26))}</text>")
        x = float(label_w)
        for seg_name, share in segments:
            w = span * max(0.0, share)
            if w < 0.5:
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                         f'fill="{colour.get(seg_name, OTHER)}">'
                         f"<title>{escape(name)}: {escape(seg_name)} {share:.0%}</title></rect>")
            x += w
    axis_y = len(rows) * (bar + gap) + 16
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        tx = label_w + span * tick
        parts.append(f'<text x="{tx:.1f}" y="{axis_y}" text-anchor="middle" class="axis">{tick:.0%}</text>')
    parts.append("</svg>")
    items = "".join(f'<li><span class="swatch" style="background:{colour[n]}"></span>{escape(_short(n, 48))}</li>'
                    for n in legend)
    return "".join(parts) + f'<ul class="legend">{items}</ul>'


def bars(values: list[tuple[str, float]], title: str, width: int = 520, bar: int = 16) -> str:
    """Horizontal bars of shares (0..1), longest first as given."""
    label_w, gap = 230, 6
    height = len(values) * (bar + gap) + 8
    top = max([v for _, v in values] + [1e-9])
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">', f"<title>{escape(title)}</title>"]
    span = width - label_w - 60
    for i, (name, value) in enumerate(values):
        y = i * (bar + gap) + 4
        w = span * value / top
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.8:.1f}" text-anchor="end" '
                     f'class="axis">{escape(name)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[0]}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.8:.1f}" class="axis">{value:.1%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
