"""Parameters, multiply-accumulates and output shapes per layer of a Keras model, for one call.

MACs count the multiplies of convolutions, dense layers and RNN cells for one invocation (batch 1): a whole
window for a non-streaming model, one frame for a streaming one. Batch normalization is counted as zero MACs
(it folds into the preceding layer on export); pooling, activations and additions are counted separately as
element operations.
"""

from __future__ import annotations

import math
from typing import Any

import keras

from hark.layers.rnn import GRU, LSTM
from hark.layers.stateful import is_state_variable
from hark.layers.stream import Stream

_FREE = (
    keras.layers.InputLayer,
    keras.layers.Dropout,
    keras.layers.Reshape,
    keras.layers.Identity,
    keras.layers.Flatten,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
)


def _first(t: Any) -> Any:
    while isinstance(t, (list, tuple, dict)):
        t = list(t.values())[0] if isinstance(t, dict) else t[0]
    return t


def _shape(t: Any) -> Any:
    if isinstance(t, dict):
        return {k: _shape(v) for k, v in t.items()}
    if isinstance(t, (list, tuple)):
        return [_shape(v) for v in t]
    return [None if d is None else int(d) for d in t.shape]


def _elems(shape: Any) -> int:
    return math.prod(int(d) for d in shape[1:] if d is not None)


def _cell_cost(layer: keras.layers.Layer, in_shape: list[Any], out_shape: list[Any]) -> tuple[int, int]:
    """(MACs, element ops) of one layer for input/output shapes with a batch of 1."""
    out = _elems(out_shape)
    if isinstance(layer, (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)):
        k = layer.kernel.shape
        return out * math.prod(k[:-2]), 0
    if isinstance(layer, (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)):
        dk, pk = layer.depthwise_kernel.shape, layer.pointwise_kernel.shape
        depth_out = out // pk[-1] * pk[-2]
        return depth_out * math.prod(dk[:-2]) + out * pk[-2], 0
    if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D)):
        k = layer.kernel.shape
        return out * math.prod(k[:-1]), 0
    if isinstance(layer, (keras.layers.Dense, keras.layers.EinsumDense)):
        return out * layer.kernel.shape[0], 0
    if isinstance(layer, (GRU, LSTM)):
        gates = 3 if isinstance(layer, GRU) else 4
        steps = in_shape[1] or 1
        return steps * gates * layer.units * (in_shape[-1] + layer.units), steps * gates * layer.units
    if isinstance(layer, (keras.layers.RNN,)):
        cell = layer.cell
        gates = 4 if isinstance(cell, keras.layers.LSTMCell) else 3 if isinstance(cell, keras.layers.GRUCell) else 1
        steps = in_shape[1] or 1
        return steps * gates * cell.units * (in_shape[-1] + cell.units), steps * gates * cell.units
    if isinstance(layer, _FREE):
        return 0, 0
    if isinstance(layer, keras.layers.BatchNormalization):
        return 0, 0
    # pooling (reads every input once), activations, additions, softmax: element operations
    return 0, max(_elems(in_shape), out)


def _layer_io(layer: keras.layers.Layer) -> tuple[Any, Any]:
    node = layer._inbound_nodes[0]
    ins = [t for t in node.input_tensors]
    outs = node.outputs
    return ins, outs


def summarize(model: keras.Model) -> dict[str, Any]:
    """{"params", "trainable_params", "state_elements", "macs", "element_ops", "layers": [...]} for one call."""
    rows = []
    total_macs = total_elem = 0
    state_elements = 0
    for layer in model.layers:
        ins, outs = _layer_io(layer)
        in_shape = _shape(_first(ins)) if ins else None
        out_shape = _shape(_first(outs))
        if isinstance(layer, Stream):
            cell_in = list(in_shape)
            if cell_in[1] is not None:
                cell_in[1] = cell_in[1] + (layer.ring_frames if layer.mode.is_streaming else 0)
            macs, elem = _cell_cost(layer.cell, cell_in, out_shape)
        elif isinstance(layer, keras.layers.InputLayer):
            macs, elem = 0, 0
        else:
            macs, elem = _cell_cost(layer, in_shape or out_shape, out_shape)
        weights = [w for w in layer.weights if not is_state_variable(layer, w)]
        states = [w for w in layer.weights if is_state_variable(layer, w)]
        state_elements += sum(math.prod(w.shape) for w in states)
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__ + (f"({type(layer.cell).__name__})" if isinstance(layer, Stream) else ""),
                "output_shape": _shape(outs[0]) if len(outs) == 1 else [_shape(o) for o in outs],
                "params": int(sum(math.prod(w.shape) for w in weights)),
                "macs": int(macs),
                "element_ops": int(elem),
            }
        )
        total_macs += macs
        total_elem += elem
    state_inputs = [t for t in model.inputs if t.name.startswith("state_in_")]
    state_elements += sum(_elems(t.shape) * (t.shape[0] or 1) for t in state_inputs)
    params = [w for layer in model.layers for w in layer.weights if not is_state_variable(layer, w)]
    return {
        "name": model.name,
        "params": int(sum(math.prod(w.shape) for w in params)),
        "trainable_params": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "state_elements": int(state_elements),
        "macs": int(total_macs),
        "element_ops": int(total_elem),
        "compute_layers": sum(1 for r in rows if r["macs"] or r["element_ops"]),
        "layers": rows,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """A fixed-width text table of a `summarize` result."""
    lines = [f"{'layer':<28} {'type':<34} {'output shape':<24} {'params':>9} {'MACs':>11}"]
    for r in summary["layers"]:
        shape = str(r["output_shape"]).replace(" ", "")
        lines.append(f"{r['name']:<28} {r['type']:<34} {shape:<24} {r['params']:>9,} {r['macs']:>11,}")
    lines.append(
        f"total: {summary['params']:,} params ({summary['trainable_params']:,} trainable), "
        f"{summary['macs']:,} MACs and {summary['element_ops']:,} element ops per call, "
        f"{summary['state_elements']:,} streaming state elements"
    )
    return "\n".join(lines)
