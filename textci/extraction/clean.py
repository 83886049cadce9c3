"""Character-level cleaning: ligatures, odd spaces, broken fonts, hyphenation."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Characters PDF backends use to mark a hyphen they consider soft (line-end).
SOFT_HYPHENS = "\x02\ufffe\xad"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\u200b-\u200d\u2060"
                      "\ue000-\uf8ff\U000f0000-\U0010ffff]")  # private-use glyphs have no meaning we know
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
# Words after a dangling hyphen that show it is a real one ("Jugend- und Familienhilfe").
CONJUNCTIONS = frozenset(
    "und oder bzw sowie and or to et ou en of e o ed y u ni noch as".split())


def normalise(text: str) -> str:
    """NFKC (ligatures, full-width forms), plain spaces, no control or private-use characters."""
    text = unicodedata.normalize("NFKC", text.replace("\x02", "\xad").replace("\ufffe", "\xad"))
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text)


_BROKEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd\ufffe\uffff\ud800-\udfff]")
_VISIBLE = re.compile(r"\S")
_ALNUM = re.compile(r"[^\W_]")


def garbled_share(text: str) -> float:
    """Share of visible characters that come from a broken font encoding.

    Private-use glyphs, replacement characters and control codes are what a
    font without a usable Unicode map produces; so is text made mostly of
    punctuation and symbols instead of letters and digits.
    """
    visible = len(_VISIBLE.findall(text))
    if not visible:
        return 0.0
    bad = len(_BROKEN.findall(text)) / visible if _BROKEN.search(text) else 0.0
    symbol_share = 1 - len(_ALNUM.findall(text)) / visible if visible >= 40 else 0.0
    return max(bad, symbol_share - 0.3 if symbol_share > 0.6 else 0.0)


def vocabulary(texts) -> Counter[str]:
    """Word counts of a document, hyphenated compounds kept whole, lower-cased."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text))
    return counts


_TRAILING_HYPHEN = re.compile(rf"([^\W\d_])[-{SOFT_HYPHENS}]$")


def join_lines(lines: list[str], vocab: Counter[str], word_pairs: bool = False) -> str:
    """Join the lines of one paragraph, repairing words hyphenated at line ends.

    "Zusammen-" + "arbeit" becomes "Zusammenarbeit"; "Jugend-" + "und" keeps
    its hyphen and space; "evidence-" + "based" keeps the hyphen when the
    document itself writes "evidence-based" elsewhere, or (`word_pairs`, for
    languages that do not write compounds as one word) when both halves are
    words the document uses on their own and it never writes them joined.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        match = _TRAILING_HYPHEN.search(out[-2:])
        if line[0] in ".,;:!?)" and out[-1:].isalnum():
            out += line  # the line was cut after a raised marker: "award" + ". It was"
        elif match:
            out = _join_hyphenated(out, line, vocab, word_pairs)
        else:
            out = f"{out} {line}"
    return re.sub(f"[{SOFT_HYPHENS}]", "", out)


MIN_PAIR_WORD = 4


def _join_hyphenated(left: str, right: str, vocab: Counter[str], word_pairs: bool = False) -> str:
    stem = left[:-1]
    first = right.split(" ", 1)[0]
    next_word = re.match(r"[^\W\d_]+", first)
    if not next_word:
        return f"{stem}-{right}" if first[:1].isdigit() else f"{stem}- {right}"
    head = next_word.group(0)
    if head.lower() in CONJUNCTIONS or first.startswith(("(", ",")):
        return f"{stem}- {right}"
    if head[0].isupper():
        return f"{stem}-{right}"
    stem_word = re.search(r"[^\W\d_]+$", stem).group(0).lower()
    joined, hyphenated = stem_word + head.lower(), f"{stem_word}-{head.lower()}"
    if vocab.get(hyphenated, 0) > vocab.get(joined, 0):
        return f"{stem}-{right}"
    if word_pairs and not vocab.get(joined) and _standalone(stem_word, vocab) and _standalone(head.lower(), vocab):
        return f"{stem}-{right}"
    return f"{stem}{right}"


def _standalone(word: str, vocab: Counter[str]) -> bool:
    """The document uses the word elsewhere too (its count includes the split occurrence itself)."""
    return len(word) >= MIN_PAIR_WORD and vocab.get(word, 0) >= 2
