"""Streaming state must keep one quantization from output to input, so the device copies state bytes as they are.

Ring-buffer states (Stream-wrapped convs, Flatten, pooling) pass through CONCATENATION and STRIDED_SLICE, which
the converter quantizes with one scale end to end, so their input and output agree by construction. An RNN's
next state is computed (GRU: `z*h + (1-z)*hhat`, an ADD), and the converter calibrates that output on its own:
its range is close to the state input's but not equal. `align_state_outputs` gives such an output the input's
quantization, which is exact rather than approximate because the producing op requantizes with multipliers the
runtime derives from the tensors' scales when it prepares the op (nothing baked in depends on the output scale),
and every value the state input can hold is what the next call reads anyway. `verify_state_pairs` then checks
every pair and refuses the model if any still differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hark.format.flatbuffer import model_bytes, model_object, schema
from hark.format.tflite import TensorInfo, model_tensors, op_name

# Ops whose int8 output scale and zero point are free parameters: the kernel requantizes into whatever the output
# tensor says, with multipliers computed at prepare time from the tensor scales (none are stored in the model).
_REQUANTIZING_PRODUCERS = frozenset({"ADD", "SUB", "MUL", "FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D",
                                     "QUANTIZE"})
# Ops that read their input's scale and zero point at prepare time, so they accept any input quantization.
_RESCALING_CONSUMERS = _REQUANTIZING_PRODUCERS | frozenset({"LOGISTIC", "TANH", "SOFTMAX", "MEAN"})
# One-input ops whose output must carry their input's quantization (they move bytes, they do not rescale).
_PASS_THROUGH = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "STRIDED_SLICE", "SLICE", "TRANSPOSE"})
# How far (in the state input's quantization steps) an aligned output's calibrated range may reach past the
# input's: the two are calibrated on the same streamed calls, so they differ only by rounding and the last call.
ALIGN_TOLERANCE_STEPS = 2.0


class StateQuantizationError(RuntimeError):
    """A state output is quantized differently from the state input it feeds: copying it would corrupt the state."""


@dataclass(frozen=True)
class StatePair:
    input_index: int  # position among the model's inputs
    output_index: int  # position among the model's outputs
    name: str


def _params(t: TensorInfo) -> tuple:
    return (t.dtype, tuple(t.shape), tuple(np.round(t.scales, 12)), tuple(t.zero_points))


def _check_indices(pairs: Sequence[StatePair], n_inputs: int, n_outputs: int) -> None:
    for p in pairs:
        if not (0 <= p.input_index < n_inputs and 0 <= p.output_index < n_outputs):
            raise StateQuantizationError(f"state pair '{p.name}' names I/O {p.input_index}/{p.output_index}, "
                                         f"but the model has {n_inputs} inputs and {n_outputs} outputs")


def _retargetable(model: schema.ModelT, sg: schema.SubGraphT, tensor: int, *, outputs_ok: bool) -> list[int]:
    """The tensors that must take a new quantization together with `tensor` (it and the pass-through chains
    hanging off it), or [] when some consumer could not follow a change of scale."""
    out = [tensor]
    for op in sg.operators:
        if tensor not in list(op.inputs):
            continue
        name = op_name(model, op)
        if name in _PASS_THROUGH and list(op.inputs).index(tensor) == 0:
            chained = _retargetable(model, sg, int(op.outputs[0]), outputs_ok=False)
            if not chained:
                return []
            out += chained
        elif name not in _RESCALING_CONSUMERS:
            return []
    if not outputs_ok and tensor in list(sg.outputs):
        return []  # another model output would silently change its quantization
    return out


def _int8_range(t: TensorInfo) -> tuple[float, float]:
    s, z = t.scales[0], t.zero_points[0]
    return (-128 - z) * s, (127 - z) * s


def _covers(a: TensorInfo, b: TensorInfo, steps: float = ALIGN_TOLERANCE_STEPS) -> bool:
    """Whether input `a`'s int8 range holds output `b`'s, give or take `steps` of a's quantization step."""
    (a_lo, a_hi), (b_lo, b_hi) = _int8_range(a), _int8_range(b)
    slack = steps * a.scales[0]
    return b_lo >= a_lo - slack and b_hi <= a_hi + slack


def align_state_outputs(tflite: bytes, pairs: Sequence[StatePair]) -> tuple[bytes, list[str]]:
    """Gives each state output whose quantization differs from its input's the input's scale and zero point,
    where that is exact and loses nothing: the output comes from a requantizing op, everything reading it
    rescales (or passes bytes on to ops that do), and its calibrated range lies within the input's (within
    `ALIGN_TOLERANCE_STEPS` steps; a wider output would be clipped, and means the calibration never fed the
    state input the values its output produces). Returns the model and the names of the states it aligned;
    pairs it cannot align are left for `verify_state_pairs` to refuse."""
    inputs, outputs = model_tensors(tflite)
    _check_indices(pairs, len(inputs), len(outputs))
    model = model_object(tflite)
    sg = model.subgraphs[0]
    producers = {int(o): op for op in sg.operators for o in op.outputs}
    aligned = []
    for p in pairs:
        a, b = inputs[p.input_index], outputs[p.output_index]
        if _params(a) == _params(b) or (a.dtype, a.shape) != (b.dtype, b.shape) or len(a.scales) != 1:
            continue
        if len(b.scales) != 1 or not _covers(a, b):
            continue
        producer = producers.get(b.index)
        if producer is None or op_name(model, producer) not in _REQUANTIZING_PRODUCERS:
            continue
        tensors = _retargetable(model, sg, b.index, outputs_ok=True)
        for t in tensors:
            q = sg.tensors[t].quantization
            q.scale = np.array(a.scales, np.float32)
            q.zeroPoint = np.array(a.zero_points, np.int64)
        if tensors:
            aligned.append(p.name)
    if not aligned:
        return tflite, []
    return model_bytes(model), aligned


def verify_state_pairs(tflite: bytes, pairs: Sequence[StatePair]) -> None:
    """Raises StateQuantizationError naming each pair whose dtype, shape, scale or zero point differ."""
    inputs, outputs = model_tensors(tflite)
    _check_indices(pairs, len(inputs), len(outputs))
    problems = []
    for p in pairs:
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
            "state without requantizing; these pairs differ:\n  " + "\n  ".join(problems) + "\n(an output is given "
            "its input's quantization only when a requantizing op computes it and its calibrated range lies "
            "within the input's: calibrate on streamed data, whose state inputs are the outputs fed back)"
        )
