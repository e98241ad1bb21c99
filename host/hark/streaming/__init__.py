"""Automatic conversion of zoo models into non-streaming and streaming (internal or external state) forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from hark.layers.modes import Modes, NotStreamableError
from hark.streaming.check import check_streamable, why_not_streamable
from hark.streaming.convert import (
    FEATURES,
    PROBABILITIES,
    convert,
    initial_states,
    load_weights_into,
    state_pairs,
)
from hark.streaming.run import Streamer


def to_streaming(
    model: keras.Model,
    mode: Modes | str = Modes.STREAM_EXTERNAL_STATE_INFERENCE,
    *,
    weights: str | Path | list[np.ndarray] | keras.Model | None = None,
    **kwargs: Any,
) -> keras.Model:
    """A trained model (optionally with `weights` loaded into it first) in `mode`; `hark.zoo.to_streaming` takes a
    spec instead.

    mode: NON_STREAM_INFERENCE, STREAM_EXTERNAL_STATE_INFERENCE (state as named inputs/outputs, see
    `state_pairs`) or STREAM_INTERNAL_STATE_INFERENCE (state in variables); also the spec names 'window',
    'stream_external' and 'stream_internal'. Raises NotStreamableError naming the layer that cannot stream.
    """
    if isinstance(mode, str) and mode == "window":
        mode = Modes.NON_STREAM_INFERENCE
    if weights is not None:
        load_weights_into(model, weights)
    return convert(model, mode, **kwargs)


__all__ = [
    "FEATURES",
    "PROBABILITIES",
    "Modes",
    "NotStreamableError",
    "Streamer",
    "check_streamable",
    "convert",
    "initial_states",
    "state_pairs",
    "to_streaming",
    "why_not_streamable",
]
