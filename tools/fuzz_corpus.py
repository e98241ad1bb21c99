#!/usr/bin/env python3
"""Writes the fuzzing seed corpus and the hostile regression inputs under firmware/fuzz/ (issue 17).

Seeds (firmware/fuzz/corpus/<harness>/): one small single-op model per runtime kernel (cut out of a
multi-op Keras model, a tf.Variable model and TFLM's reference models), tiny keyword models with `hark`
metadata for the pipeline, their metadata blobs, valid serial frame streams and structured session
scripts. Regressions (firmware/fuzz/regress/<harness>/): one input per defect class of issue 17, built by
editing a seed the way an attacker would; the C tests replay them under ASan/UBSan and check the error.

Run it after a kernel or format change: `python tools/fuzz_corpus.py` (about a minute, needs TensorFlow).
The output is deterministic for a given TensorFlow version and kept small (tens of KB)."""

from __future__ import annotations

import argparse
import dataclasses
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hark.device import protocol as p
from hark.format.flatbuffer import model_bytes, model_object, schema
from hark.format.metadata import embed_metadata, encode_blob
from hark.spec import FrontendSpec

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "firmware" / "fuzz"
REFERENCE = ROOT.parent / "shared" / "reference"

# Session script commands (firmware/fuzz/fuzz_session.c reads the same numbers).
UPLOAD, PARTIAL, BAD_CRC, SWITCH, PROFILE, AUDIO_START, AUDIO, AUDIO_GAP, PARAM_SET, PARAM_GET, RESET, INFO = range(12)


# ---- flatbuffer helpers ------------------------------------------------------------------------


def to_object(model: bytes) -> schema.ModelT:
    return model_object(model)


def to_bytes(model: schema.ModelT) -> bytes:
    return model_bytes(model)


def builtin(model: schema.ModelT, op: schema.OperatorT) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def extract_op(model_bytes: bytes, index: int) -> bytes:
    """A model of op `index` of subgraph 0 alone: its non-constant inputs become the model's inputs and its
    outputs the model's outputs; constants keep their buffers, everything else is dropped."""
    m = to_object(model_bytes)
    sg = m.subgraphs[0]
    op = sg.operators[index]
    inter = [] if op.intermediates is None else [int(t) for t in op.intermediates]
    used = [int(t) for t in list(op.inputs) + list(op.outputs) + inter if t >= 0]
    keep = sorted(set(used))
    remap = {old: new for new, old in enumerate(keep)}
    buffers = [schema.BufferT()]
    tensors = []
    for old in keep:
        t = sg.tensors[old]
        data = m.buffers[t.buffer].data if t.buffer < len(m.buffers) else None
        if data is not None and len(data):
            b = schema.BufferT()
            b.data = data
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
    op.inputs = [remap[int(t)] if t >= 0 else -1 for t in op.inputs]
    op.outputs = [remap[int(t)] for t in op.outputs]
    if inter:
        op.intermediates = [remap[t] for t in inter]
    code = m.operatorCodes[op.opcodeIndex]
    op.opcodeIndex = 0
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [t for t in op.inputs if t >= 0 and buffers[tensors[t].buffer].data is None
                 and not tensors[t].isVariable]  # fmt: skip
    sg.outputs = list(op.outputs)
    m.subgraphs = [sg]
    m.operatorCodes = [code]
    m.buffers = buffers
    m.metadata = None
    m.signatureDefs = None
    return to_bytes(m)


# ---- source models -----------------------------------------------------------------------------


def _convert(keras_model, rep: Callable, *, float_io: bool) -> bytes:  # noqa: ANN001
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def _rep(shapes: list[tuple[int, ...]], seed: int = 0) -> Callable:
    def gen():  # noqa: ANN202
        rng = np.random.default_rng(seed)
        for _ in range(16):
            yield [rng.uniform(-1, 1, (1, *s)).astype(np.float32) for s in shapes]

    return gen


