"""Representative data for int8 calibration. Streaming models are calibrated on streamed data: each clip is fed
frame by frame through the float streaming model, so state tensors see the ranges they will see on the device."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import keras
import numpy as np

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
) -> list[list[np.ndarray]]:
    """[features frame, *states] per call, in the converted model's input order, with state carried forward by
    the float model itself (reset per clip). Frames are subsampled evenly so `limit` covers many clips."""
    from hark import streaming

    names = input_names(model)
    out: list[list[np.ndarray]] = []
    for clip in clips:
        states = {k: np.asarray(v, np.float32) for k, v in streaming.initial_states(model).items()}
        pairs = dict(streaming.state_pairs(model))
        clip = np.asarray(clip, np.float32)
        for t in range(clip.shape[0]):
            values = {features: clip[None, t : t + 1], **states}
            out.append([values[n] for n in names])
            result = model(values, training=False)
            states = {i: np.asarray(result[o]) for i, o in pairs.items()}
        if len(out) >= limit * 4:
            break
    step = max(1, len(out) // limit)
    return out[::step][:limit]


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
