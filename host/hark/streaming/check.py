"""Can a model run one frame per call? Every layer must be per-frame, or a streaming-aware hark layer."""

from __future__ import annotations

import keras

from hark.layers.frames import LastFrame
from hark.layers.modes import NotStreamableError
from hark.layers.spectral import LogFloor
from hark.layers.stateful import StatefulLayer
from hark.layers.stream import _CONVS, _POOLS, _REDUCERS, _pair

# Layers that act on each frame alone (their weights never mix frames).
_PER_FRAME = (
    keras.layers.InputLayer,
    keras.layers.Dense,
    keras.layers.EinsumDense,
    keras.layers.BatchNormalization,
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.PReLU,
    keras.layers.Softmax,
    keras.layers.Dropout,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
    keras.layers.GaussianNoise,
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Average,
    keras.layers.Identity,
    LogFloor,
)


def _is_time_axis(axis: int | list[int], shape: tuple[int | None, ...]) -> bool:
    """Axis 1 of a rank >= 3 tensor is time; rank-2 tensors come after a reducer and have no time axis."""
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return len(shape) >= 3 and any(a % len(shape) == 1 for a in axes)


def why_not_streamable(layer: keras.layers.Layer) -> str | None:
    """None if the layer streams one frame per call, else the reason (without the layer's name)."""
    if isinstance(layer, StatefulLayer):
        try:
            check = getattr(layer, "check_streamable", None)
            if check is not None:
                check()
        except NotStreamableError as err:
            return str(err)
        return None
    if isinstance(layer, (LastFrame, *_PER_FRAME)):
        if isinstance(layer, keras.layers.BatchNormalization) and _is_time_axis(layer.axis, layer.input.shape):
            return "it normalizes along time (axis 1)"
        return None
    if isinstance(layer, keras.layers.Bidirectional) or getattr(layer, "reads_future_frames", False):
        return "a bidirectional RNN reads future frames, so it cannot run one frame per call"
    if isinstance(layer, keras.layers.RNN):
        return (
            f"a Keras {type(layer).__name__} keeps no state between calls; use hark.layers.GRU or hark.layers.LSTM, "
            "which stream"
        )
    if isinstance(layer, _CONVS):
        k, s = _pair(layer.kernel_size, 0), _pair(layer.strides, 0)
        if s != 1:
            return f"stride {s} in time; a layer run once per frame must have stride 1 along time (axis 1)"
        if k != 1:
            return f"kernel {k} in time without a ring buffer; wrap it in hark.layers.Stream"
        return None
    if isinstance(layer, _POOLS):
        k, s = _pair(layer.pool_size, 0), _pair(layer.strides, 0)
        if s != 1:
            return f"pooling in time with stride {s} drops frames, so it cannot run one frame per call"
        if k != 1:
            return f"pools {k} frames without a ring buffer; wrap it in hark.layers.Stream"
        return None
    if isinstance(layer, _REDUCERS):
        return "it mixes all frames of the window; wrap it in hark.layers.Stream so it keeps a ring buffer"
    if isinstance(layer, keras.layers.Reshape):
        if layer.target_shape[0] != -1:
            return f"Reshape to {tuple(layer.target_shape)} fixes the frame count; use -1 for the time axis"
        return None
    if isinstance(layer, keras.layers.Concatenate):
        if _is_time_axis(layer.axis, layer.output.shape):
            return "it concatenates along time"
        return None
    return f"{type(layer).__name__} is not known to act on each frame alone"


def check_streamable(model: keras.Model) -> None:
    """Raises NotStreamableError naming the first layer that cannot stream, and why."""
    for layer in model.layers:
        reason = why_not_streamable(layer)
        if reason is not None:
            if f"'{layer.name}'" in reason:
                raise NotStreamableError(f"model '{model.name}': {reason}")
            raise NotStreamableError(
                f"model '{model.name}': layer '{layer.name}' ({type(layer).__name__}) cannot stream: {reason}"
            )
