"""Quantization-aware fine-tuning without tfmot (which needs Keras 2): fake quantization of every weight kernel.

Each step runs the model statelessly on weights passed through per-output-channel symmetric int8 fake quantization
(`tf.quantization.fake_quant_with_min_max_vars_per_channel`, narrow range, as TFLite quantizes conv, depthwise and
fully-connected weights), and applies the straight-through gradient to the float weights. The model thus learns
weights that survive int8 rounding. Activations are not fake-quantized during fine-tuning: after QAT the model is
calibrated and converted by the same int8 PTQ path as any other model (per-tensor activation ranges).
"""

from __future__ import annotations

from collections.abc import Iterable

import keras
import numpy as np
import tensorflow as tf


def _is_kernel(v: keras.Variable) -> bool:
    name = v.path.rsplit("/", 1)[-1]
    return name in ("kernel", "depthwise_kernel", "pointwise_kernel") or name.endswith("_kernel")


def fake_quant_kernel(w: tf.Tensor, *, depthwise: bool) -> tf.Tensor:
    """Symmetric per-output-channel int8 fake quantization (straight-through gradient)."""
    shape = tf.shape(w)
    flat = tf.reshape(w, tf.concat([shape[:-2], [-1]], 0)) if depthwise else w
    axes = list(range(len(flat.shape) - 1))
    bound = tf.stop_gradient(tf.maximum(tf.reduce_max(tf.abs(flat), axis=axes), 1e-8))
    q = tf.quantization.fake_quant_with_min_max_vars_per_channel(flat, -bound, bound, num_bits=8, narrow_range=True)
    return tf.reshape(q, shape) if depthwise else q


def qat_finetune(
    model: keras.Model,
    data: Iterable,
    steps: int,
    learning_rate: float,
    *,
    label_smoothing: float = 0.0,
) -> list[float]:
    """Fine-tunes `model` in place for `steps` batches of `data` (repeated as needed); returns the step losses."""
    trainable = list(model.trainable_variables)
    non_trainable = list(model.non_trainable_variables)
    kinds = [("depthwise" if "depthwise" in v.path else "kernel") if _is_kernel(v) else None for v in trainable]
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(trainable)

    @tf.function
    def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            weights = [
                fake_quant_kernel(v.value, depthwise=k == "depthwise") if k else v.value
                for v, k in zip(trainable, kinds, strict=True)
            ]
            probs, updated = model.stateless_call(weights, [v.value for v in non_trainable], x, training=True)
            num_classes = int(probs.shape[-1])
            target = tf.one_hot(tf.cast(y, tf.int32), num_classes)
            if label_smoothing:
                target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(target, probs))
        grads = tape.gradient(loss, [v.value for v in trainable])
        optimizer.apply_gradients(zip(grads, trainable, strict=True))
        for v, new in zip(non_trainable, updated, strict=True):
            v.assign(new)
        return loss

    losses: list[float] = []
    dataset = data.repeat() if hasattr(data, "repeat") else data
    for x, y in dataset:
        losses.append(float(step(x, y)))
        if len(losses) >= steps:
            break
    return losses


def quantized_kernels_error(model: keras.Model) -> float:
    """Mean |w - fake_quant(w)| over every kernel: how far the float weights sit from the int8 grid."""
    errs = []
    for v in model.trainable_variables:
        if _is_kernel(v):
            w = tf.convert_to_tensor(v.value)
            errs.append(float(tf.reduce_mean(tf.abs(w - fake_quant_kernel(w, depthwise="depthwise" in v.path)))))
    return float(np.mean(errs)) if errs else 0.0
