"""Features of one clip, in NumPy or inside a TensorFlow graph, for every `FrontendSpec.kind`.

- `microfrontend`: the uint16 microfrontend output times `FEATURE_SCALE` (TF speech_commands "micro" features;
  `features.scale` in the model metadata). This is what the device computes.
- `logmel`: log(mel power + 1e-6) of a Hann-windowed STFT, `num_channels` mel bands between the band limits.
- `mfcc`: the DCT of that log-mel spectrogram, `num_channels` coefficients. Host-only, like `logmel`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from hark.features.backend import FeatureError, FrontendBackend, check_audio, get_backend
from hark.spec import FEATURE_SCALE, FrontendSpec

LOG_OFFSET = 1e-6


def feature_shape(fe: FrontendSpec) -> tuple[int, int]:
    """(frames, channels) of one clip's features."""
    return fe.num_frames, fe.num_channels


def settings_key(fe: FrontendSpec) -> str:
    """A hash of every frontend setting (including the kind), for cache keys."""
    blob = json.dumps({"v": 1, "scale": FEATURE_SCALE, **dataclasses.asdict(fe)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _fft_length(fe: FrontendSpec) -> int:
    return 1 << (fe.window_samples - 1).bit_length()


def tf_spectral(audio_int16: Any, fe: FrontendSpec) -> Any:
    """log-mel or MFCC features of a 1-D int16 tensor, float32 (frames, channels)."""
    import tensorflow as tf

    x = tf.cast(audio_int16, tf.float32) / 32768.0
    stft = tf.signal.stft(x, fe.window_samples, fe.step_samples, _fft_length(fe), window_fn=tf.signal.hann_window)
    power = tf.math.square(tf.abs(stft))
    mel = tf.signal.linear_to_mel_weight_matrix(
        fe.num_channels, _fft_length(fe) // 2 + 1, fe.sample_rate, fe.lower_band_limit, fe.upper_band_limit
    )
    log_mel = tf.math.log(tf.tensordot(power, mel, 1) + LOG_OFFSET)
    if fe.kind == "logmel":
        return log_mel
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)


def tf_features(audio_int16: Any, fe: FrontendSpec, backend: FrontendBackend | None = None) -> Any:
    """Float32 (frames, channels) features of a 1-D int16 tensor, inside a graph."""
    import tensorflow as tf

    if fe.kind == "microfrontend":
        raw = (backend or get_backend()).tf_uint16(audio_int16, fe)
        return tf.cast(raw, tf.float32) * FEATURE_SCALE
    if fe.kind in ("mfcc", "logmel"):
        return tf_spectral(audio_int16, fe)
    raise FeatureError(f"unknown frontend.kind '{fe.kind}'")


def compute_features(audio: np.ndarray, fe: FrontendSpec, backend: FrontendBackend | None = None) -> np.ndarray:
    """Float32 (frames, channels) features of int16 audio, from a fresh frontend state."""
    audio = check_audio(audio, fe)
    if fe.kind == "microfrontend":
        return (backend or get_backend()).uint16(audio, fe).astype(np.float32) * np.float32(FEATURE_SCALE)
    import tensorflow as tf

    return tf_spectral(tf.constant(audio), fe).numpy()
