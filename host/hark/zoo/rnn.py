"""GRU and LSTM models (kws_streaming's gru and lstm): stacked unidirectional RNNs over the frames, then dense
layers. They stream one frame per call, carrying the RNN state."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.rnn import GRU, LSTM
from hark.spec import ModelSpec
from hark.zoo.blocks import classifier
from hark.zoo.registry import register

DEFAULTS = {"units": [128], "dense_units": [64], "dropout": 0.1}


def _build(layer: type, features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = features
    for i, units in enumerate(p["units"]):
        x = layer(units, return_sequences=i < len(p["units"]) - 1, name=f"{layer.__name__.lower()}{i}")(x)
    for i, units in enumerate(p["dense_units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])


@register("gru", DEFAULTS, streamable=True, description="stacked GRUs + dense (kws_streaming gru)")
def build_gru(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    return _build(GRU, features, p, spec)


@register("lstm", DEFAULTS, streamable=True, description="stacked LSTMs + dense (kws_streaming lstm)")
def build_lstm(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    return _build(LSTM, features, p, spec)
