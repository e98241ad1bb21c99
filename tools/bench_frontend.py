#!/usr/bin/env python3
"""Benchmarks the C audio frontend on the emulated Cortex-M4F and prints JSON.

Runs build/arm/firmware/frontend/hark_frontend_bench.elf under QEMU (mps2-an386): 1 s of built-in
audio through the frontend one 20 ms hop at a time (30 ms window, 40 channels, noise reduction and
PCAN on). Under QEMU the board counter counts instructions, not cycles. The per-stage figures are
means over the same hops, from a second pass that runs each hop's stages one by one. Also reports the frontend's
flash and RAM (from the linker map and the device) and checks the device computed exactly the
features the host library computes for the same signal.

    python tools/bench_frontend.py            # needs the ARM build (and the host build for the check)
"""

from __future__ import annotations

import argparse
import json
import sys

from hark import paths
from hark.device import frontend_bench as benchmark
from hark.device import run_to_exit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to let the emulator run")
    args = parser.parse_args()
    image = paths.build_dir("arm") / "firmware" / "frontend" / "hark_frontend_bench.elf"
    if not image.is_file():
        print(
            f"error: {image} is missing; build it with "
            "cmake -S . -B build/arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake && cmake --build build/arm",
            file=sys.stderr,
        )
        return 2
    result = run_to_exit(image, timeout=args.timeout)
    if result.returncode != 0:
        print(f"error: the benchmark image exited with {result.returncode}: {result.debug_output}", file=sys.stderr)
        return 1
    dev = benchmark.parse_bench_line(result.debug_output)
    unit = "instructions" if dev["counter_kind"] == 1 else "cycles"
    sizes = benchmark.map_sizes(image.with_suffix(".map"))
    fe = sizes.get("hark_frontend", {"code": 0, "rodata": 0, "data": 0, "bss": 0})
    gcc = sizes.get("gcc", {"code": 0, "rodata": 0})
    report = {
        "board": "mps2-an386 (QEMU)",
        "counter": unit,
        "settings": "16 kHz, 30 ms window, 20 ms hop, 40 channels, noise reduction, PCAN, log (spec defaults)",
        f"{unit}_per_hop": {
            "mean": dev["per_hop_mean"],
            "min": dev["per_hop_min"],
            "max": dev["per_hop_max"],
            "hops": dev["hops"],
        },
        f"{unit}_per_hop_by_stage": {
            k: dev[k] for k in ("window", "fft", "filterbank", "noise_reduction", "pcan", "log")
        },
        f"{unit}_init": dev["init"],
        "target_per_hop": benchmark.TARGET_PER_HOP,
        "tflm_signal_ops_per_window": benchmark.TFLM_SIGNAL_OPS_PER_WINDOW,
        "flash_bytes": {
            "frontend_code": fe["code"],
            "frontend_rodata": fe["rodata"] + fe["data"],
            "frontend_total": fe["code"] + fe["rodata"] + fe["data"],
            "libgcc_helpers": gcc["code"] + gcc["rodata"],
            "libgcc_members": benchmark.library_members(image.with_suffix(".map"), "gcc"),
        },
        "ram_bytes": {
            "state": dev["state_bytes"],
            "handle": dev["handle_bytes"],
            "frontend_static": fe["data"] + fe["bss"],
            "image_stack_peak": dev["stack_peak"],
        },
        "device_checksum": dev["checksum"],
    }
    try:
        from hark.native.frontend import uint16_features
        from hark.spec import FrontendSpec

        host = benchmark.features_checksum(uint16_features(benchmark.bench_signal(), FrontendSpec()))
        report["host_checksum"] = host
        report["device_equals_host"] = host == dev["checksum"]
    except Exception as err:  # noqa: BLE001 - the figures above stand without the host library
        report["host_checksum"] = f"unavailable: {err}"
    print(json.dumps(report, indent=2))
    return 0 if report.get("device_equals_host", True) else 1


if __name__ == "__main__":
    sys.exit(main())
