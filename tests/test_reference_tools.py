"""The reference systems' tools and settings: label_wav-style top-k scores, spectrogram PNGs, NaN checks,
ReduceLROnPlateau, and MLTK's DC notch coefficient and dynamic int8 quantization as spec fields."""

from __future__ import annotations

import json

import numpy as np
import pytest
from runtime_oracle import tflm_interpreter

from hark.cli.main import main as hark_main
from hark.data.wav import read_wav, write_wav
from hark.spec import FrontendSpec, SpecError, load_spec

tf = pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def window_model(kws_dataset, tmp_path_factory):
    """micro_speech after a dry run, exported int8 (window form)."""
    from hark.export.pipeline import export_run

    run = tmp_path_factory.mktemp("ms_run")
    assert hark_main(["train", "micro_speech", "--dry-run", "--run-dir", str(run), "--data-dir", str(kws_dataset),
                       "--quiet"]) == 0  # fmt: skip
    return export_run(run, data_dir=kws_dataset, stream_mode="window", quant_mode="int8", report=False).tflite_path


def _yes_clip(kws_dataset):
    return sorted((kws_dataset / "yes").glob("*.wav"))[0]


def test_top_k_scores_equal_tflite_micro_on_the_clip(window_model, kws_dataset, capsys):
    from hark.features import compute_features

    wav = _yes_clip(kws_dataset)
    assert hark_main(["classify", str(wav), "--model", str(window_model), "--top-k", "3", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert len(got) == 3 and [g["score"] for g in got] == sorted((g["score"] for g in got), reverse=True)
    # Oracle: the clip's features through tflite-micro, dequantized.
    model = window_model.read_bytes()
    spec = load_spec("micro_speech")
    feats = compute_features(read_wav(wav, 16000), spec.frontend)
    interp = tflm_interpreter(model)
    inp, out = interp.get_input_details(0), interp.get_output_details(0)
    (s_in,), (z_in,) = inp["quantization_parameters"]["scales"], inp["quantization_parameters"]["zero_points"]
    q = np.clip(np.round(feats / s_in) + z_in, -128, 127).astype(np.int8)
    interp.set_input(q.reshape(inp["shape"]), 0)
    interp.invoke()
    (s_out,), (z_out,) = out["quantization_parameters"]["scales"], out["quantization_parameters"]["zero_points"]
    probs = (interp.get_output(0).reshape(-1).astype(np.int32) - z_out) * s_out
    want = sorted(zip(spec.labels, probs, strict=True), key=lambda p: -p[1])[:3]
    assert [g["score"] for g in got] == pytest.approx([float(p) for _, p in want], abs=1e-6)
    assert hark_main(["classify", str(wav), "--model", str(window_model), "--top-k", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "(score = " in lines[0]


def test_top_k_refuses_bad_requests(window_model, kws_dataset, capsys):
    wav = _yes_clip(kws_dataset)
    assert hark_main(["classify", str(wav), "--model", str(window_model), "--top-k", "0"]) == 2
    assert hark_main(["classify", str(wav), "--model", str(window_model), "--top-k", "3", "--device"]) == 2
    assert "--top-k" in capsys.readouterr().err


def test_spectrogram_png_has_time_on_x(kws_dataset, tmp_path):
    from PIL import Image

    clip = read_wav(_yes_clip(kws_dataset), 16000)
    short, long_ = tmp_path / "short.wav", tmp_path / "long.wav"
    write_wav(short, clip, 16000)
    write_wav(long_, np.concatenate([clip] * 4), 16000)
    assert hark_main(["spectrogram", str(short)]) == 0
    assert hark_main(["spectrogram", str(long_), "--out", str(tmp_path / "l.png")]) == 0
    w_short, h_short = Image.open(short.with_suffix(".png")).size
    w_long, h_long = Image.open(tmp_path / "l.png").size
    assert w_long > w_short and h_long == h_short  # more audio: a wider image, not a taller one
    assert hark_main(["spectrogram", str(tmp_path / "missing.wav")]) == 1


def test_check_nans_stops_a_diverging_run(kws_dataset, tmp_path, capsys):
    spec = tmp_path / "diverge.py"
    spec.write_text("SPEC = " + repr({
        "name": "diverge", "labels": ["_silence_", "_unknown_", "yes", "no"],
        "dataset": {"wanted_words": ["yes", "no"]}, "architecture": {"name": "tiny_conv"},
        "training": {"steps": [6], "learning_rates": [1e35], "optimizer": "sgd"},
    }))  # fmt: skip
    rc = hark_main(["train", str(spec), "--dry-run", "--run-dir", str(tmp_path / "run"), "--data-dir", str(kws_dataset),
                     "--quiet", "--check-nans"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and "check_nans" in err and "step" in err


def test_reduce_lr_on_plateau_scales_the_stepped_rate():
    from hark.train.guards import PlateauScale
    from hark.train.schedule import stepped_schedule

    t = load_spec("micro_speech").replace(training={"reduce_lr_patience_evals": 2, "reduce_lr_factor": 0.5,
                                                    "min_learning_rate": 0.0003}).training  # fmt: skip
    plateau = PlateauScale(t)
    schedule = plateau.schedule(stepped_schedule(t))
    assert float(schedule(0)) == pytest.approx(0.001)
    reduced = [plateau.update(acc) for acc in (0.5, 0.6, 0.6, 0.55, 0.7, 0.7, 0.7)]
    assert reduced == [False, False, False, True, False, False, True]
    assert float(plateau.scale.numpy()) == pytest.approx(0.25)
    assert float(schedule(0)) == pytest.approx(0.0003)  # 0.00025 floored at min_learning_rate
    assert float(schedule(12500)) == pytest.approx(0.0001)  # a base rate below the floor stays as it is
    with pytest.raises(SpecError):
        load_spec("micro_speech").replace(training={"reduce_lr_patience_evals": "2"})


def test_dynamic_quantization_host_numpy_and_c_agree():
    from hark.features.dynamic import dynamic_range, tf_to_int8_dynamic, to_int8_dynamic
    from hark.native.frontend import library
    from hark.native.frontend import to_int8_dynamic as c_to_int8_dynamic

    lib = library()
    for db, shift in [(40.0, 6), (40.0, 5), (20.0, 6), (65.5, 7), (3.0, 6)]:
        assert dynamic_range(db, shift) == lib.frontend_dynamic_range(db, shift)
    rng = np.random.default_rng(0)
    windows = [rng.integers(0, 1000, (118, 108)), rng.integers(0, 65536, (49, 40)), np.zeros((10, 8)),
               np.full((10, 8), 700), rng.integers(400, 420, (30, 20)), rng.integers(0, 5, (12, 4))]  # fmt: skip
    for w in windows:
        w = w.astype(np.uint16)
        for db in (40.0, 10.0, 90.0):
            ours = to_int8_dynamic(w, dynamic_range(db, 6))
            np.testing.assert_array_equal(ours, c_to_int8_dynamic(w, db, 6))
            graph = tf_to_int8_dynamic(tf.constant(w[None]), dynamic_range(db, 6)).numpy()[0]
            np.testing.assert_array_equal(graph, ours.astype(np.float32))
            assert ours.max() == (127 if w.max() > 0 else -128)


def test_dc_notch_coefficient_is_a_spec_field_the_c_frontend_reads(kws_dataset):
    from hark.features import compute_features
    from hark.features.oracle import tf_microfrontend

    audio = read_wav(_yes_clip(kws_dataset), 16000)
    a = FrontendSpec(enable_dc_notch=True, dc_notch_coefficient=0.9)
    b = FrontendSpec(enable_dc_notch=True, dc_notch_coefficient=0.95)
    from hark.native.frontend import uint16_features as c_features

    np.testing.assert_array_equal(c_features(audio, a), tf_microfrontend(audio, a))
    assert not np.array_equal(c_features(audio, a), c_features(audio, b))
    dyn = FrontendSpec(dynamic_range_db=40.0)
    codes = compute_features(audio, dyn)
    assert codes.max() == 127 and codes.min() >= -128 and np.all(codes == np.round(codes))


def test_dynamic_quantization_spec_checks():
    ms = load_spec("micro_speech")
    with pytest.raises(SpecError, match="dynamic_range_db"):
        ms.replace(frontend={"dynamic_range_db": -1.0})
    with pytest.raises(SpecError, match="window"):
        ms.replace(frontend={"dynamic_range_db": 40.0}, streaming={"mode": "stream_external"})
    with pytest.raises(SpecError, match="dc_notch_coefficient"):
        ms.replace(frontend={"enable_dc_notch": True, "dc_notch_coefficient": 1.5})
