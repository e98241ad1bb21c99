"""Keras model → `.tflite`: full-integer int8 PTQ with a representative dataset, dynamic-range, float16 or float.

The model is traced at batch 1 through a `tf.function` whose inputs carry the Keras input names and whose outputs
are a dict keyed by the Keras output names, so the `.tflite` I/O order follows those names (state tensors included).
Weights are frozen to constants. For internal-state streaming models the state variables alone stay variables
(the graph reads them, runs the model statelessly and assigns the new state), which the converter turns into
VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE ops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import keras
import numpy as np
import tensorflow as tf

from hark import logs

MODES = ("int8", "dynamic", "float16", "float")

Representative = Callable[[], Iterable[Sequence[np.ndarray]]]


def _structure(model: keras.Model) -> tuple[list[str], list[keras.KerasTensor], bool]:
    """(names, tensors, is_dict) of the model's inputs, in name order for dict inputs."""
    struct = model.input
    if isinstance(struct, dict):
        names = sorted(struct)
        return names, [struct[n] for n in names], True
    tensors = list(struct) if isinstance(struct, (list, tuple)) else [struct]
    return [t.name.split(":")[0] for t in tensors], tensors, False


def input_names(model: keras.Model) -> list[str]:
    """Input names in the order the converted model takes them (and a representative dataset yields them)."""
    return _structure(model)[0]


def output_names(model: keras.Model) -> list[str]:
    """Output names in the converted model's order: a traced function's dict outputs flatten in key order."""
    struct = model.output
    if isinstance(struct, dict):
        return sorted(struct)
    items = list(struct) if isinstance(struct, (list, tuple)) else [struct]
    return sorted(_outputs_dict(model, items))


def _outputs_dict(model: keras.Model, result: object) -> dict[str, tf.Tensor]:
    if isinstance(result, dict):
        return dict(result)
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    names = list(getattr(model, "output_names", None) or [])
    if len(names) != len(items):
        names = ["probabilities"] if len(items) == 1 else [f"output_{i}" for i in range(len(items))]
    return dict(zip(names, items, strict=False))


class _StateHolder(tf.Module):
    def __init__(self, values: Sequence[np.ndarray]) -> None:
        super().__init__()
        self.state = [tf.Variable(v, trainable=False, name=f"stream_state_{i}") for i, v in enumerate(values)]


def serving_function(
    model: keras.Model,
    *,
    state_variables: Sequence[keras.Variable] = (),
) -> tuple[tf.types.experimental.ConcreteFunction, tf.Module | None]:
    names, tensors, is_dict = _structure(model)
    signature = [
        tf.TensorSpec([1, *t.shape[1:]], tf.dtypes.as_dtype(t.dtype), name=name)
        for t, name in zip(tensors, names, strict=True)
    ]

    def pack(args: Sequence[tf.Tensor]) -> object:
        if is_dict:
            return dict(zip(names, args, strict=False))
        return list(args) if len(args) > 1 else args[0]

    if not state_variables:

        @tf.function(input_signature=signature)
        def serve(*args: tf.Tensor) -> dict[str, tf.Tensor]:
            return _outputs_dict(model, model(pack(args), training=False))

        return serve.get_concrete_function(), None

    state_ids = {id(v) for v in state_variables}
    nt_vars = list(model.non_trainable_variables)
    state_slots = [i for i, v in enumerate(nt_vars) if id(v) in state_ids]
    holder = _StateHolder([np.asarray(nt_vars[i].numpy()) for i in state_slots])
    trainable = [tf.constant(v.numpy()) for v in model.trainable_variables]
    frozen = {i: tf.constant(v.numpy()) for i, v in enumerate(nt_vars) if id(v) not in state_ids}

    @tf.function(input_signature=signature)
    def serve_stateful(*args: tf.Tensor) -> dict[str, tf.Tensor]:
        current = [holder.state[state_slots.index(i)].read_value() if i in state_slots else frozen[i]
                   for i in range(len(nt_vars))]
        result, updated = model.stateless_call(trainable, current, pack(args), training=False)
        for k, i in enumerate(state_slots):
            holder.state[k].assign(updated[i])
        return _outputs_dict(model, result)

    return serve_stateful.get_concrete_function(), holder


def convert(
    model: keras.Model,
    mode: str = "int8",
    representative: Representative | None = None,
    *,
    state_variables: Sequence[keras.Variable] = (),
) -> bytes:
    """Converts `model` for the device.

    `int8`: weights and activations int8, int8 input and output; `representative()` yields lists of float inputs
    (batch 1, in `input_names(model)` order). `state_variables`: the variables that hold an internal-state
    model's streaming state; they stay variables (int8 after int8 quantization), every other weight is frozen.
    External state inputs and outputs are calibrated like any tensor; `hark.export.state_check` then makes each
    pair share quantization (or refuses the model).
    """
    if mode not in MODES:
        raise ValueError(f"quantization mode '{mode}' is not one of {', '.join(MODES)}")
    fn, holder = serving_function(model, state_variables=state_variables)
    if holder is not None:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], holder)
        converter.experimental_enable_resource_variables = True
    else:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    if mode == "int8":
        if representative is None:
            raise ValueError("int8 quantization needs a representative dataset")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: (
            [np.asarray(x, np.float32) for x in item] for item in representative()
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        if holder is not None:
            converter._experimental_variable_quantization = True
    elif mode == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif mode == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    with logs.native_stderr_filtered():  # the converter's C++ logs (quiet unless -v)
        return bytes(converter.convert())
