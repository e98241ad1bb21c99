"""The model zoo: every spec builds to the right shapes, MAC counts match hand counts, bad specs fail clearly."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from reference_clips import randomize

from hark.evaluate.summary import float_graph_info, format_summary, state_elements, summarize
from hark.layers import Modes
from hark.spec import SpecError, available_specs, load_spec
from hark.streaming import convert
from hark.zoo import build_model, known_models

REQUIRED_SPECS = {"micro_speech", "ds_cnn", "dnn", "cnn", "crnn", "svdf", "tc_resnet"}


def test_required_specs_exist():
    assert REQUIRED_SPECS <= set(available_specs())


@pytest.mark.parametrize("name", sorted(available_specs()))
def test_every_spec_builds(name):
    spec = load_spec(name)
    model = build_model(spec)
    fe = spec.frontend
    assert tuple(model.input.shape) == (None, fe.num_frames, fe.frame_width)
    assert tuple(model.output.shape) == (None, len(spec.labels))
    x = np.random.default_rng(0).uniform(0, 25, (2, fe.num_frames, fe.frame_width)).astype(np.float32)
    p = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)
    assert spec.streaming.mode in ("window", "stream_external", "stream_internal")
    r = spec.recognition
    assert r.average_window_ms > 0 and 0 < r.detection_threshold <= 1 and r.minimum_count >= 1


def test_micro_speech_matches_tf_tiny_conv():
    """TF's tiny_conv on 49 x 40: conv 10x8, 8 filters, stride 2 -> 25 x 20 x 8, then a dense layer."""
    spec = load_spec("micro_speech")
    s = summarize(spec, build_model(spec))
    assert s["params"] == (10 * 8 * 8 + 8) + (25 * 20 * 8 * 4 + 4) == 16652
    assert s["window"]["macs_per_call"] == 25 * 20 * 8 * (10 * 8) + 25 * 20 * 8 * 4 == 336000


def test_ds_cnn_macs_by_hand():
    spec = load_spec("ds_cnn")
    model = build_model(spec)
    t, f, c = 49, 5, 64
    conv0 = t * f * c * 10 * 8
    block = t * f * c * 9 + t * f * c * c
    dense = c * 12
    s = summarize(spec, model)
    assert s["window"]["macs_per_call"] == conv0 + 4 * block + dense
    assert s["stream"]["macs_per_call"] == f * c * 10 * 8 + 4 * (f * c * 9 + f * c * c) + dense
    assert s["stream"]["state_elements"] == 9 * 40 + 4 * 2 * 5 * 64 + 48 * 64
    text = format_summary(s)
    assert "dw1_stream" in text and "MACs" in text


@pytest.mark.parametrize("name", known_models())
def test_every_architecture_builds_for_12_labels(name):
    base = "dnn_raw" if name == "dnn_raw" else "ds_cnn"  # dnn_raw takes raw audio, not features
    spec = load_spec(base).replace(architecture={"name": name, "params": {}})
    model = build_model(spec)
    assert tuple(model.output.shape) == (None, 12)


def test_unknown_architecture_lists_known_names():
    spec = load_spec("ds_cnn").replace(architecture={"name": "ds_cnm", "params": {}})
    with pytest.raises(SpecError) as err:
        build_model(spec)
    message = str(err.value)
    assert "ds_cnm" in message and "did you mean 'ds_cnn'" in message
    for name in ("tiny_conv", "crnn", "svdf", "tc_resnet"):
        assert name in message


def test_misspelled_param_is_refused():
    spec = load_spec("ds_cnn").replace(architecture={"name": "ds_cnn", "params": {"filtres": 32}})
    with pytest.raises(SpecError, match="unknown key 'filtres'.*did you mean 'filters'"):
        build_model(spec)


def test_params_change_the_model():
    spec = load_spec("ds_cnn").replace(architecture={"name": "ds_cnn", "params": {"filters": 32, "blocks": 2}})
    model = build_model(spec)
    assert model.get_layer("pw2_conv").kernel.shape == (1, 1, 32, 32)
    with pytest.raises(ValueError):
        model.get_layer("pw3_conv")


@pytest.mark.parametrize("name", ["ds_cnn", "crnn", "svdf"])
def test_keras_save_and_load_round_trip(name, tmp_path):
    model = build_model(load_spec(name))
    randomize(model, seed=7)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(1).uniform(0, 25, (2, 49, 40)).astype(np.float32)
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)


def test_build_model_in_streaming_mode():
    spec = load_spec("crnn")
    stream = build_model(spec, Modes.STREAM_EXTERNAL_STATE_INFERENCE)
    assert tuple(stream.inputs[0].shape) == (1, 1, 40)
    internal = build_model(spec, "stream_internal")
    assert tuple(internal.input.shape) == (1, 1, 40)


def test_ds_cnn_mlperf_is_the_reference_shape():
    """MLPerf Tiny's DS-CNN on 49 x 10: 2.66 M MACs (the figure TFLM's DS-CNN benchmark reports)."""
    model = build_model(load_spec("ds_cnn_mlperf"))
    assert tuple(model.input.shape) == (None, 49, 10)
    assert model.get_layer("conv0_bn").output.shape == (None, 25, 5, 64)
    assert float_graph_info(model).macs == 2_656_768


def test_a_recurrent_window_model_counts_its_loop_once_per_frame():
    """The converter writes a GRU over the window as a WHILE loop (the training-mode graph) or unrolls it (the
    inference form): either way the GRU costs its per-frame MACs once per frame."""
    spec = load_spec("crnn")
    model = build_model(spec)
    looped = float_graph_info(model)
    unrolled = float_graph_info(convert(model, Modes.NON_STREAM_INFERENCE))
    assert looped.op_counts.get("WHILE") == 1 and "WHILE" not in unrolled.op_counts
    gru = model.get_layer("gru0")
    steps, units, features = gru.input.shape[1], gru.units, gru.input.shape[-1]
    loop = next(op for op in looped.ops if op.name == "WHILE")
    assert loop.macs == steps * 3 * units * (features + units)
    assert looped.macs == 7_615_936
    # unrolled, the first frame's recurrent product with the zero initial state is folded away by the converter
    assert unrolled.macs == looped.macs - 3 * units * units
    assert state_elements(convert(model, Modes.STREAM_EXTERNAL_STATE_INFERENCE)) > 0