def many_ops_model() -> bytes:
    """Small int8 model (float in and out: QUANTIZE and DEQUANTIZE) with most builtin ops once."""
    import keras
    import tensorflow as tf

    inp = keras.Input((6, 6, 2), batch_size=1)
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu")(inp)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    a = keras.layers.AveragePooling2D(2)(x)
    b = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Add()([a, b])
    x = keras.layers.Subtract()([x, b])
    x = keras.layers.Multiply()([x, a])
    x = keras.layers.Concatenate(axis=-1)([x, a])
    x = keras.layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 0], [0, 1], [0, 0]]))(x)
    x = keras.layers.Lambda(lambda t: t[:, 1:, ::2, :])(x)
    parts = keras.layers.Lambda(lambda t: tf.split(t, 2, axis=-1))(x)
    x = keras.layers.Activation("sigmoid")(parts[0])
    y = keras.layers.Activation("tanh")(parts[1])
    x = keras.layers.Concatenate(axis=-1)([x, y])
    m = keras.layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2]))(x)
    x = keras.layers.Reshape((-1,))(x)
    x = keras.layers.Dense(4)(x)
    x = keras.layers.Concatenate()([x, m])
    x = keras.layers.Softmax()(x)
    return _convert(keras.Model(inp, x), _rep([(6, 6, 2)]), float_io=True)


def conv_chain_model() -> bytes:
    """Convolutions in a row whose inputs die at them: the planner lets each output overlap its input
    (overlap chains), which single-op seeds, whose input is the graph's, never reach."""
    import keras

    inp = keras.Input((7, 6, 2), batch_size=1)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = keras.layers.DepthwiseConv2D(3, strides=2, padding="same")(x)
    x = keras.layers.Conv2D(6, 1)(x)
    x = keras.layers.DepthwiseConv2D((3, 1), padding="valid", depth_multiplier=1)(x)
    x = keras.layers.Conv2D(3, 2, strides=(1, 2), padding="valid")(x)
    return _convert(keras.Model(inp, x), _rep([(7, 6, 2)]), float_io=False)


def padv2_model() -> bytes:
    import keras
    import tensorflow as tf

    inp = keras.Input((4, 3), batch_size=1)
    x = keras.layers.Dense(3)(inp)
    x = keras.layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 1], [0, 0]], constant_values=0.5))(x)
    return _convert(keras.Model(inp, x), _rep([(4, 3)]), float_io=False)


def variable_model() -> bytes:
    """VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE and CALL_ONCE: a tf.Variable carried across invokes."""
    import tensorflow as tf

    class Step(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.state = tf.Variable(tf.zeros((1, 4)), trainable=False)
            self.w = tf.constant(np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4))

        @tf.function(input_signature=[tf.TensorSpec((1, 4), tf.float32)])
        def __call__(self, x):  # noqa: ANN001, ANN204
            buf = tf.concat([self.state, x], axis=1)
            self.state.assign(buf[:, 4:])
            return tf.matmul(tf.reshape(buf[:, :4], [1, 4]), self.w)

    module = Step()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = _rep([(4,)])
    conv._experimental_variable_quantization = True
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def shrink_lstm(model_bytes: bytes, steps: int = 3, inputs: int = 6, cells: int = 4) -> bytes:
    """TFLM's micro_speech LSTM op cut down to a few steps, inputs and cells (its weights' first rows and
    columns), so the seed stays small and each execution fast."""
    m = to_object(model_bytes)
    sg = m.subgraphs[0]
    op = sg.operators[0]
    dims = {"T": steps, "I": inputs, "S": cells}
    roles = {0: "BTI", 1: "SI", 2: "SI", 3: "SI", 4: "SI", 5: "SS", 6: "SS", 7: "SS", 8: "SS", 12: "S", 13: "S",
             14: "S", 15: "S", 18: "BS", 19: "BS"}  # fmt: skip
    np_types = {schema.TensorType.INT8: np.int8, schema.TensorType.INT16: np.int16, schema.TensorType.INT32: np.int32}

    def resize(t: schema.TensorT, role: str) -> None:
        new = [int(d) if r == "B" else dims[r] for r, d in zip(role, t.shape, strict=True)]
        data = m.buffers[t.buffer].data
        if data is not None and len(data):
            arr = np.frombuffer(bytes(bytearray(data)), np_types[t.type]).reshape([int(d) for d in t.shape])
            m.buffers[t.buffer].data = np.ascontiguousarray(arr[tuple(slice(0, n) for n in new)]).tobytes()
        t.shape = new

    for k, role in roles.items():
        if op.inputs[k] >= 0:
            resize(sg.tensors[op.inputs[k]], role)
    resize(sg.tensors[op.outputs[0]], "BTS")
    return to_bytes(m)


