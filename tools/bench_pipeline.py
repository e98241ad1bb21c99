#!/usr/bin/env python3
"""Benchmark: feature extraction (clips/s, cold cache) and tf.data pipeline throughput (steps/s at batch 100,
with and without augmentation). Prints JSON.

    tools/bench_pipeline.py                       # synthesizes a small dataset in a temp folder first
    tools/bench_pipeline.py --data-dir data/synth --model micro_speech
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from hark.data import load_dataset
from hark.data.synth import SynthConfig, synthesize
from hark.features import get_backend
from hark.spec import load_spec
from hark.train.pipeline import extract_raw, make_tf_dataset


def _steps_per_s(ds: object, steps: int) -> tuple[float, float]:
    """(steps/s of wall time, CPU ms per step over all threads)."""
    it = iter(ds.repeat())  # type: ignore[attr-defined]
    next(it)  # graph building and the first fill are not throughput
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        next(it)
    return steps / (time.perf_counter() - t0), 1000 * (time.process_time() - c0) / steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="an existing dataset (default: synthesize 600 clips)")
    ap.add_argument("--model", default="micro_speech")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--clips-per-word", type=int, default=100, help="for the synthesized dataset")
    args = ap.parse_args(argv)
    spec = load_spec(args.model)
    with tempfile.TemporaryDirectory(prefix="hark-bench-pipe-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            words = (*spec.dataset.wanted_words, "up", "down", "left", "marvin")
            synthesize(data_dir, SynthConfig(words=words, clips_per_word=args.clips_per_word, background_seconds=10.0),
                       progress=False)  # fmt: skip
        ds = load_dataset(spec, data_dir)
        backend = get_backend()
        paths = sorted({p for part in ("training", "validation", "testing") for p, _ in ds.split(part)})
        extract_raw(paths[:8], spec, backend)  # warm-up: graph building
        t0, c0 = time.perf_counter(), time.process_time()
        extract_raw(paths, spec, backend, ds=ds)
        feat_rate = len(paths) / (time.perf_counter() - t0)
        feat_cpu_ms = 1000 * (time.process_time() - c0) / len(paths)
        cache = Path(tmp) / "cache"
        common = {"batch_size": args.batch_size, "shuffle": True, "seed": 1, "cache_dir": cache, "backend": backend}
        (plain, plain_cpu) = _steps_per_s(make_tf_dataset(ds, "training", spec, augment=False, **common), args.steps)
        (aug, aug_cpu) = _steps_per_s(make_tf_dataset(ds, "training", spec, augment=True, **common), args.steps)
    load = os.getloadavg()[0]
    print(json.dumps({
        "benchmark": "pipeline", "model": spec.name, "backend": backend.name, "cpu_count": os.cpu_count(),
        "clips_extracted": len(paths), "training_entries": len(ds.split("training")), "batch_size": args.batch_size,
        "feature_extraction_clips_per_s": round(feat_rate, 1),
        "steps_per_s_no_augment": round(plain, 1), "steps_per_s_augment": round(aug, 1),
        "augmented_clips_per_s": round(aug * args.batch_size, 1), "load_average_1min": round(load, 1),
        # CPU time (all threads) per unit: with N idle cores, the rate is at most N / cost
        "feature_extraction_cpu_ms_per_clip": round(feat_cpu_ms, 3),
        "cpu_ms_per_step_no_augment": round(plain_cpu, 2), "cpu_ms_per_step_augment": round(aug_cpu, 2),
        "idle_2_cores_steps_per_s_augment": round(2000 / aug_cpu, 1) if aug_cpu > 0 else None,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
