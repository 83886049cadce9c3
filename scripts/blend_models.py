#!/usr/bin/env python3
"""Write a model that mixes a second, plain model into a first one (textci/classification/blend.py).

`textci train --embedder e5-tuned` trains both members and mixes them in one
run; this joins two models already trained, e.g. a tuned model with a
default retrained on more data, without tuning the encoder again:

    .venv/bin/python scripts/blend_models.py models/quality models/default --weight 0.4 -o DIR

The first model's own member is kept (a blend it already carries is replaced).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("own", help="model name in models/ or folder: the main member")
    parser.add_argument("member", help="model name in models/ or folder: the plain model mixed in")
    parser.add_argument("--weight", type=float, required=True, help="the member's weight, between 0 and 1")
    parser.add_argument("-o", "--output", type=Path, required=True, help="model folder to write")
    args = parser.parse_args()

    from textci.classification import load
    from textci.classification.model import blended

    own, member = load(args.own), load(args.member)
    blended(own, member, args.weight).save(args.output)  # a blend `own` carried is replaced
    print(f"{args.output}/: {args.own} ({own.embedder_name}) with {args.member} ({member.embedder_name}) "
          f"mixed in at {args.weight}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