def kernel_seeds() -> dict[str, bytes]:
    """One single-op model per kernel the runtime has; resource ops keep their whole (tiny) model."""
    sources = [many_ops_model(), padv2_model()]
    for name in ("tflite-micro/models/keyword_scrambled.tflite", "tflite-micro/models/micro_speech_lstm.tflite"):
        if (REFERENCE / name).exists():
            sources.append((REFERENCE / name).read_bytes())
    seeds: dict[str, bytes] = {}
    for src in sources:
        m = to_object(src)
        for i, op in enumerate(m.subgraphs[0].operators):
            name = OP_NAMES.get(builtin(m, op), str(builtin(m, op)))
            if name not in seeds:
                seeds[name] = extract_op(src, i)
                if name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
                    seeds[name] = shrink_lstm(seeds[name])
    seeds["VAR_HANDLE+CALL_ONCE"] = variable_model()
    seeds["CONV_CHAIN"] = conv_chain_model()
    return seeds


# ---- keyword models with metadata ------------------------------------------------------------------

LABELS = ["_silence_", "_unknown_", "yes"]


def metadata_entries(mode: str = "window", **override: object) -> dict:
    fe = FrontendSpec(num_channels=8)
    entries: dict = {"spec.name": "fuzz_tiny", "spec.hash": "0123456789abcdef", "labels": ",".join(LABELS)}
    for f in dataclasses.fields(fe):
        if f.name != "kind":
            v = getattr(fe, f.name)
            entries[f"frontend.{f.name}"] = float(v) if isinstance(v, float) else int(v)
    entries.update({"features.scale": 0.0390625, "recognition.average_window_ms": 500,
                    "recognition.detection_threshold": 0.6, "recognition.suppression_ms": 300,
                    "recognition.minimum_count": 1, "stream.mode": mode, "stream.frames_per_call": 3})  # fmt: skip
    if mode == "window":
        entries.update({"stream.window_frames": 3, "stream.every_hops": 1})
    entries.update(override)
    return entries


def kws_window_model(frames: int = 3, channels: int = 8) -> bytes:
    import keras

    inp = keras.Input((frames, channels), batch_size=1)
    x = keras.layers.Reshape((-1,))(inp)
    x = keras.layers.Dense(len(LABELS))(x)
    x = keras.layers.Softmax()(x)
    return _convert(keras.Model(inp, x), _rep([(frames, channels)]), float_io=False)


def kws_seeds() -> dict[str, bytes]:
    base = kws_window_model()
    return {"window_fc": embed_metadata(base, encode_blob(metadata_entries())),
            "window_every2": embed_metadata(base, encode_blob(metadata_entries(**{"stream.every_hops": 2})))}


# ---- serial frames and session scripts ----------------------------------------------------------


def upload_frames(model: bytes, seq: int = 1, chunk: int = 200, crc: int | None = None) -> bytes:
    out = p.encode_message("MODEL_BEGIN", seq, size=len(model), crc32=zlib.crc32(model) if crc is None else crc)
    for off in range(0, len(model), chunk):
        out += p.encode_message("MODEL_CHUNK", seq, offset=off, data=model[off : off + chunk])
    return out + p.encode_message("MODEL_COMMIT", seq)


def serial_seeds(model: bytes) -> dict[str, bytes]:
    audio = (np.sin(np.arange(960) / 7.0) * 3000).astype(np.int16)
    session = upload_frames(model) + p.encode_message("MODEL_SWITCH", 2) + p.encode_message("AUDIO_START", 3)
    session += p.encode_message("AUDIO_CHUNK", 4, first_sample=0, samples=audio[:480])
    session += p.encode_message("AUDIO_CHUNK", 4, first_sample=480, samples=audio[480:])
    session += p.encode_message("PROFILE_REQUEST", 5) + p.encode_message("STATS_GET", 6)
    return {
        "ping_identity": p.encode_message("PING", 1, data=b"hi") + p.encode_message("IDENTITY_GET", 2),
        "params": p.encode_message("PARAM_SET", 1, param=5, value=1) + p.encode_message("PARAM_GET", 2, param=1),
        "loopback_audio": p.encode_message("PARAM_SET", 1, param=7, value=1) + p.encode_message("AUDIO_START", 2)
        + p.encode_message("AUDIO_CHUNK", 3, first_sample=0, samples=audio[:200]),
        "upload_switch_audio_profile": session,
    }


def cmd(op: int, *fields: bytes) -> bytes:
    return bytes([op]) + b"".join(fields)


def model_cmd(op: int, model: bytes) -> bytes:
    return cmd(op, struct.pack("<H", len(model)), model)


