"""`Delay`: holds frames back, so a non-causal branch and its bypass stay aligned when streaming.

A 'same'-padded Stream looks ahead (K-1)/2 frames; streamed, its output lags by that much. A residual bypass
around it must lag as much, or the merge adds frames from different times (kws_streaming's delay layer).
Non-streaming and in the sequence oracle it is the identity.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hark.layers.modes import Modes
from hark.layers.stateful import StatefulLayer


@keras.saving.register_keras_serializable(package="hark")
class Delay(StatefulLayer):
    def __init__(self, frames: int, mode: str | Modes = Modes.TRAINING, batch_size: int = 1, **kwargs: Any) -> None:
        super().__init__(mode=mode, batch_size=batch_size, **kwargs)
        if int(frames) < 0:
            raise ValueError(f"Delay '{self.name}': frames must be >= 0, not {frames}")
        self.frames = int(frames)

    @property
    def delay_frames(self) -> int:
        return self.frames

    def state_shapes(self, input_shape: tuple[int | None, ...]) -> list[tuple[int, ...]]:
        if not self.frames:
            return []
        return [(self.batch_size, self.frames, *(int(d) for d in input_shape[2:]))]

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self._make_state_variables(input_shape)
        self.built = True

    def _step(self, inputs: Any, state: Any) -> tuple[Any, Any]:
        memory = ops.concatenate([state, inputs], axis=1)
        count = inputs.shape[1]
        return memory[:, :count], memory[:, count:]

    def call(self, inputs: Any, states: list[Any] | None = None) -> Any:
        if self.mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
            if not self.frames:
                return inputs, []
            out, new_state = self._step(inputs, states[0])
            return out, [new_state]
        if self.mode is Modes.STREAM_INTERNAL_STATE_INFERENCE and self.frames:
            var = self.state_variables[0]
            out, new_state = self._step(inputs, var.value)
            var.assign(new_state)
            return out
        return inputs

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["frames"] = self.frames
        return config
