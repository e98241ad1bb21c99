"""Synthesizes a keyword dataset offline (espeak-ng + flite) in the Speech Commands layout.

    hark synth data/synth                      # 10 Speech Commands words + 20 unknown words
    hark synth data/mine --words hey,hark --clips-per-word 500 --seed 3

Re-running with the same settings resumes where the last run stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.data.synth import DEFAULT_WORDS, SynthConfig, SynthError, synthesize
from hark.data.wav import DatasetError


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--words", default=",".join(DEFAULT_WORDS), help="comma-separated words (default: %(default)s)")
    ap.add_argument("--clips-per-word", type=int, default=SynthConfig.clips_per_word)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-voices", type=int, default=0, help="use a seeded subset of the voices (0: all)")
    ap.add_argument("--background-seconds", type=float, default=SynthConfig.background_seconds)
    ap.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    words = tuple(dict.fromkeys(w.strip().lower() for w in args.words.split(",") if w.strip()))
    config = SynthConfig(words=words, clips_per_word=args.clips_per_word, seed=args.seed,
                         max_voices=args.max_voices, background_seconds=args.background_seconds)  # fmt: skip
    try:
        report = synthesize(args.out_dir, config, workers=args.workers, progress=not args.quiet)
    except (SynthError, DatasetError) as err:
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    print(json.dumps({
        "out_dir": str(report.out_dir), "clips": report.clips_total, "written": report.clips_written,
        "resumed": report.clips_resumed, "dropped": report.clips_dropped, "voices": report.voices,
        "seconds": round(report.seconds, 2),
    }))  # fmt: skip
    return 0