def session_seeds(model: bytes, other: bytes) -> dict[str, bytes]:
    audio = cmd(AUDIO, struct.pack("<H", 640))
    return {
        "upload_run": model_cmd(UPLOAD, model) + cmd(SWITCH) + cmd(AUDIO_START) + audio + audio + cmd(PROFILE),
        "params": model_cmd(UPLOAD, model) + cmd(SWITCH) + cmd(PARAM_SET, bytes([1]), struct.pack("<I", 800))
        + cmd(PARAM_GET, bytes([2])) + cmd(AUDIO_START) + audio + cmd(RESET) + cmd(INFO),
        "reupload": model_cmd(UPLOAD, model) + cmd(SWITCH) + cmd(AUDIO_START) + audio + model_cmd(UPLOAD, other)
        + cmd(PROFILE) + audio + cmd(SWITCH) + audio,
        "partial_and_bad_crc": model_cmd(UPLOAD, model) + cmd(SWITCH) + model_cmd(PARTIAL, other) + cmd(PROFILE)
        + audio + model_cmd(BAD_CRC, model) + cmd(SWITCH) + cmd(INFO),
        "gap": model_cmd(UPLOAD, model) + cmd(SWITCH) + cmd(AUDIO_START) + audio + cmd(AUDIO_GAP, b"\x05") + audio,
    }


# ---- hostile inputs (the defect classes of issue 17) ------------------------------------------------


def _edit(model: bytes, fn: Callable[[schema.ModelT], None]) -> bytes:
    m = to_object(model)
    fn(m)
    return to_bytes(m)


def _op_index(m: schema.ModelT, name: str) -> int:
    for i, op in enumerate(m.subgraphs[0].operators):
        if OP_NAMES.get(builtin(m, op)) == name:
            return i
    raise KeyError(name)


def hostile_runtime(seeds: dict[str, bytes]) -> dict[str, bytes]:
    fc = seeds["FULLY_CONNECTED"]
    out: dict[str, bytes] = {}

    def offset_wrap(m: schema.ModelT) -> None:  # defect 1: off + size wraps past 2^64
        op = m.subgraphs[0].operators[0]
        w = m.subgraphs[0].tensors[op.inputs[1]]
        b = m.buffers[w.buffer]
        b.offset, b.size, b.data = (1 << 64) - 64, 64 + len(b.data), None

    out["offset_wrap"] = _edit(fc, offset_wrap)

    def huge_tensors(m: schema.ModelT) -> None:  # defect 2: 4 x 2^30 bytes wraps to 0 in 32 bits
        sg = m.subgraphs[0]
        for t in sg.tensors:
            if m.buffers[t.buffer].data is None:
                t.shape = [1, 1 << 30]

    out["size_wrap_32"] = _edit(seeds["QUANTIZE"], huge_tensors)

    def tiny_scale(name: str) -> Callable[[schema.ModelT], None]:  # defect 5: shift >= 32
        def fn(m: schema.ModelT) -> None:
            op = m.subgraphs[0].operators[0]
            m.subgraphs[0].tensors[op.outputs[0]].quantization.scale = [1e-30]

        return fn

    for name in ("ADD", "SUB", "MUL", "MEAN", "QUANTIZE", "SOFTMAX", "FULLY_CONNECTED", "SVDF", "LOGISTIC"):
        if name in seeds:
            out[f"tiny_scale_{name.lower()}"] = _edit(seeds[name], tiny_scale(name))

    def huge_input_scale(m: schema.ModelT) -> None:  # LOGISTIC: input multiplier shift > 31
        op = m.subgraphs[0].operators[0]
        m.subgraphs[0].tensors[op.inputs[0]].quantization.scale = [1e12]

    out["huge_scale_logistic"] = _edit(seeds["LOGISTIC"], huge_input_scale)

    def nan_scale(m: schema.ModelT) -> None:
        op = m.subgraphs[0].operators[0]
        m.subgraphs[0].tensors[op.inputs[0]].quantization.scale = [float("nan")]

    out["nan_scale"] = _edit(fc, nan_scale)

    def bad_zero_point(m: schema.ModelT) -> None:  # -zp overflows for INT32_MIN
        op = m.subgraphs[0].operators[0]
        m.subgraphs[0].tensors[op.inputs[0]].quantization.zeroPoint = [-(1 << 31)]

    out["zero_point_int_min"] = _edit(seeds["ADD"], bad_zero_point)

    def relu_tiny_scale(m: schema.ModelT) -> None:  # float->int overflow in the activation range
        op = m.subgraphs[0].operators[0]
        op.builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.RELU6
        m.subgraphs[0].tensors[op.outputs[0]].quantization.scale = [1e-37]

    out["activation_range_overflow"] = _edit(fc, relu_tiny_scale)

    two = many_ops_model()

    def cycle(m: schema.ModelT) -> None:  # defect 6: op 0 reads what op 1 writes, op 1 reads op 0's output
        sg = m.subgraphs[0]
        sg.operators = sg.operators[:3]
        a, b = sg.operators[1], sg.operators[2]
        sg.operators[1], sg.operators[2] = b, a
        sg.outputs = [sg.operators[2].outputs[0]]

    out["cycle"] = _edit(two, cycle)

    def unproduced_output(m: schema.ModelT) -> None:  # an output no op produces
        sg = m.subgraphs[0]
        t = schema.TensorT()
        t.shape, t.type, t.buffer, t.name = [1, 4], schema.TensorType.INT8, 0, b"orphan"
        sg.tensors.append(t)
        sg.outputs = list(sg.outputs) + [len(sg.tensors) - 1]

    out["unproduced_output"] = _edit(fc, unproduced_output)

    def writes_constant(m: schema.ModelT) -> None:
        op = m.subgraphs[0].operators[0]
        op.outputs = [op.inputs[1]]
        m.subgraphs[0].outputs = [op.inputs[1]]

    out["writes_constant"] = _edit(fc, writes_constant)

    def two_writers(m: schema.ModelT) -> None:  # two ops write one tensor
        sg = m.subgraphs[0]
        sg.operators = sg.operators[:2]
        sg.operators[1].outputs = list(sg.operators[0].outputs)
        sg.outputs = list(sg.operators[0].outputs)

    out["two_writers"] = _edit(many_ops_model(), two_writers)

    def var_handle_no_outputs(m: schema.ModelT) -> None:
        for sg in m.subgraphs:
            for op in sg.operators:
                if OP_NAMES.get(builtin(m, op)) == "VAR_HANDLE":
                    op.outputs = []
                    return

    out["var_handle_no_outputs"] = _edit(seeds["VAR_HANDLE+CALL_ONCE"], var_handle_no_outputs)
    out.update(hostile_shapes(seeds))
    return out


