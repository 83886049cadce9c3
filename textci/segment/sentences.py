"""Sentence splitting with spaCy: a blank pipeline plus rules per language.

No statistical pipeline ships on PyPI for all six languages, so each
language gets spaCy's tokenizer (with its own exceptions) and the rule-based
sentencizer, taught the abbreviations listed in `textci/lang/<iso>/`.
"""
from __future__ import annotations

from functools import lru_cache

from ..lang import SUPPORTED, abbreviations


@lru_cache(maxsize=None)
def pipeline(lang: str):
    import spacy
    from spacy.symbols import ORTH

    code = lang if lang in SUPPORTED or _spacy_has(lang) else "xx"
    nlp = spacy.blank(code)
    nlp.add_pipe("sentencizer")
    for abbreviation in abbreviations(lang):
        for form in {abbreviation, abbreviation.lower(), abbreviation.capitalize()}:
            if " " not in form:
                nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    return nlp


def _spacy_has(lang: str) -> bool:
    try:
        import spacy.util

        spacy.util.get_lang_class(lang)
        return True
    except Exception:
        return False


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a paragraph."""
    doc = pipeline(lang or "xx")(text)
    spans = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def warm_up(langs=SUPPORTED) -> None:
    for lang in langs:
        pipeline(lang)
