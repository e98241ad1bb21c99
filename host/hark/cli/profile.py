"""Per-layer instruction/cycle counts, MACs, RAM and flash of a .tflite, on a board or the host."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hark.device.link import DeviceError
from hark.device.session import open_device
from hark.profiling import profile_on_device, profile_on_host


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help="a .tflite (any int8 model the runtime supports; no rebuild needed)")
    p.add_argument("--device", action="store_true",
                   help="run on a board: the emulated mps2-an386 unless --port names a real one")  # fmt: skip
    p.add_argument("--port", help="serial port or pyserial URL of a real board (implies --device)")
    p.add_argument("--image", type=Path, help="firmware image for the emulated board")
    p.add_argument("--flash", action="store_true",
                   help="upload into the board's model flash region instead of its RAM upload buffer, for a model "
                        "larger than that buffer (implies --device)")  # fmt: skip
    p.add_argument("--hop-ms", type=float, help="invoke period for the CPU load (default: from the model metadata)")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--out", type=Path, help="also write the JSON report to this file")


def run(args: argparse.Namespace) -> int:
    if not args.model.is_file():
        print(f"{args.prog}: error: {args.model}: no such model file", file=sys.stderr)
        return 2
    tflite = args.model.read_bytes()
    name = args.model.stem
    try:
        if args.device or args.port or args.flash:
            with open_device(args.port, image=args.image, timeout=30.0) as link:
                report = profile_on_device(tflite, link, name=name, hop_ms=args.hop_ms, flash=args.flash)
        else:
            report = profile_on_host(tflite, name=name, hop_ms=args.hop_ms)
    except (DeviceError, RuntimeError, ValueError) as err:
        print(f"{args.prog}: {args.model}: {err}", file=sys.stderr)
        return 1
    print(report.to_json() if args.json else report.table())
    if args.out:
        args.out.write_text(report.to_json() + "\n")
    return 0
