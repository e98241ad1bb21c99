#!/usr/bin/env python3
"""Scores any exported model (with hark metadata) on the held-out sets and streams, optionally after hark-tune:

    tools/score_heldout.py model.tflite --spec micro_speech --prefix yesno [--tune] [--timeline out.png]
    tools/score_heldout.py --tflm-peer          # TFLM's micro_speech_quantized.tflite with the micro_speech spec

Prints JSON: held-out accuracy (int8, tflite-micro), real clips, false alarms per hour and keyword detection on the
test streams (data/streams) at the model's settings (or at those hark-tune picks on data/streams_val).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "tools"))

from build_pretrained import TARGET_FA, stream_report, timeline  # noqa: E402

from hark.evaluate.heldout import evaluate, heldout_dirs, tflite_scorer  # noqa: E402
from hark.spec import load_spec  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tflite", type=Path, nargs="?")
    ap.add_argument("--spec", default="micro_speech")
    ap.add_argument("--prefix", default="yesno", help="keyword stream prefix: yesno or keywords")
    ap.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus")
    ap.add_argument("--tune", action="store_true", help=f"tune for {TARGET_FA} / h on data/streams_val first")
    ap.add_argument("--tflm-peer", action="store_true")
    ap.add_argument("--timeline", type=Path)
    args = ap.parse_args(argv)
    spec = load_spec(args.spec)
    if args.tflm_peer:
        from hark.export.metadata import StreamInfo, write_metadata
        from hark.paths import reference_dir

        raw = (reference_dir() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
        tflite = write_metadata(raw, spec, StreamInfo(mode="window", frames_per_call=49, window_frames=49))
    else:
        tflite = args.tflite.read_bytes()
    out: dict = {}
    if args.tune:
        from hark.tune import tune

        val = ROOT / "data" / "streams_val"
        tflite, rep = tune(tflite, [val / "negatives.wav"],
                           [val / f"{args.prefix}_20db.wav", val / f"{args.prefix}_10db.wav"], TARGET_FA)  # fmt: skip
        out["tuned"] = rep["chosen"]
    out["heldout"] = evaluate(spec, tflite_scorer(tflite), heldout_dirs(args.corpus / "train"))
    streams = stream_report(tflite, ROOT / "data" / "streams", args.prefix)
    streams.pop("det")
    out["streams"] = streams
    if args.timeline:
        timeline(tflite, ROOT / "data" / "streams" / f"{args.prefix}_10db.wav", args.timeline)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
