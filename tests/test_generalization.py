"""The held-out evaluation and false-alarm tooling: negatives vocabulary, recipe augmentation, streams, the
RecognizeCommands replay (against the firmware's C code), `hark tune`'s metadata rewrite and the held-out scorer
(against TFLM's reference model on its real clips). Each test takes a second or two."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from reference import reference_dir

from hark.data.negatives import crop_partial, edit_distance, homophones, near_misses, unknown_vocabulary
from hark.data.wav import read_wav, write_wav
from hark.evaluate.stream_test import Utterance
from hark.spec import SpecError, load_spec

SR = 16000


def _reference() -> Path:
    return reference_dir()  # skipped with how to fetch it in a plain clone, required in CI


def test_near_misses_are_close_and_never_the_keyword() -> None:
    assert edit_distance(("N", "OW"), ("G", "OW")) == 1
    assert edit_distance((), ("A", "B")) == 2
    for kw in ("no", "yes", "go"):
        misses = near_misses(kw, 8)
        assert len(misses) == 8 and kw not in misses
        assert not set(misses) & homophones(kw)  # "know" is "no" to any TTS engine
    vocab = unknown_vocabulary(200, exclude={"no", "yes"}, seed=1)
    assert len(vocab) == 200 and "know" not in vocab and "no" not in vocab
    assert vocab == unknown_vocabulary(200, exclude={"no", "yes"}, seed=1)


def test_partial_keyword_keeps_a_part_of_the_span() -> None:
    clip = np.ones(16000, np.int16)
    out = crop_partial(clip, np.random.default_rng(0), (4000, 12000))
    kept = np.nonzero(out)[0]
    assert 0.25 * 8000 <= len(kept) <= 0.55 * 8000
    assert kept[0] in (4000,) or kept[-1] == 11999


def test_impulse_responses_survive_a_room_too_large_for_its_rt60() -> None:
    from hark.data.augment import impulse_responses

    # augmentation seed 2's 33rd room (9.2 x 7.0 x 4.0 m) draws an RT60 of 0.150 s, shorter than that room can decay;
    # pyroomacoustics refuses it, and training with that seed crashed before the room got its shortest RT60
    irs = impulse_responses(33, 2)
    assert irs.shape == (33, 4000) and np.isfinite(irs).all()
    assert np.all(irs[:, 0] == 1.0) and np.all(np.abs(irs[:, 1:]).max(axis=1) <= 1.0)


def test_recipe_augmentation_hits_its_snr_and_masks() -> None:
    import tensorflow as tf

    from hark.data.augment import augment_speech, impulse_responses, ir_spectra, spec_augment
    from hark.spec import AugmentSpec
    from hark.train.pipeline import Background

    aug = AugmentSpec(speed_range=(1.0, 1.0), gain_db=(0.0, 0.0), eq_probability=0.0, reverb_probability=0.0,
                      noise_probability=1.0, snr_db=(10.0, 10.0))  # fmt: skip
    rng = np.random.default_rng(0)
    tone = (0.3 * np.sin(np.arange(16000) * 0.05)).astype(np.float32)
    noise = (rng.standard_normal(48000) * 3000).astype(np.int16)
    irs = tf.constant(ir_spectra(impulse_responses(4, 0)))
    out = augment_speech(tf.constant(tone), tf.constant(False), 7, aug, irs, 0, Background([noise]), SR).numpy()
    residual = out.astype(np.float64) / 32768 - tone
    snr = 10 * np.log10(np.mean(tone.astype(np.float64) ** 2) / np.mean(residual**2))
    assert abs(snr - 10.0) < 0.2
    reverb = AugmentSpec(speed_range=(1.0, 1.0), eq_probability=1.0, reverb_probability=1.0, noise_probability=0.0)
    wet = augment_speech(tf.constant(tone), tf.constant(False), 3, reverb, irs, 0, Background([noise]), SR).numpy()
    assert wet.shape == (16000,) and wet.dtype == np.int16 and not np.array_equal(wet, out)
    # narrowband: nothing left above the cutoff (3.5 kHz here) of white noise, everything below it kept
    white = (rng.standard_normal(16000) * 0.1).astype(np.float32)
    narrow = AugmentSpec(speed_range=(1.0, 1.0), gain_db=(0.0, 0.0), eq_probability=0.0, reverb_probability=0.0,
                         noise_probability=0.0, narrowband_probability=1.0, narrowband_hz=(3500.0, 3500.0))  # fmt: skip
    cut = augment_speech(tf.constant(white), tf.constant(False), 3, narrow, irs, 0, Background([noise]), SR).numpy()
    power = np.abs(np.fft.rfft(cut.astype(np.float64) / 32768)) ** 2
    hz = np.fft.rfftfreq(16000, 1 / SR)
    ref = np.abs(np.fft.rfft(white.astype(np.float64))) ** 2
    assert power[hz > 3600].sum() < 1e-4 * power[hz < 3400].sum()
    assert abs(power[hz < 3400].sum() / ref[hz < 3400].sum() - 1.0) < 0.05
    # dither: silence entries become a few LSB of violet noise at their level; speech entries are untouched
    dither = AugmentSpec(speed_range=(1.0, 1.0), gain_db=(0.0, 0.0), eq_probability=0.0, reverb_probability=0.0,
                         noise_probability=0.0, dither_probability=1.0, dither_dbfs=(-84.0, -84.0))  # fmt: skip
    idle = augment_speech(tf.constant(white), tf.constant(True), 5, dither, irs, 0, Background([noise]), SR).numpy()
    rms_db = 20 * np.log10(np.sqrt(np.mean(idle.astype(np.float64) ** 2)) / 32768)
    assert -86.5 < rms_db < -83.0 and np.abs(idle).max() <= 12  # int16 conversion truncates: ~1.5 dB lost at 2 LSB
    power = np.abs(np.fft.rfft(idle.astype(np.float64))) ** 2
    assert power[hz > 4000].sum() > 10 * power[hz < 1000].sum()
    spoken = augment_speech(tf.constant(tone), tf.constant(False), 5, dither, irs, 0, Background([noise]), SR).numpy()
    assert np.array_equal(spoken, np.clip(np.round(tone * 32768), -32768, 32767).astype(np.int16)) or np.abs(
        spoken.astype(np.float64) / 32768 - tone).max() < 2 / 32768
    # ... and the noise, bed and warm-up added to it are cut as well (an 8 kHz recording's noise is band-limited)
    noisy = dataclasses.replace(narrow, noise_probability=1.0, floor_dbfs=(-40.0, -40.0))
    cut = augment_speech(tf.constant(white), tf.constant(False), 3, noisy, irs, 0, Background([noise]), SR,
                         warmup=4000).numpy()  # fmt: skip
    assert cut.shape == (20000,)
    power = np.abs(np.fft.rfft(cut.astype(np.float64) / 32768)) ** 2
    hz = np.fft.rfftfreq(20000, 1 / SR)
    assert power[hz > 3600].sum() < 1e-4 * power[hz < 3400].sum()
    # stream-like windows: a noise bed at its level under a clip without other noise, a warm-up in front, and
    # the voiced span moved across the window's edges by at most its stated share
    word = np.zeros(16000, np.float32)
    word[6000:10000] = tone[:4000]
    stream = AugmentSpec(speed_range=(1.0, 1.0), gain_db=(0.0, 0.0), eq_probability=0.0, reverb_probability=0.0,
                         noise_probability=0.0, floor_dbfs=(-50.0, -50.0), edge_probability=1.0, edge_fraction=0.5)
    starts = []
    for k in range(40):
        got = augment_speech(tf.constant(word), tf.constant(False), k, stream, irs, 0, Background([noise]), SR,
                             8000).numpy().astype(np.float64) / 32768  # fmt: skip
        assert got.shape == (24000,)
        assert abs(10 * np.log10(np.mean(got[:8000] ** 2)) + 50.0) < 0.5
        loud = np.nonzero(np.abs(got[8000:]) > 0.05)[0]
        inside = len(loud) and (loud[-1] - loud[0]) / 4000
        assert len(loud) == 0 or inside >= 0.45
        starts.append(loud[0] if len(loud) else -1)
    assert min(starts) <= 100 and max(starts) > 12000  # some ran past the start, some sit late in the window
    # a cut warm-up: digital silence, then the bed from a uniform point of the warm-up on
    cut = AugmentSpec(speed_range=(1.0, 1.0), gain_db=(0.0, 0.0), eq_probability=0.0, reverb_probability=0.0,
                      noise_probability=0.0, floor_dbfs=(-50.0, -50.0), warmup_cut_probability=1.0)  # fmt: skip
    onsets = []
    for k in range(8):
        got = augment_speech(tf.constant(word), tf.constant(False), k, cut, irs, 0, Background([noise]), SR,
                             8000).numpy()  # fmt: skip
        onsets.append(int(np.argmax(got != 0)))
        assert not got[: onsets[-1]].any() and abs(10 * np.log10(np.mean((got[8000:12000] / 32768) ** 2)) + 50) < 1
    assert min(onsets) < 4000 < max(onsets) <= 8000
    pause = AugmentSpec(silence_dbfs=(-60.0, -60.0))
    quiet = augment_speech(tf.constant(tone), tf.constant(True), 2, pause, irs, 0, Background([noise]), SR).numpy()
    assert abs(10 * np.log10(np.mean((quiet.astype(np.float64) / 32768) ** 2)) + 60.0) < 0.5
    feats = tf.constant(np.arange(49 * 40, dtype=np.float32).reshape(49, 40))
    masked = spec_augment(feats, 5, AugmentSpec(time_masks=1, time_mask_frames=5, freq_masks=0)).numpy()
    changed = np.nonzero((masked != feats.numpy()).any(axis=1))[0]
    assert len(changed) <= 5 and (len(changed) == 0 or changed[-1] - changed[0] == len(changed) - 1)


def _fake_heldout(root: Path) -> Path:
    rng = np.random.default_rng(1)
    for word in ("yes", "no", "cat", "tree"):
        (root / word).mkdir(parents=True)
        for k in range(3):
            clip = np.zeros(SR, np.int16)
            clip[4000:10000] = (rng.standard_normal(6000) * 4000).astype(np.int16)
            write_wav(root / word / f"abcd000{k}_nohash_0.wav", clip, SR)
    (root / "_background_noise_").mkdir()
    for name in ("pink_noise", "babble"):
        noise = (rng.standard_normal(5 * SR) * 2000).astype(np.int16)
        write_wav(root / "_background_noise_" / f"{name}.wav", noise, SR)
    return root


def test_streams_hold_no_keyword_and_their_snr(tmp_path: Path) -> None:
    from hark.evaluate.streams import keyword_stream, negative_stream

    folder = _fake_heldout(tmp_path / "held")
    neg = negative_stream(tmp_path / "neg.wav", 30.0, [folder], [], keywords={"yes", "no"}, phrase_fraction=0.0)
    assert len(read_wav(neg.path, SR)) == 30 * SR and neg.segments["phrases"] == 0 and neg.segments["words"] > 0
    assert neg.path.with_suffix(".txt").read_text() == ""
    kw = keyword_stream(tmp_path / "kw.wav", 30.0, [folder], keywords=("yes", "no"), snr_db=10.0, distractor_rate=0)
    assert kw.words >= 5
    truth = [line.split(",")[0] for line in kw.path.with_suffix(".txt").read_text().splitlines()]
    assert set(truth) <= {"yes", "no"}
    # the logs: every negative segment with its kind and source, every keyword with the clip it came from
    from hark.evaluate.far import detections_by_origin, false_alarm_sources, load_log
    from hark.evaluate.stream_test import Detection, load_truth

    log = load_log(neg.path)
    assert log is not None and sum(1 for seg in log if seg[2] == "words") == neg.segments["words"]
    assert all(seg[3].startswith("held:abcd000") for seg in log if seg[2] == "words")
    word = next(seg for seg in log if seg[2] == "words")
    silence = next(seg for seg in log if seg[2] == "silence")
    dets = [Detection("yes", word[0] + 300.0, 200.0), Detection("_unknown_", word[0] + 400.0, 200.0),
            Detection("no", silence[0] + 100.0, 200.0)]  # fmt: skip
    sources = false_alarm_sources(dets, log)
    assert sources == {"by_kind": {"words": 1, "silence": 1}, "by_origin": {"held": 1, "silence": 1}}
    klog, ktruth = load_log(kw.path), load_truth(kw.path.with_suffix(".txt"))
    assert klog is not None and [e[1] for e in klog] == truth and all(e[2].startswith("held:") for e in klog)
    first = Detection(ktruth[0].label, ktruth[0].time_ms + 500.0, 200.0)
    assert detections_by_origin(ktruth, [first], klog) == {"held": f"1/{len(ktruth)}"}
    with pytest.raises(ValueError, match="regenerate"):
        detections_by_origin(ktruth, [first], klog[:-1])


def test_replay_matches_the_c_recognizer_and_tune_writes_metadata() -> None:
    from hark.evaluate.far import Settings, StreamScores, check_replay, false_alarms, operating_point, replay
    from hark.evaluate.tuning import current_settings, pick, write_settings
    from hark.format.metadata import StreamInfo, read_metadata, write_metadata

    rng = np.random.default_rng(2)
    n = 3000
    scores = np.full((n, 4), -128, np.int16)
    scores[:, 0] = 100
    for start in rng.integers(0, n - 40, size=60):  # bursts of a keyword or of unknown
        label = int(rng.integers(1, 4))
        scores[start : start + int(rng.integers(5, 40)), label] = int(rng.integers(0, 127))
    scores += rng.integers(-20, 20, size=scores.shape)
    s = StreamScores(["_silence_", "_unknown_", "yes", "no"], np.arange(1, n + 1, dtype=np.int32) * 20,
                     np.clip(scores, -128, 127).astype(np.int8), n * 0.02, 1 / 256, -128)  # fmt: skip
    for settings in [Settings(1000, 0.7, 1500, 3), Settings(300, 0.5, 1000, 10), Settings(500, 0.9, 0, 1)]:
        assert check_replay(s, settings)
    truth = [Utterance("yes", 1000.0)]
    op = operating_point(Settings(500, 0.6, 1000, 3), [s], [(s, truth)])
    assert op.false_alarms == false_alarms(replay(s, Settings(500, 0.6, 1000, 3)))
    tried = [Settings(500, t, 1000, 3) for t in (0.5, 0.9)]
    best, met = pick([s], [(s, truth)], target_fa_per_hour=1e9, settings=tried)
    assert met == 2
    tflite = (_reference() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
    spec = load_spec("micro_speech")
    model = write_metadata(tflite, spec, StreamInfo(mode="window", frames_per_call=49, window_frames=49))
    tuned = write_settings(model, Settings(750, 0.75, 1200, 7))
    assert current_settings(tuned) == Settings(750, 0.75, 1200, 7)
    assert read_metadata(tuned).entries["spec.hash"] == spec.hash


def test_pick_by_errors_takes_the_most_matches_less_errors() -> None:
    from hark.evaluate.far import Settings, StreamScores, operating_point
    from hark.evaluate.tuning import pick_by_errors

    n = 1500  # 30 s of hops: "yes" clearly at 2 s, "no" weakly at 10 s, a strong "yes" on an unknown word at 20 s
    scores = np.full((n, 4), -128, np.int16)
    scores[:, 0] = 100
    for at, label, level in ((100, 2, 100), (500, 3, 40), (1000, 2, 90)):  # 0.89, 0.66 and 0.85 of full scale
        scores[at + 10 : at + 40, label], scores[at + 10 : at + 40, 0] = level, -128
    s = StreamScores(["_silence_", "_unknown_", "yes", "no"], np.arange(1, n + 1, dtype=np.int32) * 20,
                     scores.astype(np.int8), n * 0.02, 1 / 256, -128)  # fmt: skip
    truth = [Utterance("yes", 2000.0), Utterance("no", 10000.0), Utterance("_unknown_", 20000.0)]
    tried = [Settings(300, t, 1000, 3) for t in (0.5, 0.6, 0.7, 0.86, 0.95)]
    stats = {t.detection_threshold: operating_point(t, [], [(s, truth)]).keyword_stats for t in tried}
    assert stats[0.5]["matched"] == 2 and stats[0.5]["wrong"] == 1  # the weak "no" too, and the unknown word
    assert (stats[0.86]["matched"], stats[0.86]["wrong"]) == (1, 0) and stats[0.95]["matched"] == 0
    # 2 - 1 at 0.5 and 0.6 ties 1 - 0 at 0.86: the higher threshold wins; at cost 0.5 the lower ones do
    assert pick_by_errors([(s, truth)], settings=tried).settings.detection_threshold == 0.86
    assert pick_by_errors([(s, truth)], error_cost=0.5, settings=tried).settings.detection_threshold == 0.6


def test_validation_clips_share_no_voice_with_training_or_held_out_clips(tmp_path: Path) -> None:
    import json

    from hark.evaluate.streams import heldout_clips, validation_clips

    voices = {"aaaa0001": ("espeak", "en-us+m1"), "bbbb0002": ("espeak", "en-029+f2"), "cccc0003": ("flite", "kal"),
              "dddd0004": ("espeak", "en-gb+m3"), "eeee0005": ("espeak", "en-029+m4")}  # fmt: skip
    (tmp_path / "synth.json").write_text(json.dumps({"voices": {v: {"engine": e, "name": n}
                                                                for v, (e, n) in voices.items()}}))  # fmt: skip
    for word in ("yes", "cat"):
        (tmp_path / word).mkdir()
        for vid in voices:
            write_wav(tmp_path / word / f"{vid}_nohash_0.wav", np.zeros(SR, np.int16), SR)
    (tmp_path / "validation_list.txt").write_text("yes/dddd0004_nohash_0.wav\nyes/eeee0005_nohash_0.wav\n"
                                                  "cat/dddd0004_nohash_0.wav\n")  # fmt: skip
    val = validation_clips(tmp_path, ("yes",))
    assert {w: [p.name for p in ps] for w, ps in val.items()} == {"yes": ["dddd0004_nohash_0.wav"]}
    held = heldout_clips(tmp_path, ("yes",))
    assert [p.name[:4] for p in held["yes"]] == ["bbbb", "cccc", "eeee"]


def test_heldout_scorer_gets_tflm_real_clips_right() -> None:
    from hark.format.metadata import StreamInfo, write_metadata
    from hark.train.heldout import evaluate, tflite_scorer

    tflite = (_reference() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
    spec = load_spec("micro_speech")
    model = write_metadata(tflite, spec, StreamInfo(mode="window", frames_per_call=49, window_frames=49))
    out = evaluate(spec, tflite_scorer(model), {})
    assert out["real_clips"]["right"] == 4, out
    assert out["real_clips"]["predicted"]["noise_1000ms.wav"] == "_silence_"


def test_pooled_recipe_batches(tmp_path: Path) -> None:
    from hark.data import load_dataset
    from hark.train.pipeline import make_tf_dataset
    from hark.train.pooled import _POOLS

    folder = _fake_heldout(tmp_path / "data")
    spec = load_spec("micro_speech").replace(augment={"precomputed_passes": 2, "impulse_responses": 4},
                                             dataset={"validation_percentage": 0.0, "testing_percentage": 0.0})
    ds = load_dataset(spec, folder)
    n = len(ds.split("training"))
    batches = list(make_tf_dataset(ds, "training", spec, batch_size=4, augment=True, shuffle=True, seed=3))
    pool_x, pool_y = next(v for k, v in _POOLS.items() if k[0] == str(folder))
    assert len(pool_y) == 3 * n and pool_x.dtype == np.uint16
    assert sum(len(y) for _, y in batches) == 3 * n and batches[0][0].shape[1:] == (49, 40)
    again = list(make_tf_dataset(ds, "training", spec, batch_size=4, augment=True, shuffle=True, seed=3))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, again, strict=True))


def test_tune_and_heldout_verbs_name_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hark.cli.main import run_verb

    missing = tmp_path / "none.tflite"
    assert run_verb("tune", [str(missing), "--negatives", str(missing), "--keywords", str(missing)]) == 2
    assert "none.tflite: no such file" in capsys.readouterr().err
    assert run_verb("heldout", [str(missing)]) == 2
    assert "hark heldout" in capsys.readouterr().err


def test_selection_scores_windows_as_the_twin_runs_them(tmp_path: Path) -> None:
    """The training-time stream scorer (float windows of a whole-stream frontend run) against the host twin, with
    TFLM's reference model as the window model: the same hop times and, up to the input quantization's rounding,
    the same int8 scores."""
    from hark.evaluate.far import stream_scores
    from hark.evaluate.selection import StreamSelector, stream_features, window_scores
    from hark.format.metadata import StreamInfo, write_metadata
    from hark.format.micro import ClipRunner, MicroModel
    from hark.twin import Twin

    tflite = (_reference() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
    clip = read_wav(_reference() / "tflite-micro" / "testdata" / "yes_1000ms.wav", SR)
    rng = np.random.default_rng(4)
    audio = (rng.normal(0, 30, 5 * SR)).astype(np.int16)
    audio[2 * SR : 3 * SR] += clip
    write_wav(tmp_path / "negatives.wav", audio[: 2 * SR], SR)
    (tmp_path / "negatives.txt").write_text("")
    write_wav(tmp_path / "kw.wav", audio, SR)
    (tmp_path / "kw.txt").write_text("yes,2000\n")
    spec = load_spec("micro_speech").replace(selection={"streams": str(tmp_path), "keywords": ["kw"]})
    model = write_metadata(tflite, spec, StreamInfo(mode="window", frames_per_call=49, window_frames=49))
    runner = ClipRunner(MicroModel(model), StreamInfo(mode="window", frames_per_call=49, window_frames=49))

    def scorer(x: np.ndarray) -> np.ndarray:
        return np.stack([runner.clip_scores(w) for w in x])

    ours = window_scores(spec, stream_features(spec, tmp_path / "kw.wav"), scorer)
    twin = stream_scores(model, audio, Twin(model))
    assert np.array_equal(ours.times_ms, twin.times_ms)
    diff = np.abs(ours.scores.astype(int) - twin.scores.astype(int))
    assert diff.max() <= 2 and np.mean(diff == 0) > 0.95, (diff.max(), np.mean(diff == 0))
    picked = StreamSelector(spec)(scorer)
    assert picked["detection_rate"] == 1.0 and picked["false_alarms_per_hour"] == 0.0, picked


def test_reverse_direction_reports_the_held_out_engine(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A corpus built to train on flite holds out espeak-ng: its held-out report scores `espeak/` and names the
    training engine, as the run folder's and the export report's `heldout` carry it."""
    import json

    from hark.train.heldout import heldout_report

    root = tmp_path / "rev"
    _fake_heldout(root / "train")
    _fake_heldout(root / "espeak")
    (root / "corpus.json").write_text(json.dumps({"config": {"train_engine": "flite"}, "train_voices": 5,
                                                  "held_out": {"espeak": ["en+m1", "en-029+f2"]}}))  # fmt: skip
    spec = load_spec("micro_speech")

    def scorer(x: np.ndarray) -> np.ndarray:
        return np.tile(np.eye(4, dtype=np.float32)[2], (len(x), 1))  # always "yes"

    with caplog.at_level("WARNING"):
        out = heldout_report(spec, scorer, root / "train", real=False)
    # a held-out folder is scored whole: its few voices hashing into one split is no news to the user
    assert "split is empty" not in caplog.text
    assert out["corpus"] == {"train_engine": "flite", "train_voices": 5, "held_out": {"espeak": 2}}
    assert set(out) == {"corpus", "espeak"} and out["espeak"]["per_label"]["yes"] == "3/3"
    # three voices (abcd0000-2) each say yes, no and unknown words (as many as the split's share takes): only
    # their yes is right
    per_voice = out["espeak"]["per_voice"]
    assert set(per_voice) == {f"abcd000{k}" for k in range(3)} and all(v.startswith("1/") for v in per_voice.values())
    assert out["espeak"]["keyword_tokens"] == "3/6"
    assert heldout_report(spec, scorer, _fake_heldout(tmp_path / "plain"), real=False) == {}


