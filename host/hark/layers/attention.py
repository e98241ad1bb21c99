"""Attention over time for kws_streaming's att_rnn and att_mh_rnn, and a bidirectional RNN for their encoders.

`TimeAttention` scores each frame by its product with a query (a per-frame mean of seq * query), softmaxes the
scores over time and returns the score-weighted mean of the frames. That is kws_streaming's dot-product attention
up to constant factors (1/features on the scores, frames on the context) that the query's and the next dense
layer's weights absorb, written with MUL, MEAN, SOFTMAX and RESHAPE so the int8 export runs on the project's
runtime (no BATCH_MATMUL or TRANSPOSE).

`BidirectionalRNN` runs one GRU or LSTM cell forward and another backward over the window, unrolled frame by
frame, and concatenates their outputs per frame. It reads future frames, so the streaming converter refuses it.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="hark")
class TimeAttention(keras.layers.Layer):
    """[seq [b, T, F], query [b, F]] -> context [b, F]."""

    def call(self, inputs: list[Any]) -> Any:
        seq, query = inputs
        frames, features = seq.shape[1], seq.shape[2]
        scores = ops.mean(seq * ops.reshape(query, (-1, 1, features)), axis=-1)
        weights = ops.softmax(scores, axis=-1)
        return ops.mean(seq * ops.reshape(weights, (-1, frames, 1)), axis=1)

    def compute_output_shape(self, input_shape: list[tuple[int | None, ...]]) -> tuple[int | None, ...]:
        return (input_shape[0][0], input_shape[0][2])


MAX_CONCAT_INPUTS = 8  # tflite-micro's CONCATENATION prepares at most 10 inputs


def _concat_time(parts: list[Any]) -> Any:
    """Concatenates along time in a tree of at most MAX_CONCAT_INPUTS inputs per CONCATENATION."""
    while len(parts) > 1:
        parts = [ops.concatenate(parts[i : i + MAX_CONCAT_INPUTS], axis=1) if len(parts[i : i + MAX_CONCAT_INPUTS]) > 1
                 else parts[i] for i in range(0, len(parts), MAX_CONCAT_INPUTS)]  # fmt: skip
    return parts[0]


@keras.saving.register_keras_serializable(package="hark")
class BidirectionalRNN(keras.layers.Layer):
    """Forward and backward GRU/LSTM cells over the whole window, unrolled; outputs [b, T, 2 * units]."""

    reads_future_frames = True  # the streaming converter's reason to refuse it

    def __init__(self, units: int, cell: str = "gru", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if cell not in ("gru", "lstm"):
            raise ValueError(f"BidirectionalRNN '{self.name}': cell must be 'gru' or 'lstm', not {cell!r}")
        self.units, self.cell_kind = int(units), cell
        make = keras.layers.GRUCell if cell == "gru" else keras.layers.LSTMCell
        self.forward_cell = make(self.units, name="forward")
        self.backward_cell = make(self.units, name="backward")

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if len(input_shape) != 3 or input_shape[1] is None:
            raise ValueError(f"BidirectionalRNN '{self.name}' needs [batch, frames, features] with known frames")
        step = (input_shape[0], input_shape[2])
        self.forward_cell.build(step)
        self.backward_cell.build(step)
        self.built = True

    def _run(self, cell: keras.layers.Layer, inputs: Any, order: range) -> list[Any]:
        zeros = ops.zeros_like(inputs[:, 0, :1]) * ops.zeros((1, self.units), dtype=inputs.dtype)
        state: Any = zeros if self.cell_kind == "gru" else [zeros, zeros]
        outputs: dict[int, Any] = {}
        for t in order:
            out, state = cell(inputs[:, t], state)
            if self.cell_kind == "gru" and isinstance(state, (list, tuple)):
                state = state[0]
            outputs[t] = out
        return [outputs[t] for t in range(inputs.shape[1])]

    def call(self, inputs: Any) -> Any:
        frames = inputs.shape[1]
        fwd = self._run(self.forward_cell, inputs, range(frames))
        bwd = self._run(self.backward_cell, inputs, range(frames - 1, -1, -1))
        # reshape + concatenate rather than stack: the runtime has no PACK
        steps = [ops.reshape(ops.concatenate([f, b], axis=-1), (-1, 1, 2 * self.units)) for f, b in zip(fwd, bwd,
                                                                                                     strict=True)]
        return _concat_time(steps)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], input_shape[1], 2 * self.units)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "cell": self.cell_kind}
