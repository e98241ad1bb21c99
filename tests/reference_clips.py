"""Shared helpers for the zoo and streaming tests: real clips through TF's microfrontend, random weights."""

from __future__ import annotations

import wave
from pathlib import Path

import keras
import numpy as np
from reference import reference_dir

from hark.spec import FrontendSpec

CLIPS = ("yes_1000ms", "no_1000ms", "noise_1000ms", "silence_1000ms")
FEATURE_SCALE = 10.0 / 256.0  # TF speech_commands' "micro" preprocessing: uint16 output x 10/256


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def clip_features(frontend: FrontendSpec | None = None) -> np.ndarray:
    """[4, frames, channels] float features of the four reference recordings (yes, no, noise, silence)."""
    import tensorflow as tf
    from tensorflow.lite.experimental.microfrontend.python.ops import audio_microfrontend_op as op

    fe = frontend or FrontendSpec()
    out = []
    for name in CLIPS:
        path = reference_dir() / "tflite-micro" / "testdata" / f"{name}.wav"  # TFLM's clips (Apache-2.0)
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the reference test clips are part of the workplace")
        audio = read_wav(path)
        feats = op.audio_microfrontend(
            tf.constant(audio),
            sample_rate=fe.sample_rate,
            window_size=fe.window_size_ms,
            window_step=fe.window_step_ms,
            num_channels=fe.num_channels,
            upper_band_limit=fe.upper_band_limit,
            lower_band_limit=fe.lower_band_limit,
            out_scale=1,
            out_type=tf.uint16,
        ).numpy()
        out.append(feats.astype(np.float32) * FEATURE_SCALE)
    return np.stack(out)


def randomize(model: keras.Model, seed: int = 0, gain: float = 1.5) -> None:
    """Random weights with some bite: fan-in scaled kernels, non-trivial batch-norm statistics, so outputs move
    from frame to frame and differ between clips (a softmax stuck at uniform would hide bugs)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape = tuple(w.shape)
        path = w.path
        if "moving_variance" in path:
            value = rng.uniform(0.5, 2.0, shape)
        elif "moving_mean" in path or "beta" in path or "bias" in path:
            value = rng.normal(0.0, 0.1, shape)
        elif "gamma" in path:
            value = rng.uniform(0.8, 1.2, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else shape[0]
            if "depthwise" in path:
                fan_in = int(np.prod(shape[:-2]))
            value = rng.normal(0.0, gain / np.sqrt(max(fan_in, 1)), shape)
        w.assign(value.astype(np.float32))


def fit_to_clips(model: keras.Model, clips: np.ndarray, labels: tuple[int, ...], steps: int = 40) -> None:
    """A few Adam steps so the model tells the clips apart: its outputs then differ clip to clip and move over
    time, as a trained model's do. Batch norm stays frozen (inference statistics), as four clips are no batch."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    x = np.tile(clips, (steps, 1, 1))
    y = np.tile(np.asarray(labels), steps)
    model.fit(x, y, batch_size=len(clips), epochs=1, verbose=0, shuffle=False)