def test_stream_windows_come_from_training_voices_and_grow_the_pool(tmp_path: Path) -> None:
    from hark.data import load_dataset
    from hark.train.pipeline import make_tf_dataset
    from hark.train.pooled import _POOLS
    from hark.train.stream_windows import negative_stream, stream_windows, training_voice_clips, windows_per_pass

    folder = _fake_heldout(tmp_path / "data")
    (folder / "partial_keyword").mkdir()
    write_wav(folder / "partial_keyword" / "abcd0000_nohash_9.wav", np.zeros(SR, np.int16), SR)
    base = load_spec("micro_speech").replace(augment={"precomputed_passes": 2, "impulse_responses": 4},
                                             dataset={"validation_percentage": 0.0, "testing_percentage": 0.0})
    spec = base.replace(augment={"stream_windows": 50.0})
    assert "stream_windows" not in base.to_dict()["augment"] and spec.hash != base.hash
    ds = load_dataset(spec, folder)
    clips = training_voice_clips(ds, ("yes", "no"))
    assert {p.parent.name for ps in clips.values() for p in ps} == {"cat", "tree"}  # no keyword, no partial
    audio, voiced = negative_stream(clips, ds.background_audio(), 20.0, SR, seed=1)
    assert len(audio) == 20 * SR and 0.05 < voiced.mean() < 0.9 and np.abs(audio).max() <= 1.0
    x, y = stream_windows(ds, spec, 40, seed=2)
    assert x.shape == (40, 49, 40) and x.dtype == np.uint16 and set(y) == {0, 1}  # _silence_ and _unknown_
    assert np.array_equal(stream_windows(ds, spec, 40, seed=2)[0], x)
    windows = windows_per_pass(ds, spec, "training")
    n = len(ds.split("training"))
    list(make_tf_dataset(ds, "training", spec, batch_size=4, augment=True, shuffle=True, seed=3))
    pool_y = next(v for k, v in _POOLS.items() if k[0] == str(folder) and k[2] == spec.hash)[1]
    assert windows == 3 and len(pool_y) == 3 * n + 2 * windows


