#!/usr/bin/env python3
"""Benchmarks the firmware runtime on the emulated Cortex-M4 (QEMU mps2-an386) and prints JSON.

For micro_speech_quantized, keyword_scrambled and the DS-CNN benchmark model: instructions per inference
(QEMU -icount: an instruction count, not timing), per op, arena bytes (after init and at init's peak) and
stack, next to TFLM's figures on the same emulated board (tools/reference/tflm_figures.json, docs/reference.md).
Also the runtime's flash in the micro_speech image, which links only the four kernels micro_speech needs, from
the linker map. Every model's outputs are checked against the tflite-micro interpreter on the same input before
any figure is reported.

Needs the ARM build: cmake -S . -B build/arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
-DCMAKE_BUILD_TYPE=Release && cmake --build build/arm
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from hark import paths
from hark.device.runtime_bench import BENCH_MODELS, bench_image, flash_by_archive, pattern_input, run_bench

# TFLM at commit 90b983c2, Debian GCC 12.2, QEMU mps2-an386 (docs/reference.md says how they were measured).
_FIGURES = json.loads(paths.TFLM_FIGURES.read_text())
TFLM = _FIGURES["per_inference_instructions"]
TFLM_FLASH = _FIGURES["library_flash_bytes"]


def reference_dir() -> Path:
    try:
        return paths.reference_dir()
    except paths.ReferenceMissing as err:
        sys.exit(str(err))


def expected_outputs(model: bytes) -> list[bytes]:
    """tflite-micro's outputs for the image's input pattern."""
    from tflite_micro.python.tflite_micro import runtime as tflm

    it = tflm.Interpreter.from_bytes(model)
    for i in range(64):
        try:
            d = it.get_input_details(i)
        except IndexError:
            break
        x = np.frombuffer(pattern_input(int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize), d["dtype"])
        it.set_input(x.reshape(d["shape"]), i)
    it.invoke()
    outs = []
    for i in range(64):
        try:
            outs.append(it.get_output(i).tobytes())
        except IndexError:
            break
    return outs


def bench(name: str, ref: Path) -> dict:
    image = bench_image(name)
    if not image.is_file():
        sys.exit(f"{image} is missing: build the ARM tree first (see this script's docstring)")
    run = run_bench(image)
    want = expected_outputs((ref / BENCH_MODELS[name]).read_bytes())
    if run.outputs != want or run.outputs_external != want:
        sys.exit(f"{name}: the board's outputs {run.outputs} differ from tflite-micro's {want}")
    result = {
        "instructions_per_inference": run.invoke_instructions,
        "init_instructions": run.init_instructions,
        "arena_bytes": run.arena_bytes,
        "arena_external_bytes": run.arena_external_bytes,  # the inputs in the app's buffers
        "arena_init_peak_bytes": run.arena_init_peak_bytes,  # an arena this large initializes the model
        "stack_peak_bytes": run.stack_bytes,
        "per_op_instructions": [{"index": i, "op": n, "instructions": d} for i, n, d in run.ops],
        "outputs_match_tflite_micro": True,
        "tflm": TFLM[name],
        "vs_tflm_cmsis_nn": round(run.invoke_instructions / TFLM[name]["cmsis_nn"], 3),
    }
    if name == "micro_speech":
        sizes = flash_by_archive(image.with_suffix(".map"))
        result["runtime_flash_bytes"] = sizes.get("libhark_runtime.a", 0)
        result["libgcc_libc_flash_bytes"] = sizes.get("libgcc.a", 0) + sizes.get("libc_nano.a", 0)
        result["tflm_flash_bytes"] = TFLM_FLASH
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(BENCH_MODELS), choices=list(BENCH_MODELS))
    args = parser.parse_args()
    ref = reference_dir()
    report = {
        "board": "mps2-an386 (QEMU)",
        "counter": "instructions",
        "models": {name: bench(name, ref) for name in args.models},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
