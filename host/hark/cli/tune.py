"""`hark tune`: picks RecognizeCommands settings (threshold, average window, minimum count, suppression) for a target
false-alarm rate and writes them into an exported model's metadata.

    hark tune model.tflite --negatives neg.wav --keywords kw20.wav kw10.wav --target-fa 2 --out tuned.tflite

The model runs once per stream in the host twin; every candidate setting is then a replay of RecognizeCommands over
the stored scores (`hark.evaluate.far`). Among the settings whose false alarms per hour on the negative streams stay
at or under the target, the one detecting the most keywords on the keyword streams wins (ties: fewer false alarms,
then the higher threshold). The pick is cross-checked against the firmware's C RecognizeCommands, and the tuned
model's detections on the streams are those of the device. Writes <out>, <out stem>_tune.json (every figure),
<out stem>_det.json and <out stem>_det.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hark.evaluate.far import (
    Operating,
    Settings,
    StreamScores,
    check_replay,
    det_curve,
    load_stream,
    operating_point,
    stream_scores,
)
from hark.evaluate.stream_test import Utterance
from hark.twin import Twin

WINDOWS_MS = (300, 500, 750, 1000)
MIN_COUNTS = (3, 10, 20)
SUPPRESSIONS_MS = (1000, 1500)
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.40, 0.996, 0.01), 3))


class TuneError(RuntimeError):
    pass


def scores_of(tflite: bytes, audio: np.ndarray) -> StreamScores:
    """The model's int8 scores on every hop of `audio`, from the host twin."""
    return stream_scores(tflite, audio, Twin(tflite))


def candidates() -> list[Settings]:
    return [Settings(w, t, s, m) for w in WINDOWS_MS for m in MIN_COUNTS for s in SUPPRESSIONS_MS for t in THRESHOLDS]


def pick(
    negatives: list[StreamScores], keywords: list[tuple[StreamScores, list[Utterance]]], target_fa_per_hour: float,
    settings: list[Settings] | None = None,
) -> tuple[Operating, int]:
    """The best operating point under the target, and how many settings met it."""
    caches: dict[int, dict] = {}
    best: Operating | None = None
    met = 0
    for s in settings or candidates():
        op = operating_point(s, negatives, keywords, caches)
        if op.false_alarms_per_hour > target_fa_per_hour:
            continue
        met += 1
        key = (op.detection_rate, -op.false_alarms_per_hour, s.detection_threshold)
        if best is None or key > (best.detection_rate, -best.false_alarms_per_hour, best.settings.detection_threshold):
            best = op
    if best is None:
        raise TuneError(f"no setting reaches {target_fa_per_hour} false alarms per hour on these streams")
    return best, met


def write_settings(tflite: bytes, settings: Settings) -> bytes:
    """The model with its metadata's recognition.* entries replaced (every other entry kept)."""
    from hark.format.metadata import check_entries, decode_blob, embed_metadata, encode_blob, extract_blob

    entries = dict(decode_blob(extract_blob(tflite)))
    entries["recognition.average_window_ms"] = int(settings.average_window_ms)
    entries["recognition.detection_threshold"] = float(settings.detection_threshold)
    entries["recognition.suppression_ms"] = int(settings.suppression_ms)
    entries["recognition.minimum_count"] = int(settings.minimum_count)
    check_entries(entries)
    return embed_metadata(tflite, encode_blob(entries))


def current_settings(tflite: bytes) -> Settings:
    from hark.format.metadata import read_metadata

    e = read_metadata(tflite).entries
    return Settings(int(e["recognition.average_window_ms"]), float(e["recognition.detection_threshold"]),
                    int(e["recognition.suppression_ms"]), int(e["recognition.minimum_count"]))  # fmt: skip


def tune(
    tflite: bytes, negative_wavs: Sequence[Path], keyword_wavs: Sequence[Path], target_fa_per_hour: float,
) -> tuple[bytes, dict[str, Any]]:
    negatives = [scores_of(tflite, load_stream(p)[0]) for p in negative_wavs]
    keywords = []
    for p in keyword_wavs:
        audio, truth = load_stream(p)
        keywords.append((scores_of(tflite, audio), truth))
    before = operating_point(current_settings(tflite), negatives, keywords)
    best, met = pick(negatives, keywords, target_fa_per_hour)
    if not all(check_replay(s, best.settings) for s in negatives + [k for k, _ in keywords]):
        raise TuneError("the replay of RecognizeCommands disagrees with the firmware's C code on the chosen settings")
    det = det_curve(best.settings, negatives, keywords)
    report = {
        "target_false_alarms_per_hour": target_fa_per_hour,
        "negative_streams": [str(p) for p in negative_wavs], "keyword_streams": [str(p) for p in keyword_wavs],
        "negative_hours": round(best.negative_hours, 3), "settings_tried": len(candidates()), "settings_met": met,
        "before": before.to_dict(), "chosen": best.to_dict(), "det": det,
    }  # fmt: skip
    return write_settings(tflite, best.settings), report


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
        tuned, report = tune(args.tflite.read_bytes(), args.negatives, args.keywords, args.target_fa)
    except Exception as err:  # a clear one-line error for any bad input
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    out = args.out or args.tflite
    out.write_bytes(tuned)
    stem = out.with_suffix("")
    Path(f"{stem}_tune.json").write_text(json.dumps(report, indent=1) + "\n")
    Path(f"{stem}_det.json").write_text(json.dumps(report["det"], indent=1) + "\n")
    from hark.evaluate.plots import det_png

    det_png({out.stem: report["det"]}, f"{stem}_det.png", marks={"chosen": report["chosen"]})
    c = report["chosen"]
    print(json.dumps({"out": str(out), "settings": c["settings"], "false_alarms_per_hour": round(
        c["false_alarms_per_hour"], 3), "negative_hours": report["negative_hours"],
        "detection_rate": round(c["detection_rate"], 4)}))  # fmt: skip
    return 0
