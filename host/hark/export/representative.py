"""Representative data for int8 calibration. Streaming models are calibrated on streamed data: each clip is fed
frame by frame through the float streaming model, so state tensors see the ranges they will see on the device."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import keras
import numpy as np
import tensorflow as tf

from hark.export.quantize import input_names


def window_samples(clips: Iterable[np.ndarray], limit: int) -> list[list[np.ndarray]]:
    out = []
    for clip in clips:
        out.append([np.asarray(clip, np.float32)[None]])
        if len(out) >= limit:
            break
    return out


def external_state_samples(
    model: keras.Model, clips: Iterable[np.ndarray], limit: int, *, features: str = "features"
) -> tuple[list[list[np.ndarray]], dict[str, tuple[float, float]]]:
    """[features frame, *states] per call, in the converted model's input order, with state carried forward by
    the float model itself (reset per clip). Frames are subsampled evenly so `limit` covers many clips.

    Also returns one float range per state, covering both its input and its next-state output over every call
    (and 0), keyed by both names: the range that state input and output then share."""
    from hark import streaming

    names = input_names(model)
    pairs = dict(streaming.state_pairs(model))
    lo = {i: 0.0 for i in pairs}
    hi = {i: 0.0 for i in pairs}
    out: list[list[np.ndarray]] = []
    step_fn = tf.function(lambda values: model(values, training=False))  # traced once: eager calls are slow
    for clip in clips:
        states = {k: np.asarray(v, np.float32) for k, v in streaming.initial_states(model).items()}
        clip = np.asarray(clip, np.float32)
        for t in range(clip.shape[0]):
            values = {features: clip[None, t : t + 1], **states}
            out.append([values[n] for n in names])
            result = step_fn(values)
            states = {i: np.asarray(result[o]) for i, o in pairs.items()}
            for i, value in states.items():
                lo[i], hi[i] = min(lo[i], float(value.min())), max(hi[i], float(value.max()))
        if len(out) >= limit * 4:
            break
    step = max(1, len(out) // limit)
    ranges: dict[str, tuple[float, float]] = {}
    for i, o in pairs.items():
        span = (lo[i], hi[i] if hi[i] > lo[i] else lo[i] + 1e-3)
        ranges[i] = ranges[o] = span
    return out[::step][:limit], ranges


def internal_state_samples(clips: Iterable[np.ndarray], limit: int) -> list[list[np.ndarray]]:
    """Frames in stream order (the calibrator's variables carry state from call to call)."""
    out: list[list[np.ndarray]] = []
    for clip in clips:
        clip = np.asarray(clip, np.float32)
        out.extend([clip[None, t : t + 1]] for t in range(clip.shape[0]))
        if len(out) >= limit:
            break
    return out[: max(limit, 1)]


def as_generator(samples: Sequence[Sequence[np.ndarray]]) -> Iterator[Sequence[np.ndarray]]:
    yield from samples
