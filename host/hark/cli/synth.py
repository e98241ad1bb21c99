"""Synthesizes a keyword dataset offline (espeak-ng + flite) in the Speech Commands layout.

    hark synth data/synth                      # 10 Speech Commands words + 20 unknown words
    hark synth data/mine --words hey,hark --clips-per-word 500 --seed 3
    hark synth data/alexa --words alexa,marvin,sheila --near-misses 40 --partials --clip-ms 1200

`--near-misses N` adds N generated words that sound close to the first word (by espeak-ng phoneme distance,
hark.data.nearmiss); `--partials` writes `<word>_partial/`, that word's clips cropped to their first or last part.
Both become `_unknown_` for a spec that wants only that keyword.

Re-running with the same settings resumes where the last run stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.data.nearmiss import NearMissError, near_misses, write_partials
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
    ap.add_argument("--clip-ms", type=int, default=SynthConfig.clip_ms, help="clip length (default %(default)s)")
    ap.add_argument("--near-misses", type=int, default=0, metavar="N",
                    help="add N generated near-miss words per keyword (the first word of --words)")
    ap.add_argument("--partials", action="store_true", help="also write cropped partial clips of the keyword")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    words = tuple(dict.fromkeys(w.strip().lower() for w in args.words.split(",") if w.strip()))
    keyword = words[0] if words else ""
    extra: dict[str, list[str]] = {}
    try:
        if args.near_misses > 0 and keyword:
            misses = near_misses(keyword, args.near_misses, seed=args.seed, exclude=words)
            extra["near_misses"] = [m.word for m in misses]
            words = tuple(dict.fromkeys(words + tuple(extra["near_misses"])))
        config = SynthConfig(words=words, clips_per_word=args.clips_per_word, seed=args.seed,
                             max_voices=args.max_voices, background_seconds=args.background_seconds,
                             clip_ms=args.clip_ms)  # fmt: skip
        report = synthesize(args.out_dir, config, workers=args.workers, progress=not args.quiet)
        partials = write_partials(args.out_dir, keyword, seed=args.seed, sample_rate=config.sample_rate) \
            if args.partials and keyword else 0  # fmt: skip
    except (SynthError, DatasetError, NearMissError) as err:
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    print(json.dumps({
        "out_dir": str(report.out_dir), "clips": report.clips_total, "written": report.clips_written,
        "resumed": report.clips_resumed, "dropped": report.clips_dropped, "voices": report.voices,
        "seconds": round(report.seconds, 2), "partials": partials, **extra,
    }))  # fmt: skip
    return 0
