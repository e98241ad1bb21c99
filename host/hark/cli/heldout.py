"""Scores any exported model (with hark metadata) on the held-out sets and streams, optionally after `hark tune`:

    hark heldout model.tflite --spec micro_speech --prefix yesno [--tune] [--timeline out.png]
    hark heldout --tflm-peer          # TFLM's micro_speech_quantized.tflite with the micro_speech spec

Prints JSON: held-out accuracy (int8, tflite-micro), real clips, false alarms per hour and keyword detection on the
test streams (data/streams) at the model's settings (or at those `hark tune` picks on data/streams_val).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.evaluate.tuning import TARGET_FA, report_streams, score_streams, stream_report, timeline, tune
from hark.format.metadata import StreamInfo, write_metadata
from hark.paths import REPO_ROOT as ROOT
from hark.paths import reference_dir
from hark.spec import load_spec
from hark.train.heldout import heldout_report, tflite_scorer
from hark.twin import Twin


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("tflite", type=Path, nargs="?")
    ap.add_argument("--spec", default="micro_speech")
    ap.add_argument("--prefix", default="yesno", help="keyword stream prefix: yesno or keywords")
    ap.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus")
    ap.add_argument("--tune", action="store_true", help=f"tune for {TARGET_FA} / h on data/streams_val first")
    ap.add_argument("--tflm-peer", action="store_true")
    ap.add_argument("--timeline", type=Path)


def run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    if args.tflm_peer:
        raw = (reference_dir() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
        tflite = write_metadata(raw, spec, StreamInfo(mode="window", frames_per_call=49, window_frames=49))
    elif args.tflite is None or not args.tflite.is_file():
        print(f"{args.prog}: give a .tflite with hark metadata, or --tflm-peer", file=sys.stderr)
        return 2
    else:
        tflite = args.tflite.read_bytes()
    out: dict = {}
    val, test = ROOT / "data" / "streams_val", ROOT / "data" / "streams"
    keyword_wavs = [val / f"{args.prefix}_20db.wav", val / f"{args.prefix}_10db.wav"]
    # every stream's scores at once, side by side (tuning rewrites only settings the scores do not depend on)
    scored = score_streams(tflite, ([val / "negatives.wav", *keyword_wavs] if args.tune else [])
                           + report_streams(test, args.prefix), Twin)  # fmt: skip
    if args.tune:
        tflite, rep = tune(tflite, [val / "negatives.wav"], keyword_wavs, TARGET_FA, Twin, scored)
        out["tuned"] = rep["chosen"]
    out["heldout"] = heldout_report(spec, tflite_scorer(tflite), args.corpus / "train")
    streams = stream_report(tflite, test, args.prefix, Twin, scored)
    streams.pop("det")
    out["streams"] = streams
    if args.timeline:
        timeline(tflite, test / f"{args.prefix}_10db.wav", args.timeline, Twin, scored=scored)
    print(json.dumps(out, indent=1))
    return 0