def test_stream_keywords_label_whole_keywords_and_skip_partial_ones(tmp_path: Path) -> None:
    from hark.data import load_dataset
    from hark.train.stream_windows import stream_windows, training_stream, training_voice_clips

    folder = _fake_heldout(tmp_path / "data")
    base = load_spec("micro_speech").replace(augment={"stream_windows": 50.0},
                                             dataset={"validation_percentage": 0.0, "testing_percentage": 0.0})
    spec = base.replace(augment={"stream_keywords": 0.5})
    assert "stream_keywords" not in base.to_dict()["augment"] and spec.hash != base.hash
    ds = load_dataset(spec, folder)
    keywords = training_voice_clips(ds, ("yes", "no"), keywords=True)
    assert {p.parent.name for ps in keywords.values() for p in ps} == {"yes", "no"}
    clips = training_voice_clips(ds, ("yes", "no"))
    audio, voiced, spans = training_stream(clips, ds.background_audio(), 30.0, SR, 1, keywords=keywords,
                                           keyword_share=0.5)  # fmt: skip
    assert spans and {w for w, _, _ in spans} <= {"yes", "no"} and not any(voiced[a:b].any() for _, a, b in spans)
    x, y = stream_windows(ds, spec, 200, seed=2)
    assert set(y) == {0, 1, 2, 3} and x.shape == (200, 49, 40)
    assert np.array_equal(stream_windows(ds, spec, 200, seed=2)[1], y)  # seeded


