"""`Stream`: a ring buffer over time around a Keras layer, so the layer can run one frame per call.

Time is axis 1 of every tensor (`[batch, frames, ...]`). In the whole-window modes the wrapper pads time itself
(causal: K-1 zero frames in front; same: split as Keras does) and calls the cell with 'valid' padding. In the
streaming modes it keeps the last K-1 input frames; each call concatenates them with the new frame(s), runs the
cell on exactly K frames and keeps the newest K-1. A zero ring buffer is the causal zero padding, so a causal
streaming layer reproduces the non-streaming one frame for frame.

Full-window reducers (Flatten, global pooling, pooling whose window is the whole input) keep the last T frames,
where T is the window length seen when the layer was built in a whole-window mode.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hark.layers.modes import Modes, NotStreamableError
from hark.layers.stateful import StatefulLayer

_CONVS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.DepthwiseConv1D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv1D,
    keras.layers.SeparableConv2D,
)
_POOLS = (
    keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D,
    keras.layers.MaxPooling1D,
    keras.layers.MaxPooling2D,
)
_REDUCERS = (
    keras.layers.Flatten,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D,
)
PAD_TIME = ("causal", "same", "valid")


def _pair(value: Any, index: int) -> int:
    if isinstance(value, (list, tuple)):
        return int(value[index]) if len(value) > index else 1
    return int(value)


def _serialize_unbuilt(cell: keras.layers.Layer) -> dict[str, Any]:
    """The cell's config without its build shape: the wrapper builds it for the shape of its own mode."""
    config = keras.saving.serialize_keras_object(cell)
    config.pop("build_config", None)
    return config


