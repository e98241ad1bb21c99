"""DNN (kws_streaming's dnn): dense layers on each frame, the window flattened, then dense layers; and dnn_raw,
the same on raw audio."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hark.layers.spectral import LogFloor, dct_matrix, fixed_dense, windowed_dft
from hark.layers.stream import Stream
from hark.spec import ModelSpec, SpecError
from hark.zoo.blocks import classifier
from hark.zoo.registry import register

DEFAULTS = {"frame_units": [64, 32], "units": [128], "dropout": 0.1}


@register("dnn", DEFAULTS, streamable=True, description="per-frame dense, flatten over the window, dense")
def build(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    x = features
    for i, units in enumerate(p["frame_units"]):
        x = keras.layers.Dense(units, activation="relu", name=f"frame_dense{i}")(x)
    x = Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    for i, units in enumerate(p["units"]):
        x = keras.layers.Dropout(p["dropout"], name=f"dense{i}_dropout")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
    return classifier(x, spec, p["dropout"])


RAW_DEFAULTS = {
    "features": "learned",  # or "mfcc_tf": kws_streaming's DFT-as-matmul MFCC inside the model (float only)
    "dct_coefficients": 20,  # mfcc_tf: 0 keeps the log-mel (frontend.num_channels bands)
    "log_epsilon": 1e-12,
    "frame_units": [64, 128],
    "frame_activations": ["relu", "relu"],
    "pool": 2,
    "dropout": 0.1,
    "units": [128, 256],
    "activations": ["linear", "relu"],
}


@register("dnn_raw", RAW_DEFAULTS, streamable=True,
          description="raw audio: learned dense frontend per window of samples, flatten, max pool, dense")  # fmt: skip
def build_raw(features: Any, p: dict[str, Any], spec: ModelSpec) -> Any:
    """kws_streaming's dnn_raw. Its DataFrame (windows of `window_samples` every `step_samples`) followed by a
    Dense layer is one Conv1D over the hops of samples the raw frontend gives, with a kernel of window/step hops:
    the same weights and sums, and Stream keeps the previous hops in a ring buffer when streaming. Its max pool
    over the flattened window (pool = stride) runs here on each frame's units before the flatten; with the frame
    width a multiple of the pool both pick the same pairs."""
    fe = spec.frontend
    if fe.kind != "raw":
        raise SpecError(f"{spec.source or spec.name}: architecture 'dnn_raw' takes raw audio: frontend.kind must "
                        f"be 'raw', not '{fe.kind}'")  # fmt: skip
    if len(p["frame_units"]) != len(p["frame_activations"]) or len(p["units"]) != len(p["activations"]):
        raise SpecError(f"{spec.source or spec.name}: dnn_raw: frame_units/frame_activations and units/activations "
                        "must have one entry per layer")  # fmt: skip
    pool = int(p["pool"])
    if pool > 1 and p["frame_units"][-1] % pool:
        raise SpecError(f"{spec.source or spec.name}: dnn_raw: the last frame_units ({p['frame_units'][-1]}) must "
                        f"be a multiple of pool ({pool})")  # fmt: skip
    hops = fe.window_samples // fe.step_samples
    x = features
    if p["features"] == "mfcc_tf":
        x = mfcc_tf(x, fe, p["dct_coefficients"], p["log_epsilon"])
    elif p["features"] != "learned":
        raise SpecError(f"{spec.source or spec.name}: dnn_raw: features must be 'learned' or 'mfcc_tf', not "
                        f"'{p['features']}'")  # fmt: skip
    for i, (units, act) in enumerate(zip(p["frame_units"], p["frame_activations"], strict=True)):
        if i == 0 and p["features"] == "learned":
            conv = keras.layers.Conv1D(units, hops, padding="valid", activation=act, name="frame_dense0")
            x = Stream(conv, pad_time="valid", name="frame_dense0_stream")(x)
        else:
            x = keras.layers.Dense(units, activation=act, name=f"frame_dense{i}")(x)
    if pool > 1:
        width = x.shape[-1]
        x = keras.layers.Reshape((-1, width, 1), name="pool_in")(x)
        x = keras.layers.MaxPooling2D((1, pool), strides=(1, pool), name="pool")(x)
        x = keras.layers.Reshape((-1, width // pool), name="pool_out")(x)
    x = Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    x = keras.layers.Dropout(p["dropout"], name="flat_dropout")(x)
    for i, (units, act) in enumerate(zip(p["units"], p["activations"], strict=True)):
        x = keras.layers.Dense(units, activation=act, name=f"dense{i}")(x)
    return classifier(x, spec)


def mfcc_tf(hops: Any, fe: Any, dct_coefficients: int, log_epsilon: float) -> Any:
    """kws_streaming's mfcc_tf on hops of samples: framing, Hann window and DFT as one fixed Conv1D over whole hops,
    power (re^2 + im^2, summed by the mel weights), log(max(x, eps)), DCT. Constants, not trained."""
    import tensorflow as tf  # TF's mel weights, as kws_streaming's mel_spectrogram uses

    per = fe.window_samples // fe.step_samples
    dft = windowed_dft(fe.window_samples)
    bins = dft.shape[1] // 2
    frame = keras.layers.Conv1D(dft.shape[1], per, padding="valid", use_bias=False, trainable=False, name="dft",
                                kernel_initializer=keras.initializers.Constant(dft.reshape(per, fe.step_samples, -1)))
    x = Stream(frame, pad_time="valid", name="dft_stream")(hops)
    x = keras.layers.Multiply(name="power")([x, x])
    mel = tf.signal.linear_to_mel_weight_matrix(fe.num_channels, bins, fe.sample_rate, fe.lower_band_limit,
                                                fe.upper_band_limit).numpy()  # fmt: skip
    x = fixed_dense(fe.num_channels, np.concatenate([mel, mel]), "mel")(x)
    x = LogFloor(log_epsilon, name="log_mel")(x)
    if dct_coefficients:
        x = fixed_dense(dct_coefficients, dct_matrix(fe.num_channels, dct_coefficients), "dct")(x)
    return x