def test_freq_warp_moves_a_tone_as_a_stretched_spectrum_would() -> None:
    """VTLP on features against the frontend itself: a tone at f, warped by alpha, peaks in the channel where the
    frontend puts a tone at alpha f (below the knee); alpha 1 changes nothing; the spec hash ignores the default.
    Noise reduction and PCAN are off here: both flatten a steady tone's peak."""
    import tensorflow as tf

    from hark.data.augment import channel_centers, freq_warp
    from hark.features.extract import compute_features

    fe = dataclasses.replace(load_spec("micro_speech").frontend, enable_noise_reduction=False, enable_pcan=False)
    lo, hi = fe.lower_band_limit, fe.upper_band_limit
    centers = channel_centers(fe.num_channels, lo, hi)
    t = np.arange(SR) / SR

    def peak(features: np.ndarray) -> int:
        return int(np.argmax(features[10:40].mean(axis=0)))

    def tone(hz: float) -> np.ndarray:
        return compute_features((np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16), fe).astype(np.float32)

    for hz, alpha in ((500.0, 1.3), (1500.0, 0.8), (2500.0, 1.2), (4000.0, 0.85)):
        source, target = tone(hz), tone(hz * alpha)
        warped = freq_warp(tf.constant(source), tf.constant(alpha), centers, lo, hi).numpy()
        assert abs(peak(warped) - peak(target)) <= 1, (hz, alpha, peak(source), peak(warped), peak(target))
        assert abs(peak(source) - peak(target)) >= 2
    same = freq_warp(tf.constant(tone(1000.0)), tf.constant(1.0), centers, lo, hi).numpy()
    np.testing.assert_allclose(same, tone(1000.0), atol=1e-3)
    assert abs(centers[np.argmax(tone(1000.0)[10:40].mean(axis=0))] - 1000.0) < 80.0
    spec = load_spec("models/pretrained/micro_speech.py")
    warped_spec = spec.replace(augment={"freq_warp": (0.9, 1.1)})
    assert spec.replace(augment={"freq_warp": ()}).hash == spec.hash != warped_spec.hash


