"""Synthesizes the generalization corpus: an espeak-ng training set (keywords, a large unknown vocabulary, near-miss
words, partial keywords) and held-out sets from voices it never heard (flite; espeak-ng's held-out accent).

    hark corpus data/corpus                       # the recipe's sizes
    hark corpus data/small --scale 0.1            # a tenth of every count
    hark corpus data/rev --train-engine flite     # the reverse leave-one-engine-out direction
    hark corpus data/espeak --extra-engines ""    # espeak-ng's voices only (no Pico, no MBROLA)

The extra engines (SVOX Pico, espeak-ng's MBROLA voices, RHVoice) come from tools/install_voices.sh, which the README's
commands run.

Re-running with the same settings resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

from hark.data.corpus import CorpusConfig, build_corpus
from hark.data.synth import SynthError
from hark.data.wav import DatasetError

_SCALED = ("keyword_clips", "aux_clips", "vocabulary_words", "near_miss_clips", "partial_per_keyword",
           "heldout_keyword_clips", "heldout_aux_clips", "heldout_vocabulary_words", "extra_keyword_clips",
           "extra_aux_clips", "extra_vocabulary_words")  # fmt: skip


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every clip and word count")
    ap.add_argument("--train-engine", choices=("espeak", "flite"), default="espeak")
    ap.add_argument("--extra-engines", default=",".join(CorpusConfig.extra_engines),
                    help="comma-separated engines whose voices join the training voices (pico, mbrola, rhvoice; '' for "
                         "none; default: %(default)s)")  # fmt: skip
    ap.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    extra = tuple(e for e in args.extra_engines.split(",") if e)
    base = CorpusConfig(train_engine=args.train_engine, extra_engines=extra)
    scaled = {k: max(1, round(getattr(base, k) * args.scale)) for k in _SCALED}
    config = dataclasses.replace(base, **scaled)
    try:
        manifest = build_corpus(args.out_dir, config, workers=args.workers)
    except (SynthError, DatasetError) as err:
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    print(json.dumps({k: manifest[k] for k in ("train_voices", "held_out")}))
    return 0