def hostile_shapes(seeds: dict[str, bytes]) -> dict[str, bytes]:
    """Shapes the runtime's compact structures cannot hold: an SVDF with no memory (its newest state value would
    go before the state) and an op with 256 inputs (counts are bytes)."""

    def svdf_zero_memory(m: schema.ModelT) -> None:
        sg = m.subgraphs[0]
        op = sg.operators[0]
        wt, state = sg.tensors[op.inputs[2]], sg.tensors[op.inputs[4]]
        wt.shape, state.shape = [wt.shape[0], 0], [state.shape[0], 0]
        m.buffers[wt.buffer].data = None  # no bytes for no elements: a graph input, then
        sg.inputs = [*sg.inputs, op.inputs[2]]

    def inputs_256(m: schema.ModelT) -> None:
        op = m.subgraphs[0].operators[0]
        op.inputs = [*op.inputs, *([-1] * (256 - len(op.inputs)))]

    return {"svdf_zero_memory": _edit(seeds["SVDF"], svdf_zero_memory),
            "op_256_inputs": _edit(seeds["FULLY_CONNECTED"], inputs_256)}  # fmt: skip


def many_ops_kws(n: int) -> bytes:
    """A keyword model with n RESHAPE ops in front of its dense layer (more than the app's profile holds)."""

    def fn(m: schema.ModelT) -> None:
        sg = m.subgraphs[0]
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.RESHAPE
        m.operatorCodes.append(code)
        src = sg.inputs[0]
        first_user = sg.operators[0]
        prev = src
        ops = []
        for i in range(n):
            t = schema.TensorT()
            base = sg.tensors[src]
            t.shape, t.type, t.buffer, t.name = list(base.shape), base.type, 0, f"r{i}".encode()
            t.quantization = base.quantization
            sg.tensors.append(t)
            op = schema.OperatorT()
            op.opcodeIndex = len(m.operatorCodes) - 1
            op.inputs, op.outputs = [prev], [len(sg.tensors) - 1]
            ops.append(op)
            prev = len(sg.tensors) - 1
        first_user.inputs = [prev if x == src else x for x in first_user.inputs]
        sg.operators = ops + list(sg.operators)

    return _edit(kws_window_model(), fn)


