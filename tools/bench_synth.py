#!/usr/bin/env python3
"""Benchmark: dataset synthesis rate. Prints JSON with clips/s and the projected time for 20,000 clips.

    tools/bench_synth.py --clips 600 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from hark.data.synth import DEFAULT_WORDS, SynthConfig, synthesize


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=600, help="clips to synthesize (spread over the 30 default words)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    per_word = max(1, args.clips // len(DEFAULT_WORDS))
    # background_seconds=1 keeps noise generation out of the clip rate
    config = SynthConfig(clips_per_word=per_word, seed=args.seed, background_seconds=1.0)
    with tempfile.TemporaryDirectory(prefix="hark-bench-synth-") as tmp:
        t0 = time.perf_counter()
        report = synthesize(tmp, config, workers=args.workers, progress=False)
        seconds = time.perf_counter() - t0
    rate = report.clips_written / seconds
    # CPU seconds per clip (workers only) projects the rate on idle cores, whatever else loads the machine now
    cpu_per_clip = report.worker_cpu_seconds / max(report.clips_written, 1)
    idle_rate = args.workers / cpu_per_clip if cpu_per_clip > 0 else 0.0
    print(json.dumps({
        "benchmark": "synth", "clips": report.clips_written, "dropped": len(report.clips_dropped),
        "workers": args.workers, "cpu_count": os.cpu_count(), "seconds": round(seconds, 2),
        "clips_per_s": round(rate, 1), "load_average_1min": round(os.getloadavg()[0], 1),
        "projected_20000_clips_s": round(20000 / rate, 1),
        "worker_cpu_ms_per_clip": round(1000 * cpu_per_clip, 2),
        "idle_cores_clips_per_s": round(idle_rate, 1), "idle_cores_20000_clips_s": round(20000 / idle_rate, 1),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
