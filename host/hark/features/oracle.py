"""TensorFlow's audio_microfrontend op, the oracle the C frontend must match bit for bit.

The op has no switch for noise reduction; with `enable_noise_reduction=False` it runs with zero
smoothing, zero minimum remaining signal and smoothing_bits 0, which leaves every value unchanged
and the noise estimate at 0, exactly what skipping the stage does (MLTK's meaning of the switch).
MLTK's DC notch is applied to the audio before the op, as MLTK's frontend does before its window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hark.native.frontend import DC_NOTCH_COEFFICIENT
from hark.spec import FrontendSpec


class FeatureError(ValueError):
    """Features cannot be computed for these settings or this audio."""


def op_kwargs(fe: FrontendSpec) -> dict[str, Any]:
    """FrontendSpec -> audio_microfrontend arguments (the one mapping; the DC notch is not the op's, see
    `tf_microfrontend`)."""
    if fe.kind != "microfrontend":
        raise FeatureError(f"frontend.kind '{fe.kind}' is not the microfrontend")
    nr = fe.enable_noise_reduction
    return {
        "sample_rate": fe.sample_rate, "window_size": fe.window_size_ms, "window_step": fe.window_step_ms,
        "num_channels": fe.num_channels, "upper_band_limit": fe.upper_band_limit,
        "lower_band_limit": fe.lower_band_limit, "smoothing_bits": fe.smoothing_bits if nr else 0,
        "even_smoothing": fe.even_smoothing if nr else 0.0, "odd_smoothing": fe.odd_smoothing if nr else 0.0,
        "min_signal_remaining": fe.min_signal_remaining if nr else 0.0, "enable_pcan": fe.enable_pcan,
        "pcan_strength": fe.pcan_strength, "pcan_offset": fe.pcan_offset, "gain_bits": fe.gain_bits,
        "enable_log": fe.enable_log, "scale_shift": fe.scale_shift, "out_scale": 1,
    }  # fmt: skip


def dc_notch(audio: np.ndarray, coefficient: float = 0.95) -> np.ndarray:
    """MLTK's DC notch, y[n] = x[n] - x[n-1] + c y[n-1] in Q15 with int16 wrap-around."""
    coef = int(np.float32(coefficient) * np.float32(32768.0))
    out = np.zeros(len(audio), np.int16)
    prev_in = prev_out = 0
    for n, x in enumerate(audio.astype(np.int64)):
        d = ((x - prev_in + 32768) & 0xFFFF) - 32768
        p = coef * prev_out
        y = d + (((p >> 14) + 1) >> 1)
        prev_out = ((y + 32768) & 0xFFFF) - 32768
        prev_in = int(x)
        out[n] = prev_out
    return out


def tf_microfrontend(audio_int16: np.ndarray, fe: FrontendSpec) -> np.ndarray:
    """Frames x channels uint16 from the TF op for these settings."""
    # TensorFlow is imported on use: the C frontend (the default feature backend) does not need it.
    import tensorflow as tf
    from tensorflow.lite.experimental.microfrontend.python.ops import audio_microfrontend_op as op

    audio = np.asarray(audio_int16, np.int16)
    if fe.enable_dc_notch:
        audio = dc_notch(audio, DC_NOTCH_COEFFICIENT)
    out = op.audio_microfrontend(tf.constant(audio), out_type=tf.uint16, **op_kwargs(fe))
    return out.numpy()