def hostile_kws() -> dict[str, bytes]:
    base = kws_window_model()
    out = {"average_window_2p30": embed_metadata(base, encode_blob(metadata_entries(
        **{"recognition.average_window_ms": 1 << 30})))}  # fmt: skip

    def meta_wrap(m: schema.ModelT) -> None:  # defect 1 on the metadata buffer
        for md in m.metadata:
            b = m.buffers[md.buffer]
            b.offset, b.size, b.data = (1 << 64) - 512, 1024, None

    out["metadata_offset_wrap"] = _edit(embed_metadata(base, encode_blob(metadata_entries())), meta_wrap)
    # An unused setting out of range: the dc notch is off, its coefficient far past int16 in Q15 (found by the kws
    # harness once the seeds carried the frontend's dc-notch entries).
    out["dc_notch_off_coefficient_1e6"] = embed_metadata(base, encode_blob(metadata_entries(
        **{"frontend.enable_dc_notch": 0, "frontend.dc_notch_coefficient": 1e6})))  # fmt: skip
    return out


def hostile_app() -> dict[str, bytes]:
    """Models the app must refuse at MODEL_SWITCH (raw .tflite; tests/fuzz replay them as uploads)."""
    # 48 kHz and 30 ms steps: 1440 samples a hop, above the app's 1024-sample hop buffer.
    big_hop = metadata_entries(**{"frontend.sample_rate": 48000, "frontend.window_size_ms": 40,
                                  "frontend.window_step_ms": 30, "frontend.upper_band_limit": 7500.0})  # fmt: skip
    return {
        "hop_1440": embed_metadata(kws_window_model(), encode_blob(big_hop)),
        # the host build of the app holds 24 operators (firmware/fuzz/CMakeLists.txt), the board 512
        "ops_30": embed_metadata(many_ops_kws(30), encode_blob(metadata_entries())),
    }


# ---- writing ----------------------------------------------------------------------------------------


def write(folder: Path, files: dict[str, bytes], ext: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        if not old.name.startswith("finding_"):  # fuzzing findings are copied in by hand: keep them
            old.unlink()
    for name, data in files.items():
        (folder / f"{name}{ext}").write_bytes(data)
    return sum(len(d) for d in files.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    import keras

    keras.utils.set_random_seed(0)  # the same corpus on every run (for one TensorFlow version)
    seeds = kernel_seeds()
    kws = kws_seeds()
    model = kws["window_fc"]
    other = kws["window_every2"]
    app_bad = hostile_app()
    total = write(args.out / "corpus" / "runtime", seeds, ".tflite")
    total += write(args.out / "corpus" / "kws", kws, ".tflite")
    total += write(args.out / "corpus" / "meta", {"tiny": encode_blob(metadata_entries())}, ".bin")
    total += write(args.out / "corpus" / "serial", serial_seeds(model), ".bin")
    total += write(args.out / "corpus" / "session", session_seeds(model, other), ".bin")
    total += write(args.out / "regress" / "runtime", hostile_runtime(seeds), ".tflite")
    total += write(args.out / "regress" / "kws", hostile_kws(), ".tflite")
    total += write(args.out / "regress" / "app", app_bad, ".tflite")
    big = app_bad["ops_30"]
    total += write(args.out / "regress" / "session", {
        # defect 4: a new upload (other shapes) over the running model, then profile and audio
        "reupload_over_running_model": model_cmd(UPLOAD, model) + cmd(SWITCH) + cmd(AUDIO_START)
        + cmd(AUDIO, struct.pack("<H", 640)) + model_cmd(PARTIAL, big) + cmd(PROFILE)
        + cmd(AUDIO, struct.pack("<H", 640)),
        # defect 3: PROFILE_REQUEST on a model with more ops than the app's profile holds
        "profile_30_ops": model_cmd(UPLOAD, big) + cmd(SWITCH) + cmd(PROFILE),
        # defect 6: a hop above 1024 samples
        "hop_1440": model_cmd(UPLOAD, app_bad["hop_1440"]) + cmd(SWITCH) + cmd(AUDIO_START)
        + cmd(AUDIO, struct.pack("<H", 3000)),
    }, ".bin")  # fmt: skip
    print(f"wrote {total} bytes under {args.out}")
    print("runtime seeds:", ", ".join(sorted(seeds)))


if __name__ == "__main__":
    main()
