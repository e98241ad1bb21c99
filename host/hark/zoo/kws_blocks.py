"""Layers shared by the kws_streaming families added for issue 14 (time on axis 1, frequency on axis 2)."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream


def bn_relu(x: Any, name: str, relu: bool = True) -> Any:
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def time_depthwise(x: Any, kernel: int, name: str, *, dilation: int = 1, stride: int = 1,
                   padding: str = "causal") -> Any:  # fmt: skip
    """A depthwise conv along time only (kernel x 1), wrapped in Stream so it streams (or is refused by name)."""
    dw = keras.layers.DepthwiseConv2D((kernel, 1), strides=(stride, 1), dilation_rate=(dilation, 1), use_bias=False,
                                      name=name)  # fmt: skip
    return Stream(dw, pad_time=padding, name=f"{name}_stream")(x)


def pointwise(x: Any, filters: int, name: str, *, bias: bool = False) -> Any:
    return keras.layers.Conv2D(filters, (1, 1), use_bias=bias, name=name)(x)


def global_pool(x: Any) -> Any:
    """Mean over time and frequency, streaming as a full-window reducer."""
    return Stream(keras.layers.GlobalAveragePooling2D(name="pool"), name="pool_stream")(x)


def separable(x: Any, filters: int, kernel: tuple[int, int], name: str, *, strides: tuple[int, int] = (1, 1)) -> Any:
    """Depthwise (kernel) then pointwise conv, 'same' padding: a windowed model's separable conv."""
    x = keras.layers.DepthwiseConv2D(kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = bn_relu(x, f"{name}_dw")
    return bn_relu(pointwise(x, filters, f"{name}_pw"), f"{name}_pw")
