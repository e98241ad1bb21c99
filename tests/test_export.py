"""Export: every spec end to end (dry-run train → int8 with metadata → tflite-micro → metadata round trip),
streaming int8 models in the tflite-micro interpreter (external state copied out → in; internal state kept by the
interpreter), the state-quantization refusal, the metadata reader's bounds checks, and the C array."""

from __future__ import annotations

import dataclasses
import os
import re
import struct
import subprocess

import numpy as np
import pytest

from hark.spec import available_specs, load_spec

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from hark.export.quantize import convert  # noqa: E402
from hark.export.state_check import StatePair, StateQuantizationError, verify_state_pairs  # noqa: E402
from hark.format.metadata import (  # noqa: E402
    MetadataError,
    StreamInfo,
    decode_blob,
    encode_blob,
    read_metadata,
    spec_entries,
)
from hark.format.micro import ClipRunner, MicroModel  # noqa: E402

# ---------------------------------------------------------------- metadata blob


def _entries():
    return {"spec.name": "m", "n": 7, "neg": -3, "f": 0.1, "flag": True, "list": [1, -2, 300000], "empty": ""}


def test_blob_round_trips_every_type_bit_exactly():
    blob = encode_blob(_entries())
    assert blob[:4] == b"HRK1" and struct.unpack_from("<HH", blob, 4) == (1, 7)
    got = decode_blob(blob)
    assert got["spec.name"] == "m" and got["n"] == 7 and got["neg"] == -3 and got["flag"] == 1
    assert got["f"] == struct.unpack("<f", struct.pack("<f", 0.1))[0]  # float32, bit-exact
    assert got["list"] == (1, -2, 300000) and got["empty"] == ""


def test_blob_layout_matches_the_documented_format():
    blob = encode_blob({"ab": 5})
    # magic, version 1, one entry: u8 key_len, key, u8 type, u16 value_len, value
    assert blob == b"HRK1" + b"\x01\x00\x01\x00" + b"\x02ab" + b"i" + b"\x04\x00" + b"\x05\x00\x00\x00"


def test_reader_refuses_every_truncation_and_overrun():
    blob = encode_blob(_entries())
    for cut in range(len(blob)):
        with pytest.raises(MetadataError):
            decode_blob(blob[:cut])
    grown = bytearray(blob)
    grown[6] += 1  # one entry more than the blob holds
    with pytest.raises(MetadataError, match="overruns"):
        decode_blob(bytes(grown))
    with pytest.raises(MetadataError, match="version"):
        decode_blob(blob[:4] + b"\x02\x00" + blob[6:])
    bad_int = encode_blob({"x": "abc"}).replace(b"xs", b"xi")  # an int entry of 3 bytes
    with pytest.raises(MetadataError, match="not 4"):
        decode_blob(bad_int)


def test_reader_skips_unknown_keys_and_types_and_names_missing_required_keys():
    spec = load_spec("micro_speech")
    entries = spec_entries(spec, StreamInfo(window_frames=49, frames_per_call=49))
    blob = bytearray(encode_blob({"zz.future": 1, **entries}))
    blob += b""  # trailing bytes after the entries are allowed by the format
    got = decode_blob(bytes(blob))
    assert got["labels"] == "_silence_,_unknown_,yes,no"
    odd = encode_blob({"odd": 1}).replace(b"oddi", b"oddq")  # an unknown type is skipped, not an error
    assert decode_blob(odd) == {}
    from hark.format.metadata import check_entries

    del entries["recognition.suppression_ms"]
    with pytest.raises(MetadataError, match="'recognition.suppression_ms'"):
        check_entries(entries)


# ---------------------------------------------------------------- state quantization