def test_time_stretch_matches_a_numpy_resampling_and_lengthens_a_burst() -> None:
    """The tempo change against numpy: each channel interpolated (np.interp) at centroid + (t - centroid) / factor,
    with the centroid weighted by energy above the quietest frame. On the frontend's features of a tone burst, a
    factor of 1.5 makes the burst's loud frames half as many again, about the same energy centroid; 1.0 changes nothing.
    The spec hash ignores the default, and a bad range is refused with the field named."""
    import tensorflow as tf

    from hark.data.augment import time_stretch
    from hark.features.extract import compute_features

    rng = np.random.default_rng(3)
    feats = rng.uniform(0, 5, (49, 40)).astype(np.float32)
    feats[20:30] += 40.0
    for factor in (0.6, 1.0, 1.7):
        energy = feats.sum(axis=1)
        w = energy - energy.min()
        c = float((np.arange(49) * w).sum() / w.sum())
        pos = np.clip(c + (np.arange(49) - c) / factor, 0, 48)
        want = np.stack([np.interp(pos, np.arange(49), feats[:, k]) for k in range(40)], axis=1)
        got = time_stretch(tf.constant(feats), tf.constant(factor)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)

    fe = load_spec("micro_speech").frontend
    audio = np.zeros(SR)
    audio[6000:10800] = np.sin(2 * np.pi * 700 * np.arange(4800) / SR) * 6000
    burst = compute_features(audio.astype(np.int16), fe).astype(np.float32)

    def loud(f: np.ndarray) -> np.ndarray:
        e = f.sum(axis=1)
        return np.nonzero(e > e.min() + 0.5 * (e.max() - e.min()))[0]

    def centroid(f: np.ndarray) -> float:
        w = f.sum(axis=1) - f.sum(axis=1).min()
        return float((np.arange(len(w)) * w).sum() / w.sum())

    stretched = time_stretch(tf.constant(burst), tf.constant(1.5)).numpy()
    longer = loud(stretched)
    assert 1.3 <= len(longer) / len(loud(burst)) <= 1.7, (len(loud(burst)), len(longer))
    assert abs(centroid(stretched) - centroid(burst)) <= 1.0
    np.testing.assert_allclose(time_stretch(tf.constant(burst), tf.constant(1.0)).numpy(), burst, atol=1e-4)

    spec = load_spec("models/pretrained/micro_speech.py")
    assert spec.replace(augment={"time_stretch": ()}).hash == spec.hash
    assert spec.replace(augment={"time_stretch": (0.6, 1.6)}).hash != spec.hash
    with pytest.raises(SpecError, match="time_stretch"):
        spec.replace(augment={"time_stretch": (0.0, 1.6)})


