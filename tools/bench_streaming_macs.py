#!/usr/bin/env python3
"""MACs and operators per 20 ms streaming call vs per full-window call, for every streaming model spec (JSON).

Each spec's model is counted by `hark.evaluate.summary` (the window model and the external-state streaming
model, converted to float TFLite and counted by `hark.format.tflite`, the project's one MAC counter). Usage:

    .venv/bin/python tools/bench_streaming_macs.py [spec ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hark import logs
from hark.evaluate.summary import summarize
from hark.spec import available_specs, load_spec


def bench(name: str) -> dict[str, Any]:
    spec = load_spec(name)
    s = summarize(spec)
    out: dict[str, Any] = {"spec": name, "architecture": spec.architecture.name, "params": s["params"],
                           "window": s["window"]}  # fmt: skip
    if "error" in s["stream"]:
        out["stream"] = {"not_streamable": s["stream"]["error"]}
    else:
        out["stream"] = s["stream"]
        out["macs_ratio_window_over_call"] = s["stream"]["mac_ratio_window_over_call"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", help="model specs (default: every spec in models/)")
    args = parser.parse_args(argv)
    logs.configure(verbose=False)
    results = [bench(name) for name in args.specs or available_specs()]
    json.dump({"unit": "per invoke, batch 1", "models": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
