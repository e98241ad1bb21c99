"""The modes a streaming-aware model can be built in (kws_streaming's four, plus a test oracle)."""

from __future__ import annotations

import enum


class Modes(str, enum.Enum):
    """How streaming-aware layers compute.

    - TRAINING and NON_STREAM_INFERENCE see the whole window `[batch, frames, ...]` at once; time padding
      (causal or same) is applied by the layers, so the output is one vector per window.
    - STREAM_INTERNAL_STATE_INFERENCE sees `frames_per_call` new frames per call and keeps its ring buffers
      in non-trainable variables inside the model (resource variables after conversion).
    - STREAM_EXTERNAL_STATE_INFERENCE is the same computation with every ring buffer as a named extra input
      and the updated buffer as a named extra output; the caller copies outputs back into inputs.
    - SEQUENCE_INFERENCE is a test oracle: the non-streaming computation over a long input with one output
      per frame, where every full-window reducer (Flatten, global pooling, last-frame) looks at the window that
      ends at that frame. A streaming model started from zero state must match it frame by frame.
    """

    TRAINING = "training"
    NON_STREAM_INFERENCE = "non_stream"
    STREAM_INTERNAL_STATE_INFERENCE = "stream_internal"
    STREAM_EXTERNAL_STATE_INFERENCE = "stream_external"
    SEQUENCE_INFERENCE = "sequence"

    @property
    def is_streaming(self) -> bool:
        return self in (Modes.STREAM_INTERNAL_STATE_INFERENCE, Modes.STREAM_EXTERNAL_STATE_INFERENCE)

    @property
    def is_whole_window(self) -> bool:
        return self in (Modes.TRAINING, Modes.NON_STREAM_INFERENCE)

    @classmethod
    def parse(cls, value: str | Modes) -> Modes:
        if isinstance(value, Modes):
            return value
        if value == "window":  # the spec's name for a non-streaming device model
            return Modes.NON_STREAM_INFERENCE
        for mode in cls:
            if value in (mode.value, mode.name, mode.name.lower()):
                return mode
        known = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown mode '{value}'; known modes: {known}")


class NotStreamableError(ValueError):
    """A layer cannot run one frame per call; the message names the layer and the reason."""
