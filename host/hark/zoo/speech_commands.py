"""TF speech_commands' conv and low_latency_conv (windowed models: they see the whole second at once)."""

from __future__ import annotations

from typing import Any

import keras

from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.registry import register

CONV_DEFAULTS = {"filters": [64, 64], "kernels": [[20, 8], [10, 4]], "pool": [2, 2], "dropout": 0.5}


@register("conv", CONV_DEFAULTS, streamable=False, description="TF speech_commands conv: two convs, max pool")
def build_conv(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    x = keras.layers.Conv2D(p["filters"][0], tuple(p["kernels"][0]), padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.Dropout(p["dropout"], name="conv1_dropout")(x)
    x = keras.layers.MaxPooling2D(tuple(p["pool"]), padding="same", name="pool1")(x)
    x = keras.layers.Conv2D(p["filters"][1], tuple(p["kernels"][1]), padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.Dropout(p["dropout"], name="conv2_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return classifier(x, spec)


LOW_LATENCY_DEFAULTS = {"filters": 186, "freq_kernel": 8, "freq_stride": 1, "units": [128, 128], "dropout": 0.5}


@register(
    "low_latency_conv",
    LOW_LATENCY_DEFAULTS,
    streamable=False,
    description="TF speech_commands low_latency_conv: one conv spanning the window, dense layers",
)
def build_low_latency_conv(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    kernel = (features.shape[1], p["freq_kernel"])
    x = keras.layers.Conv2D(
        p["filters"], kernel, strides=(1, p["freq_stride"]), padding="valid", activation="relu", name="conv"
    )(x)
    x = keras.layers.Dropout(p["dropout"], name="conv_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(p["units"]):
        x = keras.layers.Dense(units, name=f"dense{i}")(x)
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
    return classifier(x, spec)


SINGLE_FC_DEFAULTS: dict[str, Any] = {}


@register("single_fc", SINGLE_FC_DEFAULTS, streamable=False,
          description="TF speech_commands single_fc: one dense layer over the flattened window")
def build_single_fc(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    return classifier(keras.layers.Flatten(name="flatten")(features), spec)


TINY_EMBEDDING_DEFAULTS = {"filters": [8, 8], "kernels": [[10, 8], [10, 8]], "strides": [[2, 2], [8, 8]],
                           "dropout": 0.5}  # fmt: skip


@register("tiny_embedding_conv", TINY_EMBEDDING_DEFAULTS, streamable=False,
          description="TF speech_commands tiny_embedding_conv: two strided convs, then a dense layer")
def build_tiny_embedding_conv(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = as_image(features)
    for i, (f, k, s) in enumerate(zip(p["filters"], p["kernels"], p["strides"], strict=True)):
        x = keras.layers.Conv2D(f, tuple(k), strides=tuple(s), padding="same", activation="relu", name=f"conv{i}")(x)
        x = keras.layers.Dropout(p["dropout"], name=f"conv{i}_dropout")(x)
    return classifier(keras.layers.Flatten(name="flatten")(x), spec)
