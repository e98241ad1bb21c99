"""Microfrontend backends: one interface over TensorFlow's audio_microfrontend op and the project's C frontend.

`get_backend()` picks the C frontend (`hark.native.frontend.uint16_features`) when its shared library is built,
else the TF op (`hark.features.oracle`); `HARK_FRONTEND_BACKEND=tf` or `=c` forces one. Both must give the same
uint16 values bit for bit (the C frontend's own tests check it against the TF op).
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any, Protocol

import numpy as np

from hark.features.oracle import FeatureError, op_kwargs, tf_microfrontend
from hark.native import frontend as c_frontend
from hark.spec import FrontendSpec

log = logging.getLogger(__name__)


class FrontendBackend(Protocol):
    name: str

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        """int16 audio (n,) -> uint16 features (frames, channels), from a fresh frontend state."""
        ...

    def tf_uint16(self, audio: Any, fe: FrontendSpec) -> Any:
        """The same on a 1-D int16 tf.Tensor, usable inside a tf.data map."""
        ...


def check_audio(audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
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
        # TensorFlow is imported on use here and below: the C backend and the tools that use it never need it.
        import tensorflow as tf
        from tensorflow.lite.experimental.microfrontend.python.ops import audio_microfrontend_op as op

        if fe.enable_dc_notch:
            raise FeatureError("frontend.enable_dc_notch has no counterpart in TF's audio_microfrontend op")
        return op.audio_microfrontend(audio, out_type=tf.uint16, **op_kwargs(fe))

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        return tf_microfrontend(check_audio(audio, fe), fe)


class CFrontendBackend:
    """The project's C frontend (the firmware's code) through its binding, which keeps one frontend state per
    thread (tf.data calls it from several threads at once)."""

    name = "c"

    def uint16(self, audio: np.ndarray, fe: FrontendSpec) -> np.ndarray:
        audio = check_audio(audio, fe)
        out = c_frontend.uint16_features(audio, fe)
        want = (fe.frames_for(len(audio)), fe.num_channels)
        if out.dtype != np.uint16 or out.shape != want:
            raise FeatureError(f"C frontend returned {out.dtype} {out.shape}, expected uint16 {want}")
        return out

    def tf_uint16(self, audio: Any, fe: FrontendSpec) -> Any:
        import tensorflow as tf

        out = tf.numpy_function(lambda a: self.uint16(a, fe), [audio], tf.uint16, stateful=False)
        return tf.ensure_shape(out, [None, fe.num_channels])


@functools.lru_cache(maxsize=1)
def _c_backend() -> CFrontendBackend | None:
    backend = CFrontendBackend()
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
