"""The firmware runtime on the host (ctypes over libhark_runtime.so), bit-exact against the tflite-micro
interpreter: TFLM's reference models, the DS-CNN benchmark model, and randomized single-op chains built
with Keras and converted to int8 by TensorFlow. The DSP twins (intrinsics emulated on the host) must give
the same bits as the portable kernels."""

from __future__ import annotations

import os

import numpy as np
import pytest
from runtime_oracle import VARIANTS, compare_with_tflm, convert_int8, reference_dir, tflm_interpreter

from hark.format.flatbuffer import model_bytes, model_object, schema
from hark.native.runtime import Interpreter, RuntimeFailure


def test_micro_speech_quantized_bit_exact() -> None:
    model = (reference_dir() / "tflite-micro/models/micro_speech_quantized.tflite").read_bytes()
    assert compare_with_tflm(model, 600, seed=1) == 600


def test_keyword_scrambled_streaming_state_bit_exact() -> None:
    # SVDF state carries over between invokes: every step of a long stream must match, not just the first.
    model = (reference_dir() / "tflite-micro/models/keyword_scrambled.tflite").read_bytes()
    assert compare_with_tflm(model, 2500, seed=2, stateful=True) == 2500


def _svdf_model(batches: int, inputs: int, filters: int, rank: int, memory: int, bias: bool, seed: int) -> bytes:
    """keyword_scrambled cut down to one SVDF of the given shape, with random weights and its first SVDF's
    quantization: the shapes the reference model lacks (rank > 1, several batches, odd sizes). Without a bias
    the tflite-micro interpreter crashes, so every case has one."""
    src = model_object((reference_dir() / "tflite-micro/models/keyword_scrambled.tflite").read_bytes())
    sg = src.subgraphs[0]
    op = next(o for o in sg.operators if src.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode == 27)
    op.builtinOptions.rank = rank
    rng = np.random.default_rng(seed)
    shapes = [(batches, inputs), (filters, inputs), (filters, memory), (filters // rank,), (batches, filters * memory),
              (batches, filters // rank)]  # fmt: skip
    values = [None, rng.integers(-127, 128, shapes[1]).astype(np.int8),
              rng.integers(-2000, 2000, shapes[2]).astype(np.int16),
              rng.integers(-5000, 5000, shapes[3]).astype(np.int32), None, None]  # fmt: skip
    tensors, buffers = [], [schema.BufferT()]
    for k, t in enumerate([*(sg.tensors[i] for i in op.inputs), sg.tensors[op.outputs[0]]]):
        t.shape, t.buffer = np.array(shapes[k], np.int32), len(buffers)
        buffers.append(schema.BufferT())
        if values[k] is not None:
            buffers[-1].data = np.frombuffer(values[k].tobytes(), np.uint8)
        tensors.append(t)
    op.inputs = np.array([0, 1, 2, 3 if bias else -1, 4], np.int32)
    op.outputs = np.array([5], np.int32)
    sg.tensors, sg.operators, sg.inputs, sg.outputs = tensors, [op], np.array([0], np.int32), np.array([5], np.int32)
    src.buffers, src.metadata, src.signatureDefs = buffers, None, None
    return model_bytes(src)


@pytest.mark.parametrize("shape", [(2, 7, 6, 2, 5, True), (1, 13, 9, 3, 3, True), (3, 4, 5, 1, 1, True),
                                   (1, 96, 64, 4, 8, True)])  # fmt: skip
def test_svdf_shapes_bit_exact(shape: tuple[int, int, int, int, int, bool]) -> None:
    model = _svdf_model(*shape, seed=sum(shape))
    assert compare_with_tflm(model, 40, seed=7, stateful=True, reset_at=(20,)) == 40


def test_weights_from_graph_inputs_bit_exact() -> None:
    # keyword_scrambled with its first FULLY_CONNECTED's filter and its first SVDF's feature weights and bias
    # fed as graph inputs, not constants: those ops then read them from their tensors at eval (the records init
    # frees are the constants' only), as the tflite-micro interpreter does.
    model = model_object((reference_dir() / "tflite-micro/models/keyword_scrambled.tflite").read_bytes())
    sg = model.subgraphs[0]
    made_inputs = [6, 1, 3]  # FC filter [16, 64] int8, SVDF feature weights [64, 96] int8, SVDF bias [64] int32
    for t in made_inputs:
        model.buffers[sg.tensors[t].buffer].data = None
    sg.inputs = np.array([*sg.inputs, *made_inputs], np.int32)
    tflite = model_bytes(model)
    assert len(Interpreter(tflite).inputs) == 4
    assert compare_with_tflm(tflite, 60, seed=11, stateful=True) == 60


def test_ds_cnn_benchmark_model_bit_exact() -> None:
    ref = reference_dir() / "benchmarks"
    model = (ref / "ds_cnn_mlperf.tflite").read_bytes()
    for dsp in VARIANTS:
        it = Interpreter(model, dsp=dsp)
        it.set_input(0, np.load(ref / "ds_cnn_mlperf_input.npy"))
        it.invoke()
        # The figure the benchmark README records for the tflite-micro interpreter.
        expected = [-125, -127, 47, -127, -128, -112, -116, -86, -128, -128, -126, -124]
        assert it.get_output(0).ravel().tolist() == expected
    assert compare_with_tflm(model, 40, seed=3) == 40


def test_reset_zeroes_streaming_state() -> None:
    model = (reference_dir() / "tflite-micro/models/keyword_scrambled.tflite").read_bytes()
    it = Interpreter(model)
    x = np.full(it.inputs[0].shape, 1000, np.int16)
    it.set_input(0, x)
    it.invoke()
    first = it.get_output(0)
    for _ in range(5):
        it.invoke()
    it.reset()
    it.invoke()
    assert np.array_equal(it.get_output(0), first)


def test_arena_and_profile() -> None:
    model = (reference_dir() / "tflite-micro/models/micro_speech_quantized.tflite").read_bytes()
    it = Interpreter(model)
    # The planner shares memory by lifetime: the 1,960 B input and the 4,000 B depthwise output are the
    # only large tensors alive together (RESHAPE aliases its input).
    assert 5960 < it.arena_used < 5960 + 1400
    it.enable_profiling()
    it.set_input(0, np.zeros(it.inputs[0].shape, np.int8))
    it.invoke()
    prof = it.profile
    assert [p.name for p in prof] == ["RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"]
    assert [p.index for p in prof] == [0, 1, 2, 3]
    assert it.op_names == [p.name for p in prof]
    with pytest.raises(RuntimeFailure, match=r"arena too small: at least \d+ bytes"):
        Interpreter(model, arena_size=it.arena_used - 8)
    Interpreter(model, arena_size=it.arena_used + 16)  # enough, allowing for the arena's alignment


def test_arena_init_peak_is_the_arena_init_needs() -> None:
    # keyword_scrambled's plan is tiny and its SVDF state large: init's tensor records and planner workspace
    # fit in the bytes its state takes once the plan is made, so it initializes in the arena it uses after
    # (it needed 3.4 KB more when the state was allocated first). firmware/runtime/tests/test_reader.c holds
    # every model to "exactly the peak initializes, one byte less is refused".
    model = (reference_dir() / "tflite-micro/models/keyword_scrambled.tflite").read_bytes()
    peak = Interpreter(model).arena_init_peak
    assert peak == Interpreter(model).arena_used
    assert Interpreter(model, arena_size=peak).arena_init_peak == peak
    with pytest.raises(RuntimeFailure, match=r"arena too small"):
        Interpreter(model, arena_size=peak - 1)


def test_unsupported_op_is_named_with_its_index() -> None:
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    buf = (reference_dir() / "tflite-micro/models/micro_speech_quantized.tflite").read_bytes()
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))
    softmax = m.subgraphs[0].operators[3].opcodeIndex
    m.operatorCodes[softmax].builtinCode = m.operatorCodes[softmax].deprecatedBuiltinCode = 47  # EXP
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    with pytest.raises(RuntimeFailure, match=r"op 3 \(EXP, builtin code 47\): unsupported op") as err:
        Interpreter(bytes(builder.Output()))
    assert err.value.code == -3


def test_micro_speech_lstm_bit_exact() -> None:
    model = (reference_dir() / "tflite-micro/models/micro_speech_lstm.tflite").read_bytes()
    assert compare_with_tflm(model, 30, seed=4) == 30


def test_corrupt_models_are_refused() -> None:
    model = bytearray((reference_dir() / "tflite-micro/models/micro_speech_quantized.tflite").read_bytes())
    with pytest.raises(RuntimeFailure, match="corrupt model"):
        Interpreter(bytes(model[:100]))
    model[0:4] = (len(model) + 4).to_bytes(4, "little")
    with pytest.raises(RuntimeFailure, match="corrupt model"):
        Interpreter(bytes(model))
    with pytest.raises(RuntimeFailure):
        Interpreter(b"")


def test_metadata_by_name() -> None:
    from tensorflow.lite.python import schema_py_generated as schema

    buf = (reference_dir() / "tflite-micro/models/micro_speech_quantized.tflite").read_bytes()
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))
    blob = b"HRK1\x01\x00\x00\x00"
    b = schema.BufferT()
    b.data = np.frombuffer(blob, np.uint8)
    m.buffers.append(b)
    md = schema.MetadataT()
    md.name = "hark"
    md.buffer = len(m.buffers) - 1
    m.metadata.append(md)
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    it = Interpreter(bytes(builder.Output()))
    assert it.metadata("hark") == blob
    assert it.metadata("nope") is None
    assert it.metadata("min_runtime_version") is not None