def _state_model(next_state: str) -> keras.Model:
    features = keras.Input(batch_shape=(1, 1, 8), name="features")
    state = keras.Input(batch_shape=(1, 3, 8), name="state_in_00_conv")
    window = keras.layers.Concatenate(axis=1)([state, features])
    if next_state == "shift":  # the ring buffer: the last 3 frames, the same values the input held
        new_state = keras.layers.Lambda(lambda w: w[:, 1:, :])(window)
    else:  # an arithmetic state update: its range, so its scale, differs from the input's
        new_state = keras.layers.Lambda(lambda s: s * 4.0 + 1.0)(state)
    flat = keras.layers.Flatten()(window)
    probs = keras.layers.Dense(3, activation="softmax")(flat)
    new_state = keras.layers.Identity(name="state_out_00_conv")(new_state)
    return keras.Model({"features": features, "state_in_00_conv": state},
                       {"probabilities": probs, "state_out_00_conv": new_state})


def _representative():
    rng = np.random.default_rng(0)
    for _ in range(16):
        yield [rng.uniform(0, 5, (1, 1, 8)).astype(np.float32), rng.uniform(0, 5, (1, 3, 8)).astype(np.float32)]


def test_state_pair_sharing_quantization_passes():
    tflite = convert(_state_model("shift"), "int8", _representative)
    verify_state_pairs(tflite, [StatePair(1, 1, "state_in_00_conv")])


def test_state_pair_with_different_quantization_is_refused_loudly():
    tflite = convert(_state_model("affine"), "int8", _representative)
    with pytest.raises(StateQuantizationError, match="state_in_00_conv.*scale"):
        verify_state_pairs(tflite, [StatePair(1, 1, "state_in_00_conv")])


def _rnn_state_model(cell: str) -> keras.Model:
    """A one-frame recurrent update: next state = a*state + b*f(features), computed by an ADD (as a GRU's
    z*h + (1-z)*hhat is), or squashed by a TANH whose int8 output quantization is fixed at 1/128."""
    features = keras.Input(batch_shape=(1, 8), name="features")
    state = keras.Input(batch_shape=(1, 8), name="state_in_00_gru")
    drive = keras.layers.Dense(8, activation="tanh", name="drive")(features)
    mixed = keras.layers.Add()([keras.layers.Rescaling(0.45)(state), keras.layers.Rescaling(0.45)(drive)])
    if cell == "tanh":
        mixed = keras.layers.Activation("tanh")(keras.layers.Rescaling(2.0)(mixed))
    new_state = keras.layers.Identity(name="state_out_00_gru")(mixed)
    probs = keras.layers.Dense(3, activation="softmax")(new_state)
    return keras.Model({"features": features, "state_in_00_gru": state},
                       {"probabilities": probs, "state_out_00_gru": new_state})


def _rnn_representative():
    rng = np.random.default_rng(1)
    for _ in range(64):  # the state input spans [-1, 1]; the next state stays inside about [-0.9, 0.9]
        yield [rng.normal(0, 2, (1, 8)).astype(np.float32), rng.uniform(-1, 1, (1, 8)).astype(np.float32)]


def test_computed_state_output_is_aligned_to_its_input_exactly():
    from hark.export.state_check import align_state_outputs
    from hark.format.tflite import model_tensors

    keras.utils.set_random_seed(4)
    model = _rnn_state_model("add")
    tflite = convert(model, "int8", _rnn_representative)
    pair = [StatePair(1, 1, "state_in_00_gru")]
    with pytest.raises(StateQuantizationError):  # calibrated apart: the output's range is the narrower
        verify_state_pairs(tflite, pair)
    aligned, names = align_state_outputs(tflite, pair)
    assert names == ["state_in_00_gru"]
    verify_state_pairs(aligned, pair)
    inputs, outputs = model_tensors(aligned)
    assert outputs[1].scales == inputs[1].scales and outputs[1].zero_points == inputs[1].zero_points
    # The aligned model computes the same next state, rounded onto the input's grid instead of its own: within
    # one step of the unaligned model's. Copying the unaligned bytes into the input instead misreads them.
    step = inputs[1].scales[0]
    new, old = MicroModel(aligned), MicroModel(tflite)
    rng = np.random.default_rng(7)
    worst_aligned = worst_copied = 0.0
    for _ in range(20):
        raw = [new.quantize(0, rng.normal(0, 2, (1, 8))), new.quantize(1, rng.uniform(-1, 1, (1, 8)))]
        reference = old.dequantize(1, old.invoke_raw(raw)[1])
        worst_aligned = max(worst_aligned, float(np.abs(new.dequantize(1, new.invoke_raw(raw)[1]) - reference).max()))
        copied = new.dequantize(1, old.invoke_raw(raw)[1])  # old bytes read with the state input's quantization
        worst_copied = max(worst_copied, float(np.abs(copied - reference).max()))
    assert worst_aligned <= step * 1.001, (worst_aligned, step)
    assert worst_copied > 2 * step, (worst_copied, step)


