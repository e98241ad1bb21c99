"""SVDF models (kws_streaming's svdf; TF speech_commands' low_latency_svdf).

An SVDF layer (rank 1) is a per-frame dense "feature filter" without bias, a per-unit causal filter over the last
`memory` frames ("time filter", a depthwise conv in time) with bias and ReLU, then an optional per-frame dense
projection. Streaming keeps `memory - 1` frames of feature-filter outputs per layer.
"""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.frames import LastFrame
from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register


def svdf(x: Any, units: int, memory: int, projection: int, name: str, dropout: float = 0.0) -> Any:
    x = keras.layers.Dense(units, use_bias=False, name=f"{name}_features")(x)
    time_filter = keras.layers.DepthwiseConv1D(memory, padding="valid", name=f"{name}_time")
    x = Stream(time_filter, pad_time="causal", name=f"{name}_stream")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
    if projection:
        x = keras.layers.Dense(projection, name=f"{name}_projection")(x)
    return x


def readout(x: Any, how: str) -> Any:
    if how == "last":
        return LastFrame(name="last_frame")(x)
    if how == "average":
        return Stream(keras.layers.GlobalAveragePooling1D(name="time_mean"), name="time_mean_stream")(x)
    if how == "flatten":
        return Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    raise ValueError(f"svdf: readout must be 'last', 'average' or 'flatten', not '{how}'")


SVDF_DEFAULTS = {
    "units": [64, 64, 64, 64],
    "memory": [4, 10, 10, 10],
    "projection": [64, 64, 64, 0],
    "readout": "average",
    "dense_units": [],
    "dropout": 0.1,
}


@register("svdf", SVDF_DEFAULTS, streamable=True, description="stacked rank-1 SVDF layers (kws_streaming svdf)")
def build_svdf(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    if not len(p["units"]) == len(p["memory"]) == len(p["projection"]):
        raise ValueError("svdf: units, memory and projection must have one entry per SVDF layer")
    x = features
    for i, (units, memory, proj) in enumerate(zip(p["units"], p["memory"], p["projection"], strict=True)):
        x = svdf(x, units, memory, proj, f"svdf{i}", p["dropout"])
    x = readout(x, p["readout"])
    for i, units in enumerate(p["dense_units"]):
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])


LOW_LATENCY_DEFAULTS = {"units": 256, "memory": 0, "dense_units": [256, 256], "dropout": 0.5}


@register(
    "low_latency_svdf",
    LOW_LATENCY_DEFAULTS,
    streamable=True,
    description="TF speech_commands low_latency_svdf (rank 1): one SVDF over the window, read at the last frame",
)
def build_low_latency_svdf(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    memory = p["memory"] or features.shape[1]  # 0: the whole window
    x = svdf(features, p["units"], memory, 0, "svdf")
    x = LastFrame(name="last_frame")(x)
    for i, units in enumerate(p["dense_units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])
