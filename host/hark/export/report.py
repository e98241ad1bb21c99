"""Per-model report: size, ops and MACs per call (vs a full-window call), arena, float vs int8 accuracy, and
streaming accuracy with state reset per clip (kws_streaming's reset1) and carried across clips (reset0)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hark.export.device_model import float_window_scores, inference_model
from hark.export.quantize import convert
from hark.format.metadata import StreamInfo
from hark.format.micro import ClipRunner, MicroModel
from hark.format.tflite import model_info
from hark.spec import ModelSpec


def model_report(
    spec: ModelSpec,
    tflite: bytes,
    stream: StreamInfo,
    trained: keras.Model,
    test_x: np.ndarray,
    test_y: np.ndarray,
    *,
    quant_mode: str = "int8",
) -> dict[str, Any]:
    info = model_info(tflite)
    window = inference_model(trained, "window")
    report: dict[str, Any] = {
        "model": spec.name,
        "spec_hash": spec.hash,
        "stream_mode": stream.mode,
        "quantization": quant_mode,
        "size_bytes": info.size_bytes,
        "ops": info.op_counts,
        "op_count": len(info.ops),
        "macs_per_call": info.macs,
    }
    window_info = model_info(convert(window, "float"))
    report["macs_per_window_call"] = window_info.macs
    report["ops_per_window_call"] = len(window_info.ops)
    if stream.mode != "window":
        report["mac_ratio_window_over_call"] = round(window_info.macs / max(info.macs, 1), 2)
    n = int(len(test_y))
    report["test_clips"] = n
    if n:
        report["float_accuracy"] = float(np.mean(float_window_scores(window, test_x).argmax(1) == test_y))
    if quant_mode not in ("int8", "float"):
        return report  # hybrid (dynamic-range, float16) kernels are not in tflite-micro
    micro = MicroModel(tflite)
    runner = ClipRunner(micro, stream)
    if n:
        reset1 = np.stack([runner.clip_scores(x, reset=True) for x in test_x])
        key = "int8_accuracy" if quant_mode == "int8" else "tflite_accuracy"
        report[key] = float(np.mean(reset1.argmax(1) == test_y))
        if stream.mode != "window":
            report["stream_accuracy_reset1"] = report[key]
            runner.reset()
            reset0 = np.stack([runner.clip_scores(x, reset=False) for x in test_x])
            report["stream_accuracy_reset0"] = float(np.mean(reset0.argmax(1) == test_y))
    report["arena_bytes"] = micro.arena_bytes()
    return report
