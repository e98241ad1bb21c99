"""A model's shape at a glance: per-layer output shapes and parameters, and MACs per call in every form."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hark.export.device_model import inference_model
from hark.export.quantize import convert
from hark.format.tflite import model_info
from hark.spec import ModelSpec
from hark.train import inputs


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
    window = model_info(convert(inference_model(model, "window"), "float"))
    out: dict[str, Any] = {
        "model": spec.name,
        "architecture": spec.architecture.name,
        "params": int(model.count_params()),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "layers": layers,
        "window": {"macs_per_call": window.macs, "ops": window.op_counts},
    }
    try:
        stream = model_info(convert(inference_model(model, "stream_external"), "float"))
    except ValueError as err:  # not streamable: the zoo names the layer and the reason
        out["stream"] = {"error": str(err)}
    else:
        out["stream"] = {
            "macs_per_call": stream.macs,
            "ops": stream.op_counts,
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
                     f"({st['mac_ratio_window_over_call']}x fewer), ops {st['ops']}")
    return "\n".join(lines) + "\n"
