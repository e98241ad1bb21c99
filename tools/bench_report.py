#!/usr/bin/env python3
"""Regenerates the measured tables of docs/performance.md from the benchmarks, in one command.

Runs tools/bench_runtime.py (the three reference models on the emulated Cortex-M4, outputs checked against
tflite-micro) and tools/bench_frontend.py, counts each op's MACs from the model file, and rewrites every block
of docs/performance.md fenced by `<!-- bench_report:NAME -->` ... `<!-- /bench_report:NAME -->`: the frontend
and runtime tables next to TFLM's figures (ratios to TFLM + CMSIS-NN), per-op instructions per MAC, and the
commit, compiler and emulator that produced them. Text outside the fences is left alone. The TFLM figures are
the constants in tools/bench_runtime.py, measured by the procedure docs/performance.md describes.

Needs the ARM build and the host build (see ./hark's build()):

    .venv/bin/python tools/bench_report.py            # rewrites docs/performance.md
    .venv/bin/python tools/bench_report.py --print    # prints the blocks instead
    .venv/bin/python tools/bench_report.py --stream-model runs/x/export/ds_cnn.tflite  # + the per-hop block
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from hark.device.runtime_bench import BENCH_MODELS
from hark.format.tflite import model_info

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
TITLES = {
    "micro_speech": "`micro_speech_quantized`",
    "keyword_scrambled": "`keyword_scrambled` (SVDF)",
    "ds_cnn": "DS-CNN, MLPerf Tiny KWS",
}
TFLM_PREPROCESSOR = {"reference_kernels": 105_661, "cmsis_nn": 106_329}  # ARCHITECTURE.md, one 30 ms window


def run_json(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / script), *args], capture_output=True, text=True,
                         check=False)  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"{script} failed: {out.stderr.strip()[-800:]}")
    return json.loads(out.stdout)


def first_line(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def ratio(ours: int, theirs: int) -> str:
    return f"{ours / theirs:.2f}"


def runtime_block(report: dict) -> str:
    lines = [
        "| model | hark | TFLM reference kernels | TFLM + CMSIS-NN | hark / CMSIS-NN | hark arena (TFLM) "
        "| hark arena needed at init | hark arena, input in the app's buffer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in report["models"].items():
        t = m["tflm"]
        n = m["instructions_per_inference"]
        lines.append(
            f"| {TITLES[name]} | **{n:,}** | {t['reference_kernels']:,} | {t['cmsis_nn']:,} | "
            f"{ratio(n, t['cmsis_nn'])} | {m['arena_bytes']:,} B ({t['arena_bytes']:,}) | "
            f"{m['arena_init_peak_bytes']:,} B | {m['arena_external_bytes']:,} B |"
        )
    ms = report["models"].get("micro_speech")
    if ms and "runtime_flash_bytes" in ms:
        tf = ms["tflm_flash_bytes"]
        lines += [
            "",
            "Arena needed at init (`runtime_arena_init_peak`): until the plan is made, the tensor records and the "
            "planner's workspace lie at the arena's end, in bytes the plan and the variables take afterwards; an arena "
            "sized by the figure after init alone would fail to initialize if this were larger. "
            "The last column: the model's input in a buffer the app holds anyway (`RUNTIME_INPUTS_EXTERNAL`: the "
            "kws pipeline's feature window), not in the arena; RAM in all is that much less, and the copy per invoke "
            "is gone. Flash of the runtime in an image that links only micro_speech's four kernels (its op table "
            "generated from the model, `hark_runtime_ops`): "
            f"{ms['runtime_flash_bytes']:,} B (+{ms['libgcc_libc_flash_bytes']:,} B libgcc and memcpy/memset), against "
            f"{tf['reference_kernels'] / 1000:.1f} KB (reference kernels) and "
            f"{tf['cmsis_nn'] / 1000:.1f} KB (CMSIS-NN) for TFLM's library.",
        ]
    return "\n".join(lines)


def per_op_block(report: dict, ref: Path) -> str:
    lines = [
        "| model | # | op | output | MACs | instructions | per MAC |",
        "|---|---:|---|---|---:|---:|---:|",
    ]
    for name, m in report["models"].items():
        info = model_info((ref / BENCH_MODELS[name]).read_bytes())
        for row in m["per_op_instructions"]:
            op = info.ops[row["index"]] if row["index"] < len(info.ops) else None
            macs = op.macs if op else 0
            shape = "x".join(map(str, op.output_shape)) if op else ""
            per = f"{row['instructions'] / macs:.2f}" if macs else "—"
            count = row["instructions"]
            lines.append(f"| {name} | {row['index']} | {row['op']} | {shape} | {macs:,} | {count:,} | {per} |")
        total_macs = info.macs
        n = m["instructions_per_inference"]
        lines.append(f"| {name} | | **whole invoke** | | {total_macs:,} | {n:,} | {n / total_macs:.2f} |")
    return "\n".join(lines)


def frontend_block(fe: dict) -> str:
    hop = fe["instructions_per_hop"]
    stages = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in fe["instructions_per_hop_by_stage"].items())
    return "\n".join([
        "| | instructions per hop | vs TFLM + CMSIS-NN preprocessor |",
        "|---|---:|---:|",
        f"| hark frontend | **{hop['mean']:,}** ({hop['min']:,}–{hop['max']:,}) | "
        f"{ratio(hop['mean'], TFLM_PREPROCESSOR['cmsis_nn'])} |",
        f"| TFLM signal-op preprocessor, reference kernels | {TFLM_PREPROCESSOR['reference_kernels']:,} | |",
        f"| TFLM signal-op preprocessor, CMSIS-NN build | {TFLM_PREPROCESSOR['cmsis_nn']:,} | |",
        "",
        f"Stages, mean per hop: {stages}. Flash {fe['flash_bytes']['frontend_total']:,} B; "
        f"state {fe['ram_bytes']['state']:,} B.",
    ])  # fmt: skip


def stream_block(hop: dict) -> str:
    stages = hop["median_per_stage"]
    return "\n".join([
        "| model | stream mode | frontend | inference | recognize | per hop | CPU at 80 MHz (estimate) |",
        "|---|---|---:|---:|---:|---:|---:|",
        f"| {hop['model']} | {hop['stream_mode']} | {stages['frontend']:,} | **{stages['inference']:,}** | "
        f"{stages['recognize']:,} | {hop['steady_per_hop']:,} | {hop['cpu_load_pct_at_clock']} % |",
        "",
        f"Median instructions per 20 ms hop over {hop['hops']} hops of noise on the emulated board "
        f"(tools/bench_device_hop.py); arena {hop['arena_used_bytes']:,} B, model {hop['model_bytes']:,} B.",
    ])  # fmt: skip


def provenance_block() -> str:
    commit = first_line(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return "\n".join([
        f"- hark commit: `{commit}`" + (" (with uncommitted changes)" if dirty else ""),
        f"- compiler: `{first_line(['arm-none-eabi-gcc', '--version'])}`, kernels -O2, init code -Os",
        f"- emulator: `{first_line(['qemu-system-arm', '--version'])}`, machine `mps2-an386`, `-icount shift=7`",
        "- TFLM: commit 90b983c2, Debian GCC 12.2, the same emulated board (procedure below)",
    ])  # fmt: skip


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- bench_report:{name} -->\n)(?:.*?\n)?(<!-- /bench_report:{name} -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"{DOC} has no <!-- bench_report:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the blocks instead of rewriting the page")
    parser.add_argument("--stream-model", type=Path, help="a streaming export: also rewrites the per-hop block")
    args = parser.parse_args()
    from hark import paths

    ref = paths.reference_dir()
    runtime = run_json("bench_runtime.py")
    frontend = run_json("bench_frontend.py")
    blocks = {
        "frontend": frontend_block(frontend),
        "runtime": runtime_block(runtime),
        "per_op": per_op_block(runtime, ref),
        "provenance": provenance_block(),
    }
    if args.stream_model:
        blocks["stream"] = stream_block(run_json("bench_device_hop.py", str(args.stream_model), "--seconds", "1.5"))
    if args.print:
        for name, body in blocks.items():
            print(f"## {name}\n{body}\n")
        return
    text = DOC.read_text()
    for name, body in blocks.items():
        text = replace_block(text, name, body)
    DOC.write_text(text)
    print(f"rewrote {len(blocks)} blocks of {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