def test_state_output_with_fixed_quantization_is_not_aligned_but_refused():
    from hark.export.state_check import align_state_outputs

    keras.utils.set_random_seed(4)
    tflite = convert(_rnn_state_model("tanh"), "int8", _rnn_representative)
    pair = [StatePair(1, 1, "state_in_00_gru")]
    aligned, names = align_state_outputs(tflite, pair)
    assert names == [] and aligned == tflite  # TANH's output scale is not the exporter's to change
    with pytest.raises(StateQuantizationError, match="(?s)state_in_00_gru.*requantizing op"):
        verify_state_pairs(aligned, pair)


def test_state_output_wider_than_its_input_is_refused():
    from hark.export.state_check import align_state_outputs

    tflite = convert(_state_model("affine"), "int8", _representative)  # next state 4*s + 1: 4x the range
    pair = [StatePair(1, 1, "state_in_00_conv")]
    assert align_state_outputs(tflite, pair)[1] == []
    with pytest.raises(StateQuantizationError, match="state_in_00_conv"):
        verify_state_pairs(tflite, pair)


# ---------------------------------------------------------------- C array


def test_c_array_compiles_is_aligned_and_holds_the_model_bytes(tmp_path):
    from hark.format.c_array import write_c_array

    payload = bytes(range(256)) * 3 + b"\x07"
    src, hdr = write_c_array(payload, "demo-1", tmp_path)
    body = src.read_text()
    values = bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body))
    assert values == payload and "aligned(16)" in body and "label" not in body + hdr.read_text()
    main = tmp_path / "main.c"
    main.write_text(
        '#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n#include "demo-1_model.h"\n'
        "int main(void) {\n"
        "  if (((uintptr_t)demo_1_model) % 16u != 0u) return 1;\n"
        "  if (demo_1_model_len != 769u || DEMO_1_MODEL_LEN != 769u) return 2;\n"
        "  if (demo_1_model[768] != 7u || demo_1_model[255] != 255u) return 3;\n"
        "  return 0;\n}\n"
    )
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path), str(main), str(src),
                    "-o", str(exe)], check=True, timeout=60)
    assert subprocess.run([str(exe)], timeout=30).returncode == 0


# ---------------------------------------------------------------- every spec end to end


class _DryRuns(dict):
    """Run folders of specs dry-run trained on first use (a few steps), shared by the export tests."""

    def __init__(self, data, root):
        super().__init__()
        self.data, self.root = data, root

    def __missing__(self, name):
        from hark.train.run import train

        out = train(load_spec(name), self.root / name, data_dir=self.data, dry_run=True, dry_run_steps=4,
                    verbose=False)
        assert out.fit.steps == 4
        self[name] = out.run.root
        return out.run.root


@pytest.fixture(scope="module")
def dry_runs(kws_dataset, tmp_path_factory):
    return _DryRuns(kws_dataset, tmp_path_factory.mktemp("runs"))


