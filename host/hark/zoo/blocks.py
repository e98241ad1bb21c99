"""Building blocks shared by the zoo's families (time on axis 1, streaming-aware where time mixes)."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec


def classifier(x: Any, spec: ModelSpec, dropout: float = 0.0) -> Any:
    """Dropout, then a Dense layer over the labels and a softmax named `probabilities`."""
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    x = keras.layers.Dense(len(spec.labels), name="logits")(x)
    return keras.layers.Softmax(name="probabilities")(x)


def as_image(x: Any) -> Any:
    """[batch, frames, channels] -> [batch, frames, channels, 1], keeping the frame count free."""
    return keras.layers.Reshape((-1, x.shape[-1], 1), name="to_image")(x)


def conv_bn_relu(
    x: Any,
    filters: int,
    kernel: tuple[int, int],
    strides: tuple[int, int],
    name: str,
    *,
    time_padding: str = "causal",
    dilation: tuple[int, int] = (1, 1),
    batch_norm: bool = True,
) -> Any:
    """A 2-D conv wrapped in Stream (causal in time, 'same' in frequency), then BN and ReLU."""
    conv = keras.layers.Conv2D(
        filters,
        tuple(kernel),
        strides=tuple(strides),
        dilation_rate=tuple(dilation),
        padding="valid",
        use_bias=not batch_norm,
        name=f"{name}_conv",
    )
    x = Stream(conv, pad_time=time_padding, pad_freq="same", name=f"{name}_stream")(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)
