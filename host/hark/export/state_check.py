"""Streaming state must keep one quantization from output to input, so the device copies state bytes as they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hark.export.model_info import TensorInfo, model_tensors


class StateQuantizationError(RuntimeError):
    """A state output is quantized differently from the state input it feeds: copying it would corrupt the state."""


@dataclass(frozen=True)
class StatePair:
    input_index: int  # position among the model's inputs
    output_index: int  # position among the model's outputs
    name: str


def _params(t: TensorInfo) -> tuple:
    return (t.dtype, tuple(t.shape), tuple(np.round(t.scales, 12)), tuple(t.zero_points))


def verify_state_pairs(tflite: bytes, pairs: Sequence[StatePair]) -> None:
    """Raises StateQuantizationError naming each pair whose dtype, shape, scale or zero point differ."""
    inputs, outputs = model_tensors(tflite)
    problems = []
    for p in pairs:
        if not (0 <= p.input_index < len(inputs) and 0 <= p.output_index < len(outputs)):
            raise StateQuantizationError(f"state pair '{p.name}' names I/O {p.input_index}/{p.output_index}, "
                                         f"but the model has {len(inputs)} inputs and {len(outputs)} outputs")
        a, b = inputs[p.input_index], outputs[p.output_index]
        if _params(a) != _params(b):
            problems.append(
                f"state '{p.name}': input {p.input_index} '{a.name}' {a.dtype}{list(a.shape)} scale {list(a.scales)} "
                f"zero point {list(a.zero_points)} vs output {p.output_index} '{b.name}' {b.dtype}{list(b.shape)} "
                f"scale {list(b.scales)} zero point {list(b.zero_points)}"
            )
    if problems:
        raise StateQuantizationError(
            "streaming state input and output must share dtype, shape and quantization so the device can copy "
            "state without requantizing; these pairs differ:\n  " + "\n  ".join(problems)
        )