# alexa's specs need a dataset with the word alexa and its near misses: tests/test_alexa.py trains and exports them.
# The attention models unroll a bidirectional RNN per frame (minutes to convert at full length); in CI
# tests/test_zoo_reference.py trains, exports and runs them bit-exact on a short window, and HARK_SLOW=1 adds them here.
SLOW_SPECS = {"att_rnn", "att_mh_rnn"}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.skipif(n in SLOW_SPECS and os.environ.get("HARK_SLOW") != "1",
                                             reason="HARK_SLOW=1: full-length attention models"))
    for n in available_specs() if not n.startswith("alexa")])  # fmt: skip
def test_every_spec_trains_exports_and_runs_in_tflite_micro(name, dry_runs, kws_dataset, tmp_path):
    from hark.export.pipeline import export_run
    from hark.train.run_folder import RunFolder

    spec = RunFolder(dry_runs[name]).spec()  # the dry-run spec: the model spec with a few steps
    assert spec.architecture == load_spec(name).architecture
    result = export_run(dry_runs[name], tmp_path, data_dir=kws_dataset, report=False, qat=False)  # QAT: see below
    tflite = result.tflite_path.read_bytes()
    meta = read_metadata(tflite)
    assert meta.labels == list(spec.labels) and meta["spec.hash"] == spec.hash and meta["spec.name"] == name
    expected = {f.name: getattr(spec.frontend, f.name) for f in dataclasses.fields(spec.frontend) if f.name != "kind"}
    expected = {k: float(np.float32(v)) if isinstance(v, float) else int(v) for k, v in expected.items()}
    if spec.frontend.kind != "microfrontend":  # the key a device needs to refuse what its pipeline cannot feed
        expected["kind"] = spec.frontend.kind
    assert meta.frontend() == expected
    assert meta["recognition.detection_threshold"] == pytest.approx(spec.recognition.detection_threshold)
    assert meta.stream.mode == spec.streaming.mode
    model = MicroModel(tflite)
    assert model.arena_bytes() > 0
    assert all(np.dtype(d["dtype"]) == np.int8 for d in model.inputs + model.outputs)
    clip = np.random.default_rng(1).uniform(0, 20, (spec.frontend.num_frames, spec.frontend.frame_width))
    scores = ClipRunner(model, meta.stream).clip_scores(clip)
    assert scores.shape == (len(spec.labels),) and abs(scores.sum() - 1.0) < 0.05
    c_text = result.c_source.read_text()
    assert f"{len(tflite)}u" in result.c_header.read_text() and c_text.count("0x") == len(tflite)


# ---------------------------------------------------------------- streaming int8 in the tflite-micro interpreter

_EXPORTS: dict = {}


def _exported(name, dry_runs, kws_dataset, tmp_path_factory, **kwargs):
    from hark.export.pipeline import export_run

    key = (name, tuple(sorted(kwargs.items())))
    if key not in _EXPORTS:
        out = tmp_path_factory.mktemp(f"export_{name}")
        _EXPORTS[key] = export_run(dry_runs[name], out, data_dir=kws_dataset, report=False, **kwargs)
    return _EXPORTS[key]


def _test_clips(name, kws_dataset, n):
    from hark.data import load_dataset
    from hark.train.inputs import feature_clips

    spec = load_spec(name)
    return feature_clips(spec, load_dataset(spec, kws_dataset), "testing", n)[0]


