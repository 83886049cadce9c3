"""Symbol-font and private-use glyphs -> the Unicode character a reader sees.

Word and other producers set bullets, arrows and check marks in Symbol,
Wingdings or ZapfDingbats. PDFium then reports either a private-use code
(U+F0B7: code 0xB7 of a symbol font) or the plain letter of the code ("n" for
ZapfDingbats' black square). Only the glyph and its font say what is meant,
so both are mapped here; a glyph with no Unicode meaning is dropped.
"""
from __future__ import annotations

import re

_SYMBOL_FONT = re.compile(r"(?:[A-Z]{6}\+)?(?:symbol(?:mt|ps)?|wingdings.*|webdings|(?:itc)?zapf ?dingbats.*|dingbats)"
                          r"(?:[-,].*)?$", re.IGNORECASE)

_GREEK = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖαβχδεφγηιϕκλμνοπθρστυϖωξψζ"))
# Adobe Symbol encoding (the part that differs from ASCII).
SYMBOL = {**{ord(k): v for k, v in _GREEK.items()},
          0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2A: "∗", 0x2D: "−", 0x40: "≅", 0x5C: "∴", 0x5E: "⊥",
          0x7E: "∼", 0xA2: "′", 0xA3: "≤", 0xA5: "∞", 0xA7: "♣", 0xA8: "♦", 0xA9: "♥", 0xAA: "♠",
          0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓", 0xB0: "°", 0xB1: "±", 0xB2: "″",
          0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "•", 0xB8: "÷", 0xB9: "≠", 0xBA: "≡",
          0xBB: "≈", 0xBC: "…", 0xD2: "®", 0xD3: "©", 0xD4: "™", 0xD7: "⋅", 0xDB: "⇔", 0xDC: "⇐",
          0xDD: "⇑", 0xDE: "⇒", 0xDF: "⇓", 0xE0: "◊", 0xE2: "®", 0xE3: "©", 0xE4: "™"}
# ITC Zapf Dingbats: marks used for lists and ticks.
ZAPF_DINGBATS = {0x33: "✓", 0x34: "✔", 0x35: "✕", 0x36: "✖", 0x37: "✗", 0x38: "✘", 0x48: "★",
                 0x6C: "●", 0x6D: "❍", 0x6E: "■", 0x6F: "❏", 0x70: "❐", 0x71: "❑", 0x72: "❒",
                 0x73: "▲", 0x74: "▼", 0x75: "◆", 0x76: "❖", 0x77: "◗", 0xA8: "♣", 0xA9: "♦",
                 0xAA: "♥", 0xAB: "♠", 0xD5: "→", 0xD8: "➘", 0xD9: "➙", 0xDC: "➜", 0xE0: "➠",
                 0xE8: "➨", 0xF0: "➰"}
# Wingdings: the glyphs Office offers as bullets and marks.
WINGDINGS = {0x6C: "●", 0x6D: "❍", 0x6E: "■", 0x6F: "□", 0x70: "◻", 0x71: "❑", 0x72: "❒",
             0x73: "⬧", 0x74: "⧫", 0x75: "◆", 0x76: "❖", 0x77: "⬥", 0x9E: "·", 0x9F: "•",
             0xA1: "○", 0xA7: "▪", 0xA8: "◻", 0xD8: "➢", 0xDF: "←", 0xE0: "→", 0xE8: "➔",
             0xF0: "⇨", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑"}

# Codes Office uses for bullets, from whatever symbol font: safe to read in an unnamed font.
BULLET_CODES = {0xB7: "•", 0xA7: "▪", 0xD8: "➢", 0xFC: "✓", 0x76: "❖", 0x6E: "■", 0x71: "❑"}


def is_symbol_font(name: str) -> bool:
    return bool(_SYMBOL_FONT.match(name))


def _table(font: str) -> dict[int, str]:
    name = font.lower()
    if "wingding" in name:
        return WINGDINGS
    if "dingbat" in name:
        return ZAPF_DINGBATS
    return SYMBOL  # also Word's default for a private-use bullet whose font is unknown


def is_private(char: str) -> bool:
    code = ord(char)
    return 0xE000 <= code <= 0xF8FF or code >= 0xF0000


def meaning(char: str, font: str) -> str:
    """What a glyph of `font` means: its Unicode character, or "" when it has none we know."""
    code = ord(char)
    if 0xF020 <= code <= 0xF0FF:  # a symbol font's code shifted into the private-use area
        table = _table(font) if is_symbol_font(font) else BULLET_CODES
        return table.get(code - 0xF000, "")
    if is_private(char):
        return ""
    if code < 0x100 and is_symbol_font(font):  # PDFium reported the font's code, not its glyph
        table = _table(font)
        if code in table:
            return table[code]
        return char if table is SYMBOL and not char.isalpha() and code < 0x80 else ""
    return char


# Glyphs that, first on a line and followed by text, mark a list item.
LIST_MARKS = frozenset("•·▪▫◦‣∙●○■□◆◇❖❑❏❐❒➢➤►▶▸◗→⇒⇨➔➜➙➠➨✓✔✗✘☑☒★⬧⧫⬥◻◼⁃-–—*")
_MARK = re.compile(r"^\s*([" + re.escape("".join(sorted(LIST_MARKS))) + r"])\s+(?=\S)")


def split_list_mark(text: str) -> tuple[str, str]:
    """('•', 'rest') when the line starts with a list mark, else ('', text)."""
    match = _MARK.match(text)
    if not match:
        return "", text
    return match.group(1), text[match.end():]
