"""BC-ResNet (Kim et al. 2021; kws_streaming's bc_resnet): broadcasted residual learning. Each block runs a
frequency-wise depthwise conv (f2) with a frequency-and-channel norm, averages over frequency, runs a causal,
dilated temporal depthwise conv and a pointwise conv on that 1-D signal (f1), and adds it back broadcast over
every frequency. Time is never strided, so it streams.

SubSpectralNorm is here a plain per-channel BatchNormalization (one sub-band): Keras 3 normalizes one axis only.
"""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.kws_blocks import bn_relu, pointwise, time_depthwise
from hark.zoo.registry import register

DEFAULTS = {
    "first_filters": 16,
    "channels": [8, 12, 16, 20],
    "blocks": [2, 2, 4, 4],
    "dilations": [1, 2, 4, 8],
    "freq_strides": [1, 2, 2, 1],
    "width": 1.0,
    "time_padding": "causal",
    "dropout": 0.1,
}


def _block(x: Any, channels: int, dilation: int, freq_stride: int, transition: bool, p: dict[str, Any],
           name: str) -> Any:  # fmt: skip
    if transition:
        x = bn_relu(pointwise(x, channels, f"{name}_in"), f"{name}_in")
    f2 = keras.layers.DepthwiseConv2D((1, 3), strides=(1, freq_stride), padding="same", use_bias=False,
                                      name=f"{name}_f2")(x)  # fmt: skip
    f2 = keras.layers.BatchNormalization(name=f"{name}_ssn")(f2)
    y = keras.layers.AveragePooling2D((1, f2.shape[2]), name=f"{name}_freq_mean")(f2)
    y = time_depthwise(y, 3, f"{name}_f1", dilation=dilation, padding=p["time_padding"])
    y = keras.layers.BatchNormalization(name=f"{name}_f1_bn")(y)
    y = keras.layers.Activation("swish", name=f"{name}_f1_swish")(y)
    y = pointwise(y, channels, f"{name}_f1_pw")
    if p["dropout"]:
        y = keras.layers.SpatialDropout2D(p["dropout"], name=f"{name}_dropout")(y)
    parts = [f2, y] if transition else [x, f2, y]
    return keras.layers.ReLU(name=f"{name}_relu")(keras.layers.Add(name=f"{name}_add")(parts))


@register("bc_resnet", DEFAULTS, streamable=True,
          description="BC-ResNet (kws_streaming bc_resnet): broadcasted residuals, causal dilated time convs")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    first = keras.layers.Conv2D(int(p["first_filters"] * p["width"]), (5, 5), strides=(1, 2), use_bias=False,
                                name="conv0")  # fmt: skip
    x = bn_relu(Stream(first, pad_time=p["time_padding"], pad_freq="same", name="conv0_stream")(x), "conv0")
    for s, (c, n, d, fs) in enumerate(zip(p["channels"], p["blocks"], p["dilations"], p["freq_strides"], strict=True)):
        c = int(c * p["width"])
        for b in range(n):
            x = _block(x, c, d, fs if b == 0 else 1, transition=b == 0, p=p, name=f"s{s}b{b}")
    head = keras.layers.DepthwiseConv2D((5, 5), use_bias=False, name="head_dw")
    x = Stream(head, pad_time=p["time_padding"], pad_freq="valid", name="head_dw_stream")(x)
    x = bn_relu(pointwise(x, int(2 * p["channels"][-1] * p["width"]), "head_pw"), "head_pw")
    x = Stream(keras.layers.GlobalAveragePooling2D(name="pool"), name="pool_stream")(x)
    return classifier(x, spec)
