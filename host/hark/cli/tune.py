"""`hark tune`: picks RecognizeCommands settings (threshold, average window, minimum count, suppression) for a target
false-alarm rate and writes them into an exported model's metadata.

    hark tune model.tflite --negatives neg.wav --keywords kw20.wav kw10.wav --target-fa 2 --out tuned.tflite

The model runs once per stream in the host twin; every candidate setting is then a replay of RecognizeCommands over
the stored scores (`hark.evaluate.far`, `hark.evaluate.tuning`). Among the settings whose false alarms per hour on
the negative streams stay at or under the target, the one detecting the most keywords on the keyword streams wins
(ties: fewer false alarms, then the higher threshold). The pick is cross-checked against the firmware's C
RecognizeCommands, and the tuned model's detections on the streams are those of the device. Writes <out>,
<out stem>_tune.json (every figure), <out stem>_det.json and <out stem>_det.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.evaluate.plots import det_png
from hark.evaluate.tuning import score_streams, tune
from hark.twin import Twin


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tflite", type=Path)
    p.add_argument("--negatives", type=Path, nargs="+", required=True, help="negative stream WAVs (no keyword)")
    p.add_argument("--keywords", type=Path, nargs="+", required=True, help="keyword stream WAVs with .txt truth")
    p.add_argument("--target-fa", type=float, default=2.0, help="false alarms per hour allowed (default 2)")
    p.add_argument("--out", type=Path, help="tuned model (default: overwrite the input)")


def run(args: argparse.Namespace) -> int:
    for path in [args.tflite, *args.negatives, *args.keywords]:
        if not path.is_file():
            print(f"{args.prog}: {path}: no such file", file=sys.stderr)
            return 2
    try:
        model = args.tflite.read_bytes()
        scored = score_streams(model, [*args.negatives, *args.keywords], Twin)  # the streams side by side
        tuned, report = tune(model, args.negatives, args.keywords, args.target_fa, Twin, scored)
    except Exception as err:  # a clear one-line error for any bad input
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    out = args.out or args.tflite
    out.write_bytes(tuned)
    stem = out.with_suffix("")
    Path(f"{stem}_tune.json").write_text(json.dumps(report, indent=1) + "\n")
    Path(f"{stem}_det.json").write_text(json.dumps(report["det"], indent=1) + "\n")
    det_png({out.stem: report["det"]}, f"{stem}_det.png", marks={"chosen": report["chosen"]})
    c = report["chosen"]
    print(json.dumps({"out": str(out), "settings": c["settings"], "false_alarms_per_hour": round(
        c["false_alarms_per_hour"], 3), "negative_hours": report["negative_hours"],
        "detection_rate": round(c["detection_rate"], 4)}))  # fmt: skip
    return 0
