#!/usr/bin/env python3
"""Instructions (or cycles) per hop on a board, by stage: frontend, inference, recognize.

Uploads an exported model to the board (emulated by default), streams a few seconds of speech-like noise
with per-hop counts on, and prints JSON with the median count per stage, the invokes per hop and the CPU
load at a clock (under QEMU an estimate: 1 instruction = 1 cycle).

    tools/bench_device_hop.py runs/demo/export/micro_speech.tflite [--seconds 4] [--clock-mhz 80]
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import sys
from pathlib import Path

import numpy as np

from hark.device.session import open_device
from hark.format.metadata import read_metadata


def main() -> int:
    faulthandler.dump_traceback_later(60, exit=True)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--clock-mhz", type=float, default=80.0)
    p.add_argument("--port", help="a real board's serial port (default: the emulated board)")
    args = p.parse_args()
    model = args.model.read_bytes()
    meta = read_metadata(model)
    hop_ms = float(meta["frontend.window_step_ms"])
    rng = np.random.default_rng(0)
    n = int(args.seconds * 16000)
    envelope = 0.5 + 0.5 * np.sin(np.linspace(0, 6 * np.pi, n))  # loud and quiet stretches
    audio = np.clip(rng.standard_normal(n) * 3000 * envelope, -32768, 32767).astype(np.int16)
    with open_device(args.port, model=model, timeout=30.0) as link:
        ident = link.identity()
        link.set_param("report.counts_every_hops", 1)
        result = link.stream_audio(audio, timeout=300.0)
    counts = [m for m in result.messages if m.name == "HOP_COUNTS"]
    invoked = [c for c in counts if c.invoked]
    med = {
        "frontend": int(np.median([c.frontend for c in counts])),
        "inference": int(np.median([c.inference for c in invoked])) if invoked else 0,
        "recognize": int(np.median([c.recognize for c in invoked])) if invoked else 0,
    }
    # Steady state: the frontend every hop, the model every `every_hops` (window models) or every hop.
    every = meta.stream.every_hops if meta.stream.mode == "window" else 1
    per_hop = med["frontend"] + (med["inference"] + med["recognize"]) / every
    budget = args.clock_mhz * 1e6 * hop_ms / 1000.0
    out = {
        "model": meta["spec.name"],
        "stream_mode": meta.stream.mode,
        "board": ident.board,
        "counter": ident.counter,
        "hops": len(counts),
        "invokes_per_hop": round(1.0 / every, 3),
        "median_per_stage": med,
        "steady_per_hop": int(per_hop),
        "arena_used_bytes": ident.arena_used_bytes,
        "model_bytes": len(model),
        "cpu_load_pct_at_clock": round(100.0 * per_hop / budget, 2),
        "clock_mhz": args.clock_mhz,
        "load_is_estimate": ident.counter == "instructions",
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
