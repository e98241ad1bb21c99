"""TENet (Li, Wei, Qin 2020, "Small-footprint keyword spotting with multi-scale temporal convolution"), the model
of MLTK's keyword_spotting_alexa: frequency as channels, a 3x1 temporal conv, then `stages` stages of
`blocks_per_stage` inverted bottleneck blocks (1x1 expand by `expansion`, depthwise temporal conv, 1x1 project,
residual add); the first block of each stage strides time by 2 with a strided 1x1 conv on the shortcut.

TENet12: 3 stages x 4 blocks; TENet6: 3 stages x 2 blocks. Striding in time makes it a windowed model, like
TC-ResNet (the streaming converter refuses it, naming the strided layer).
"""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register

DEFAULTS = {
    "channels": 32,
    "first_kernel": 3,
    "stages": 3,
    "blocks_per_stage": 4,
    "expansion": 3,
    "kernel": 9,
    "stage_stride": 2,
    "dropout": 0.0,
}


def _bn_relu(x: Any, name: str, relu: bool = True) -> Any:
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def inverted_bottleneck(x: Any, channels: int, expansion: int, kernel: int, stride: int, name: str) -> Any:
    """1x1 expand -> depthwise (kernel x 1, stride in time) -> 1x1 project, plus the (strided) shortcut."""
    y = keras.layers.Conv2D(channels * expansion, (1, 1), use_bias=False, name=f"{name}_expand")(x)
    y = _bn_relu(y, f"{name}_expand")
    dw = keras.layers.DepthwiseConv2D((kernel, 1), strides=(stride, 1), use_bias=False, name=f"{name}_dw")
    y = Stream(dw, pad_time="same", name=f"{name}_dw_stream")(y)
    y = _bn_relu(y, f"{name}_dw")
    y = keras.layers.Conv2D(channels, (1, 1), use_bias=False, name=f"{name}_project")(y)
    y = _bn_relu(y, f"{name}_project", relu=False)
    if stride != 1 or x.shape[-1] != channels:
        sc = keras.layers.Conv2D(channels, (1, 1), strides=(stride, 1), use_bias=False, name=f"{name}_shortcut")
        x = _bn_relu(Stream(sc, pad_time="same", name=f"{name}_shortcut_stream")(x), f"{name}_shortcut")
    x = keras.layers.Add(name=f"{name}_add")([x, y])
    return keras.layers.ReLU(name=f"{name}_relu")(x)


@register("tenet", DEFAULTS, streamable=False,
          description="TENet6/12 (MLTK keyword_spotting_alexa): inverted bottlenecks with temporal depthwise convs")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = keras.layers.Reshape((-1, 1, features.shape[-1]), name="freq_as_channels")(features)
    conv = keras.layers.Conv2D(p["channels"], (p["first_kernel"], 1), use_bias=False, name="conv0")
    x = _bn_relu(Stream(conv, pad_time="same", name="conv0_stream")(x), "conv0")
    for s in range(p["stages"]):
        for b in range(p["blocks_per_stage"]):
            stride = p["stage_stride"] if b == 0 else 1
            x = inverted_bottleneck(x, p["channels"], p["expansion"], p["kernel"], stride, f"s{s}b{b}")
    x = Stream(keras.layers.GlobalAveragePooling2D(name="pool"), name="pool_stream")(x)
    return classifier(x, spec, p["dropout"])
