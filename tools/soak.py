#!/usr/bin/env python3
"""Soak test: long audio streamed through the emulated board over serial, compared with the host twin.

The board has no microphone path yet (boards/mps2-an386), so the audio goes over the serial line as
AUDIO_PACKED frames under credit flow control, in blocks of --block seconds. For every hop the board
reports HOP_COUNTS: a hop misses its deadline when its instruction count exceeds the hop's budget at the
board's clock (under QEMU a count is instructions, taken as 1 cycle each: an estimate). After each block the
tool reads STATS and IDENTITY:
- lost audio: receive overruns, gap samples, and hops that did not run;
- the stack high-water mark, which must stay flat.
The board's detections must equal the twin's on the same audio (each block starts from a reset on both).

    python tools/soak.py --model M.tflite --minutes 60          # the one-hour soak (about 3x real time)
    python tools/soak.py --model firmware/fuzz/corpus/kws/window_fc.tflite --minutes 1   # what CI runs

The audio is the dataset's streaming test WAV when --data-dir is given, else speech-band noise with
bursts (deterministic). Prints one JSON line per block and a summary; exits 1 on any lost or late hop, a
growing stack or a detection mismatch."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from hark.device.session import open_device
from hark.twin import Twin

SAMPLE_RATE = 16000


def synthetic_audio(seconds: float, seed: int) -> np.ndarray:
    """Noise with louder bursts every ~1.3 s: it drives the frontend's noise estimate and PCAN up and down."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    audio = rng.normal(0, 300, n)
    t = np.arange(n) / SAMPLE_RATE
    envelope = (np.sin(2 * np.pi * t / 1.3) > 0.6).astype(float)
    audio += envelope * 4000 * np.sin(2 * np.pi * (300 + 200 * np.sin(t)) * t)
    return np.clip(audio, -32768, 32767).astype(np.int16)


def load_audio(args: argparse.Namespace, seconds: float) -> np.ndarray:
    if args.data_dir is None:
        return synthetic_audio(seconds, args.seed)
    from hark.data.wav import read_wav
    from hark.evaluate.stream_test import dataset_test_wav

    wav = dataset_test_wav(Path(args.data_dir), Path(args.work) / "soak_test.wav")
    clip = read_wav(wav, SAMPLE_RATE)
    reps = int(np.ceil(seconds * SAMPLE_RATE / len(clip)))
    return np.tile(clip, reps)[: int(seconds * SAMPLE_RATE)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, type=Path, help=".tflite with hark metadata")
    ap.add_argument("--minutes", type=float, default=60.0, help="audio to stream")
    ap.add_argument("--block", type=float, default=60.0, help="seconds per block (stats are read between blocks)")
    ap.add_argument("--image", type=Path, default=None, help="the app image (default: the build's)")
    ap.add_argument("--data-dir", default=None, help="a dataset: stream its test WAV instead of noise")
    ap.add_argument("--work", default="build/soak")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = ap.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    model = args.model.read_bytes()
    twin = Twin(model)
    hop_samples = twin.hop_samples
    audio = load_audio(args, args.minutes * 60.0)
    block = int(args.block * SAMPLE_RATE) // hop_samples * hop_samples
    summary = {"model": str(args.model), "audio_s": len(audio) / SAMPLE_RATE, "blocks": 0, "hops": 0,
               "hops_expected": 0, "deadline_misses": 0, "max_hop_count": 0, "rx_overruns": 0,
               "lost_samples": 0, "errors": 0, "detections_board": 0, "detections_twin": 0,
               "detections_equal": True, "stack_peaks": []}  # fmt: skip
    started = time.monotonic()
    with open_device(image=args.image, model=model, timeout=60.0) as link:
        ident = link.identity()
        budget = ident.clock_hz * (hop_samples / SAMPLE_RATE)
        summary.update(board=ident.board, counter=ident.counter, hop_budget=int(budget))
        link.set_param("report.counts_every_hops", 1)
        before = link.stats()
        for start in range(0, len(audio) - block + 1, block):
            part = audio[start : start + block]
            result = link.stream_audio(part, timeout=max(120.0, 30.0 * args.block))
            counts = [m.total for m in result.messages if m.name == "HOP_COUNTS"]
            errors = [m for m in result.messages if m.name == "ERROR"]
            board = [(m.label_name, int(m.time_ms), int(m.score)) for m in result.messages if m.name == "DETECTION"]
            tw = twin.run(part)
            want = [(d.label, int(d.time_ms), int(d.score)) for d in tw.detections]
            stats = link.stats()
            peak = link.identity().stack_peak_bytes
            row = {"block": summary["blocks"], "hops": len(counts), "hops_expected": len(part) // hop_samples,
                   "deadline_misses": sum(c > budget for c in counts), "max_hop_count": max(counts, default=0),
                   "rx_overruns": stats["rx_overruns"] - before["rx_overruns"],
                   "lost_samples": stats["audio_lost_samples"] - before["audio_lost_samples"],
                   "errors": len(errors), "detections": len(board), "detections_equal": board == want,
                   "stack_peak": peak, "wall_s": round(time.monotonic() - started, 1)}  # fmt: skip
            before = stats
            print(json.dumps(row), flush=True)
            summary["blocks"] += 1
            for key in ("hops", "hops_expected", "deadline_misses", "rx_overruns", "lost_samples", "errors"):
                summary[key] += row[key]
            summary["max_hop_count"] = max(summary["max_hop_count"], row["max_hop_count"])
            summary["detections_board"] += len(board)
            summary["detections_twin"] += len(want)
            summary["detections_equal"] &= board == want
            summary["stack_peaks"].append(peak)
    peaks = summary["stack_peaks"]
    summary["stack_flat"] = len(set(peaks[1:])) <= 1 and (not peaks or max(peaks) == peaks[-1])
    summary["wall_s"] = round(time.monotonic() - started, 1)
    ok = (summary["hops"] == summary["hops_expected"] and not summary["deadline_misses"] and not summary["errors"]
          and not summary["rx_overruns"] and not summary["lost_samples"] and summary["detections_equal"]
          and summary["stack_flat"])  # fmt: skip
    summary["ok"] = ok
    print(json.dumps({"summary": summary}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
