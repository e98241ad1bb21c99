"""Automatic conversion of a trained model into non-streaming and streaming inference models.

The graph is re-run layer by layer with every streaming-aware layer cloned into the new mode, then the weights
are copied by layer name. With external state, each state tensor becomes a named input `state_in_NN_<layer>` and
its next value a named output `state_out_NN_<layer>` (NN counts state tensors from the input side), next to
`features` and `probabilities`. Inputs and outputs are dicts, so their order sorts by name: `features` first,
then the states in pair order; `probabilities` first, then the next states in the same order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from hark.layers.frames import LastFrame
from hark.layers.modes import Modes, NotStreamableError
from hark.layers.stateful import StatefulLayer, is_state_variable
from hark.streaming.check import check_streamable

FEATURES = "features"
PROBABILITIES = "probabilities"
STATE_IN = "state_in_"
STATE_OUT = "state_out_"
_MERGES = (
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Average,
    keras.layers.Concatenate,
)


def _functional(model: keras.Model) -> keras.Model:
    if isinstance(model, keras.Sequential):
        model.build(model.inputs[0].shape if model.inputs else None)
        return model._functional  # Keras 3 keeps the Sequential's graph here
    return model


def _clone_layer(layer: keras.layers.Layer, mode: Modes, batch_size: int) -> keras.layers.Layer:
    config = layer.get_config()
    if isinstance(layer, (StatefulLayer, LastFrame)):
        config["mode"] = mode.value
        if isinstance(layer, StatefulLayer):
            config["batch_size"] = batch_size
    return type(layer).from_config(config)


def _copy_weights(source: keras.Model, target: keras.Model) -> None:
    by_name = {layer.name: layer for layer in source.layers}
    for layer in target.layers:
        old = by_name.get(layer.name)
        new_weights = [w for w in layer.weights if not is_state_variable(layer, w)]
        if old is None:
            if new_weights:
                raise ValueError(f"layer '{layer.name}' of the converted model has no counterpart to copy from")
            continue
        old_weights = [w for w in old.weights if not is_state_variable(old, w)]
        if len(old_weights) != len(new_weights):
            raise ValueError(
                f"layer '{layer.name}': {len(old_weights)} weights in the source, {len(new_weights)} after conversion"
            )
        for src, dst in zip(old_weights, new_weights, strict=True):
            if tuple(src.shape) != tuple(dst.shape):
                raise ValueError(f"layer '{layer.name}': weight {dst.path} is {dst.shape}, source is {src.shape}")
            dst.assign(src.value)


def convert(
    model: keras.Model,
    mode: str | Modes,
    *,
    batch_size: int = 1,
    frames_per_call: int = 1,
    frames: int | None = None,
) -> keras.Model:
    """A new model computing `model` in `mode`, with the same weights.

    Whole-window modes keep the input shape; streaming modes take `[batch_size, frames_per_call, channels...]`;
    SEQUENCE_INFERENCE takes `[batch, frames, channels...]` and gives one output per frame.
    """
    mode = Modes.parse(mode)
    graph = _functional(model)
    if len(graph.inputs) != 1:
        raise ValueError(f"model '{model.name}' has {len(graph.inputs)} inputs; conversion expects one features input")
    feature_shape = tuple(graph.inputs[0].shape[2:])
    if mode.is_streaming or mode is Modes.SEQUENCE_INFERENCE:
        check_streamable(graph)
    if mode.is_streaming:
        if frames_per_call != 1:
            raise ValueError("streaming models here consume one frame per call (frames_per_call=1)")
        features = keras.Input(batch_shape=(batch_size, frames_per_call, *feature_shape), name=FEATURES)
    elif mode is Modes.SEQUENCE_INFERENCE:
        if not frames or frames < 1:
            raise ValueError("the sequence oracle needs the input length: convert(..., frames=N)")
        features = keras.Input(shape=(frames, *feature_shape), name=FEATURES)
    else:
        features = keras.Input(shape=tuple(graph.inputs[0].shape[1:]), name=FEATURES)

    state_inputs: dict[str, Any] = {}
    state_outputs: dict[str, Any] = {}
    # How many frames each streamed tensor lags its non-streaming counterpart ('same' padding looks ahead).
    delays: dict[int, int] = {id(features): 0}

    def operation_fn(layer: keras.layers.Layer) -> keras.layers.Layer:
        return _clone_layer(layer, mode, batch_size)

    def call_fn(layer: keras.layers.Layer, *args: Any, **kwargs: Any) -> Any:
        lags = [delays.get(id(t), 0) for t in keras.tree.flatten((args, kwargs)) if isinstance(t, keras.KerasTensor)]
        if mode.is_streaming and isinstance(layer, _MERGES) and len(set(lags)) > 1:
            raise NotStreamableError(
                f"model '{model.name}': layer '{layer.name}' ({type(layer).__name__}) cannot stream: it merges "
                f"branches that lag by {sorted(set(lags))} frames (non-causal 'same' padding upstream); pad "
                "causally or put a hark.layers.Delay on the branch that lags less"
            )
        lag = max(lags, default=0) + (int(getattr(layer, "delay_frames", 0)) if mode.is_streaming else 0)
        y = _call(layer, args, kwargs)
        for t in keras.tree.flatten(y):
            delays[id(t)] = lag
        return y

    def _call(layer: keras.layers.Layer, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if mode is not Modes.STREAM_EXTERNAL_STATE_INFERENCE or not isinstance(layer, StatefulLayer):
            return layer(*args, **kwargs)
        x = args[0]
        shapes = layer.state_shapes(tuple(x.shape))
        states = []
        for shape in shapes:
            key = f"{len(state_inputs):02d}_{layer.name}"
            state = keras.Input(batch_shape=shape, name=STATE_IN + key)
            state_inputs[STATE_IN + key] = state
            states.append(state)
        y, new_states = layer(x, states=states)
        first = len(state_inputs) - len(shapes)
        for i, new_state in enumerate(new_states):
            key = f"{first + i:02d}_{layer.name}"
            state_outputs[STATE_OUT + key] = keras.layers.Identity(name=STATE_OUT + key)(new_state)
        return y

    outputs = graph._run_through_graph(features, operation_fn=operation_fn, call_fn=call_fn)
    out = outputs[0] if isinstance(outputs, (list, tuple)) and len(outputs) == 1 else outputs
    name = f"{model.name}_{mode.value}"
    if mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
        new = keras.Model(
            inputs={FEATURES: features, **state_inputs},
            outputs={PROBABILITIES: out, **state_outputs},
            name=name,
        )
    else:
        new = keras.Model(inputs=features, outputs=out, name=name)
    _copy_weights(graph, new)
    new.stream_delay_frames = delays.get(id(out), 0) if not isinstance(out, dict) else 0
    return new


def state_pairs(model: keras.Model) -> list[tuple[str, str]]:
    """(input name, output name) of every streaming state, in I/O order, for an external-state model."""
    names = sorted(t.name for t in model.inputs if t.name.startswith(STATE_IN))
    return [(n, STATE_OUT + n[len(STATE_IN) :]) for n in names]


def initial_states(model: keras.Model) -> dict[str, np.ndarray]:
    """Zero state tensors for a fresh stream of an external-state model."""
    return {t.name: np.zeros(tuple(t.shape), dtype="float32") for t in model.inputs if t.name.startswith(STATE_IN)}


def load_weights_into(model: keras.Model, weights: str | Path | list[np.ndarray] | keras.Model) -> None:
    if isinstance(weights, keras.Model):
        _copy_weights(weights, model)
    elif isinstance(weights, (str, Path)):
        model.load_weights(str(weights))
    else:
        model.set_weights(list(weights))
