"""Features of one clip, in NumPy or inside a TensorFlow graph, for every `FrontendSpec.kind`.

- `microfrontend`: the uint16 microfrontend output times `FEATURE_SCALE` (TF speech_commands "micro" features;
  `features.scale` in the model metadata). This is what the device computes.
- `logmel`: log(mel power + 1e-6) of a Hann-windowed STFT, `num_channels` mel bands between the band limits.
- `mfcc`: the DCT of that log-mel spectrogram, `num_channels` coefficients. Host-only, like `logmel`.
- `raw`: the audio itself as float32 sample / 32768, cut into hops of `step_samples` (frames x step_samples);
  the model frames and transforms it (kws_streaming's `--preprocess raw`). Host-only: the device pipeline refuses
  such models (kws.c reads `frontend.kind` from the metadata).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from hark.features.backend import FeatureError, FrontendBackend, check_audio, get_backend
from hark.features.dynamic import is_dynamic, tf_to_int8_dynamic, to_int8_dynamic, window_range
from hark.spec import FEATURE_SCALE, FrontendSpec

# TensorFlow is imported on first use in the functions below: the C frontend computes microfrontend features
# without it, and tools that only need those should not pay its seconds of start-up.

LOG_OFFSET = 1e-6


def raw_to_float(raw: np.ndarray, fe: FrontendSpec) -> np.ndarray:
    """Raw uint16 features of one clip (frames, channels) or a batch -> the float features the model sees."""
    if is_dynamic(fe):
        rng = window_range(fe)
        flat = np.asarray(raw).reshape(-1, *np.shape(raw)[-2:])
        out = np.stack([to_int8_dynamic(w, rng) for w in flat]) if len(flat) else np.zeros(flat.shape, np.int8)
        return out.reshape(np.shape(raw)).astype(np.float32)
    return np.asarray(raw).astype(np.float32) * np.float32(FEATURE_SCALE)


def tf_raw_to_float(raw: Any, fe: FrontendSpec) -> Any:
    """As raw_to_float on a uint16 tensor [..., frames, channels] inside a graph."""
    import tensorflow as tf

    if is_dynamic(fe):
        return tf_to_int8_dynamic(raw, window_range(fe))
    return tf.cast(raw, tf.float32) * FEATURE_SCALE


def feature_shape(fe: FrontendSpec) -> tuple[int, int]:
    """(frames, channels) of one clip's features."""
    return fe.num_frames, fe.frame_width


def settings_key(fe: FrontendSpec) -> str:
    """A hash of every frontend setting (including the kind), for cache keys."""
    blob = json.dumps({"v": 1, "scale": FEATURE_SCALE, **dataclasses.asdict(fe)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _fft_length(fe: FrontendSpec) -> int:
    return 1 << (fe.window_samples - 1).bit_length()


def tf_host_features(audio_int16: Any, fe: FrontendSpec) -> Any:
    """log-mel, MFCC or raw-hop features of a 1-D int16 tensor, float32 (frames, channels)."""
    import tensorflow as tf

    x = tf.cast(audio_int16, tf.float32) / 32768.0
    if fe.kind == "raw":
        frames = fe.frames_for(int(x.shape[0])) if x.shape[0] is not None else -1
        hops = tf.reshape(x[: frames * fe.step_samples] if frames >= 0 else x, [frames, fe.step_samples])
        return tf.ensure_shape(hops, [None, fe.step_samples])
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

    if fe.kind == "microfrontend":
        return tf_raw_to_float((backend or get_backend()).tf_uint16(audio_int16, fe), fe)
    if fe.kind in ("mfcc", "logmel", "raw"):
        return tf_host_features(audio_int16, fe)
    raise FeatureError(f"unknown frontend.kind '{fe.kind}'")


def compute_features(audio: np.ndarray, fe: FrontendSpec, backend: FrontendBackend | None = None) -> np.ndarray:
    """Float32 (frames, channels) features of int16 audio, from a fresh frontend state."""
    audio = check_audio(audio, fe)
    if fe.kind == "microfrontend":
        return raw_to_float((backend or get_backend()).uint16(audio, fe), fe)
    import tensorflow as tf

    return tf_host_features(tf.constant(audio), fe).numpy()
