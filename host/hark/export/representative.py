"""Representative data for int8 calibration. Streaming models are calibrated on streamed data: each clip is fed
frame by frame through the float streaming model, so state tensors see the ranges they will see on the device."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import keras
import numpy as np
import tensorflow as tf

from hark import streaming
from hark.export.quantize import input_names


def window_samples(clips: Iterable[np.ndarray], limit: int) -> list[list[np.ndarray]]:
    out = []
    for clip in clips:
        out.append([np.asarray(clip, np.float32)[None]])
        if len(out) >= limit:
            break
    return out


# A streaming model is calibrated on every call of whole clips, up to this many calls per representative sample
# (a window sample is a whole clip; a call sees one frame of one). Subsampling the calls instead leaves the per-call
# tensors (the scores among them) calibrated on a tenth of the values the window model's see, and clips.
FRAMES_PER_SAMPLE = 10


def external_state_samples(
    model: keras.Model, clips: Iterable[np.ndarray], limit: int, *, features: str = "features"
) -> list[list[np.ndarray]]:
    """[features frame, *states] for every call over whole clips (up to `FRAMES_PER_SAMPLE * limit` calls), in
    the converted model's input order, with state carried forward by the float model itself (reset per clip),
    so each state input is calibrated on the values its output feeds back."""
    names = input_names(model)
    pairs = dict(streaming.state_pairs(model))
    calls: list[list[np.ndarray]] = []
    step_fn = tf.function(lambda values: model(values, training=False))  # traced once: eager calls are slow
    for clip in clips:
        states = {k: np.asarray(v, np.float32) for k, v in streaming.initial_states(model).items()}
        clip = np.asarray(clip, np.float32)
        for t in range(clip.shape[0]):
            values = {features: clip[None, t : t + 1], **states}
            calls.append([values[n] for n in names])
            result = step_fn(values)
            states = {i: np.asarray(result[o]) for i, o in pairs.items()}
        if len(calls) >= limit * FRAMES_PER_SAMPLE:
            break
    return calls


def internal_state_samples(clips: Iterable[np.ndarray], limit: int) -> list[list[np.ndarray]]:
    """Every frame of whole clips, in stream order (the calibrator's variables carry state from call to call, so
    frames cannot be subsampled as for external state), up to `FRAMES_PER_SAMPLE * limit` frames, as many as
    external-state calibration steps through: the state variables must see as many clips' extremes."""
    out: list[list[np.ndarray]] = []
    for clip in clips:
        clip = np.asarray(clip, np.float32)
        out.extend([clip[None, t : t + 1]] for t in range(clip.shape[0]))
        if len(out) >= limit * FRAMES_PER_SAMPLE:
            break
    return out


def as_generator(samples: Sequence[Sequence[np.ndarray]]) -> Iterator[Sequence[np.ndarray]]:
    yield from samples
