"""TF speech_commands' tiny_conv (the TFLM micro_speech model): one strided conv and a dense layer.

Its stride in time makes it a windowed model: the device runs it on the last second every few hops.
"""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.registry import register

DEFAULTS = {"filters": 8, "kernel": [10, 8], "strides": [2, 2], "dropout": 0.5}


@register("tiny_conv", DEFAULTS, streamable=False, description="TF micro_speech: conv 10x8/2 + dense")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    # Over one input channel a convolution is a depthwise convolution with depth_multiplier = filters: the same
    # weights and outputs, but it converts to DEPTHWISE_CONV_2D, as TFLM's micro_speech model has it, which the
    # runtime runs at ~4 instructions per MAC on a Cortex-M4 against ~7.5 for a one-channel CONV_2D.
    x = keras.layers.DepthwiseConv2D(
        tuple(p["kernel"]), strides=tuple(p["strides"]), padding="same", depth_multiplier=p["filters"],
        activation="relu", name="conv",
    )(x)  # fmt: skip
    x = keras.layers.Dropout(p["dropout"], name="conv_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return classifier(x, spec)
