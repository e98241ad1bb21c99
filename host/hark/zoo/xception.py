"""Xception (kws_streaming's xception): separable convs in residual blocks whose main path ends in a strided max
pool and whose shortcut is a strided 1x1 conv. Pooling in time makes it a windowed model."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.kws_blocks import bn_relu, separable
from hark.zoo.registry import register

DEFAULTS = {"first_filters": 16, "filters": [32, 64, 64], "kernel": [3, 3], "pool_strides": [2, 2], "dropout": 0.2}


@register("xception", DEFAULTS, streamable=False, description="Xception (kws_streaming xception)")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    x = bn_relu(keras.layers.Conv2D(p["first_filters"], (3, 3), padding="same", use_bias=False, name="conv0")(x),
                "conv0")  # fmt: skip
    strides = tuple(p["pool_strides"])
    for i, f in enumerate(p["filters"]):
        y = separable(x, f, tuple(p["kernel"]), f"b{i}_sep1")
        y = separable(y, f, tuple(p["kernel"]), f"b{i}_sep2")
        y = keras.layers.MaxPooling2D((3, 3), strides=strides, padding="same", name=f"b{i}_pool")(y)
        shortcut = keras.layers.Conv2D(f, (1, 1), strides=strides, padding="same", use_bias=False,
                                       name=f"b{i}_shortcut")(x)  # fmt: skip
        shortcut = keras.layers.BatchNormalization(name=f"b{i}_shortcut_bn")(shortcut)
        x = keras.layers.Add(name=f"b{i}_add")([y, shortcut])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return classifier(x, spec, p["dropout"])
