"""MobileNet v1 and v2 (kws_streaming's mobilenet and mobilenet_v2) on the feature image. Both stride time, so
they are windowed models (the streaming converter refuses them, naming the strided layer)."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.kws_blocks import bn_relu, pointwise, separable
from hark.zoo.registry import register


def _stem(features: Any, p: dict[str, Any]) -> Any:
    x = keras.layers.Conv2D(p["first_filters"], (3, 3), strides=tuple(p["first_strides"]), padding="same",
                            use_bias=False, name="conv0")(as_image(features))  # fmt: skip
    return bn_relu(x, "conv0")


V1_DEFAULTS = {
    "first_filters": 32,
    "first_strides": [2, 2],
    "filters": [32, 64, 64, 128],
    "strides": [[1, 1], [2, 2], [1, 1], [2, 2]],
    "kernel": [3, 3],
    "dropout": 0.2,
}


@register("mobilenet", V1_DEFAULTS, streamable=False, description="MobileNet v1 (kws_streaming mobilenet)")
def build_v1(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = _stem(features, p)
    for i, (f, s) in enumerate(zip(p["filters"], p["strides"], strict=True)):
        x = separable(x, f, tuple(p["kernel"]), f"sep{i}", strides=tuple(s))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return classifier(x, spec, p["dropout"])


V2_DEFAULTS = {
    "first_filters": 16,
    "first_strides": [2, 2],
    "filters": [16, 24, 32, 48],
    "strides": [[1, 1], [2, 2], [2, 2], [1, 1]],
    "expansion": 4,
    "repeats": [1, 2, 2, 1],
    "dropout": 0.2,
}


def inverted_residual(x: Any, filters: int, expansion: int, strides: tuple[int, int], name: str) -> Any:
    """1x1 expand -> 3x3 depthwise (strided) -> 1x1 linear projection, plus identity when shapes allow."""
    y = bn_relu(pointwise(x, x.shape[-1] * expansion, f"{name}_expand"), f"{name}_expand")
    y = keras.layers.DepthwiseConv2D((3, 3), strides=strides, padding="same", use_bias=False, name=f"{name}_dw")(y)
    y = bn_relu(y, f"{name}_dw")
    y = bn_relu(pointwise(y, filters, f"{name}_project"), f"{name}_project", relu=False)
    if strides == (1, 1) and x.shape[-1] == filters:
        y = keras.layers.Add(name=f"{name}_add")([x, y])
    return y


@register("mobilenet_v2", V2_DEFAULTS, streamable=False, description="MobileNet v2 (kws_streaming mobilenet_v2)")
def build_v2(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = _stem(features, p)
    stages = zip(p["filters"], p["strides"], p["repeats"], strict=True)
    for i, (f, s, r) in enumerate(stages):
        for j in range(r):
            x = inverted_residual(x, f, p["expansion"], tuple(s) if j == 0 else (1, 1), f"ir{i}_{j}")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return classifier(x, spec, p["dropout"])