def test_external_state_model_runs_frame_by_frame_copying_state(dry_runs, kws_dataset, tmp_path_factory):
    from hark import streaming
    from hark.export.device_model import inference_model, load_trained
    from hark.train.run_folder import RunFolder

    result = _exported("ds_cnn", dry_runs, kws_dataset, tmp_path_factory, qat=False)  # the float weights as trained
    meta = read_metadata(result.tflite_path.read_bytes())
    assert meta.stream.mode == "stream_external" and meta.stream.frames_per_call == 1
    assert len(meta.stream.state_inputs) == len(meta.stream.state_outputs) >= 4
    micro = MicroModel(result.tflite_path.read_bytes())
    float_stream = inference_model(load_trained(RunFolder(dry_runs["ds_cnn"])), "stream_external")
    pairs = streaming.state_pairs(float_stream)
    clip = _test_clips("ds_cnn", kws_dataset, 1)[0]
    step = tf.function(lambda values: float_stream(values, training=False))

    runner = ClipRunner(micro, meta.stream)
    states = streaming.initial_states(float_stream)
    state_errors, worst_score = [], 0.0
    for t in range(clip.shape[0]):
        int8_scores = runner._call(clip[None, t : t + 1])  # copies each state output into its input
        out = step({"features": clip[None, t : t + 1], **states})
        states = {i: np.asarray(out[o]) for i, o in pairs}
        worst_score = max(worst_score, float(np.abs(int8_scores - np.asarray(out["probabilities"])[0]).max()))
        for (i, _), idx in zip(pairs, meta.stream.state_inputs, strict=True):
            scale = micro._qparams(micro.inputs[idx])[0]
            q = runner.state[idx].astype(np.float32) - micro._qparams(micro.inputs[idx])[1]
            state_errors.append(np.abs(q * scale - states[i]).reshape(-1) / scale)
    # The int8 state tracks the float state frame by frame over the whole clip: on average within about one
    # quantization step (deep layers inherit the rounding of the layers before them, so single values stray more).
    errors = np.concatenate(state_errors)
    assert errors.mean() < 1.0 and np.percentile(errors, 99) < 8, (errors.mean(), np.percentile(errors, 99))
    assert worst_score < 0.05, worst_score


def test_internal_state_model_keeps_state_in_the_interpreter(dry_runs, kws_dataset, tmp_path):
    import shutil

    from hark.export.device_model import load_trained
    from hark.export.pipeline import export_run
    from hark.train.run_folder import RunFolder

    # A few training steps leave near-uniform scores that int8 rounds to one value; sharpen the classifier so the
    # outputs depend on the input (and on the state) visibly.
    run = RunFolder(shutil.copytree(dry_runs["svdf"], tmp_path / "svdf"))
    model = load_trained(run)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]
    dense.kernel.assign(dense.kernel.numpy() * 40.0)
    model.save_weights(str(run.best_weights))
    result = export_run(run.root, tmp_path / "out", data_dir=kws_dataset, report=False, stream_mode="stream_internal")
    tflite = result.tflite_path.read_bytes()
    meta = read_metadata(tflite)
    assert meta.stream.mode == "stream_internal" and meta.stream.state_inputs == ()
    from hark.format.tflite import model_info

    ops = model_info(tflite).op_counts
    assert ops.get("VAR_HANDLE", 0) > 0 and ops.get("ASSIGN_VARIABLE", 0) > 0
    micro = MicroModel(tflite)
    assert len(micro.inputs) == 1 and len(micro.outputs) == 1
    runner = ClipRunner(micro, meta.stream)
    a, b = _test_clips("svdf", kws_dataset, 2)
    first = runner.scores(a, reset=True)
    again = runner.scores(a, reset=True)
    np.testing.assert_array_equal(first, again)  # reset zeroes the interpreter's state
    carried = runner.scores(b, reset=False)
    fresh = runner.scores(b, reset=True)
    assert not np.array_equal(carried[0], fresh[0])  # without reset, the state of clip a reaches clip b
    # The one-frame-per-call outputs track the float non-streaming model on the clip.
    from hark.export.device_model import inference_model

    window = inference_model(model, "window")
    expected = np.asarray(window(b[None], training=False))[0]
    assert np.abs(fresh[-1] - expected).max() < 0.1, (fresh[-1], expected)
    assert len(set(fresh[-1].tolist())) > 1  # the sharpened scores are not uniform


