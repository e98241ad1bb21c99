"""Small time-aware layers with no state: picking the last frame."""

from __future__ import annotations

from typing import Any

import keras

from hark.layers.modes import Modes


@keras.saving.register_keras_serializable(package="hark")
class LastFrame(keras.layers.Layer):
    """The newest frame of `[batch, frames, ...]` (TF low_latency_svdf's readout).

    Streaming one frame per call it is that frame; in the sequence oracle every frame is its own last frame.
    """

    def __init__(self, mode: str | Modes = Modes.TRAINING, **kwargs: Any) -> None:
        kwargs.pop("batch_size", None)
        super().__init__(**kwargs)
        self.mode = Modes.parse(mode)

    def call(self, inputs: Any) -> Any:
        if self.mode is Modes.SEQUENCE_INFERENCE:
            return inputs
        return inputs[:, -1]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["mode"] = self.mode.value
        return config