@keras.saving.register_keras_serializable(package="hark")
class Stream(StatefulLayer):
    """Wraps a time-dependent layer (conv, pooling, Flatten, global pooling) for streaming.

    Args:
        cell: the wrapped layer. Convolutions and pooling must use padding='valid': the wrapper pads time
            (`pad_time`) and frequency (`pad_freq`) itself, since Keras pads both axes alike.
        mode: a `Modes` value.
        pad_time: 'causal' (streams exactly), 'same' (non-causal: the streaming output lags the non-streaming
            one by `delay_frames`), or 'valid' (no padding).
        pad_freq: 'same' or 'valid' padding of axis 2 (frequency), for 2-D cells.
        window_frames: for full-window reducers, the window length T (recorded on the first whole-window build).
        batch_size: the batch size of the streaming state.
    """

    def __init__(
        self,
        cell: keras.layers.Layer | dict[str, Any],
        mode: str | Modes = Modes.TRAINING,
        pad_time: str = "causal",
        pad_freq: str = "valid",
        window_frames: int | None = None,
        batch_size: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=mode, batch_size=batch_size, **kwargs)
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(cell)
        if pad_time not in PAD_TIME:
            raise ValueError(f"Stream '{self.name}': pad_time must be one of {PAD_TIME}, not {pad_time!r}")
        if pad_freq not in ("same", "valid"):
            raise ValueError(f"Stream '{self.name}': pad_freq must be 'same' or 'valid', not {pad_freq!r}")
        self.cell = cell
        self.pad_time = pad_time
        self.pad_freq = pad_freq
        self.window_frames = window_frames
        self.kind, self.kernel_frames, self.stride_frames = self._classify(cell)
        if self.kind in ("conv", "pool") and getattr(cell, "padding", "valid") != "valid":
            raise ValueError(
                f"Stream '{self.name}' wraps {type(cell).__name__} '{cell.name}' with padding='{cell.padding}': "
                "the cell must use padding='valid'; give the wrapper pad_time= and pad_freq= instead"
            )
        if self.mode.is_streaming or self.mode is Modes.SEQUENCE_INFERENCE:
            self.check_streamable()

    # -- what the cell is -------------------------------------------------------------------------------

    @staticmethod
    def _classify(cell: keras.layers.Layer) -> tuple[str, int, int]:
        if isinstance(cell, _CONVS):
            k = _pair(cell.kernel_size, 0)
            d = _pair(cell.dilation_rate, 0)
            return "conv", d * (k - 1) + 1, _pair(cell.strides, 0)
        if isinstance(cell, _POOLS):
            return "pool", _pair(cell.pool_size, 0), _pair(cell.strides, 0)
        if isinstance(cell, _REDUCERS):
            return "reducer", 0, 1
        raise NotStreamableError(
            f"Stream cannot wrap {type(cell).__name__} '{cell.name}': supported cells are Conv1D, Conv2D, "
            "DepthwiseConv1D/2D, SeparableConv1D/2D, Average/MaxPooling1D/2D, Flatten and global pooling"
        )

    @property
    def is_full_window(self) -> bool:
        """True when the cell consumes the whole window and emits one frame (or no time axis)."""
        if self.kind == "reducer":
            return True
        return self.kind == "pool" and self.window_frames is not None and self.kernel_frames == self.window_frames

    def check_streamable(self) -> None:
        """Raises NotStreamableError naming the cell and the reason if it cannot run one frame per call."""
        name = f"{type(self.cell).__name__} '{self.cell.name}' (in Stream '{self.name}')"
        if self.kind == "conv" and self.stride_frames != 1:
            raise NotStreamableError(
                f"{name} cannot stream: stride {self.stride_frames} in time; a layer run once per frame "
                "must have stride 1 along time (axis 1)"
            )
        if self.kind == "pool" and not self.is_full_window and self.stride_frames != 1:
            raise NotStreamableError(
                f"{name} cannot stream: pooling in time with stride {self.stride_frames} (pool "
                f"{self.kernel_frames}) drops frames; only stride-1 pooling or pooling over the whole window "
                "streams"
            )
        if self.kind == "reducer" and self.window_frames is None:
            raise NotStreamableError(
                f"{name} cannot stream: its window length is unknown; build the model in a non-streaming "
                "mode first so the wrapper records how many frames it reduces"
            )

    @property
    def ring_frames(self) -> int:
        """Frames of past input the streaming layer keeps (K - 1, or T - 1 for full-window reducers)."""
        if self.is_full_window:
            return int(self.window_frames) - 1  # type: ignore[arg-type]
        return self.kernel_frames - 1

    @property
    def delay_frames(self) -> int:
        """How many frames the streaming output lags the non-streaming one ('same' padding looks ahead)."""
        if self.pad_time != "same" or self.is_full_window:
            return 0
        total = self.kernel_frames - 1
        return total - total // 2

    # -- shapes -----------------------------------------------------------------------------------------

    def _freq_pads(self, freq: int | None) -> tuple[int, int]:
        if self.pad_freq != "same" or self.kind not in ("conv", "pool") or freq is None:
            return 0, 0
        cell = self.cell
        if self.kind == "conv":
            k, d, s = _pair(cell.kernel_size, 1), _pair(cell.dilation_rate, 1), _pair(cell.strides, 1)
        else:
            k, d, s = _pair(cell.pool_size, 1), 1, _pair(cell.strides, 1)
        out = -(-freq // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - freq, 0)
        return total // 2, total - total // 2

    def _time_pads(self) -> tuple[int, int]:
        if self.is_full_window or self.pad_time == "valid":
            return 0, 0
        total = self.kernel_frames - 1
        if self.pad_time == "causal":
            return total, 0
        return total // 2, total - total // 2

    def state_shapes(self, input_shape: tuple[int | None, ...]) -> list[tuple[int, ...]]:
        if self.ring_frames <= 0:
            return []
        rest = tuple(int(d) for d in input_shape[2:])
        return [(self.batch_size, self.ring_frames, *rest)]

    def _cell_input_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        shape = list(input_shape)
        if self.mode.is_streaming:
            shape[1] = None if shape[1] is None else shape[1] + max(self.ring_frames, 0)
            shape[0] = self.batch_size
        elif self.mode is Modes.SEQUENCE_INFERENCE and self.is_full_window:
            shape = [None, self.window_frames, *shape[2:]]
        elif shape[1] is not None:
            before, after = self._time_pads()
            shape[1] += before + after
        if len(shape) > 3:
            lo, hi = self._freq_pads(shape[2])
            shape[2] += lo + hi
        return tuple(shape)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if self.is_full_window or self.kind == "reducer":
            if self.mode.is_whole_window:
                if input_shape[1] is None:
                    raise ValueError(f"Stream '{self.name}': a full-window reducer needs a known frame count")
                if self.window_frames is None:
                    self.window_frames = int(input_shape[1])
            elif self.window_frames is None:
                self.check_streamable()
        if self.kind == "pool" and self.window_frames is None and self.mode.is_whole_window:
            # a pool that spans the whole window reduces it; remember T so streaming can keep T frames
            if input_shape[1] is not None and self.kernel_frames == input_shape[1]:
                self.window_frames = int(input_shape[1])
        if self.mode.is_streaming or self.mode is Modes.SEQUENCE_INFERENCE:
            self.check_streamable()
        if not self.cell.built:
            self.cell.build(self._cell_input_shape(input_shape))
        self._make_state_variables(input_shape)
        self.built = True

    # -- compute ----------------------------------------------------------------------------------------

    def _pad(self, x: Any, time: tuple[int, int], freq: tuple[int, int]) -> Any:
        if time == (0, 0) and freq == (0, 0):
            return x
        pads = [(0, 0), time]
        if len(x.shape) > 3:
            pads.append(freq)
        pads.extend((0, 0) for _ in range(len(x.shape) - len(pads)))
        return ops.pad(x, pads)

    def _run_cell(self, memory: Any) -> Any:
        memory = self._pad(memory, (0, 0), self._freq_pads(memory.shape[2] if len(memory.shape) > 3 else None))
        return self.cell(memory)

    def _step(self, inputs: Any, state: Any | None) -> tuple[Any, Any | None]:
        frames = inputs.shape[1]
        if self.is_full_window and frames != 1:
            raise ValueError(f"Stream '{self.name}': a full-window reducer streams one frame per call, got {frames}")
        if state is None:
            return self._run_cell(inputs), None
        memory = ops.concatenate([state, inputs], axis=1)
        new_state = memory[:, -self.ring_frames :]
        return self._run_cell(memory), new_state

    def _sequence(self, inputs: Any) -> Any:
        """Oracle: a full-window reducer applied to the window ending at every frame, zero-padded in front."""
        t = int(self.window_frames)  # type: ignore[arg-type]
        n = inputs.shape[1]
        padded = ops.pad(inputs, [(0, 0), (t - 1, 0)] + [(0, 0)] * (len(inputs.shape) - 2))
        windows = ops.stack([padded[:, i : i + n] for i in range(t)], axis=2)  # [B, N, T, ...]
        rest = tuple(inputs.shape[2:])
        flat = ops.reshape(windows, (-1, t, *rest))
        out = self._run_cell(flat)
        out_rest = tuple(out.shape[2:]) if self.kind == "pool" else tuple(out.shape[1:])
        return ops.reshape(out, (-1, n, *out_rest))

    def call(self, inputs: Any, states: list[Any] | None = None) -> Any:
        if self.mode is Modes.STREAM_EXTERNAL_STATE_INFERENCE:
            state = states[0] if states else None
            if self.ring_frames > 0 and state is None:
                raise ValueError(f"Stream '{self.name}': external-state mode needs its state passed in")
            out, new_state = self._step(inputs, state)
            return out, ([] if new_state is None else [new_state])
        if self.mode is Modes.STREAM_INTERNAL_STATE_INFERENCE:
            if not self.state_variables:
                return self._step(inputs, None)[0]
            var = self.state_variables[0]
            out, new_state = self._step(inputs, var.value)
            var.assign(new_state)
            return out
        if self.mode is Modes.SEQUENCE_INFERENCE and self.is_full_window:
            return self._sequence(inputs)
        freq = self._freq_pads(inputs.shape[2] if len(inputs.shape) > 3 else None)
        return self.cell(self._pad(inputs, self._time_pads(), freq))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "cell": _serialize_unbuilt(self.cell),
                "pad_time": self.pad_time,
                "pad_freq": self.pad_freq,
                "window_frames": self.window_frames,
            }
        )
        return config
