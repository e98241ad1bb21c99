#!/usr/bin/env python3
"""Synthesizes the generalization corpus: an espeak-ng training set (keywords, a large unknown vocabulary, near-miss
words, partial keywords) and held-out sets from voices it never heard (flite; espeak-ng's held-out accent).

    tools/synth_corpus.py data/corpus                       # the recipe's sizes
    tools/synth_corpus.py data/small --scale 0.1            # a tenth of every count
    tools/synth_corpus.py data/rev --train-engine flite     # the reverse leave-one-engine-out direction

Re-running with the same settings resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from hark.data.corpus import CorpusConfig, build_corpus  # noqa: E402
from hark.data.synth import SynthError  # noqa: E402
from hark.data.wav import DatasetError  # noqa: E402

_SCALED = ("keyword_clips", "aux_clips", "vocabulary_words", "near_miss_clips", "partial_per_keyword",
           "heldout_keyword_clips", "heldout_aux_clips", "heldout_vocabulary_words")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every clip and word count")
    ap.add_argument("--train-engine", choices=("espeak", "flite"), default="espeak")
    ap.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    base = CorpusConfig(train_engine=args.train_engine)
    scaled = {k: max(1, round(getattr(base, k) * args.scale)) for k in _SCALED}
    config = dataclasses.replace(base, **scaled)
    try:
        manifest = build_corpus(args.out_dir, config, workers=args.workers)
    except (SynthError, DatasetError) as err:
        print(f"synth_corpus: {err}", file=sys.stderr)
        return 1
    print(json.dumps({k: manifest[k] for k in ("train_voices", "held_out")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