# ---- randomized single-op chains built with TensorFlow -------------------------------------------------


def _random_chain(rng: np.random.Generator):  # noqa: ANN202
    """A small model of the ops the runtime implements with random shapes, strides, padding, dilation
    and activations; the converter picks the quantization parameters from random data."""
    import keras

    h, w, c = int(rng.integers(3, 14)), int(rng.integers(3, 14)), int(rng.integers(1, 6))
    inp = keras.Input((h, w, c), batch_size=1)
    x = inp
    acts = [None, "relu", "relu6"]

    def pick_pad(size_h: int, size_w: int, k: tuple[int, int], d: tuple[int, int]) -> str:
        ok = all(s >= (kk - 1) * dd + 1 for s, kk, dd in zip((size_h, size_w), k, d, strict=True))
        return str(rng.choice(["same", "valid"])) if ok else "same"

    for layer in rng.permutation(["conv", "dw", "pool"]):
        shape = x.shape
        dil = (1, 1) if rng.random() < 0.6 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        strides = (1, 1) if dil != (1, 1) else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        pad = pick_pad(shape[1], shape[2], k, dil)
        act = acts[int(rng.integers(0, 3))]
        if layer == "conv":
            x = keras.layers.Conv2D(int(rng.integers(1, 9)), k, strides=strides, padding=pad, dilation_rate=dil,
                                    activation=act, use_bias=bool(rng.random() < 0.8))(x)  # fmt: skip
        elif layer == "dw":
            x = keras.layers.DepthwiseConv2D(k, strides=strides, padding=pad, dilation_rate=dil,
                                             depth_multiplier=int(rng.integers(1, 4)), activation=act)(x)  # fmt: skip
        else:
            pk = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            pad = pick_pad(shape[1], shape[2], pk, (1, 1))
            pool = keras.layers.AveragePooling2D if rng.random() < 0.5 else keras.layers.MaxPooling2D
            x = pool(pk, strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))), padding=pad)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(int(rng.integers(2, 12)), activation=acts[int(rng.integers(0, 3))])(x)
    x = keras.layers.Dense(int(rng.integers(2, 8)))(x)
    if rng.random() < 0.7:
        x = keras.layers.Softmax()(x)
    return keras.Model(inp, x), (h, w, c)


