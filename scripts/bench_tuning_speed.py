"""Seconds per passage of an e5-tuned epoch with random batches against length-grouped ones.

    .venv/bin/python scripts/bench_tuning_speed.py [--passages 1500] [--threads 2]

The same real passages (corpora/training/real, a seeded sample), the same
tuned layers and batch size, one epoch each: `length_pool 1` (random batches,
the recipe before) and the recipe's `length_pool` (batches of similar length).
Prints each one's wall time, the tokens its batches compute per token they
hold, and the ratio of the two times. The quality of the grouped recipe is
measured on held-out pages by bench_classify.py, not here.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from textci.classification.model import label_matrix
    from textci.classification.training import load_training
    from textci.codebook import load as load_codebook
    from textci.encoder import E5Encoder, read_weights
    from textci.encoder.tokenizer import E5Tokenizer
    from textci.encoder.tuning import TuningConfig, length_grouped_batches, tune

    book = load_codebook("ci_urban_security")
    samples = [s for s in load_training(None, book) if s.from_real_page]
    samples = random.Random(0).sample(samples, args.passages)
    texts, Y = [s.text for s in samples], label_matrix(samples, book.label_ids)
    recipe = TuningConfig(epochs=1, threads=args.threads)
    # each passage's window as tune() cuts it: <s>, at most max_tokens - 2 pieces, </s>
    tokens = [min(len(ids) + 2, recipe.max_tokens) for ids in E5Tokenizer(read_weights()).content_ids(texts)]
    print(f"{len(texts)} real passages, {recipe.layers} tuned layers, batch {recipe.batch_size}, "
          f"{args.threads} threads, one epoch each")
    seconds = {}
    for pool in (1, recipe.length_pool):
        config = replace(recipe, length_pool=pool)
        batches = length_grouped_batches(tokens, config.batch_size, pool, random.Random(config.seed))
        computed = sum(len(b) * max(tokens[i] for i in b) for b in batches) / sum(tokens)
        encoder = E5Encoder(read_weights())
        started = time.perf_counter()
        tune(encoder, texts, Y, config)
        seconds[pool] = time.perf_counter() - started
        print(f"length_pool {pool:>3}: {seconds[pool]:7.1f} s, {1000 * seconds[pool] / len(texts):6.1f} ms/passage, "
              f"computes {computed:.2f}x the tokens it holds")
    print(f"grouped / random time: {seconds[recipe.length_pool] / seconds[1]:.2f}x "
          f"(speed-up {seconds[1] / seconds[recipe.length_pool]:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
