"""The runtime's emulator images (firmware/runtime/tests/emu_bench.c): run one under QEMU and parse what it
reports, and rebuild on the host the fixed input pattern it feeds its model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hark import paths
from hark.device import run_to_exit

# image name suffix -> model file, relative to the reference folder (docs/reference.md)
BENCH_MODELS = {
    "micro_speech": "tflite-micro/models/micro_speech_quantized.tflite",
    "keyword_scrambled": "tflite-micro/models/keyword_scrambled.tflite",
    "ds_cnn": "benchmarks/ds_cnn_mlperf.tflite",
}


@dataclass
class BenchRun:
    arena_bytes: int
    init_instructions: int
    invoke_instructions: int
    stack_bytes: int
    ops: list[tuple[int, str, int]] = field(default_factory=list)  # (index, name, instructions)
    outputs: list[bytes] = field(default_factory=list)
    # the same model with its inputs in the app's buffers (RUNTIME_INPUTS_EXTERNAL)
    arena_external_bytes: int = 0
    arena_init_peak_bytes: int = 0  # what init needs while it runs (runtime_arena_init_peak)
    outputs_external: list[bytes] = field(default_factory=list)


def bench_image(name: str) -> Path:
    return paths.build_dir("arm") / "firmware" / "runtime" / "tests" / f"runtime_bench_{name}.elf"


def pattern_input(nbytes: int) -> bytes:
    """Byte k is (k * 151 + 7) & 0xFF, as the image fills every input tensor."""
    k = np.arange(nbytes, dtype=np.uint32)
    return ((k * 151 + 7) & 0xFF).astype(np.uint8).tobytes()


def run_bench(image: Path, *, timeout: float = 120.0) -> BenchRun:
    result = run_to_exit(image, timeout=timeout)
    text = result.debug_output
    if result.returncode != 0 or "DONE" not in text:
        raise RuntimeError(f"{image} failed (exit {result.returncode}): {text.strip()[-400:]}")

    def num(key: str) -> int:
        m = re.search(rf"^{key} (\d+)$", text, re.M)
        if not m:
            raise RuntimeError(f"{image}: no {key} line in {text!r}")
        return int(m.group(1))

    run = BenchRun(num("ARENA"), num("INIT"), num("INVOKE"), num("STACK"))
    run.ops = [(int(i), n, int(d)) for i, n, d in re.findall(r"^OP (\d+) (\S+) (\d+)$", text, re.M)]
    run.outputs = [bytes.fromhex(h) for _, h in re.findall(r"^OUT (\d+) ([0-9a-f]*)$", text, re.M)]
    run.arena_external_bytes = num("ARENA_EXTERNAL")
    run.arena_init_peak_bytes = num("ARENA_INIT_PEAK")
    run.outputs_external = [bytes.fromhex(h) for _, h in re.findall(r"^OUTX (\d+) ([0-9a-f]*)$", text, re.M)]
    return run


def flash_by_archive(map_file: Path) -> dict[str, int]:
    """Bytes of code and read-only data each archive contributes to an image, from the linker map."""
    sizes: dict[str, int] = {}
    pending: str | None = None
    pattern = re.compile(r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)$")
    lines = map_file.read_text().splitlines()
    # Sections the linker discarded are listed first; what the image holds follows this header.
    start = next((i for i, line in enumerate(lines) if line.startswith("Linker script and memory map")), 0)
    for line in lines[start:]:
        if line.startswith(" .text") or line.startswith(" .rodata"):
            parts = line.split()
            if len(parts) == 1:
                pending = parts[0]
                continue
            m = pattern.match(" ".join(parts[1:]))
        elif pending is not None:
            m = pattern.match(line)
        else:
            continue
        pending = None
        if not m or int(m.group(1), 16) == 0:
            continue
        member = m.group(3)
        archive = Path(member.split("(")[0]).name if "(" in member else Path(member).name
        sizes[archive] = sizes.get(archive, 0) + int(m.group(2), 16)
    return sizes
