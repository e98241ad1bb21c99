"""The state protocol every streaming-aware layer follows, so conversion can plumb state generically.

A stateful layer in a streaming mode keeps some tensors between calls (a ring buffer of past frames, an RNN's
hidden state). In STREAM_INTERNAL_STATE_INFERENCE it holds them in non-trainable variables; in
STREAM_EXTERNAL_STATE_INFERENCE it is called as `layer(inputs, states=[...])` and returns
`(outputs, new_states)`, and the converter turns each state into a named model input and output.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hark.layers.modes import Modes


class StatefulLayer(keras.layers.Layer):
    """Base for layers whose streaming form carries state between calls."""

    def __init__(self, mode: str | Modes = Modes.TRAINING, batch_size: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = Modes.parse(mode)
        self.batch_size = int(batch_size)
        self.state_variables: list[keras.Variable] = []

    def state_shapes(self, input_shape: tuple[int | None, ...]) -> list[tuple[int, ...]]:
        """Full shapes (batch first) of the state tensors this layer keeps for an input of this shape."""
        raise NotImplementedError

    def _make_state_variables(self, input_shape: tuple[int | None, ...]) -> None:
        if self.mode is not Modes.STREAM_INTERNAL_STATE_INFERENCE:
            return
        self.state_variables = [
            self.add_weight(name=f"state_{i}", shape=shape, initializer="zeros", trainable=False)
            for i, shape in enumerate(self.state_shapes(input_shape))
        ]

    def reset_state_variables(self) -> None:
        for var in self.state_variables:
            var.assign(np.zeros(var.shape, dtype=var.dtype))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"mode": self.mode.value, "batch_size": self.batch_size})
        return config


def is_state_variable(layer: keras.layers.Layer, variable: keras.Variable) -> bool:
    return isinstance(layer, StatefulLayer) and any(variable is v for v in layer.state_variables)


def reset_states(model: keras.Model) -> None:
    """Zeroes every internal streaming state of a model (start of a new stream)."""
    for layer in model.layers:
        if isinstance(layer, StatefulLayer):
            layer.reset_state_variables()
