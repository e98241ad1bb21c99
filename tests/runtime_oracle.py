"""Shared helpers for the runtime tests: reference models, the tflite-micro oracle, and tiny random Keras
models converted to int8 with TensorFlow's converter."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from reference import reference_dir  # noqa: F401  (re-exported for the runtime tests)

from hark.native.runtime import Interpreter


def tflm_interpreter(model: bytes):  # noqa: ANN201 - tflite_micro has no type stubs
    from tflite_micro.python.tflite_micro import runtime as tflm

    return tflm.Interpreter.from_bytes(model)


def random_input(rng: np.random.Generator, dtype: type, shape: tuple[int, ...], kind: int) -> np.ndarray:
    """Uniform over the type for most cases, plus the edges: all-min, all-max, zeros and sparse spikes."""
    info = np.iinfo(dtype)
    if kind == 0:
        return np.full(shape, info.min, dtype)
    if kind == 1:
        return np.full(shape, info.max, dtype)
    if kind == 2:
        return np.zeros(shape, dtype)
    if kind == 3:
        x = np.full(shape, info.min, dtype)
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, max(1, flat.size // 16))] = info.max
        return x
    return rng.integers(info.min, info.max + 1, size=shape, dtype=dtype)


def convert_int8(  # noqa: ANN201
    model,  # noqa: ANN001
    input_shape: tuple[int, ...],
    rng: np.random.Generator,
    samples: int = 32,
    *,
    float_io: bool = False,
) -> bytes:
    """Full-integer conversion with a representative dataset; int8 input and output unless `float_io`
    (then the model starts with QUANTIZE and ends with DEQUANTIZE)."""
    import tensorflow as tf

    data = [rng.standard_normal((1, *input_shape)).astype(np.float32) * rng.uniform(0.5, 3.0) for _ in range(samples)]

    def representative():  # noqa: ANN202
        for x in data:
            yield [x]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


VARIANTS = [False, True]  # portable kernels, DSP twins


def compare_with_tflm(
    model: bytes,
    cases: int,
    seed: int,
    *,
    stateful: bool = False,
    reset_at: tuple[int, ...] = (),
    kind: Callable[[int], int] = lambda case: case % 13,
) -> int:
    """Runs `cases` inputs through tflite-micro and both builds of ours; returns the number compared.

    Stateless models are reset every 50 cases; a `stateful` model's state carries over, reset on both sides
    before each case in `reset_at`. `kind(case)` picks random_input's kind."""
    ours = [Interpreter(model, dsp=v) for v in VARIANTS]
    ref = tflm_interpreter(model)
    rng = np.random.default_rng(seed)
    shapes = [(t.dtype, t.shape) for t in ours[0].inputs]
    for case in range(cases):
        if case in reset_at:
            ref.reset()
            for it in ours:
                it.reset()
        xs = [random_input(rng, dt, sh, kind(case)) for dt, sh in shapes]
        for i, x in enumerate(xs):
            ref.set_input(x, i)
        ref.invoke()
        want = [ref.get_output(i) for i in range(len(ours[0].outputs))]
        for it, dsp in zip(ours, VARIANTS, strict=True):
            for i, x in enumerate(xs):
                it.set_input(i, x)
            it.invoke()
            for i, w in enumerate(want):
                got = it.get_output(i)
                assert got.dtype == w.dtype and got.shape == w.shape
                if not np.array_equal(got, w):
                    pytest.fail(f"case {case} (dsp={dsp}) output {i}: {int(np.sum(got != w))} of {w.size} differ; "
                                f"ours {got.ravel()[:16]} vs tflm {w.ravel()[:16]}")  # fmt: skip
        if not stateful and case % 50 == 49:
            for it in ours:
                it.reset()
            ref.reset()
    return cases
