"""DNN (kws_streaming's dnn): dense layers on each frame, the window flattened, then dense layers."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.stream import Stream
from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register

DEFAULTS = {"frame_units": [64, 32], "units": [128], "dropout": 0.1}


@register("dnn", DEFAULTS, streamable=True, description="per-frame dense, flatten over the window, dense")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = features
    for i, units in enumerate(p["frame_units"]):
        x = keras.layers.Dense(units, activation="relu", name=f"frame_dense{i}")(x)
    x = Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    for i, units in enumerate(p["units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])
