#!/usr/bin/env python3
"""Generate the sample corpus in corpora/sample/ from scripts/sample_corpus.yaml.

Fictional cities, text written by the team, laid out like real reports: a
cover, running headers and footers with page numbers, one-, two- and
three-column pages, words hyphenated at line ends, a table, and one
image-only (scanned) page. The output is byte-for-byte deterministic.

    .venv/bin/python scripts/make_sample_corpus.py [--out corpora/sample]
"""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import reportlab
import yaml
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

rl_config.invariant = 1  # no timestamps or random ids: same bytes on every run
FONT_DIR = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(TTFont("Vera", str(FONT_DIR / "Vera.ttf")))
pdfmetrics.registerFont(TTFont("VeraBd", str(FONT_DIR / "VeraBd.ttf")))
WIDTH, HEIGHT = A4
MARGIN = 56
BODY, LEADING = 10, 13.5
VOWELS = set("aeiouyäöüéèàòóíú")


def hyphen_split(word: str, room: float) -> tuple[str, str] | None:
    """Split a long word so its first part plus '-' fits in `room` points."""
    if len(word) < 8 or not word.isalpha():
        return None
    for cut in range(len(word) - 3, 3, -1):
        head = word[:cut]
        if head[-1].lower() in VOWELS and word[cut].lower() not in VOWELS or \
                head[-1].lower() not in VOWELS and word[cut].lower() not in VOWELS and cut > 5:
            if pdfmetrics.stringWidth(head + "-", "Vera", BODY) <= room:
                return head + "-", word[cut:]
    return None


def wrap(text: str, width: float) -> list[str]:
    lines, current = [], ""
    words = text.split()
    i = 0
    while i < len(words):
        word = words[i]
        candidate = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(candidate, "Vera", BODY) <= width:
            current = candidate
            i += 1
            continue
        room = width - pdfmetrics.stringWidth(current + " ", "Vera", BODY)
        split = hyphen_split(word, room) if current else None
        if split:
            lines.append(f"{current} {split[0]}")
            words[i] = split[1]
            current = ""
        else:
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return lines


def draw_furniture(c, doc, number: int, total: int) -> None:
    c.setFont("Vera", 8)
    c.drawString(MARGIN, HEIGHT - 36, doc["header"])
    c.drawRightString(WIDTH - MARGIN, HEIGHT - 36, doc["city"])
    c.line(MARGIN, HEIGHT - 40, WIDTH - MARGIN, HEIGHT - 40)
    c.drawCentredString(WIDTH / 2, 30, doc["footer"].format(n=number, total=total))


def draw_columns(c, paragraphs: list[str], columns: int, top: float) -> None:
    gutter = 18
    col_width = (WIDTH - 2 * MARGIN - gutter * (columns - 1)) / columns
    lines = []
    for paragraph in paragraphs:
        lines += wrap(paragraph, col_width) + [""]
    per_column = -(-len(lines) // columns)
    c.setFont("Vera", BODY)
    for k in range(columns):
        x = MARGIN + k * (col_width + gutter)
        y = top
        for line in lines[k * per_column:(k + 1) * per_column]:
            c.drawString(x, y, line)
            y -= LEADING


def draw_table(c, table: dict, top: float) -> float:
    c.setFont("VeraBd", 9)
    c.drawString(MARGIN, top, table["caption"])
    y = top - 18
    widths = [200, 90, 90, 90]
    for r, row in enumerate(table["rows"]):
        x = MARGIN
        c.setFont("VeraBd" if r == 0 else "Vera", 9)
        for value, w in zip(row, widths):
            c.rect(x, y - 4, w, 16)
            c.drawString(x + 4, y, str(value))
            x += w
        y -= 16
    return y - 20


def scanned_image(paragraphs: list[str], heading: str):
    """A page of text as a grey-scale picture, as a scanner would deliver it."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = 200
    img = Image.new("L", (int(WIDTH / 72 * dpi), int(HEIGHT / 72 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_DIR / "Vera.ttf"), 32)
    bold = ImageFont.truetype(str(FONT_DIR / "VeraBd.ttf"), 40)
    x, y = 160, 220
    draw.text((x, y), heading, font=bold, fill=20)
    y += 90
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            if draw.textlength(f"{line} {word}".strip(), font=font) > img.width - 2 * x:
                draw.text((x, y), line, font=font, fill=30)
                y += 46
                line = word
            else:
                line = f"{line} {word}".strip()
        draw.text((x, y), line, font=font, fill=30)
        y += 80
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def render(doc: dict, path: Path) -> None:
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(doc["title"])
    c.setAuthor(doc["department"])
    total = len(doc["pages"]) + 1
    c.setFont("VeraBd", 22)
    c.drawString(MARGIN, HEIGHT * 0.62, doc["title"])
    c.setFont("Vera", 14)
    c.drawString(MARGIN, HEIGHT * 0.62 - 30, f"{doc['city']} · {doc['year']}")
    c.drawString(MARGIN, HEIGHT * 0.62 - 52, doc["department"])
    c.showPage()
    for number, page in enumerate(doc["pages"], start=2):
        if page.get("layout") == "scanned":
            c.drawImage(ImageReader(scanned_image(page["paragraphs"], page["heading"])), 0, 0, WIDTH, HEIGHT)
            c.showPage()
            continue
        draw_furniture(c, doc, number, total)
        top = HEIGHT - 80
        if page.get("heading"):
            c.setFont("VeraBd", 14)
            c.drawString(MARGIN, top, page["heading"])
            top -= 28
        if page.get("table"):
            top = draw_table(c, page["table"], top)
        columns = {"1col": 1, "2col": 2, "3col": 3}[page.get("layout", "1col")]
        draw_columns(c, page["paragraphs"], columns, top)
        c.showPage()
    c.save()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--source", type=Path, default=root / "scripts" / "sample_corpus.yaml")
    parser.add_argument("--out", type=Path, default=root / "corpora" / "sample")
    args = parser.parse_args()
    docs = yaml.safe_load(args.source.read_text("utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "cities.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "city", "country", "year", "kind"])
        for doc in docs:
            render(doc, args.out / doc["file"])
            writer.writerow([doc["file"], doc["city"], doc["country"], doc["year"], doc["kind"]])
            print(f"wrote {args.out / doc['file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
