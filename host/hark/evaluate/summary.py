"""A model's shape at a glance (`hark summarize`): per-layer output shapes and parameters, and MACs and operators
per call of the window model and its streaming form, counted on the float TFLite graph (`hark.format.tflite`, the
one MAC counter)."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from hark.export.device_model import inference_model
from hark.export.quantize import convert
from hark.format.tflite import ModelInfo, model_info
from hark.layers.modes import NotStreamableError
from hark.layers.stateful import is_state_variable
from hark.spec import ModelSpec
from hark.streaming import state_pairs
from hark.train import inputs


def float_graph_info(model: keras.Model) -> ModelInfo:
    """Ops and MACs per call of a Keras model, as its float TFLite graph runs them."""
    return model_info(convert(model, "float"))


def state_elements(model: keras.Model) -> int:
    """Numbers a streaming model keeps between calls: state inputs (external) or state variables (internal)."""
    external = sum(math.prod(int(d) for d in t.shape if d is not None) for t in model.inputs
                   if t.name in {a for a, _ in state_pairs(model)})  # fmt: skip
    internal = sum(math.prod(w.shape) for layer in model.layers for w in layer.weights if is_state_variable(layer, w))
    return int(external + internal)


def _shape(layer: keras.layers.Layer) -> str:
    try:
        out = layer.output
    except (AttributeError, ValueError):
        return "?"
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return ", ".join(str(tuple(t.shape)) for t in out)
    return str(tuple(out.shape))


def summarize(spec: ModelSpec, model: keras.Model | None = None) -> dict[str, Any]:
    """Layers, parameter count and MACs per call of the window model and (if it streams) the streaming one."""
    model = model or inputs.build_model(spec, "training")
    layers = [
        {"name": layer.name, "type": type(layer).__name__, "output_shape": _shape(layer),
         "params": int(sum(np.prod(w.shape) for w in layer.weights))}
        for layer in model.layers
    ]
    window = float_graph_info(inference_model(model, "window"))
    out: dict[str, Any] = {
        "model": spec.name,
        "architecture": spec.architecture.name,
        "params": int(model.count_params()),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "layers": layers,
        "window": {"frames_per_call": spec.frontend.num_frames, "macs_per_call": window.macs,
                   "ops": window.op_counts},
    }  # fmt: skip
    try:
        stream_model = inference_model(model, "stream_external")
    except NotStreamableError as err:  # names the layer and the reason
        out["stream"] = {"error": str(err)}
        return out
    stream = float_graph_info(stream_model)
    out["stream"] = {
        "frames_per_call": 1,
        "macs_per_call": stream.macs,
        "ops": stream.op_counts,
        "state_tensors": len(state_pairs(stream_model)),
        "state_elements": state_elements(stream_model),
        "mac_ratio_window_over_call": round(window.macs / max(stream.macs, 1), 2),
    }
    return out


def format_summary(s: dict[str, Any]) -> str:
    lines = [f"{s['model']} ({s['architecture']}): {s['params']:,} params ({s['trainable_params']:,} trainable)"]
    width = max(len(layer["name"]) for layer in s["layers"])
    for layer in s["layers"]:
        lines.append(
            f"  {layer['name']:<{width}}  {layer['type']:<22} {layer['output_shape']:<24} {layer['params']:>9,}"
        )
    lines.append(f"window model: {s['window']['macs_per_call']:,} MACs per call, ops {s['window']['ops']}")
    st = s["stream"]
    if "error" in st:
        lines.append(f"streaming: not streamable: {st['error']}")
    else:
        lines.append(f"streaming model: {st['macs_per_call']:,} MACs per 1-frame call "
                     f"({st['mac_ratio_window_over_call']}x fewer), ops {st['ops']}, "
                     f"{st['state_elements']:,} state elements")
    return "\n".join(lines) + "\n"