def test_corpus_merges_a_word_that_several_synthesis_folders_hold(tmp_path: Path) -> None:
    """The training engine's and the extra engines' takes of a keyword share one word folder (links to both);
    a word only one folder holds stays a link to that folder, and a corpus built before the extra engines
    (the keyword a link to one folder) gains the other folder's clips."""
    from hark.data.corpus import _link_words

    clip = np.zeros(16000, np.int16)
    a, b = tmp_path / "synth_a", tmp_path / "synth_b"
    for folder, word, name in ((a, "yes", "aaaa0000_nohash_0"), (a, "cat", "aaaa0000_nohash_1"),
                               (b, "yes", "bbbb0000_nohash_0"), (a, "_background_noise_", "white")):  # fmt: skip
        (folder / word).mkdir(parents=True, exist_ok=True)
        write_wav(folder / word / f"{name}.wav", clip, 16000)
    old = tmp_path / "old"
    old.mkdir()
    (old / "yes").symlink_to(a / "yes")
    for dest in (tmp_path / "new", old):
        _link_words(dest, [a, b], a)
        assert (dest / "cat").is_symlink() and (dest / "cat").resolve() == (a / "cat").resolve()
        assert not (dest / "yes").is_symlink()
        assert sorted(p.name for p in (dest / "yes").iterdir()) == ["aaaa0000_nohash_0.wav", "bbbb0000_nohash_0.wav"]
        assert (a / "yes" / "aaaa0000_nohash_0.wav").is_file()  # the synthesis folder is untouched
        _link_words(dest, [a, b], a)  # again: nothing changes
        assert len(list((dest / "yes").iterdir())) == 2
    # a synthesis folder made again with other clips: the merged folder follows it, no dangling link stays
    (b / "yes" / "bbbb0000_nohash_0.wav").unlink()
    write_wav(b / "yes" / "cccc0000_nohash_0.wav", clip, 16000)
    _link_words(old, [a, b], a)
    assert sorted(p.name for p in (old / "yes").iterdir()) == ["aaaa0000_nohash_0.wav", "cccc0000_nohash_0.wav"]
    # built again without the second folder (e.g. `hark corpus --extra-engines ""`): one link again
    _link_words(old, [a], a)
    assert (old / "yes").is_symlink() and (a / "yes" / "aaaa0000_nohash_0.wav").is_file()


