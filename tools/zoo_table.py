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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from hark.device.link import DeviceError
from hark.format.metadata import strip_metadata
from hark.spec import available_specs, load_spec


def measure(name: str, link: object) -> dict:
    import keras

    from hark.evaluate.summary import summarize
    from hark.export.device_model import inference_model, quantize_for_device
    from hark.profiling import profile_on_device
    from hark.zoo import architecture, build_model

    spec = load_spec(name).replace(quantization={"representative_samples": 16})
    model = build_model(spec)
    summary = summarize(spec, model)
    streams = architecture(spec.architecture.name).streamable
    form = "stream_external" if streams else "window"
    fe = spec.frontend
    lo, hi = (-128, 127) if fe.dynamic_range_db > 0 else (-0.5, 0.5) if fe.kind == "raw" else (0, 30)
    calib = np.random.default_rng(0).uniform(lo, hi, (16, fe.num_frames, fe.frame_width)).astype(np.float32)
    tflite, _ = quantize_for_device(spec, inference_model(model, form), form, "int8", calib)
    # The board's pipeline refuses a raw-audio model (frontend.kind); it profiles the same graph as a bare model,
    # whose arena is then the runtime's tensors and state only.
    on_board = strip_metadata(tflite) if fe.kind != "microfrontend" else tflite
    row = {
        "model": name, "architecture": spec.architecture.name, "params": int(summary["params"]),
        "macs": int(summary["window"]["macs_per_call"]),
        "macs_per_hop": int(summary["stream"].get("macs_per_call", 0)),
        "int8_bytes": len(tflite), "per": "hop" if streams else "window",
        "streams": streams, "input": f"{fe.num_frames}x{fe.frame_width}" + (" samples" if fe.kind == "raw" else ""),
    }  # fmt: skip
    keras.backend.clear_session()
    # A model larger than the RAM upload buffer goes to the board's model flash region and runs from there.
    ident = link.identity()  # type: ignore[attr-defined]
    flash = ident.upload_capacity_bytes < len(on_board) <= ident.flash_capacity_bytes
    try:
        report = profile_on_device(on_board, link, name=name, flash=flash)
    except DeviceError as err:  # e.g. the board's arena is too small: say so in the table
        return {**row, "arena_bytes": 0, "instructions": 0, "device_error": str(err)}
    return {**row, "arena_bytes": report.arena_bytes, "instructions": report.invoke_total}


def markdown(rows: list[dict]) -> str:
    out = ["| model | architecture | input | params | MACs | int8 size | arena | instructions per invoke | streams |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in rows:
        per = "hop" if r["streams"] else "window"
        arena, count = f"{r['arena_bytes'] / 1024:.1f} KB", f"{r['instructions']:,} per {per}"
        if r.get("device_error"):
            need = r["device_error"].rsplit("at least ", 1)[-1].split(" bytes")[0]
            arena, count = (f"needs {int(need) / 1024:.1f} KB" if need.isdigit() else "does not load"), "-"
        out.append(f"| {r['model']} | {r['architecture']} | {r['input']} | {r['params']:,} | {r['macs']:,} | "
                   f"{r['int8_bytes'] / 1024:.1f} KB | {arena} | {count} | {'yes' if r['streams'] else 'no'} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("specs", nargs="*", help="spec names (default: every spec in models/)")
    ap.add_argument("--json", action="store_true", help="JSON lines instead of a markdown table")
    ap.add_argument("--from-json", type=Path, help="print the markdown table of earlier --json output")
    args = ap.parse_args(argv)
    if args.from_json:
        print(markdown([json.loads(line) for line in args.from_json.read_text().splitlines() if line.strip()]))
        return 0
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
