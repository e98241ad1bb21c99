"""Top-1 agreement of int8 streaming vs int8 non-streaming exports of the same trained weights (JSON lines).

For each spec, trains a run (resuming it if its folder already holds one, so a second call only re-measures),
then exports the weights twice per streaming mode, as the streaming model and as the whole-window model, with
int8 calibrated on the same training clips, runs both in the tflite-micro interpreter on the validation and
testing clips (state reset per clip), and prints one JSON object per (spec, mode): agreement, disagreeing clips,
score differences, and float / int8 accuracies. Training uses the spec's recipe with --steps in all.

    hark stream-agreement --data-dir data/agreement --steps 1500 [spec ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from hark.export.agreement import stream_window_agreement
from hark.export.device_model import load_trained
from hark.spec import load_spec
from hark.train import inputs
from hark.train.run import train

STREAMING_SPECS = ("ds_cnn", "crnn", "svdf", "dnn", "cnn")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("specs", nargs="*", default=list(STREAMING_SPECS))
    p.add_argument("--data-dir", type=Path, required=True, help="a keyword dataset (synthesize one with "
                   "hark synth)")
    p.add_argument("--run-root", type=Path, default=Path("runs/agreement"))
    p.add_argument("--steps", type=int, default=1500, help="training steps in all (the spec's rates, split evenly)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--calibration-clips", type=int, default=100)
    p.add_argument("--modes", default="stream_external,stream_internal")


def run(args: argparse.Namespace) -> int:
    for name in args.specs:
        base = load_spec(name)
        rates = list(base.training.learning_rates)
        per = [args.steps // len(rates)] * len(rates)
        per[0] += args.steps - sum(per)
        spec = base.replace(training={"steps": per, "batch_size": args.batch_size,
                                      "eval_every_steps": max(1, args.steps // 5),
                                      "checkpoint_every_steps": max(1, args.steps // 5)})
        started = time.monotonic()
        outcome = train(spec, args.run_root / name, data_dir=args.data_dir, verbose=False)
        trained_s = time.monotonic() - started
        ds = inputs.load_keyword_dataset(spec, args.data_dir)
        parts = [inputs.feature_clips(spec, ds, split, 10**9) for split in ("validation", "testing")]
        clips = np.concatenate([x for x, _ in parts])
        labels = np.concatenate([y for _, y in parts])
        calibration = inputs.feature_clips(spec, ds, "training", args.calibration_clips, seed=1)[0]
        model = load_trained(outcome.run, spec)
        for mode in args.modes.split(","):
            started = time.monotonic()
            result = stream_window_agreement(spec, model, clips, calibration, labels=labels, stream_mode=mode)
            print(json.dumps({**result.to_dict(), "train_steps": args.steps, "train_seconds": round(trained_s, 1),
                              "measure_seconds": round(time.monotonic() - started, 1)}), flush=True)
    return 0

