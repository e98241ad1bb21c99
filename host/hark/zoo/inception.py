"""Inception and Inception-ResNet (kws_streaming's inception and inception_resnet): blocks of parallel branches
(1x1; 1x1 -> k x 1 in time; 1x1 -> k x 1 -> 1 x k; 3x3 max pool -> 1x1) concatenated, strided max pooling between
stages; Inception-ResNet adds the block's 1x1-projected concatenation to its input, scaled. Pooling in time makes
both windowed models."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.kws_blocks import bn_relu
from hark.zoo.registry import register

DEFAULTS = {"first_filters": 24, "filters": [16, 24, 32], "kernel": 5, "pool_strides": [2, 2], "dropout": 0.2}
RESNET_DEFAULTS = {**DEFAULTS, "scale": 0.2}


def _conv(x: Any, filters: int, kernel: tuple[int, int], name: str) -> Any:
    return bn_relu(keras.layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=name)(x), name)


def inception_block(x: Any, filters: int, kernel: int, name: str) -> Any:
    b1 = _conv(x, filters, (1, 1), f"{name}_b1")
    b2 = _conv(_conv(x, filters, (1, 1), f"{name}_b2a"), filters, (kernel, 1), f"{name}_b2b")
    b3 = _conv(_conv(_conv(x, filters, (1, 1), f"{name}_b3a"), filters, (kernel, 1), f"{name}_b3b"), filters,
               (1, kernel), f"{name}_b3c")  # fmt: skip
    b4 = keras.layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same", name=f"{name}_b4_pool")(x)
    b4 = _conv(b4, filters, (1, 1), f"{name}_b4")
    return keras.layers.Concatenate(name=f"{name}_concat")([b1, b2, b3, b4])


def _pool(x: Any, p: dict[str, Any], i: int) -> Any:
    return keras.layers.MaxPooling2D((3, 3), strides=tuple(p["pool_strides"]), padding="same", name=f"pool{i + 1}")(x)


def _stem(features: Any, p: dict[str, Any]) -> Any:
    """A 3x3 conv and a strided pool: the blocks' wide concatenations then fit a microcontroller's RAM."""
    return _pool(_conv(as_image(features), p["first_filters"], (3, 3), "conv0"), p, -1)


@register("inception", DEFAULTS, streamable=False, description="Inception (kws_streaming inception)")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = _stem(features, p)
    for i, f in enumerate(p["filters"]):
        x = _pool(inception_block(x, f, p["kernel"], f"inc{i}"), p, i)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return classifier(x, spec, p["dropout"])


@register("inception_resnet", RESNET_DEFAULTS, streamable=False,
          description="Inception-ResNet (kws_streaming inception_resnet)")
def build_resnet(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = _stem(features, p)
    for i, f in enumerate(p["filters"]):
        y = inception_block(x, f, p["kernel"], f"inc{i}")
        y = keras.layers.Conv2D(x.shape[-1], (1, 1), name=f"inc{i}_up")(y)
        y = keras.layers.Rescaling(p["scale"], name=f"inc{i}_scale")(y)
        x = keras.layers.ReLU(name=f"inc{i}_relu")(keras.layers.Add(name=f"inc{i}_add")([x, y]))
        x = _pool(x, p, i)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return classifier(x, spec, p["dropout"])
