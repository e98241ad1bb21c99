"""Keras model → `.tflite`: full-integer int8 PTQ with a representative dataset, dynamic-range, float16 or float.

The model is traced at batch 1 through a `tf.function` whose inputs carry the Keras input names and whose outputs
are a dict keyed by the Keras output names, so the `.tflite` I/O order follows those names (state tensors included).
Weights are frozen to constants: the only variables left in the graph are streaming state (internal-state models).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import keras
import numpy as np
import tensorflow as tf

MODES = ("int8", "dynamic", "float16", "float")

Representative = Callable[[], Iterable[Sequence[np.ndarray]]]


class QuantizationError(RuntimeError):
    """Conversion produced something the device cannot use."""


def input_names(model: keras.Model) -> list[str]:
    return [t.name.split(":")[0] for t in model.inputs]


def output_names(model: keras.Model) -> list[str]:
    names = getattr(model, "output_names", None)
    if names and len(names) == len(model.outputs):
        return list(names)
    return [t.name.split(":")[0].split("/")[0] for t in model.outputs]


def serving_function(model: keras.Model, *, batch: int = 1) -> tf.types.experimental.ConcreteFunction:
    names = input_names(model)
    outs = output_names(model)
    signature = [
        tf.TensorSpec([batch, *t.shape[1:]], tf.dtypes.as_dtype(t.dtype), name=name)
        for t, name in zip(model.inputs, names)
    ]

    @tf.function(input_signature=signature)
    def serve(*args: tf.Tensor) -> dict[str, tf.Tensor]:
        result = model(list(args) if len(args) > 1 else args[0], training=False)
        if not isinstance(result, (list, tuple)):
            result = [result]
        return dict(zip(outs, result))

    return serve.get_concrete_function()


def convert(
    model: keras.Model,
    mode: str = "int8",
    representative: Representative | None = None,
    *,
    variable_state: bool = False,
) -> bytes:
    """Converts `model` for the device.

    `int8`: weights and activations int8, int8 input and output; `representative()` yields lists of float inputs
    (batch 1, in the model's input order). `variable_state`: the model keeps streaming state in variables, which
    are then quantized to int8 too.
    """
    if mode not in MODES:
        raise ValueError(f"quantization mode '{mode}' is not one of {', '.join(MODES)}")
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serving_function(model)])
    if variable_state:
        converter.experimental_enable_resource_variables = True
    if mode == "int8":
        if representative is None:
            raise ValueError("int8 quantization needs a representative dataset")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([np.asarray(x, np.float32) for x in item] for item in representative())
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        if variable_state:
            converter._experimental_variable_quantization = True
    elif mode == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif mode == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    return bytes(converter.convert())
