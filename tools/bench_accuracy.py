#!/usr/bin/env python3
"""Accuracy benchmark: synthesize a 12-label keyword dataset offline, train ds_cnn and micro_speech on it, and
print test accuracy (float Keras and int8 in the tflite-micro interpreter), dataset size and wall time as JSON.

    nice tools/bench_accuracy.py                         # defaults: 120 clips per word, schedules scaled down
    tools/bench_accuracy.py --clips-per-word 200 --ds-cnn-steps 6000 --micro-steps 4000

Targets (issue 4): ds_cnn >= 95 %, micro_speech >= 90 % test accuracy. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hark.data.synth import SynthConfig, synthesize
from hark.paths import REPO_ROOT
from hark.spec import ModelSpec, load_spec


def scaled(spec: ModelSpec, steps: int) -> ModelSpec:
    """The spec's stepped schedule shrunk (same proportions and rates) to `steps` in total."""
    t = spec.training
    total = sum(t.steps)
    parts = [max(1, round(s * steps / total)) for s in t.steps]
    parts[-1] += steps - sum(parts)
    every = max(50, steps // 15)
    return spec.replace(training={"steps": parts, "eval_every_steps": every, "checkpoint_every_steps": every})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO_ROOT / "build" / "bench" / "synth12")
    ap.add_argument("--runs-dir", type=Path, default=REPO_ROOT / "build" / "bench" / "runs")
    ap.add_argument("--clips-per-word", type=int, default=120)
    ap.add_argument("--ds-cnn-steps", type=int, default=3000)
    ap.add_argument("--micro-steps", type=int, default=3000)
    ap.add_argument("--models", default="micro_speech,ds_cnn")
    ap.add_argument("--no-export", action="store_true", help="skip the int8 export and tflite-micro accuracy")
    ap.add_argument("--qat-steps", type=int, default=300, help="QAT fine-tuning steps for specs with qat (0: none)")
    args = ap.parse_args(argv)

    from hark.data import load_dataset
    from hark.export.pipeline import export_run
    from hark.train.run import train

    started = time.monotonic()
    synth = synthesize(args.data_dir, SynthConfig(clips_per_word=args.clips_per_word), progress=False)
    out: dict = {"dataset": {"dir": str(args.data_dir), "clips": synth.clips_total, "voices": synth.voices,
                             "synth_seconds": round(synth.seconds, 1)}}
    steps = {"ds_cnn": args.ds_cnn_steps, "micro_speech": args.micro_steps}
    for name in args.models.split(","):
        spec = scaled(load_spec(name), steps.get(name, 3000))
        ds = load_dataset(spec, args.data_dir)
        split_sizes = {s: len(ds.split(s)) for s in ("training", "validation", "testing")}
        t0 = time.monotonic()
        result = train(spec, args.runs_dir / name, data_dir=args.data_dir, verbose=True)
        entry = {
            "labels": len(spec.labels),
            "splits": split_sizes,
            "steps": result.fit.steps,
            "best_val_accuracy": round(result.fit.best_val_accuracy, 4),
            "test_accuracy": None if result.test_accuracy is None else round(result.test_accuracy, 4),
            "train_seconds": round(time.monotonic() - t0, 1),
        }
        if not args.no_export:
            t1 = time.monotonic()
            exported = export_run(args.runs_dir / name, args.runs_dir / name / "export", data_dir=args.data_dir,
                                  qat=spec.quantization.qat and args.qat_steps > 0, qat_steps=args.qat_steps)
            r = exported.report
            entry.update({k: r.get(k) for k in ("float_accuracy", "int8_accuracy", "stream_accuracy_reset1",
                                                 "stream_accuracy_reset0", "size_bytes", "arena_bytes",
                                                 "macs_per_call", "macs_per_window_call", "stream_mode", "qat")})
            entry["export_seconds"] = round(time.monotonic() - t1, 1)
        out[name] = entry
        print(json.dumps({name: entry}), flush=True)
    out["wall_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
