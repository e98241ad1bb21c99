"""kws_streaming's mfcc_tf feature extractor as model layers: the DFT of each Hann-windowed frame as a matrix
product (no RFFT op), power, mel weighting, log, DCT. Every step but the framing acts on each frame alone; the
framing is a Conv1D over whole hops of samples that `Stream` gives a ring buffer (hark.zoo.dnn)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

# Why an int8 model cannot carry the log: tflite-micro's LOG kernel takes float32 only.
LOG_INT8_REFUSAL = "it needs the LOG op, which tflite-micro runs in float32 only (no int8 kernel)"


def windowed_dft(window_samples: int) -> np.ndarray:
    """[window_samples, 2 * bins]: a periodic Hann window times the real then the imaginary DFT rows, bins =
    window_samples // 2 + 1, so that frame @ matrix = [Re X, Im X] of the windowed frame."""
    n = np.arange(window_samples)
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / window_samples)
    k = np.arange(window_samples // 2 + 1)
    angle = 2.0 * np.pi * np.outer(n, k) / window_samples
    return np.concatenate([hann[:, None] * np.cos(angle), -hann[:, None] * np.sin(angle)], axis=1)


def dct_matrix(num_mel: int, num_coefficients: int) -> np.ndarray:
    """[num_mel, num_coefficients]: DCT-II scaled as tf.signal.mfccs_from_log_mel_spectrograms (x 1/sqrt(2 M))."""
    m = np.arange(num_mel)
    k = np.arange(num_coefficients)
    return 2.0 * np.cos(np.pi * np.outer(m + 0.5, k) / num_mel) / np.sqrt(2.0 * num_mel)


@keras.saving.register_keras_serializable(package="hark")
class LogFloor(keras.layers.Layer):
    """log(max(x, epsilon)) on each value (kws_streaming's log of the mel spectrum). Acts on each frame alone."""

    int8_refusal = LOG_INT8_REFUSAL

    def __init__(self, epsilon: float = 1e-12, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, x: Any) -> Any:
        return keras.ops.log(keras.ops.maximum(x, self.epsilon))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "epsilon": self.epsilon}


def fixed_dense(units: int, matrix: np.ndarray, name: str) -> keras.layers.Dense:
    """A Dense layer without bias whose kernel is `matrix`, not trained (a constant of the extractor)."""
    layer = keras.layers.Dense(units, use_bias=False, trainable=False, name=name,
                               kernel_initializer=keras.initializers.Constant(matrix))  # fmt: skip
    return layer
