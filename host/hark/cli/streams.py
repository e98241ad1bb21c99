"""Writes the held-out test streams of a corpus (`hark corpus`): a long negative stream (non-keyword words,
phrases, babble, noise, silence) and keyword streams at stated SNRs, all from voices the training never heard.

    hark streams data/corpus data/streams --negative-minutes 60 --keyword-minutes 10 --snr 20 10
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.evaluate.streams import write_streams


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--negative-minutes", type=float, default=60.0)
    ap.add_argument("--keyword-minutes", type=float, default=10.0)
    ap.add_argument("--snr", type=float, nargs="+", default=[20.0, 10.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--words", help="comma-separated keywords of the keyword streams (default: the corpus')")
    ap.add_argument("--prefix", default="keywords", help="keyword stream file prefix (default keywords)")
    ap.add_argument("--no-negatives", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        out = write_streams(args.corpus, args.out_dir, negative_minutes=args.negative_minutes,
                            keyword_minutes=args.keyword_minutes, snrs=args.snr, seed=args.seed,
                            words=tuple(args.words.split(",")) if args.words else None, prefix=args.prefix,
                            negatives=not args.no_negatives)  # fmt: skip
    except FileNotFoundError as err:
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0
