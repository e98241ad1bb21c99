"""Microfrontend backends: one interface over TensorFlow's audio_microfrontend op and the project's C frontend.

`get_backend()` picks the C frontend (`hark.native.frontend.compute_features`) when its binding imports and its shared
library is built, else the TF op; `HARK_FRONTEND_BACKEND=tf` or `=c` forces one. Both must give the same uint16
values bit for bit (the C frontend's own tests check it against the TF op).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from typing import Any, Protocol

import numpy as np

from hark.native import frontend as c_frontend
from hark.spec import FrontendSpec

log = logging.getLogger(__name__)


class FeatureError(ValueError):
    """Features cannot be computed for these settings or this audio."""


class FrontendBackend(Protocol):
    name: str

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        """int16 audio (n,) -> uint16 features (frames, channels), from a fresh frontend state."""
        ...

    def tf_uint16(self, audio: Any, fe: FrontendSpec) -> Any:
        """The same on a 1-D int16 tf.Tensor, usable inside a tf.data map."""
        ...


def op_kwargs(fe: FrontendSpec) -> dict[str, Any]:
    """FrontendSpec -> audio_microfrontend arguments."""
    if fe.kind != "microfrontend":
        raise FeatureError(f"frontend.kind '{fe.kind}' is not the microfrontend")
    if fe.enable_dc_notch:
        raise FeatureError("frontend.enable_dc_notch has no counterpart in TF's audio_microfrontend op")
    # The op has no switch for noise reduction. With zero smoothing its noise estimate stays at its initial zero,
    # so it subtracts nothing and the floor (signal * min_signal_remaining) never binds: exactly "off".
    even, odd = (fe.even_smoothing, fe.odd_smoothing) if fe.enable_noise_reduction else (0.0, 0.0)
    return {
        "sample_rate": fe.sample_rate, "window_size": fe.window_size_ms, "window_step": fe.window_step_ms,
        "num_channels": fe.num_channels, "upper_band_limit": fe.upper_band_limit,
        "lower_band_limit": fe.lower_band_limit, "smoothing_bits": fe.smoothing_bits, "even_smoothing": even,
        "odd_smoothing": odd, "min_signal_remaining": fe.min_signal_remaining, "enable_pcan": fe.enable_pcan,
        "pcan_strength": fe.pcan_strength, "pcan_offset": fe.pcan_offset, "gain_bits": fe.gain_bits,
        "enable_log": fe.enable_log, "scale_shift": fe.scale_shift, "out_scale": 1,
    }  # fmt: skip


def frames_for(num_samples: int, fe: FrontendSpec) -> int:
    """Frames the microfrontend emits for a clip: one per whole window, stepping by the hop."""
    return 1 + (num_samples - fe.window_samples) // fe.step_samples


def _check_audio(audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.dtype != np.int16 or audio.ndim != 1:
        raise FeatureError(f"audio must be a 1-D int16 array, got {audio.dtype} with shape {audio.shape}")
    if len(audio) < fe.window_samples:
        raise FeatureError(f"audio of {len(audio)} samples is shorter than one window ({fe.window_samples})")
    return audio


class TfOpBackend:
    """TensorFlow's audio_microfrontend op: the oracle."""

    name = "tf"

    def tf_uint16(self, audio: Any, fe: FrontendSpec) -> Any:
        import tensorflow as tf
        from tensorflow.lite.experimental.microfrontend.python.ops import audio_microfrontend_op as op

        return op.audio_microfrontend(audio, out_type=tf.uint16, **op_kwargs(fe))

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        import tensorflow as tf

        audio = _check_audio(audio, fe)
        return self.tf_uint16(tf.constant(audio), fe).numpy()


class CFrontendBackend:
    """The project's C frontend (the firmware's code) through its Python binding.

    tf.data calls it from several threads at once and ctypes releases the GIL, so each thread gets its own
    frontend instance (state) per setting rather than sharing the binding's cached one."""

    name = "c"

    def __init__(self, module: Any) -> None:
        self._module = module
        self._local = threading.local()
        self._lock = threading.Lock()

    def _raw(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        make = getattr(self._module, "Frontend", None)
        if make is None:
            with self._lock:
                return np.asarray(self._module.compute_features(audio, fe))
        instances = self._local.__dict__.setdefault("instances", {})
        if fe not in instances:
            instances[fe] = make(fe)
        return np.asarray(instances[fe].run(audio))

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        audio = _check_audio(audio, fe)
        out = self._raw(audio, fe)
        want = (frames_for(len(audio), fe), fe.num_channels)
        if out.dtype != np.uint16 or out.shape != want:
            raise FeatureError(f"C frontend returned {out.dtype} {out.shape}, expected uint16 {want}")
        return out

    def tf_uint16(self, audio: Any, fe: FrontendSpec) -> Any:
        import tensorflow as tf

        out = tf.numpy_function(lambda a: self.uint16(a, fe), [audio], tf.uint16, stateful=False)
        return tf.ensure_shape(out, [None, fe.num_channels])


@functools.lru_cache(maxsize=1)
def _c_backend() -> CFrontendBackend | None:
    backend = CFrontendBackend(c_frontend)
    try:
        backend.uint16(np.zeros(FrontendSpec().clip_samples, np.int16), FrontendSpec())
    except Exception as err:  # its library not built, or a binding that breaks the contract
        log.info("C frontend not usable (%s); features come from TF's audio_microfrontend op", err)
        return None
    return backend


def get_backend(name: str | None = None) -> FrontendBackend:
    """'c', 'tf', or None for the default (env HARK_FRONTEND_BACKEND, else C if built, else TF)."""
    name = name or os.environ.get("HARK_FRONTEND_BACKEND") or "auto"
    if name == "tf":
        return TfOpBackend()
    if name in ("c", "auto"):
        c = _c_backend()
        if c is not None:
            return c
        if name == "c":
            raise FeatureError("the C frontend's library (hark.native.frontend) is not built or does not work")
        return TfOpBackend()
    raise FeatureError(f"unknown frontend backend '{name}': use 'c' or 'tf'")
