"""Streaming accuracy of an exported model, like TF's test_streaming_accuracy.

Builds a long WAV from a dataset's testing split (words at known times over background noise), runs it
through the host twin and, with --device, through a board (emulated by default), and prints JSON: words,
matched, wrong, missed, false alarms (and per hour), mean latency, and whether twin and board agree.

    hark stream-test --model runs/demo/export/micro_speech.tflite --data-dir data/demo --device
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hark.device.session import open_device
from hark.evaluate.stream_test import Detection, dataset_test_wav, score
from hark.format.metadata import read_metadata
from hark.spec import load_spec
from hark.twin import Twin


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--tolerance-ms", type=float, default=1500.0)
    p.add_argument("--device", action="store_true", help="also stream through a board (emulated unless --port)")
    p.add_argument("--port")
    p.add_argument("--wav-out", type=Path, help="keep the generated WAV (and its .txt labels) here")


def run(args: argparse.Namespace) -> int:
    model = args.model.read_bytes()
    meta = read_metadata(model)
    spec = load_spec(meta["spec.name"]).replace(dataset={"data_dir": str(args.data_dir)})
    audio, truth = dataset_test_wav(spec, args.data_dir, args.seconds, args.wav_out, seed=args.seed)
    duration = len(audio) / meta.sample_rate
    twin = Twin(model).run(audio).detections
    twin_stats = score(truth, twin, duration, tolerance_ms=args.tolerance_ms)
    out: dict[str, object] = {"model": str(args.model), "seconds": duration, "words": len(truth),
                              "twin": twin_stats.to_dict()}  # fmt: skip
    if args.device or args.port:
        with open_device(args.port, model=model, timeout=30.0) as link:
            result = link.stream_audio(audio, timeout=120.0)
        board = [Detection(m.label_name, float(m.time_ms), float(m.score)) for m in result.messages
                 if m.name == "DETECTION"]  # fmt: skip
        out["device"] = score(truth, board, duration, tolerance_ms=args.tolerance_ms).to_dict()
        out["twin_equals_device"] = board == twin
    print(json.dumps(out, indent=2))
    return 0 if out.get("twin_equals_device", True) else 2