def test_pretrained_does_not_resume_a_run_of_another_corpus_build(tmp_path):
    """`hark pretrained` trains into a run folder that resumes from its newest checkpoint: a run begun on another
    build of the corpus must stop the command (naming the folder), not be finished or reported as the new one."""
    from hark.cli.pretrained import PretrainedError, _check_run_corpus

    corpus, run = tmp_path / "corpus", tmp_path / "runs" / "pretrained_x"
    corpus.mkdir()
    (corpus / "corpus.json").write_text('{"config": {"extra_engines": ["pico"]}}\n')
    _check_run_corpus(run, corpus)  # a new folder: it records the corpus it trains on
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "ckpt-500.index").write_text("")
    _check_run_corpus(run, corpus)  # a killed run of the same corpus resumes
    (corpus / "corpus.json").write_text('{"config": {"extra_engines": ["pico", "mbrola"]}}\n')
    with pytest.raises(PretrainedError, match=r"pretrained_x holds a run trained on another build.*differs"):
        _check_run_corpus(run, corpus)
    (run / "corpus.json").unlink()
    with pytest.raises(PretrainedError, match=r"is not recorded.*--skip-train"):
        _check_run_corpus(run, corpus)


def test_pretrained_rebuilds_streams_written_for_another_length(tmp_path, monkeypatch):
    """`hark pretrained` tunes on two hours of validation negatives: a validation folder written for another
    length (the half hour of before) is written again; streams of the right length are kept."""
    import json

    import hark.cli.pretrained as pretrained

    written: list[tuple[str, float]] = []

    def fake_write_streams(corpus, out, *, negatives=True, negative_minutes=60.0, **_kw):
        written.append((out.name, negative_minutes if negatives else 0.0))
        if negatives:
            (out / "negatives.json").write_text(json.dumps({"seconds": negative_minutes * 60}))

    monkeypatch.setattr(pretrained, "ROOT", tmp_path)
    monkeypatch.setattr(pretrained, "_corpus_is_current", lambda corpus: True)
    monkeypatch.setattr(pretrained, "write_streams", fake_write_streams)
    for folder, seconds in (("streams", 3900), ("streams_val", 1800)):
        d = tmp_path / "data" / folder
        d.mkdir(parents=True)
        (d / "negatives.json").write_text(json.dumps({"seconds": seconds}))
        (d / "yesno_10db.wav").write_bytes(b"")
    pretrained.ensure_data(tmp_path / "corpus")
    assert written == [("streams_val", pretrained.VAL_NEGATIVE_MINUTES)]
    pretrained.ensure_data(tmp_path / "corpus")  # now of the right length: nothing is written again
    assert len(written) == 1


def test_pretrained_stops_at_once_without_the_host_twin(tmp_path, monkeypatch, capsys):
    """Tuning and the reports run the host twin after the training: without its library the command stops before
    the corpus and the training, naming how to build it (a fresh clone's `hark pretrained` used to fail after
    17 minutes of work)."""
    import argparse

    import hark.cli.pretrained as pretrained

    monkeypatch.setattr(pretrained, "built", lambda module: False)
    monkeypatch.setattr(pretrained, "ensure_data", lambda corpus: pytest.fail("the corpus step ran"))
    args = argparse.Namespace(names=["micro_speech"], corpus=tmp_path, skip_train=False, skip_export=False)
    assert pretrained.run(args) == 1
    assert "cmake -S . -B build/host" in capsys.readouterr().err


def test_pretrained_skip_export_reads_the_runs_export_of_its_spec(tmp_path):
    """--skip-export re-tunes and re-reports the run's own export (exporting again gives other int8 weights): it
    needs the model and its report, exported from the same spec, and says which is missing or which spec it was."""
    import json

    from hark.cli.pretrained import PretrainedError, _existing_export

    export = tmp_path / "export"
    with pytest.raises(PretrainedError, match=r"holds no export of ds_cnn.*without --skip-export"):
        _existing_export(tmp_path, "ds_cnn", "abc")
    export.mkdir()
    (export / "ds_cnn.tflite").write_bytes(b"model")
    (export / "ds_cnn_report.json").write_text(json.dumps({"spec_hash": "old", "stream_mode": "stream_external"}))
    with pytest.raises(PretrainedError, match=r"exported from spec old, not from models/pretrained/ds_cnn.py \(abc\)"):
        _existing_export(tmp_path, "ds_cnn", "abc")
    model, report = _existing_export(tmp_path, "ds_cnn", "old")
    assert model == b"model" and report["stream_mode"] == "stream_external"


