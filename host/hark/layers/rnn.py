"""Streaming GRU and LSTM: the same Keras cell run over the window, or one step per call with kept state.

Non-streaming, the layer runs `keras.layers.RNN(cell)` over the window from a zero state. Streaming, it runs the
cell once per new frame and carries the state (GRU: h; LSTM: h and c) to the next call. From a zero state the
streaming output after frame t equals the non-streaming output over frames 0..t; return_sequences=False gives the
last frame's output, as the non-streaming layer does at the end of the window.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hark.layers.modes import Modes
from hark.layers.stateful import StatefulLayer


class _StreamingRNN(StatefulLayer):
    cell_class: type = keras.layers.GRUCell
    state_count = 1

    def __init__(
        self,
        units: int,
        return_sequences: bool = False,
        mode: str | Modes = Modes.TRAINING,
        batch_size: int = 1,
        cell_config: dict[str, Any] | None = None,
        unroll: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=mode, batch_size=batch_size, **kwargs)
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.cell_config = dict(cell_config or {})
        # Unrolled for non-streaming inference, the converted model is a flat graph: the tflite-micro
        # interpreter (0.dev20261023182759) segfaults on the int8 WHILE loop a rolled RNN converts to.
        # Training keeps the loop, which compiles much faster.
        self.unroll = bool(unroll)
        cell = self.cell_class(self.units, name="cell", **self.cell_config)
        # The RNN wrapper owns the cell, so the weights are the same objects in every mode.
        self.rnn = keras.layers.RNN(
            cell,
            return_sequences=self.return_sequences or self.mode is Modes.SEQUENCE_INFERENCE,
            unroll=self.unroll and self.mode is Modes.NON_STREAM_INFERENCE,
        )

    def state_shapes(self, input_shape: tuple[int | None, ...]) -> list[tuple[int, ...]]:
        return [(self.batch_size, self.units)] * self.state_count

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects [batch, frames, features], got {input_shape}"
            )
        self.rnn.build(tuple(input_shape))
        self._make_state_variables(input_shape)
        self.built = True

    def _steps(self, inputs: Any, states: list[Any]) -> tuple[Any, list[Any]]:
        cell = self.rnn.cell
        outputs = []
        for t in range(inputs.shape[1]):
            out, states = cell(inputs[:, t], states if self.state_count > 1 else states[0])
            states = list(states) if isinstance(states, (list, tuple)) else [states]
            outputs.append(out)
        if self.return_sequences:
            return ops.stack(outputs, axis=1), states
        return outputs[-1], states

    def call(self, inputs: Any, states: list[Any] | None = None) -> Any:
        if self.mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
            if not states or len(states) != self.state_count:
                raise ValueError(f"{type(self).__name__} '{self.name}': external-state mode needs its state passed in")
            return self._steps(inputs, list(states))
        if self.mode is Modes.STREAM_INTERNAL_STATE_INFERENCE:
            out, new_states = self._steps(inputs, [v.value for v in self.state_variables])
            for var, value in zip(self.state_variables, new_states, strict=True):
                var.assign(value)
            return out
        return self.rnn(inputs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "return_sequences": self.return_sequences,
                "cell_config": self.cell_config,
                "unroll": self.unroll,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="hark")
class GRU(_StreamingRNN):
    """A unidirectional GRU (Keras GRUCell, reset_after=True) that streams one frame per call."""

    cell_class = keras.layers.GRUCell
    state_count = 1


@keras.saving.register_keras_serializable(package="hark")
class LSTM(_StreamingRNN):
    """A unidirectional LSTM (Keras LSTMCell) that streams one frame per call; its state is h and c."""

    cell_class = keras.layers.LSTMCell
    state_count = 2