def _random_chain_case(seed: int, cases: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    model, shape = _random_chain(rng)
    compare_with_tflm(convert_int8(model, shape, rng), cases, seed=seed)


@pytest.mark.parametrize("seed", range(10))
def test_random_op_chains_bit_exact(seed: int) -> None:
    _random_chain_case(seed, 60)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("HARK_SLOW"), reason="the long sweep runs with HARK_SLOW=1")
@pytest.mark.parametrize("seed", range(10, 60))
def test_random_op_chains_bit_exact_sweep(seed: int) -> None:
    _random_chain_case(seed, 40)


def _random_elementwise_model(rng: np.random.Generator):  # noqa: ANN202
    """ADD, MUL (also broadcast against a constant), PAD, CONCATENATION and STRIDED_SLICE with random shapes."""
    import keras

    h, w, c = int(rng.integers(4, 10)), int(rng.integers(4, 10)), int(rng.integers(1, 5))
    f = int(rng.integers(1, 6))
    inp = keras.Input((h, w, c), batch_size=1)
    a = keras.layers.Conv2D(f, int(rng.integers(1, 4)), padding="same")(inp)
    b = keras.layers.Conv2D(f, 1, activation="relu")(inp)
    s = keras.layers.Add()([a, b])
    m = keras.layers.Multiply()([s, a])
    const = rng.standard_normal((1, 1, 1, f)).astype(np.float32)
    m = keras.layers.Lambda(lambda t: t * const + const)(m)
    pads = tuple(tuple(int(v) for v in rng.integers(0, 3, 2)) for _ in range(2))
    p = keras.layers.ZeroPadding2D(pads)(m)
    q = keras.layers.ZeroPadding2D(pads)(inp)
    axis = int(rng.choice([1, 2, 3])) if c == f else 3  # only the channel axis joins different depths
    x = keras.layers.Concatenate(axis=axis)([p, q])
    y0, x0 = int(rng.integers(0, 2)), int(rng.integers(0, 2))
    sy, sx = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    x = keras.layers.Lambda(lambda t: t[:, y0::sy, x0::sx, :])(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(int(rng.integers(2, 8)))(x)
    return keras.Model(inp, x), (h, w, c)


@pytest.mark.parametrize("seed", range(4))
def test_random_elementwise_models_bit_exact(seed: int) -> None:
    rng = np.random.default_rng(2000 + seed)
    model, shape = _random_elementwise_model(rng)
    tflite = convert_int8(model, shape, rng)
    ops = set(Interpreter(tflite).op_names)
    assert {"ADD", "MUL", "PAD", "CONCATENATION", "STRIDED_SLICE"} <= ops
    compare_with_tflm(tflite, 60, seed=seed)


def test_internal_state_variables_stream_bit_exact() -> None:
    """A streaming model whose state is a tf.Variable: CALL_ONCE, VAR_HANDLE, READ/ASSIGN_VARIABLE."""
    import tensorflow as tf

    rng = np.random.default_rng(7)
    weights = tf.constant(rng.standard_normal((12, 5)).astype(np.float32))
    bias = tf.constant(rng.standard_normal(5).astype(np.float32))

    class Stream(tf.Module):
        def __init__(self) -> None:
            self.state = tf.Variable(tf.zeros((1, 3, 4)), trainable=False)

        @tf.function(input_signature=[tf.TensorSpec((1, 1, 4), tf.float32)])
        def __call__(self, x):  # noqa: ANN001, ANN204
            buf = tf.concat([self.state, x], axis=1)
            self.state.assign(buf[:, 1:, :])
            y = tf.reshape(buf[:, 1:, :], (1, 12))
            return tf.nn.softmax(tf.nn.relu(tf.matmul(y, weights) + bias))

    module = Stream()
    data = [rng.standard_normal((1, 1, 4)).astype(np.float32) for _ in range(50)]
    conv = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x] for x in data)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    conv._experimental_variable_quantization = True
    model = conv.convert()
    names = Interpreter(model).op_names
    assert names[0] == "CALL_ONCE" and {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= set(names)
    # Stateful: outputs depend on the whole history; runs past a reset on both sides.
    assert compare_with_tflm(model, 300, seed=8, stateful=True) == 300


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_logistic_and_tanh_bit_exact(activation: str) -> None:
    import keras

    rng = np.random.default_rng(3000 + len(activation))
    for gain in (0.2, 1.0, 6.0):  # input scales from narrow to far past saturation
        inp = keras.Input((24,), batch_size=1)
        init = keras.initializers.RandomNormal(0, gain)
        x = keras.layers.Dense(24, activation=activation, kernel_initializer=init)(inp)
        x = keras.layers.Dense(4)(x)
        model = convert_int8(keras.Model(inp, x), (24,), rng)
        assert activation.upper().replace("SIGMOID", "LOGISTIC") in Interpreter(model).op_names
        compare_with_tflm(model, 150, seed=int(gain * 10))


@pytest.mark.parametrize("case", ["global", "keepdims", "long"])
def test_mean_bit_exact(case: str) -> None:
    """Global pooling takes the DSP twin's row sums (6 channels: four per load plus a tail); "long" sums
    more than 255 rows (the int16 lanes are flushed); keepdims over the middle axis takes the general loop."""
    import keras

    rng = np.random.default_rng(4000 + len(case))
    shape = (20, 16, 3) if case == "long" else (7, 5, 3)
    inp = keras.Input(shape, batch_size=1)
    x = keras.layers.Conv2D(10 if case == "long" else 6, 3, padding="same")(inp)
    if case == "keepdims":
        x = keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=2, keepdims=True))(x)
    else:
        x = keras.layers.GlobalAveragePooling2D()(x)
    model = convert_int8(keras.Model(inp, x), shape, rng)
    assert Interpreter(model).op_names[-1] == "MEAN"  # the op's own output is compared
    compare_with_tflm(model, 200, seed=5)


