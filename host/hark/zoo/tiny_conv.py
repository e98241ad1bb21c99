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
    x = keras.layers.Conv2D(
        p["filters"], tuple(p["kernel"]), strides=tuple(p["strides"]), padding="same", activation="relu", name="conv"
    )(x)
    x = keras.layers.Dropout(p["dropout"], name="conv_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return classifier(x, spec)
