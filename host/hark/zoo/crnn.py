"""CRNN (kws_streaming's crnn): causal convs striding frequency, then GRU layers over time, then dense layers."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.rnn import GRU
from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier, conv_bn_relu
from hark.zoo.registry import register

DEFAULTS = {
    "filters": [16, 32],
    "kernels": [[5, 3], [5, 3]],
    "strides": [[1, 2], [1, 2]],
    "gru_units": [64],
    "units": [64],
    "dropout": 0.1,
}


@register("crnn", DEFAULTS, streamable=True, description="causal conv + GRU + dense")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    for i, (f, k, s) in enumerate(zip(p["filters"], p["kernels"], p["strides"], strict=True)):
        x = conv_bn_relu(x, f, k, s, f"conv{i}")
    x = keras.layers.Reshape((-1, x.shape[2] * x.shape[3]), name="per_frame")(x)
    for i, units in enumerate(p["gru_units"]):
        last = i == len(p["gru_units"]) - 1
        x = GRU(units, return_sequences=not last, name=f"gru{i}")(x)
    for i, units in enumerate(p["units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])
