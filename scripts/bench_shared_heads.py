#!/usr/bin/env python3
"""What a blend's member saves by reusing its model's n-gram heads (ensemble.TextHeads).

Fits the default's ensemble (USE vectors) on the whole training corpus twice
in one run: alone, then with the n-gram heads the first fit made, as
`textci train --embedder e5-tuned` fits its USE member. Vectors come from the
embedding cache when it holds them, the same for both fits.

    .venv/bin/python scripts/bench_shared_heads.py [--training DIR]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=Path, help="labelled JSONL folder (default: corpora/training)")
    args = parser.parse_args()

    import numpy as np

    from textci import codebook
    from textci.classification import load_training, train
    from textci.classification.embeddings import get_embedder

    book = codebook.load(None)
    samples = load_training(args.training, book)
    get_embedder("use").embed([s.text for s in samples])  # both fits then read the same cached vectors
    started = time.perf_counter()
    alone = train(samples, book, "ensemble", "use", log=lambda message: None)
    alone_seconds = time.perf_counter() - started
    started = time.perf_counter()
    shared = train(samples, book, "ensemble", "use", log=lambda message: None,
                   text_heads=alone.classifier.text_heads_)
    shared_seconds = time.perf_counter() - started
    same = all(np.array_equal(a, b) for a, b in zip(alone.classifier.state().values(),
                                                     shared.classifier.state().values(), strict=True))
    print(f"USE ensemble on {len(samples)} passages: alone {alone_seconds:.0f} s, reusing the n-gram heads "
          f"{shared_seconds:.0f} s ({shared_seconds / alone_seconds:.2f}x); same arrays: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