def test_report_counts_macs_arena_and_accuracies(dry_runs, kws_dataset, tmp_path):
    from hark.export.pipeline import export_run

    r = export_run(dry_runs["ds_cnn"], tmp_path, data_dir=kws_dataset, report=True, max_clips=8, qat=True,
                   qat_steps=2).report
    assert r["stream_mode"] == "stream_external" and r["mac_ratio_window_over_call"] >= 20
    assert r["macs_per_window_call"] > 2_000_000 and r["arena_bytes"] > 1000
    assert r["ops"]["DEPTHWISE_CONV_2D"] == 4 and r["test_clips"] == 8
    for key in ("float_accuracy", "int8_accuracy", "stream_accuracy_reset1", "stream_accuracy_reset0",
                "int8_window_accuracy", "int8_stream_vs_window_top1_agreement"):
        assert 0.0 <= r[key] <= 1.0
    assert r["qat"]["steps"] == 2 and 0.0 <= r["qat"]["ptq_int8_accuracy"] <= 1.0
    assert json_file_equals(tmp_path / "ds_cnn_report.json", r)


def json_file_equals(path, data):
    import json

    return json.loads(path.read_text()) == json.loads(json.dumps(data))


def test_qat_moves_kernels_onto_the_int8_grid():
    from hark.export.qat import qat_finetune, quantized_kernels_error

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6, 4)), keras.layers.Conv1D(8, 3, activation="relu"),
                              keras.layers.DepthwiseConv1D(3), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(64, 6, 4)).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.int32)
    before = quantized_kernels_error(model)
    losses = qat_finetune(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16), 40, 1e-3)
    assert len(losses) == 40 and losses[-1] < losses[0]
    assert np.isfinite(quantized_kernels_error(model)) and before > 0


def test_dynamic_and_float16_exports_load_in_tflite(dry_runs):
    from hark.export.device_model import inference_model, load_trained
    from hark.format.tflite import model_info
    from hark.train.run_folder import RunFolder

    window = inference_model(load_trained(RunFolder(dry_runs["micro_speech"])), "window")
    float_size = len(convert(window, "float"))
    for mode in ("dynamic", "float16"):
        buf = convert(window, mode)
        interp = tf.lite.Interpreter(model_content=buf)  # hybrid kernels are not in tflite-micro
        interp.allocate_tensors()
        assert len(buf) < float_size * 0.75
        assert model_info(buf).inputs[0].dtype == "float32"


# ---------------------------------------------------------------- internal state quantized as external


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ds_cnn", "crnn", "svdf", "dnn", "cnn"])
def test_internal_state_model_computes_the_external_models_bytes(name):
    """The internal-state export adopts the external-state twin's quantization (calibrated with state reset per
    clip): streamed over clips, with reset, both give the very same scores, so internal state loses nothing."""
    from reference_clips import clip_features, randomize

    from hark import streaming
    from hark.export.device_model import inference_model, quantize_for_device, state_pairs_by_position
    from hark.export.internal_state import adopt_external_quantization
    from hark.zoo import build_model

    spec = load_spec(name)
    model = build_model(spec)
    randomize(model, seed=2, gain=1.5)
    clips = clip_features()
    calibration = np.concatenate([clips, clips[:, ::-1] * 0.8])
    internal_model = inference_model(model, "stream_internal")
    external_model = streaming.convert(internal_model, "stream_external")
    external, ext_info = quantize_for_device(spec, external_model, "stream_external", "int8", calibration)
    internal, int_info = quantize_for_device(spec, internal_model, "stream_internal", "int8", calibration)
    # the export adopted (rather than fell back): adopting again changes nothing
    pairs = state_pairs_by_position(external_model, external)
    assert adopt_external_quantization(internal, external, [p.input_index for p in pairs]) == internal
    a, b = ClipRunner(MicroModel(internal), int_info), ClipRunner(MicroModel(external), ext_info)
    outputs = []
    for clip in clips:
        mine, theirs = a.scores(clip, reset=True), b.scores(clip, reset=True)
        np.testing.assert_array_equal(mine, theirs)
        outputs.append(mine)
    assert len({np.asarray(o).argmax(1).tobytes() for o in outputs}) > 1  # the scores depend on the clip
