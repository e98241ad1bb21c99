"""DS-TC-ResNet (kws_streaming's ds_tc_resnet, MatchboxNet-style): frequency as channels, blocks of depthwise
temporal conv + pointwise conv + BN + ReLU, residual 1x1 conv + BN on the blocks that ask for it. Causal padding
and stride 1 in time: it streams."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.kws_blocks import bn_relu, global_pool, pointwise, time_depthwise
from hark.zoo.registry import register

DEFAULTS = {
    "filters": [128, 64, 64, 64, 128, 128],
    "kernels": [11, 13, 15, 17, 29, 1],
    "dilations": [1, 1, 1, 1, 2, 1],
    "repeats": [1, 1, 1, 1, 1, 1],
    "residual": [0, 1, 1, 1, 0, 0],
    "time_padding": "causal",
    "dropout": 0.0,
}


@register("ds_tc_resnet", DEFAULTS, streamable=True,
          description="DS-TC-ResNet / MatchboxNet (kws_streaming ds_tc_resnet), causal in time")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = keras.layers.Reshape((-1, 1, features.shape[-1]), name="freq_as_channels")(features)
    blocks = zip(p["filters"], p["kernels"], p["dilations"], p["repeats"], p["residual"], strict=True)
    for i, (f, k, d, r, res) in enumerate(blocks):
        y = x
        for j in range(r):
            name = f"b{i}r{j}"
            if k > 1:
                y = time_depthwise(y, k, f"{name}_dw", dilation=d, padding=p["time_padding"])
            y = pointwise(y, f, f"{name}_pw")
            y = bn_relu(y, name, relu=not (res and j == r - 1))
        if res:
            shortcut = keras.layers.BatchNormalization(name=f"b{i}_res_bn")(pointwise(x, f, f"b{i}_res_pw"))
            y = keras.layers.ReLU(name=f"b{i}_relu")(keras.layers.Add(name=f"b{i}_add")([y, shortcut]))
        x = y
    return classifier(global_pool(x), spec, p["dropout"])
