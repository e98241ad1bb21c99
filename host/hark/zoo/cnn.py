"""CNN (kws_streaming's cnn): causal 2-D convs striding frequency only, the window flattened, dense layers."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier, conv_bn_relu
from hark.zoo.registry import register

DEFAULTS = {
    "filters": [16, 32, 16],
    "kernels": [[3, 3], [5, 3], [5, 3]],
    "strides": [[1, 2], [1, 2], [1, 2]],
    "dilations": [[1, 1], [1, 1], [1, 1]],
    "time_padding": "causal",
    "units": [64],
    "dropout": 0.2,
}


@register("cnn", DEFAULTS, streamable=True, description="causal conv stack, flatten over the window, dense")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    if not len(p["filters"]) == len(p["kernels"]) == len(p["strides"]) == len(p["dilations"]):
        raise ValueError("cnn: filters, kernels, strides and dilations must have one entry per conv")
    x = as_image(features)
    for i, (f, k, s, d) in enumerate(zip(p["filters"], p["kernels"], p["strides"], p["dilations"], strict=True)):
        x = conv_bn_relu(x, f, k, s, f"conv{i}", time_padding=p["time_padding"], dilation=d)
    x = Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    for i, units in enumerate(p["units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])
