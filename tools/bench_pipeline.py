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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from hark.data import load_dataset, make_tf_dataset  # noqa: E402
from hark.data.pipeline import extract_raw  # noqa: E402
from hark.data.synth import SynthConfig, synthesize  # noqa: E402
from hark.features import get_backend  # noqa: E402
from hark.spec import load_spec  # noqa: E402


def _steps_per_s(ds: object, steps: int) -> float:
    it = iter(ds.repeat())  # type: ignore[attr-defined]
    next(it)  # graph building and the first fill are not throughput
    t0 = time.perf_counter()
    for _ in range(steps):
        next(it)
    return steps / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="an existing dataset (default: synthesize 600 clips)")
    ap.add_argument("--model", default="micro_speech")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args(argv)
    spec = load_spec(args.model)
    with tempfile.TemporaryDirectory(prefix="hark-bench-pipe-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            words = (*spec.dataset.wanted_words, "up", "down", "left", "marvin")
            synthesize(data_dir, SynthConfig(words=words, clips_per_word=100, background_seconds=20.0),
                       progress=False)  # fmt: skip
        ds = load_dataset(spec, data_dir)
        backend = get_backend()
        paths = sorted({p for p, _ in ds.split("training")})
        extract_raw(paths[:8], spec, backend)  # warm-up: graph building
        t0 = time.perf_counter()
        extract_raw(paths, spec, backend)
        feat_rate = len(paths) / (time.perf_counter() - t0)
        cache = Path(tmp) / "cache"
        common = {"batch_size": args.batch_size, "shuffle": True, "seed": 1, "cache_dir": cache, "backend": backend}
        plain = _steps_per_s(make_tf_dataset(ds, "training", spec, augment=False, **common), args.steps)
        aug = _steps_per_s(make_tf_dataset(ds, "training", spec, augment=True, **common), args.steps)
    print(json.dumps({
        "benchmark": "pipeline", "model": spec.name, "backend": backend.name, "cpu_count": os.cpu_count(),
        "training_clips": len(ds.split("training")), "batch_size": args.batch_size,
        "feature_extraction_clips_per_s": round(feat_rate, 1),
        "steps_per_s_no_augment": round(plain, 1), "steps_per_s_augment": round(aug, 1),
        "augmented_clips_per_s": round(aug * args.batch_size, 1),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
