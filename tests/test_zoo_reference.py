"""The kws_streaming and TF tutorial families added for issue 14: each one's spec trains (a few Keras steps on
random features), exports to int8 through the project's exporter with metadata, and runs bit-exact in the
project's runtime against tflite-micro, in window form and, where the family streams, with external state; the
others are refused by the streaming converter naming a layer. HARK_SLOW=1 adds a full `hark-train --dry-run` and
`hark-export` of each spec on the synthesized dataset."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from reference_clips import randomize
from runtime_oracle import compare_with_tflm

from hark.device import DeviceError, emulated_link
from hark.evaluate.summary import summarize
from hark.export.device_model import inference_model, quantize_for_device
from hark.features import compute_features
from hark.format.metadata import read_metadata
from hark.format.tflite import model_info
from hark.layers.stream import NotStreamableError
from hark.spec import SpecError, load_spec
from hark.train.loop import compile_model
from hark.twin import Twin, TwinError
from hark.zoo import architecture, build_model

tf = pytest.importorskip("tensorflow")

SPECS = ["ds_tc_resnet", "bc_resnet", "mobilenet", "mobilenet_v2", "xception", "inception", "inception_resnet",
         "svdf_resnet", "single_fc", "tiny_embedding_conv", "att_rnn", "att_mh_rnn",
         "dnn_raw", "alexa", "alexa_tenet6"]  # fmt: skip
SLOW = os.environ.get("HARK_SLOW") == "1"
# The attention models' bidirectional RNNs unroll into ~30 ops per frame and direction; CI runs one RNN layer on a
# 0.3 s window (HARK_SLOW: the spec as written) to keep the conversion short and the op count in the test arena.
SHORT_WINDOW = {"att_rnn", "att_mh_rnn"}


def _random_features(spec, n: int, seed: int) -> np.ndarray:
    fe = spec.frontend
    rng = np.random.default_rng(seed)
    lo, hi = (-128, 127) if fe.dynamic_range_db > 0 else (-0.5, 0.5) if fe.kind == "raw" else (0, 30)
    return rng.uniform(lo, hi, (n, fe.num_frames, fe.frame_width)).astype(np.float32)


@pytest.mark.parametrize("name", SPECS)
def test_family_trains_exports_and_runs_bit_exact(name):
    spec = load_spec(name).replace(quantization={"representative_samples": 8})
    if name in SHORT_WINDOW and not SLOW:
        spec = spec.replace(frontend={"clip_duration_ms": 300},
                            architecture={"params": {**spec.architecture.params, "rnn_units": [16]}})
    model = build_model(spec)
    compile_model(model, spec)
    x = _random_features(spec, 8, 0)
    y = np.arange(8) % len(spec.labels)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    summary = summarize(spec, model)  # what `hark summarize` prints
    assert summary["params"] > 0 and summary["window"]["macs_per_call"] > 0
    assert ("error" in summary["stream"]) != architecture(spec.architecture.name).streamable

    tflite, _ = quantize_for_device(spec, inference_model(model, "window"), "window", "int8", x)
    assert model_info(tflite).macs > 0
    compare_with_tflm(tflite, 6, seed=1)

    if architecture(spec.architecture.name).streamable:
        streaming = inference_model(model, "stream_external")
        tflite, stream = quantize_for_device(spec, streaming, "stream_external", "int8", x)
        assert stream.frames_per_call == 1
        compare_with_tflm(tflite, 3 * spec.frontend.num_frames // 2, seed=2, stateful=True)
    else:
        with pytest.raises(NotStreamableError, match="layer|Stream"):
            inference_model(model, "stream_external")
    keras.backend.clear_session()


@pytest.mark.skipif(not SLOW, reason="HARK_SLOW=1: full dry-run training and export of each family")
@pytest.mark.parametrize("name", SPECS[:13])
def test_family_dry_run_and_export(name, kws_dataset, tmp_path):
    from hark.cli.main import main as hark_main

    run = tmp_path / name
    assert hark_main(["train", name, "--dry-run", "--run-dir", str(run), "--data-dir", str(kws_dataset),
                      "--quiet"]) == 0  # fmt: skip
    assert hark_main(["export", str(run), "--data-dir", str(kws_dataset), "--no-report"]) == 0


# ---------------------------------------------------------------- dnn_raw: raw audio in


def test_raw_frontend_gives_the_samples_in_hops():
    fe = load_spec("dnn_raw").frontend
    audio = np.random.default_rng(3).integers(-32768, 32767, fe.clip_samples + 100).astype(np.int16)
    feats = compute_features(audio, fe)
    assert feats.shape == (fe.clip_samples // fe.step_samples, fe.step_samples) == (50, 320)
    np.testing.assert_array_equal(feats.reshape(-1), audio[: feats.size].astype(np.float32) / 32768.0)


def test_dnn_raw_first_layer_is_kws_streaming_data_frame_then_dense():
    """kws_streaming frames the audio (40 ms windows every 20 ms) and applies a Dense layer to each window; here a
    Conv1D over 2 hops does it. NumPy oracle: the framed audio times the same weights."""
    spec = load_spec("dnn_raw")
    model = build_model(spec)
    randomize(model, seed=5)
    fe = spec.frontend
    audio = np.random.default_rng(4).uniform(-1, 1, fe.clip_samples).astype(np.float32)
    first = keras.Model(model.input, model.get_layer("frame_dense0_stream").output)
    got = keras.ops.convert_to_numpy(first(audio.reshape(1, fe.num_frames, fe.frame_width)))[0]
    kernel, bias = model.get_layer("frame_dense0_stream").cell.get_weights()
    frames = np.stack([audio[i * fe.step_samples : i * fe.step_samples + fe.window_samples]
                       for i in range(fe.frames_for(fe.clip_samples) - 1)])  # fmt: skip
    want = np.maximum(frames @ kernel.reshape(fe.window_samples, -1) + bias, 0.0)
    assert got.shape == want.shape == (49, 64)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_raw_model_refused_by_the_device_pipeline():
    """The C kws pipeline computes microfrontend features; a raw model carries frontend.kind 'raw' in its metadata
    and kws_init refuses it (the twin is that C code), naming the key."""
    spec = load_spec("dnn_raw").replace(quantization={"representative_samples": 4})
    model = build_model(spec)
    tflite, _ = quantize_for_device(spec, inference_model(model, "window"), "window", "int8",
                                    _random_features(spec, 4, 0))  # fmt: skip
    assert read_metadata(tflite)["frontend.kind"] == "raw"
    with pytest.raises(TwinError, match="frontend.kind is not microfrontend.*: raw"):
        Twin(tflite)


def test_uploaded_raw_model_is_refused_by_the_board(app_image):
    """The emulated board's app runs the same kws_init on an uploaded model: a (small) raw model arrives intact and
    switching to it is refused, naming frontend.kind; the board stays up."""
    params = {"frame_units": [8, 8], "units": [8], "activations": ["relu"]}
    spec = load_spec("dnn_raw").replace(architecture={"params": params}, quantization={"representative_samples": 4})
    model = build_model(spec)
    tflite, _ = quantize_for_device(spec, inference_model(model, "window"), "window", "int8",
                                    _random_features(spec, 4, 0))  # fmt: skip
    with emulated_link(app_image) as link:
        assert link.upload_model(tflite).verified == 1
        with pytest.raises(DeviceError, match="frontend.kind is not microfrontend.*raw"):
            link.switch_model()
        link.ping()


def test_raw_window_must_be_whole_hops():
    with pytest.raises(SpecError, match="multiple of frontend.window_step_ms"):
        load_spec("dnn_raw").replace(frontend={"window_size_ms": 30})


def test_dnn_raw_mfcc_tf_extractor_matches_tf_signal():
    """The in-model mfcc_tf (DFT as a matrix product) against TF's FFT-based STFT, mel weights, log and MFCC."""
    spec = load_spec("dnn_raw").replace(architecture={"params": {"features": "mfcc_tf"}})
    model = build_model(spec)
    fe = spec.frontend
    audio = np.random.default_rng(6).uniform(-0.5, 0.5, fe.clip_samples).astype(np.float32)
    extractor = keras.Model(model.input, model.get_layer("dct").output)
    got = keras.ops.convert_to_numpy(extractor(audio.reshape(1, fe.num_frames, fe.frame_width)))[0]
    stft = tf.signal.stft(audio, fe.window_samples, fe.step_samples, fe.window_samples,
                          window_fn=tf.signal.hann_window)  # fmt: skip
    mel = tf.signal.linear_to_mel_weight_matrix(fe.num_channels, fe.window_samples // 2 + 1, fe.sample_rate,
                                                fe.lower_band_limit, fe.upper_band_limit)  # fmt: skip
    log_mel = tf.math.log(tf.maximum(tf.tensordot(tf.abs(stft) ** 2, mel, 1), 1e-12))
    want = tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[:, :20].numpy()
    assert got.shape == want.shape == (49, 20)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-3)


def test_dnn_raw_mfcc_tf_streams_but_int8_export_is_refused_naming_log():
    spec = load_spec("dnn_raw").replace(architecture={"params": {"features": "mfcc_tf"}},
                                        quantization={"representative_samples": 4})  # fmt: skip
    model = build_model(spec)
    assert inference_model(model, "stream_external").inputs[0].shape[1] == 1
    with pytest.raises(SpecError, match=r"layer 'log_mel' \(LogFloor\).*LOG op.*float32 only"):
        quantize_for_device(spec, inference_model(model, "window"), "window", "int8", _random_features(spec, 4, 0))
