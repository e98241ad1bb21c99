"""TC-ResNet (Choi et al. 2019): 1-D temporal convs with frequency as channels, in residual blocks.

TC-ResNet8 strides time by 2 in every block, which makes it a windowed model; `block_strides: [1, 1, 1]` with
causal padding gives a streaming variant (dilate instead to keep the receptive field).
"""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register

DEFAULTS = {
    "first_filters": 16,
    "first_kernel": 3,
    "filters": [24, 32, 48],
    "kernel": 9,
    "block_strides": [2, 2, 2],
    "block_dilations": [1, 1, 1],
    "time_padding": "causal",
    "width": 1.0,
    "dropout": 0.5,
}


def _conv(x: Any, filters: int, kernel: int, stride: int, dilation: int, padding: str, name: str) -> Any:
    conv = keras.layers.Conv2D(
        filters, (kernel, 1), strides=(stride, 1), dilation_rate=(dilation, 1), use_bias=False, name=name
    )
    if kernel == 1:
        return conv(x)
    return Stream(conv, pad_time=padding, name=f"{name}_stream")(x)


@register("tc_resnet", DEFAULTS, streamable=False, description="TC-ResNet8: temporal residual blocks")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    pad = p["time_padding"]
    x = keras.layers.Reshape((-1, 1, features.shape[-1]), name="freq_as_channels")(features)
    x = _conv(x, int(p["first_filters"] * p["width"]), p["first_kernel"], 1, 1, pad, "conv0")
    for i, (f, s, d) in enumerate(zip(p["filters"], p["block_strides"], p["block_dilations"], strict=True)):
        f = int(f * p["width"])
        y = _conv(x, f, p["kernel"], s, d, pad, f"block{i}_conv1")
        y = keras.layers.BatchNormalization(name=f"block{i}_bn1")(y)
        y = keras.layers.ReLU(name=f"block{i}_relu1")(y)
        y = _conv(y, f, p["kernel"], 1, d, pad, f"block{i}_conv2")
        y = keras.layers.BatchNormalization(name=f"block{i}_bn2")(y)
        if s != 1 or x.shape[-1] != f:
            x = _conv(x, f, 1, s, 1, pad, f"block{i}_shortcut")
            x = keras.layers.BatchNormalization(name=f"block{i}_shortcut_bn")(x)
            x = keras.layers.ReLU(name=f"block{i}_shortcut_relu")(x)
        x = keras.layers.Add(name=f"block{i}_add")([x, y])
        x = keras.layers.ReLU(name=f"block{i}_relu")(x)
    x = Stream(keras.layers.GlobalAveragePooling2D(name="pool"), name="pool_stream")(x)
    return classifier(x, spec, p["dropout"])