def test_float_io_quantize_dequantize_bit_exact() -> None:
    import keras

    rng = np.random.default_rng(5000)
    inp = keras.Input((10,), batch_size=1)
    x = keras.layers.Dense(6, activation="relu")(inp)
    model = convert_int8(keras.Model(inp, x), (10,), rng, float_io=True)
    names = Interpreter(model).op_names
    assert names[0] == "QUANTIZE" and names[-1] == "DEQUANTIZE"
    ours = [Interpreter(model, dsp=v) for v in VARIANTS]
    ref = tflm_interpreter(model)
    for case in range(300):
        x = (rng.standard_normal((1, 10)) * (10.0 if case % 3 == 0 else 1.0)).astype(np.float32)
        ref.set_input(x, 0)
        ref.invoke()
        want = ref.get_output(0)
        for it in ours:
            it.set_input(0, x)
            it.invoke()
            assert it.get_output(0).tobytes() == want.tobytes()


# ---- the DSP twins' fast paths (kernels/arm/*.c), each shape chosen to take one of them ----------------


def _dsp_path_model(case: int):  # noqa: ANN202
    """Layers shaped like DS-CNN's and micro_speech's: 1x1 pointwise over an odd pixel count and odd channel
    counts, a first layer whose kernel rows hold four values, depthwise 3x3 and 3x1 with channels a multiple
    of four, average pooling over twelve channels, and a one-channel depthwise with a channel multiplier of 8
    and 8-wide taps, and one with a multiplier of 12 and 6-wide taps."""
    import keras

    shapes = [(9, 5, 1), (7, 6, 1), (12, 10, 1), (20, 11, 1)]
    inp = keras.Input(shapes[case], batch_size=1)
    if case == 0:
        x = keras.layers.Conv2D(16, (5, 4), strides=(2, 2), padding="same", activation="relu")(inp)
        x = keras.layers.DepthwiseConv2D((3, 3), padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(12, 1, activation="relu")(x)
        x = keras.layers.AveragePooling2D((2, 2), strides=1, padding="same")(x)
        x = keras.layers.DepthwiseConv2D((3, 1), strides=(2, 1), padding="valid")(x)
        x = keras.layers.Conv2D(7, 1)(x)
    elif case == 1:
        x = keras.layers.Conv2D(8, (3, 4), padding="valid", use_bias=False)(inp)
        x = keras.layers.DepthwiseConv2D((3, 3), padding="same", dilation_rate=(1, 2), activation="relu6")(x)
        x = keras.layers.Conv2D(9, 1, strides=(2, 1), activation="relu")(x)
        x = keras.layers.Conv2D(5, (2, 2), padding="same")(x)
    elif case == 2:
        x = keras.layers.DepthwiseConv2D((5, 8), strides=(2, 2), padding="same", depth_multiplier=8,
                                         activation="relu")(inp)  # fmt: skip
        x = keras.layers.Conv2D(4, 1)(x)
    else:
        # One input channel whose output is large enough to hold the packed filter in its last rows: 6-wide
        # taps (zero-padded to two words), windows past both edges of a row, and the rows after the filter.
        x = keras.layers.DepthwiseConv2D((4, 6), strides=(1, 2), padding="same", depth_multiplier=12)(inp)
        x = keras.layers.Conv2D(4, 1)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(6)(x)
    return keras.Model(inp, x), shapes[case]


@pytest.mark.parametrize("case", range(4))
def test_dsp_fast_paths_bit_exact(case: int) -> None:
    rng = np.random.default_rng(3000 + case)
    model, shape = _dsp_path_model(case)
    assert compare_with_tflm(convert_int8(model, shape, rng), 80, seed=case) == 80
