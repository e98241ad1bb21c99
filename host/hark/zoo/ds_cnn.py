"""DS-CNN (Zhang et al., "Hello Edge"; the MLPerf Tiny KWS reference): a conv, then depthwise-separable blocks,
average pooling and a dense classifier.

MLPerf's reference strides its first conv (2, 2) over 49 x 10 MFCCs. Here time stride is 1 and padding in time is
causal so the model streams one 20 ms frame per call; the first conv strides frequency instead (40 micro features
-> 5 bins, as MLPerf's 10 -> 5). The average pooling is split into a per-frame mean over frequency and a streaming
mean over time, the same arithmetic as a 2-D global average with a 64-value-per-frame ring buffer.
"""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier, conv_bn_relu
from hark.zoo.registry import register

DEFAULTS = {
    "filters": 64,
    "first_kernel": [10, 8],
    "first_strides": [1, 8],
    "blocks": 4,
    "dw_kernel": [3, 3],
    "time_padding": "causal",
    "dropout_in": 0.2,
    "dropout_out": 0.4,
}


@register("ds_cnn", DEFAULTS, streamable=True, description="MLPerf Tiny KWS DS-CNN, causal in time")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    x = conv_bn_relu(x, p["filters"], p["first_kernel"], p["first_strides"], "conv0", time_padding=p["time_padding"])
    if p["dropout_in"]:
        x = keras.layers.Dropout(p["dropout_in"], name="conv0_dropout")(x)
    for i in range(1, p["blocks"] + 1):
        dw = keras.layers.DepthwiseConv2D(tuple(p["dw_kernel"]), padding="valid", use_bias=False, name=f"dw{i}_conv")
        x = Stream(dw, pad_time=p["time_padding"], pad_freq="same", name=f"dw{i}_stream")(x)
        x = keras.layers.BatchNormalization(name=f"dw{i}_bn")(x)
        x = keras.layers.ReLU(name=f"dw{i}_relu")(x)
        x = keras.layers.Conv2D(p["filters"], (1, 1), use_bias=False, name=f"pw{i}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"pw{i}_bn")(x)
        x = keras.layers.ReLU(name=f"pw{i}_relu")(x)
    if p["dropout_out"]:
        x = keras.layers.Dropout(p["dropout_out"], name="blocks_dropout")(x)
    x = keras.layers.AveragePooling2D((1, x.shape[2]), name="freq_mean")(x)
    x = keras.layers.Reshape((-1, p["filters"]), name="per_frame")(x)
    x = Stream(keras.layers.GlobalAveragePooling1D(name="time_mean"), name="time_mean_stream")(x)
    return classifier(x, spec)
