#!/usr/bin/env python3
"""The model zoo table of docs/zoo.md: per spec, parameters and MACs (hark-summarize), the int8 `.tflite` size,
the arena and the instructions per invoke on the emulated Cortex-M4 (QEMU mps2-an386, the model uploaded over
serial and profiled by the board), and whether the family streams. Streaming families are measured in their
streaming form (one invoke per hop, external state); the others as a window model (one invoke per window).

Weights are random (the figures depend on shapes, not values); int8 calibration uses random features.

    .venv/bin/python tools/zoo_table.py                       # every spec, markdown on stdout
    .venv/bin/python tools/zoo_table.py ds_tc_resnet alexa --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from hark.spec import available_specs, load_spec  # noqa: E402


def measure(name: str, link: object) -> dict:
    import keras

    from hark.export.pipeline import inference_model, quantize_for_device
    from hark.profiling import profile_on_device
    from hark.zoo import architecture, build_model, summarize

    spec = load_spec(name).replace(quantization={"representative_samples": 16})
    model = build_model(spec)
    summary = summarize(model)
    streams = architecture(spec.architecture.name).streamable
    form = "stream_external" if streams else "window"
    fe = spec.frontend
    lo, hi = (-128, 127) if fe.dynamic_range_db > 0 else (0, 30)
    calib = np.random.default_rng(0).uniform(lo, hi, (16, fe.num_frames, fe.num_channels)).astype(np.float32)
    tflite, _ = quantize_for_device(spec, inference_model(model, form), form, "int8", calib)
    report = profile_on_device(tflite, link, name=name)
    keras.backend.clear_session()
    return {
        "model": name, "architecture": spec.architecture.name, "params": int(summary["params"]),
        "macs": int(summary["macs"]), "int8_bytes": len(tflite), "arena_bytes": report.arena_bytes,
        "instructions": report.invoke_total, "per": "hop" if streams else "window", "streams": streams,
        "input": f"{fe.num_frames}x{fe.num_channels}",
    }  # fmt: skip


def markdown(rows: list[dict]) -> str:
    out = ["| model | architecture | input | params | MACs | int8 size | arena | instructions per invoke | streams |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in rows:
        per = "hop" if r["streams"] else "window"
        out.append(f"| {r['model']} | {r['architecture']} | {r['input']} | {r['params']:,} | {r['macs']:,} | "
                   f"{r['int8_bytes'] / 1024:.1f} KB | {r['arena_bytes'] / 1024:.1f} KB | "
                   f"{r['instructions']:,} per {per} | {'yes' if r['streams'] else 'no'} |")  # fmt: skip
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("specs", nargs="*", help="spec names (default: every spec in models/)")
    ap.add_argument("--json", action="store_true", help="JSON lines instead of a markdown table")
    args = ap.parse_args(argv)
    from hark.device.session import default_image, open_device

    rows = []
    with open_device(image=default_image(uploading=True), timeout=30.0) as link:
        for name in args.specs or available_specs():
            row = measure(name, link)
            rows.append(row)
            print(json.dumps(row) if args.json else f"measured {name}", file=sys.stdout if args.json else sys.stderr,
                  flush=True)  # fmt: skip
    if not args.json:
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
