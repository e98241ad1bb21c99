"""MLTK's alexa recipe (models/alexa.py): generated near-miss words and cropped partials, a dry run of TENet12 with
the DC notch and dynamic int8 quantization, its int8 features on the host twin against an independent oracle
(TF's op on numpy-notched audio, numpy dynamic quantization, tflite-micro), and the emulated board against the twin."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from board_oracle import assert_board_equals_twin
from runtime_oracle import tflm_interpreter

from hark.cli.main import main as hark_main
from hark.data.nearmiss import near_misses, phoneme_distance, phonemes
from hark.data.wav import read_wav
from hark.evaluate.stream_test import generate
from hark.format.metadata import read_metadata
from hark.spec import load_spec
from hark.twin import Twin

tf = pytest.importorskip("tensorflow")
REPO = Path(__file__).resolve().parents[1]


def _synth(out: Path) -> None:
    import subprocess

    cmd = [sys.executable, "-m", "hark.cli.main", "synth", str(out), "--words", "alexa,marvin,sheila",
           "--near-misses", "6", "--partials", "--clip-ms", "1200", "--clips-per-word", "8", "--max-voices", "12",
           "--background-seconds", "8", "--quiet", "--workers", "2"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def alexa_dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alexa_data")
    _synth(out)
    return out


@pytest.fixture(scope="module")
def alexa_model(alexa_dataset, tmp_path_factory) -> bytes:
    from hark.export.pipeline import export_run

    run = tmp_path_factory.mktemp("alexa_run")
    argv = ["train", "alexa", "--dry-run", "--run-dir", str(run), "--data-dir", str(alexa_dataset), "--quiet"]
    assert hark_main(argv) == 0
    return export_run(run, data_dir=alexa_dataset, stream_mode="window", quant_mode="int8",
                      report=False).tflite_path.read_bytes()  # fmt: skip


def _stream(data: Path, seconds: float = 8.0) -> np.ndarray:
    clips = {w: sorted((data / w).glob("*.wav")) for w in ("alexa", "alexa_partial", "aleexa", "alexpa", "marvin")}
    noise = read_wav(sorted((data / "_background_noise_").glob("*.wav"))[0], 16000)
    audio, _ = generate(clips, seconds, background=noise, background_volume=0.05, word_gap_ms=1300, seed=3,
                        sample_rate=16000)
    return audio


def test_near_misses_are_generated_by_phonetic_distance():
    target = phonemes("alexa")
    misses = near_misses("alexa", 12, seed=0)
    assert len(misses) == 12 and misses == near_misses("alexa", 12, seed=0)
    assert len({m.phonemes for m in misses}) == 12
    for m in misses:
        assert m.word != "alexa" and m.word.isalpha()
        assert 1.0 <= m.distance <= 2.0 and phoneme_distance(target, phonemes(m.word)) == m.distance
    assert phoneme_distance(target, target) == 0.0
    assert phoneme_distance(target, phonemes("banana")) > 2.0


def test_partials_are_crops_of_the_keyword_clips(alexa_dataset):
    partials = sorted((alexa_dataset / "alexa_partial").glob("*.wav"))
    assert partials
    for p in partials[:4]:
        part, full = read_wav(p, 16000), read_wav(alexa_dataset / "alexa" / p.name, 16000)
        voiced = np.nonzero(part)[0]
        assert len(part) == len(full) == 19200 and 0 < len(voiced) < np.count_nonzero(full)
        np.testing.assert_array_equal(part[voiced], full[voiced])  # a crop, not a new sound


def test_alexa_metadata_carries_the_mltk_frontend(alexa_model):
    meta = read_metadata(alexa_model)
    fe = meta.frontend()
    assert (fe["clip_duration_ms"], fe["window_step_ms"], fe["num_channels"], fe["enable_pcan"]) == (1200, 10, 108, 0)
    assert fe["enable_dc_notch"] == 1 and fe["dc_notch_coefficient"] == pytest.approx(0.95)
    assert fe["dynamic_range_db"] == 40.0 and fe["min_signal_remaining"] == pytest.approx(0.40)
    assert meta["features.scale"] == 1.0 and meta.labels == ["alexa", "_unknown_"]
    assert meta.stream.window_frames == 118 and meta.stream.every_hops == 20


def test_alexa_twin_int8_features_equal_the_oracle(alexa_model, alexa_dataset):
    """Every invocation's scores on the twin (C frontend with the DC notch, kws's window-wide dynamic quantization)
    equal tflite-micro's on features computed independently: TF's audio_microfrontend op on numpy-notched audio,
    then numpy's dynamic quantization of the same 118-frame window."""
    from hark.features.dynamic import to_int8_dynamic, window_range
    from hark.features.oracle import tf_microfrontend

    spec = load_spec("alexa")
    audio = _stream(alexa_dataset)
    twin = Twin(alexa_model).run(audio)
    frames = tf_microfrontend(audio, spec.frontend)
    interp = tflm_interpreter(alexa_model)
    inp = interp.get_input_details(0)
    (s_in,), (z_in,) = inp["quantization_parameters"]["scales"], inp["quantization_parameters"]["zero_points"]
    mult = int(np.float64(1.0) / np.float64(np.float32(s_in)) * 2.0**32 + 0.5)
    invoked = twin.scores
    assert len(invoked) >= 30
    for k, (_, _, scores) in enumerate(invoked):
        end = 118 + 20 * k
        codes = to_int8_dynamic(frames[end - 118 : end], window_range(spec.frontend)).astype(np.int64)
        q = np.clip(((codes * mult + (1 << 31)) >> 32) + z_in, -128, 127).astype(np.int8)
        interp.set_input(q.reshape(inp["shape"]), 0)
        interp.invoke()
        np.testing.assert_array_equal(interp.get_output(0).reshape(-1), scores, err_msg=f"invocation {k}")


@pytest.mark.emulator
def test_alexa_board_detections_equal_the_twin(alexa_model, alexa_dataset):
    # An untrained model hovers near 0.5: a low threshold gives detections to compare.
    assert_board_equals_twin(alexa_model, _stream(alexa_dataset), threshold=0.3, suppression_ms=500, min_hops=30,
                             timeout=300.0)  # fmt: skip
