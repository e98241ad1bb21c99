"""MLTK's dynamic int8 quantization of a feature window (`frontend.dynamic_range_db` > 0), in NumPy and TensorFlow.

The window's largest uint16 value maps to 127 and the value `range` below it to -128, linearly, truncating, as
`frontend_to_int8_dynamic` in firmware/frontend does on the device; `range` is MLTK's range in dB turned into
feature units (`dynamic_range`). The model then sees the int8 codes as float features (`features.scale` 1).
These are written from MLTK's description, independently of the C code, so the tests can hold one against the
other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hark.spec import FrontendSpec

# ln(10) / 20 as MLTK writes it: dB -> natural-log units, which the log-scale stage outputs times 2^scale_shift.
_DB_TO_LOG = 0.11512925465


def dynamic_range(range_db: float, scale_shift: int) -> int:
    """range_db * 2^scale_shift (in float32) * ln(10)/20 (in double), truncated toward zero."""
    scaled = float(np.float32(range_db) * np.float32(1 << scale_shift))
    return int(math.trunc(scaled * _DB_TO_LOG))


def is_dynamic(fe: FrontendSpec) -> bool:
    return fe.kind == "microfrontend" and fe.dynamic_range_db > 0.0


def window_range(fe: FrontendSpec) -> int:
    rng = dynamic_range(fe.dynamic_range_db, fe.scale_shift)
    if rng <= 0:
        raise ValueError(f"frontend.dynamic_range_db {fe.dynamic_range_db} gives no range at scale_shift "
                         f"{fe.scale_shift}")  # fmt: skip
    return rng


def to_int8_dynamic(window: np.ndarray, rng: int) -> np.ndarray:
    """uint16 window (frames, channels) -> int8 codes: (v - (max - rng)) * 255 // span - 128, clamped."""
    v = np.asarray(window, np.int64)
    top = int(v.max()) if v.size else 0
    low = max(top - rng, 0)
    span = max(top - low, 1)
    # Floor and C's truncation differ only for v < low, and both land at or below -128 there.
    return np.clip((v - low) * 255 // span - 128, -128, 127).astype(np.int8)


def tf_to_int8_dynamic(raw: Any, rng: int) -> Any:
    """The same on a uint16 tensor [..., frames, channels], one window per leading index; returns float32 codes."""
    import tensorflow as tf

    v = tf.cast(raw, tf.int32)
    top = tf.reduce_max(v, axis=[-2, -1], keepdims=True)
    low = tf.maximum(top - rng, 0)
    span = tf.maximum(top - low, 1)
    codes = tf.clip_by_value(tf.math.floordiv((v - low) * 255, span) - 128, -128, 127)
    return tf.cast(codes, tf.float32)
