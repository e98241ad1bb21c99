"""Streaming conversion: streaming models reproduce the non-streaming ones frame by frame, and refuse clearly.

Oracles: the non-streaming Keras model on each whole clip, and the sequence oracle (the same layers run over a
long input at once, every full-window reducer looking at the window ending at each frame). Inputs are the four
reference recordings through TF's audio_microfrontend op.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from reference_clips import clip_features, fit_to_clips, randomize

from hark import zoo
from hark.layers import GRU, LSTM, Delay, LastFrame, Modes, NotStreamableError, Stream
from hark.spec import load_spec
from hark.streaming import Streamer, check_streamable, convert, initial_states, state_pairs, to_streaming
from hark.zoo import build_model

# Float32 outputs of the same math in a different order (streamed vs whole-window sums): the dnn's wide dense
# layers were seen 1.1e-5 apart once, so 1e-5 was a coin toss; a real streaming error is orders larger.
TOL = 5e-5
STREAMING_SPECS = ("ds_cnn", "crnn", "svdf", "dnn", "cnn")


@pytest.fixture(scope="module")
def clips() -> np.ndarray:
    feats = clip_features()
    assert feats.shape == (4, 49, 40)
    assert feats.std() > 0.5  # real speech, not zeros
    return feats


@pytest.fixture(scope="module", params=STREAMING_SPECS)
def trained(request: pytest.FixtureRequest, clips: np.ndarray) -> keras.Model:
    model = build_model(load_spec(request.param))
    randomize(model, seed=sum(map(ord, request.param)))
    fit_to_clips(model, clips, (2, 3, 1, 0))  # yes, no, _unknown_ (noise), _silence_
    return model


def test_stream_external_matches_non_stream_per_clip(trained, clips):
    """Reset per clip: every frame matches the sequence oracle, the last frame matches the non-stream model."""
    non_stream = np.asarray(convert(trained, Modes.NON_STREAM_INFERENCE)(clips))
    assert non_stream.shape == (4, 12)
    assert len(set(non_stream.argmax(-1))) > 1, f"outputs are degenerate: {non_stream.argmax(-1)}"
    sequence = np.asarray(convert(trained, Modes.SEQUENCE_INFERENCE, frames=49)(clips))
    np.testing.assert_allclose(sequence[:, -1], non_stream, atol=TOL, rtol=0)

    stream = to_streaming(trained, "stream_external", batch_size=4)
    out = Streamer(stream).run(clips)
    assert out.shape == (4, 49, 12)
    assert np.abs(out - sequence).max() < TOL, f"stream vs sequence oracle: {np.abs(out - sequence).max():.3g}"
    assert np.abs(out[:, -1] - non_stream).max() < TOL
    # the outputs really move over time, so agreement is not a coincidence of constant outputs
    assert np.abs(np.diff(out, axis=1)).max() > 1e-2


def test_stream_internal_matches_across_clips(trained, clips):
    """No reset between clips (one continuous 196-frame stream) with state in variables."""
    continuous = clips.reshape(1, -1, clips.shape[-1])
    sequence = np.asarray(convert(trained, Modes.SEQUENCE_INFERENCE, frames=continuous.shape[1])(continuous))
    stream = to_streaming(trained, Modes.STREAM_INTERNAL_STATE_INFERENCE)
    assert not state_pairs(stream)
    streamer = Streamer(stream)
    out = streamer.run(continuous)
    assert np.abs(out - sequence).max() < TOL
    # reset really zeroes the state: the first clip again gives the first clip's outputs
    again = streamer.run(clips[:1])
    np.testing.assert_allclose(again[0], out[0, :49], atol=TOL, rtol=0)


def test_external_state_io_is_named_and_ordered():
    model = build_model(load_spec("ds_cnn"))
    stream = to_streaming(model, "stream_external")
    pairs = state_pairs(stream)
    in_names = [t.name for t in stream.inputs]
    assert in_names[0] == "features" and sorted(in_names) == in_names
    assert [p[0] for p in pairs] == in_names[1:]
    assert list(stream.output.keys())[0] == "probabilities"
    assert [p[1] for p in pairs] == sorted(k for k in stream.output if k != "probabilities")
    # conv0: 9 past frames of 40 channels; dw blocks: 2 frames x 5 bins x 64; time mean: 48 frames x 64
    shapes = {name: tuple(t.shape) for name, t in zip(in_names, stream.inputs, strict=True)}
    assert shapes["state_in_00_conv0_stream"] == (1, 9, 40, 1)
    assert shapes["state_in_01_dw1_stream"] == (1, 2, 5, 64)
    assert shapes["state_in_05_time_mean_stream"] == (1, 48, 64)
    internal = to_streaming(model, "stream_internal")
    var_shapes = [tuple(v.shape) for layer in internal.layers for v in getattr(layer, "state_variables", [])]
    assert var_shapes == [shapes[p[0]] for p in pairs]
    assert set(initial_states(stream)) == {p[0] for p in pairs}


def test_lstm_streams():
    inputs = keras.Input((20, 6))
    x = LSTM(8, return_sequences=True, name="lstm0")(inputs)
    x = GRU(5, name="gru1")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="probabilities")(x))
    randomize(model, seed=3, gain=3.0)
    data = np.random.default_rng(1).normal(size=(2, 20, 6)).astype(np.float32)
    stream = to_streaming(model, "stream_external", batch_size=2)
    assert len(state_pairs(stream)) == 3  # h and c of the LSTM, h of the GRU
    out = Streamer(stream).run(data)
    np.testing.assert_allclose(out[:, -1], model(data), atol=TOL, rtol=0)
    seq = convert(model, Modes.SEQUENCE_INFERENCE, frames=20)(data)
    np.testing.assert_allclose(out, seq, atol=TOL, rtol=0)


def test_same_padding_streams_with_delay():
    """Non-causal ('same') padding streams too, with the output lagging by the look-ahead."""
    inputs = keras.Input((30, 4))
    conv = Stream(keras.layers.Conv1D(3, 5, padding="valid", name="conv"), pad_time="same", name="conv_stream")
    model = keras.Model(inputs, conv(inputs))
    randomize(model, seed=4)
    data = np.random.default_rng(2).normal(size=(1, 30, 4)).astype(np.float32)
    reference = np.asarray(model(data))
    stream = to_streaming(model, "stream_external")
    layer = stream.get_layer("conv_stream")
    assert layer.delay_frames == 2
    out = Streamer(stream).run(np.concatenate([data, np.zeros((1, 2, 4), np.float32)], axis=1))
    out = out[:, :, 0]  # one frame per call
    np.testing.assert_allclose(out[:, layer.delay_frames :], reference, atol=TOL, rtol=0)


def _residual(delay: int | None) -> keras.Model:
    inputs = keras.Input((30, 4))
    y = Stream(keras.layers.Conv1D(4, 5, padding="valid", name="conv"), pad_time="same", name="conv_stream")(inputs)
    bypass = Delay(delay, name="bypass_delay")(inputs) if delay is not None else inputs
    model = keras.Model(inputs, keras.layers.Add(name="add")([bypass, y]))
    randomize(model, seed=6)
    return model


def test_non_causal_residual_needs_a_delay():
    with pytest.raises(NotStreamableError, match=r"'add'.*lag by \[0, 2\] frames"):
        to_streaming(_residual(None), "stream_external")
    model = _residual(2)
    data = np.random.default_rng(3).normal(size=(1, 30, 4)).astype(np.float32)
    reference = np.asarray(model(data))  # non-streaming: the delay is the identity
    stream = to_streaming(model, "stream_internal")
    assert stream.stream_delay_frames == 2
    out = Streamer(stream).run(np.concatenate([data, np.zeros((1, 2, 4), np.float32)], axis=1))[:, :, 0]
    np.testing.assert_allclose(out[:, 2:], reference, atol=TOL, rtol=0)


def test_last_frame_readout_streams():
    spec = load_spec("svdf").replace(
        architecture={"params": {**load_spec("svdf").architecture.params, "readout": "last"}}
    )
    model = build_model(spec)
    assert isinstance(model.get_layer("last_frame"), LastFrame)
    randomize(model, seed=5)
    data = clip_features()[:2]
    out = Streamer(to_streaming(model, "stream_external", batch_size=2)).run(data)
    np.testing.assert_allclose(out[:, -1], model(data), atol=TOL, rtol=0)


# -- refusals ---------------------------------------------------------------------------------------------


def _refusal(model: keras.Model) -> str:
    with pytest.raises(NotStreamableError) as err:
        to_streaming(model, "stream_external")
    return str(err.value)


def test_refuses_stride_in_time():
    message = _refusal(build_model(load_spec("tc_resnet")))
    assert "block0_conv1" in message and "stride 2 in time" in message
    message = _refusal(build_model(load_spec("micro_speech")))
    assert "'conv'" in message and "stride 2 in time" in message


def test_refuses_pooling_in_time():
    inputs = keras.Input((20, 8, 1))
    x = Stream(keras.layers.MaxPooling2D((2, 2), name="pool"), name="pool_stream")(inputs)
    x = Stream(keras.layers.Flatten(name="flatten"), name="flatten_stream")(x)
    message = _refusal(keras.Model(inputs, x))
    assert "'pool'" in message and "pooling in time" in message

    inputs = keras.Input((20, 8, 1))
    x = keras.layers.AveragePooling2D((2, 1), name="avg")(inputs)
    message = _refusal(keras.Model(inputs, keras.layers.Reshape((-1, 8))(x)))
    assert "'avg'" in message and "pooling in time" in message


def test_refuses_bidirectional_rnn():
    inputs = keras.Input((20, 8))
    x = keras.layers.Bidirectional(keras.layers.GRU(4), name="bigru")(inputs)
    message = _refusal(keras.Model(inputs, keras.layers.Dense(2)(x)))
    assert "'bigru'" in message and "bidirectional" in message


def test_refuses_unwrapped_time_mixing_layers():
    inputs = keras.Input((20, 8))
    message = _refusal(keras.Model(inputs, keras.layers.Flatten(name="flat")(inputs)))
    assert "'flat'" in message and "wrap it in hark.layers.Stream" in message
    x = keras.layers.Conv1D(4, 3, padding="causal", name="conv")(inputs)
    message = _refusal(keras.Model(inputs, x))
    assert "'conv'" in message and "kernel 3 in time" in message
    x = keras.layers.Reshape((20, 8, 1), name="fixed")(inputs)
    message = _refusal(keras.Model(inputs, x))
    assert "'fixed'" in message and "fixes the frame count" in message
    x = keras.layers.GRU(4, name="plain_gru")(inputs)
    assert "'plain_gru'" in _refusal(keras.Model(inputs, x))
    x = keras.layers.Concatenate(axis=1, name="cat")([inputs, inputs])
    assert "concatenates along time" in _refusal(keras.Model(inputs, x))


def test_stream_cell_must_be_valid_padded():
    with pytest.raises(ValueError, match="padding='valid'"):
        Stream(keras.layers.Conv2D(4, 3, padding="same", name="c"))


def test_streamable_flags_agree_with_the_checker():
    from hark.zoo import architecture, known_models
    from hark.zoo.registry import resolve_params  # noqa: F401

    for name in known_models():
        base = load_spec("dnn_raw" if name == "dnn_raw" else "ds_cnn")  # dnn_raw takes raw audio
        model = build_model(base.replace(architecture={"name": name, "params": {}}))
        try:
            check_streamable(model)
            ok = True
        except NotStreamableError:
            ok = False
        assert ok == architecture(name).streamable, name


def test_unknown_mode():
    with pytest.raises(ValueError, match="known modes"):
        Modes.parse("streamy")


@pytest.mark.parametrize(
    "name, params",
    [
        ("gru", {}),
        ("lstm", {}),
        ("low_latency_svdf", {}),
        ("tc_resnet", {"block_strides": [1, 1, 1], "block_dilations": [1, 2, 4]}),  # residual, dilated, causal
    ],
)
def test_other_streamable_architectures(name, params, clips):
    spec = load_spec("ds_cnn").replace(architecture={"name": name, "params": params})
    model = build_model(spec)
    randomize(model, seed=8, gain=1.0 if name == "tc_resnet" else 2.5)  # deep: keep logits moderate
    data = clips[:2]
    out = Streamer(to_streaming(model, "stream_external", batch_size=2)).run(data)
    sequence = np.asarray(convert(model, Modes.SEQUENCE_INFERENCE, frames=49)(data))
    assert np.abs(out - sequence).max() < TOL
    np.testing.assert_allclose(out[:, -1], model(data), atol=TOL, rtol=0)


def test_pooling_streams():
    """Stride-1 pooling in time, pooling over the whole window, and global max pooling all stream exactly."""
    inputs = keras.Input((24, 8, 1))
    x = Stream(keras.layers.Conv2D(4, (3, 3), name="conv"), pad_freq="same", name="conv_stream")(inputs)
    x = Stream(keras.layers.MaxPooling2D((3, 2), strides=(1, 2), name="max"), name="max_stream")(x)
    a = Stream(keras.layers.AveragePooling2D((24, 1), name="avg"), name="avg_stream")(x)
    a = keras.layers.Reshape((-1, 16), name="avg_frames")(a)
    a = LastFrame(name="avg_last")(a)
    m = Stream(keras.layers.GlobalMaxPooling2D(name="gmax"), name="gmax_stream")(x)
    out = keras.layers.Concatenate(name="both")([a, m])
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(out))
    randomize(model, seed=9, gain=2.0)
    data = np.random.default_rng(4).normal(size=(2, 24, 8, 1)).astype(np.float32)
    sequence = keras.ops.convert_to_numpy(convert(model, Modes.SEQUENCE_INFERENCE, frames=24)(data))
    np.testing.assert_allclose(sequence[:, -1], model(data), atol=TOL, rtol=0)
    for mode in ("stream_external", "stream_internal"):
        out = Streamer(to_streaming(model, mode, batch_size=2)).run(data)
        assert np.abs(out - sequence).max() < TOL, mode


def test_sequential_models_convert():
    model = keras.Sequential(
        [
            keras.Input((20, 6)),
            Stream(keras.layers.Conv1D(5, 3, name="conv"), name="conv_stream"),
            Stream(keras.layers.Flatten(name="flat"), name="flat_stream"),
            keras.layers.Dense(2, name="head"),
        ]
    )
    randomize(model, seed=10)
    data = np.random.default_rng(5).normal(size=(1, 20, 6)).astype(np.float32)
    out = Streamer(to_streaming(model, "stream_external")).run(data)
    np.testing.assert_allclose(out[:, -1], model(data), atol=TOL, rtol=0)


def test_to_streaming_from_spec_and_weights(tmp_path, clips):
    spec = load_spec("svdf")
    model = build_model(spec)
    randomize(model, seed=11, gain=2.0)
    path = tmp_path / "svdf.weights.h5"
    model.save_weights(path)
    from_spec = Streamer(zoo.to_streaming(spec, "stream_external", weights=path)).run(clips[:1])
    from_model = Streamer(to_streaming(model, "stream_external")).run(clips[:1])
    np.testing.assert_array_equal(from_spec, from_model)
    np.testing.assert_allclose(from_spec[:, -1], model(clips[:1]), atol=TOL, rtol=0)
