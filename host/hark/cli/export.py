"""Quantize a trained run and write .tflite (with metadata) + C array + report."""

from __future__ import annotations

import argparse
import json

from hark.cli.errors import reported
from hark.export.pipeline import export_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir")
    p.add_argument("--out", help="output folder (default <run>/export)")
    p.add_argument("--stream", choices=("window", "stream_external", "stream_internal"),
                   help="inference form (default: the spec's streaming.mode)")
    p.add_argument("--quant", choices=("int8", "dynamic", "float16", "float"),
                   help="quantization (default: the spec's quantization.mode)")
    p.add_argument("--data-dir")
    p.add_argument("--max-clips", type=int, help="test clips for the report (default all)")
    p.add_argument("--no-report", action="store_true")
    p.add_argument("--qat", action=argparse.BooleanOptionalAction, default=None,
                   help="quantization-aware fine-tuning before int8 export (default: the spec's quantization.qat)")
    p.add_argument("--qat-steps", type=int, help="QAT steps (default: the spec's quantization.qat_steps)")


def run(a: argparse.Namespace) -> int:
    def body() -> int:
        r = export_run(a.run_dir, a.out, stream_mode=a.stream, quant_mode=a.quant, data_dir=a.data_dir,
                       max_clips=a.max_clips, report=not a.no_report, qat=a.qat, qat_steps=a.qat_steps)
        print(json.dumps({"tflite": str(r.tflite_path), "c_source": str(r.c_source), "c_header": str(r.c_header),
                          "report": r.report}, indent=2))
        return 0

    return reported(a.prog, body)
