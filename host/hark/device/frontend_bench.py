"""The frontend benchmark image's side on the host: its built-in signal (rebuilt bit for bit), the
checksum it prints, its output line, and the frontend's share of the image from the linker map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from hark import paths

CLIP_SAMPLES = 16000
# TFLM's signal-op audio preprocessor on the same emulated board, one 30 ms window (docs/reference.md).
TFLM_SIGNAL_OPS_PER_WINDOW = json.loads(paths.TFLM_FIGURES.read_text())["audio_preprocessor_per_window_instructions"][
    "reference_kernels"]
TARGET_PER_HOP = 20_000  # issue 13's goal


def bench_signal() -> np.ndarray:
    """The image's make_signal(): LCG noise plus a sweeping triangle tone with a clipped burst."""
    out = np.zeros(CLIP_SAMPLES, np.int16)
    lcg, phase = 12345, 0
    for n in range(CLIP_SAMPLES):
        lcg = (lcg * 1664525 + 1013904223) & 0xFFFFFFFF
        noise = (lcg >> 22) - 512
        phase = (phase + 2000 + n * 3) & 0xFFFFFFFF
        tri = (phase >> 15) & 0xFFFF
        wave = (tri if tri < 32768 else 65535 - tri) - 16384
        env = n // 8 if n < 8000 else (16000 - n) // 8
        prod = wave * env
        v = noise + (abs(prod) // 1000) * (1 if prod >= 0 else -1)  # C division truncates toward zero
        if 7000 <= n < 7400:
            v *= 2
        out[n] = max(-32768, min(32767, v))
    return out


def features_checksum(features: np.ndarray) -> int:
    """FNV-1a over the features' bytes in the image's order (frame by frame, low byte first)."""
    h = 2166136261
    for v in np.asarray(features, np.uint16).ravel():
        h = ((h ^ (int(v) & 0xFF)) * 16777619) & 0xFFFFFFFF
        h = ((h ^ (int(v) >> 8)) * 16777619) & 0xFFFFFFFF
    return h


def parse_bench_line(output: str) -> dict[str, int]:
    line = next((ln for ln in output.splitlines() if ln.startswith("FRONTEND_BENCH")), None)
    if line is None:
        raise ValueError(f"the benchmark image printed no FRONTEND_BENCH line; its output: {output[-500:]!r}")
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


_SECTION = re.compile(r"^ (\.\S+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", re.M)


def map_sizes(map_file: Path) -> dict[str, dict[str, int]]:
    """Bytes per library in the linked image, split into code, read-only data, data and bss, from the
    input sections the linker kept (the map's memory map, after garbage collection)."""
    text = map_file.read_text()
    start = text.find("Linker script and memory map")
    if start < 0:
        raise ValueError(f"{map_file} is not a GNU ld map file")
    body = re.sub(r"\n\s{16,}(?=0x)", " ", text[start:])  # long section names wrap onto a second line
    sizes: dict[str, dict[str, int]] = {}
    for name, _addr, size, origin in _SECTION.findall(body):
        n = int(size, 16)
        if n == 0:
            continue
        lib = re.search(r"lib([\w+-]+)\.a\(", origin)
        owner = lib.group(1) if lib else ("bench" if "frontend_bench" in origin else "other")
        kind = (
            "code" if name.startswith(".text")
            else "rodata" if name.startswith(".rodata")
            else "data" if name.startswith(".data")
            else "bss" if name.startswith(".bss") or name == "COMMON"
            else "other"
        )  # fmt: skip
        entry = sizes.setdefault(owner, {"code": 0, "rodata": 0, "data": 0, "bss": 0, "other": 0})
        entry[kind] += n
    return sizes


def library_members(map_file: Path, library: str) -> list[str]:
    """Object files of one library that the image pulled in (e.g. libgcc's soft-double helpers)."""
    text = map_file.read_text()
    start = text.find("Linker script and memory map")
    found = re.findall(rf"lib{re.escape(library)}\.a\(([^)]+)\)", text[start:])
    return sorted(set(found))