def test_every_shipped_pretrained_model_was_built_from_its_spec_as_it_is_now() -> None:
    """`hark pretrained` writes models/pretrained/<name>.tflite from <name>.py: a spec edited without rebuilding its
    model would describe another model than the one users flash. The metadata's spec.hash says which one it was."""
    from hark.cli.pretrained import SHIPPED, stream_prefix
    from hark.format.metadata import read_metadata

    root = Path(__file__).resolve().parents[1] / "models"
    built = {**{name: root / "pretrained" / f"{name}.py" for name in SHIPPED},
             "demo_ds_cnn": root / "demo" / "ds_cnn.py"}  # fmt: skip
    assert {p.stem for p in (root / "pretrained").glob("*.tflite")} == set(built)
    specs = {name: load_spec(spec_path) for name, spec_path in built.items()}
    for name, spec in specs.items():
        entries = read_metadata((root / "pretrained" / f"{name}.tflite").read_bytes()).entries
        assert (entries["spec.name"], entries["spec.hash"]) == (spec.name, spec.hash), name
    # each is tuned and measured on the keyword streams of its own words
    assert [stream_prefix(specs[n]) for n in SHIPPED] == ["yesno", "keywords", "yesno"]


def test_hard_negatives_mine_a_training_stream_and_fine_tune_the_kept_model(tmp_path: Path) -> None:
    """The hard_negatives section: after the schedule the run mines windows of a training-voice negative stream,
    fine-tunes, records what it kept, keeps the schedule's weights beside it, and does not mine again on resume."""
    import json

    from hark.train.run import train

    folder = _fake_heldout(tmp_path / "data")
    base = load_spec("micro_speech").replace(augment={"precomputed_passes": 1, "impulse_responses": 4},
                                             dataset={"validation_percentage": 0.0, "testing_percentage": 0.0})
    spec = base.replace(hard_negatives={"minutes": 1.0, "min_score": 0.05, "max_keep": 40, "steps": 2})
    assert "hard_negatives" not in base.to_dict() and spec.hash != base.hash
    with pytest.raises(SpecError, match="hard_negatives needs minutes > 0"):
        base.replace(hard_negatives={"share": 1.5})
    run = tmp_path / "run"
    train(spec, run, data_dir=folder, dry_run=True, dry_run_steps=2, verbose=False)
    mined = json.loads((run / "metrics.json").read_text())["hard_negatives"]
    assert mined["windows"] > 2000 and 0 < mined["kept"] <= 40
    assert mined["kept"] == mined["kept_unknown"] + mined["kept_silence"] and mined["kept_mean_score"] >= 0.05
    assert (run / "pre_mining.weights.h5").is_file()
    best = (run / "best.weights.h5").read_bytes()
    train(spec, run, data_dir=folder, dry_run=True, dry_run_steps=2, verbose=False)  # finished: no second mining
    assert (run / "best.weights.h5").read_bytes() == best


def test_vectorized_replay_matches_the_c_recognizer_on_flickering_scores() -> None:
    """Labels that flip hop by hop, long runs past the suppression time, silence runs, and every detection
    (ignored labels too) against firmware/recognize's C code; `ignored=False` is the same list less those."""
    from hark.evaluate.far import IGNORED, Settings, StreamScores, check_replay, replay

    rng = np.random.default_rng(5)
    n = 4000
    level = rng.integers(-128, 127, size=(n, 4))
    hold = np.repeat(rng.integers(-128, 127, size=(n // 200, 4)), 200, axis=0)  # runs of seconds
    mix = np.where(rng.random((n, 1)) < 0.5, level, hold)
    s = StreamScores(["_silence_", "_unknown_", "yes", "no"], np.arange(1, n + 1, dtype=np.int32) * 20,
                     mix.astype(np.int8), n * 0.02, 1 / 256, -128)  # fmt: skip
    tried = [Settings(w, th, sup, m) for w in (300, 1000) for th in (0.3, 0.55, 0.8) for sup in (0, 1000, 1500)
             for m in (1, 3)]  # fmt: skip
    for settings in tried:
        assert check_replay(s, settings), settings
        every = replay(s, settings)
        assert replay(s, settings, ignored=False) == [d for d in every if d.label not in IGNORED]
    assert sum(len(replay(s, x, ignored=False)) for x in tried) > 100  # the streams do detect keywords


def test_streams_scored_side_by_side_equal_one_by_one(tmp_path: Path) -> None:
    """score_streams' threads (one twin each) give each stream the scores a lone twin gives, and tune and
    stream_report give the same figures from them as from their own runs."""
    from hark.evaluate.tuning import report_streams, score_streams, scores_of, stream_report, tune
    from hark.format.metadata import StreamInfo, write_metadata
    from hark.twin import Twin

    tflite = (_reference() / "tflite-micro" / "models" / "micro_speech_quantized.tflite").read_bytes()
    model = write_metadata(tflite, load_spec("micro_speech"), StreamInfo(mode="window", frames_per_call=49,
                                                                          window_frames=49))  # fmt: skip
    clip = read_wav(_reference() / "tflite-micro" / "testdata" / "yes_1000ms.wav", SR)
    rng = np.random.default_rng(6)
    for name, seconds, yes_at in (("negatives", 9, ()), ("yesno_20db", 6, (1, 4)), ("yesno_10db", 5, (2,))):
        audio = rng.normal(0, 40, seconds * SR).astype(np.int16)
        for s in yes_at:
            audio[s * SR : (s + 1) * SR] += clip
        write_wav(tmp_path / f"{name}.wav", audio, SR)
        (tmp_path / f"{name}.txt").write_text("".join(f"yes,{s * 1000}\n" for s in yes_at))
    wavs = report_streams(tmp_path, "yesno")
    scored = score_streams(model, wavs, Twin, workers=3)
    for w in wavs:
        alone = scores_of(model, read_wav(w, SR), Twin)
        assert np.array_equal(scored[w].times_ms, alone.times_ms) and np.array_equal(scored[w].scores, alone.scores)
    kws = wavs[1:]
    assert tune(model, wavs[:1], kws, 1e9, Twin, scored) == tune(model, wavs[:1], kws, 1e9, Twin)
    assert stream_report(model, tmp_path, "yesno", Twin, scored) == stream_report(model, tmp_path, "yesno", Twin)
