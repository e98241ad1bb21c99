"""Running a streaming model over whole clips, one frame per call, on the host."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from hark.layers.modes import Modes
from hark.layers.stateful import reset_states
from hark.streaming.convert import FEATURES, PROBABILITIES, initial_states, state_pairs


def stream_mode(model: keras.Model) -> Modes:
    if any(t.name.startswith("state_in_") for t in model.inputs):
        return Modes.STREAM_EXTERNAL_STATE_INFERENCE
    return Modes.STREAM_INTERNAL_STATE_INFERENCE


class Streamer:
    """Feeds frames to a streaming model and keeps its state between calls (either kind of state)."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.mode = stream_mode(model)
        self.pairs = state_pairs(model)
        self._call = tf.function(lambda inputs: model(inputs, training=False), reduce_retracing=True)
        self.reset()

    def reset(self) -> None:
        if self.mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
            self.states: dict[str, Any] = initial_states(self.model)
        else:
            reset_states(self.model)

    def step(self, frames: np.ndarray) -> np.ndarray:
        """frames: [batch, frames_per_call, channels] -> probabilities [batch, labels]."""
        frames = np.asarray(frames, dtype="float32")
        if self.mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
            out = self._call({FEATURES: frames, **self.states})
            self.states = {i: out[o] for i, o in self.pairs}
            return keras.ops.convert_to_numpy(out[PROBABILITIES])
        return keras.ops.convert_to_numpy(self._call(frames))

    def run(self, features: np.ndarray, *, reset: bool = True) -> np.ndarray:
        """features: [batch, frames, channels] -> per-frame probabilities [batch, frames, labels]."""
        if reset:
            self.reset()
        return np.stack([self.step(features[:, t : t + 1]) for t in range(features.shape[1])], axis=1)
