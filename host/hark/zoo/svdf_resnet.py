"""SVDF-ResNet (kws_streaming's svdf_resnet): blocks of SVDF layers with batch norm, each block's input projected
by a dense layer and added back before a ReLU; every time filter is causal, so it streams."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register
from hark.zoo.svdf import readout, svdf

DEFAULTS = {
    "blocks": [[64, 64], [64, 64], [64, 64]],  # SVDF units per layer, per block
    "memory": [4, 10, 10],  # time-filter length per block
    "dense_units": [64],
    "readout": "average",
    "dropout": 0.1,
}


@register("svdf_resnet", DEFAULTS, streamable=True, description="SVDF-ResNet (kws_streaming svdf_resnet)")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = features
    for b, (units, memory) in enumerate(zip(p["blocks"], p["memory"], strict=True)):
        y = x
        for i, u in enumerate(units):
            y = svdf(y, u, memory, 0, f"b{b}_svdf{i}")
            y = keras.layers.BatchNormalization(name=f"b{b}_svdf{i}_bn")(y)
        shortcut = keras.layers.Dense(units[-1], use_bias=False, name=f"b{b}_shortcut")(x)
        shortcut = keras.layers.BatchNormalization(name=f"b{b}_shortcut_bn")(shortcut)
        x = keras.layers.ReLU(name=f"b{b}_relu")(keras.layers.Add(name=f"b{b}_add")([y, shortcut]))
    x = readout(x, p["readout"])
    for i, units in enumerate(p["dense_units"]):
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])
