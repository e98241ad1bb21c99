"""kws_streaming's att_rnn and att_mh_rnn: two convs along time, bidirectional GRU/LSTM layers, attention with a
query made from the middle frame (one head, or several whose contexts are concatenated), then dense layers.
Bidirectional RNNs read future frames: windowed models (the streaming converter refuses them by name)."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.attention import BidirectionalRNN, TimeAttention
from hark.spec import ModelSpec
from hark.zoo.blocks import as_image, classifier
from hark.zoo.kws_blocks import bn_relu
from hark.zoo.registry import register

DEFAULTS = {
    "conv_filters": [10, 1],
    "conv_kernel": 5,
    "rnn_units": [32, 32],
    "cell": "gru",
    "heads": 1,
    "dense_units": [64, 32],
    "dropout": 0.1,
}


def _build(features: Any, p: dict[str, Any], spec: ModelSpec, heads: int) -> Any:
    x = as_image(features)
    for i, f in enumerate(p["conv_filters"]):
        conv = keras.layers.Conv2D(f, (p["conv_kernel"], 1), padding="same", use_bias=False, name=f"conv{i}")
        x = bn_relu(conv(x), f"conv{i}")
    x = keras.layers.Reshape((features.shape[1], -1), name="to_sequence")(x)
    for i, units in enumerate(p["rnn_units"]):
        x = BidirectionalRNN(units, p["cell"], name=f"birnn{i}")(x)
    middle = x[:, x.shape[1] // 2, :]
    contexts = []
    for h in range(heads):
        query = keras.layers.Dense(x.shape[-1], name=f"query{h}")(middle)
        contexts.append(TimeAttention(name=f"attention{h}")([x, query]))
    y = contexts[0] if heads == 1 else keras.layers.Concatenate(name="heads")(contexts)
    for i, units in enumerate(p["dense_units"]):
        y = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(y)
        y = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(y)
    return classifier(y, spec)


@register("att_rnn", DEFAULTS, streamable=False,
          description="att_rnn (kws_streaming): convs, bidirectional GRUs, single-head attention")
def build_att_rnn(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    return _build(features, p, spec, 1)


@register("att_mh_rnn", {**DEFAULTS, "heads": 4}, streamable=False,
          description="att_mh_rnn (kws_streaming): convs, bidirectional GRUs, multi-head attention")
def build_att_mh_rnn(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    return _build(features, p, spec, p["heads"])
