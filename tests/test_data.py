"""Datasets: offline synthesis, Speech Commands loading and splitting, augmentation and micro features.

Oracles: the Speech Commands hash rule, TF speech_commands' sizing and augmentation arithmetic (re-done in NumPy),
and TensorFlow's audio_microfrontend op called directly.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import struct
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from hark.data import BadWavError, DatasetError, load_dataset
from hark.data.split import which_set
from hark.data.synth import BACKGROUND_DIR, SynthConfig, Voice, render_clip, synthesize, voiced_span
from hark.data.wav import check_wav, encode_wav, read_wav
from hark.spec import load_spec

WORDS = ("yes", "no", "up", "marvin", "cat")
CONFIG = SynthConfig(words=WORDS, clips_per_word=30, seed=4, max_voices=30, background_seconds=3.0)
SR = 16000


def _spec(**dataset):
    base = load_spec("micro_speech")
    return base.replace(dataset=dataset) if dataset else base


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    report = synthesize(out, CONFIG, workers=2, progress=False)
    assert report.clips_written == len(WORDS) * CONFIG.clips_per_word and not report.clips_dropped
    return out


@pytest.fixture(scope="session")
def tf():
    import tensorflow

    return tensorflow


def _op(tf, audio: np.ndarray, **kw) -> np.ndarray:
    """The oracle: TF's audio_microfrontend op, called directly."""
    from tensorflow.lite.experimental.microfrontend.python.ops import audio_microfrontend_op as op

    return op.audio_microfrontend(tf.constant(audio), out_type=tf.uint16, **kw).numpy()


# ---- synthesis ----------------------------------------------------------------------------------------------------


def test_synth_layout_and_clip_format(synth_dir):
    names = re.compile(r"^[0-9a-f]{8}_nohash_\d+\.wav$")
    for word in WORDS:
        clips = sorted((synth_dir / word).glob("*.wav"))
        assert len(clips) == CONFIG.clips_per_word
        for clip in clips:
            assert names.match(clip.name), clip.name
            info = check_wav(clip, SR)
            assert info.num_samples == SR
            audio = read_wav(clip, SR).astype(np.float64)
            assert np.abs(audio).max() > 32767 * 10 ** (-25 / 20)  # amplitude drawn in [-24, -1] dBFS
    bg = sorted(p.stem for p in (synth_dir / BACKGROUND_DIR).glob("*.wav"))
    assert bg == ["babble", "brown_noise", "hum", "pink_noise", "white_noise"]
    for name in bg:
        noise = read_wav(synth_dir / BACKGROUND_DIR / f"{name}.wav", SR)
        assert len(noise) == 3 * SR and noise.astype(np.float64).std() > 100


def test_synth_spectra_differ_by_color(synth_dir):
    """White noise is flat, pink falls 3 dB/octave, brown 6 dB/octave: compare 500 Hz and 4 kHz bands."""

    def band_db(name: str, lo: float, hi: float) -> float:
        x = read_wav(synth_dir / BACKGROUND_DIR / f"{name}.wav", SR).astype(np.float64)
        p = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / SR)
        return 10 * np.log10(p[(f >= lo) & (f < hi)].mean())

    tilt = {n: band_db(n, 400, 600) - band_db(n, 3200, 4800) for n in ("white_noise", "pink_noise", "brown_noise")}
    assert abs(tilt["white_noise"]) < 1.5
    assert 6 < tilt["pink_noise"] < 12  # 3 octaves x 3 dB
    assert 15 < tilt["brown_noise"] < 21  # 3 octaves x 6 dB


def test_partition_lists_follow_hash_rule_and_never_share_a_voice(synth_dir):
    lists = {p: (synth_dir / f"{p}_list.txt").read_text().split() for p in ("validation", "testing")}
    assert lists["validation"] and lists["testing"], "seed 4 with 30 voices fills every partition"
    part_of = {}
    for part, names in lists.items():
        for name in names:
            assert (synth_dir / name).is_file()
            part_of[name] = part
    voices = defaultdict(set)
    for word in WORDS:
        for clip in (synth_dir / word).glob("*.wav"):
            rel = f"{word}/{clip.name}"
            part = part_of.get(rel, "training")
            assert part == which_set(clip.name, 10.0, 10.0)
            voices[clip.name.split("_nohash_")[0]].add(part)
    assert len(voices) == 30
    assert all(len(parts) == 1 for parts in voices.values()), voices
    assert {p for parts in voices.values() for p in parts} == {"training", "validation", "testing"}


def test_synth_resumes_and_is_deterministic(synth_dir, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(synth_dir, work)
    victims = sorted((work / "up").glob("*.wav"))[:5]
    before = {v.name: v.read_bytes() for v in victims}
    for v in victims:
        v.unlink()
    report = synthesize(work, CONFIG, workers=1, progress=False)
    assert report.clips_written == 5
    assert report.clips_resumed == len(WORDS) * CONFIG.clips_per_word - 5
    assert {v.name: v.read_bytes() for v in victims} == before  # same seed, same bytes
    with pytest.raises(DatasetError, match=r"synth\.json.*other settings.*seed"):
        synthesize(work, SynthConfig(**{**CONFIG.__dict__, "seed": 5}), workers=1, progress=False)


def test_clips_hold_whole_words(synth_dir):
    """The voiced span never touches a clip's edge: the trim removed only silence and placement kept it all."""
    for word in WORDS:
        for clip in sorted((synth_dir / word).glob("*.wav"))[:10]:
            audio = read_wav(clip, SR).astype(np.float64)
            start, end = voiced_span(audio, SR)
            edge = np.abs(np.concatenate([audio[:80], audio[-80:]])).max()
            assert edge < np.abs(audio).max() * 0.01, f"{clip}: sound at the clip's edge"
            assert end - start < SR


def test_long_phrase_is_sped_up_not_cut():
    """At 80 words/min this phrase lasts about 4 s; the synthesizer says it faster until it fits."""
    from hark.data.synth import EspeakLibrary, tts

    slow = Voice("espeak", "en-us+m1", 50.0, 80.0)
    raw, rate = tts(slow, "extraordinarily unbelievable", 50, 80)
    assert len(raw) > 2 * rate
    clip = render_clip(slow, "extraordinarily unbelievable", 0, SynthConfig(seed=1), EspeakLibrary.try_open())
    assert clip is not None and len(clip) == SR
    audio = clip.astype(np.float64)
    peak = np.abs(audio).max()
    assert np.abs(audio[:40]).max() < peak * 0.02 and np.abs(audio[-40:]).max() < peak * 0.02


@pytest.mark.parametrize("name", ["kal", "slt"])  # kal is an 8 kHz voice: the upsampling path
def test_flite_voices_render(name):
    clip = render_clip(Voice("flite", name, 120.0, 170.0), "marvin", 0, SynthConfig(seed=2))
    assert clip is not None and clip.dtype == np.int16 and len(clip) == SR
    start, end = voiced_span(clip.astype(np.float64), SR)
    assert 0 < start and end < SR and end - start > SR // 4


def test_persona_warp_scales_frequencies(monkeypatch):
    """A persona voice's clip is the engine's audio resampled to sample_rate / warp and read at sample_rate: a
    1 kHz tone from the engine comes out at warp x 1 kHz (numpy's FFT is the oracle)."""
    from hark.data import synth

    t = np.arange(8000) / SR
    tone = (8000 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.int16)
    monkeypatch.setattr(synth, "tts", lambda *a, **k: (tone, SR))
    for name in ("mb-us1~03", "en-US~11", "mb-us1"):
        voice = Voice("pico" if name.startswith("en") else "mbrola", name, 50.0, 170.0)
        warp = synth.persona_warp(voice)
        assert warp == 1.0 if "~" not in name else synth.PERSONA_WARP[0] <= warp <= synth.PERSONA_WARP[1]
        clip = render_clip(voice, "left", 0, SynthConfig(seed=3)).astype(np.float64)
        start, end = voiced_span(clip, SR)
        # the duration grows by 1 / warp (voiced_span adds 30 ms either side and rounds to 10 ms frames at each end)
        assert abs((end - start) - (len(tone) / warp + 0.06 * SR)) <= 0.02 * SR + 1
        seg = clip[start + 480 : end - 480]
        peak = np.argmax(np.abs(np.fft.rfft(seg * np.hanning(len(seg))))) * SR / len(seg)
        assert abs(peak - 1000.0 * warp) < 2 * SR / len(seg), (name, warp, peak)


def test_extra_engines_name_the_installer_when_missing(monkeypatch):
    from hark.data import synth

    gone = ("pico2wave", "mbrola")
    monkeypatch.setattr(synth.shutil, "which", lambda cmd: None if cmd in gone else f"/usr/bin/{cmd}")
    with pytest.raises(synth.SynthError, match=r"'pico'.*not installed.*tools/install_voices\.sh"):
        synth.available_voices(0, extra=("pico",))
    with pytest.raises(synth.SynthError, match=r"unknown TTS engine.*'festival'"):
        synth.available_voices(0, extra=("festival",))


@pytest.mark.parametrize("name", ["en-US~00", "en-GB~05", "mb-us1~00", "mb-us2~07", "mb-us3~01", "mb-en1~02",
                                  "alan~03", "bdl~00", "clb~09", "evgeniy-eng~04", "lyubov~11"])
def test_extra_engine_voices_render(name):
    from hark.data.synth import EXTRA_ENGINES, PERSONAS, available_voices, extra_engines_installed

    engine = "pico" if name.startswith("en-") else "mbrola" if name.startswith("mb-") else "rhvoice"
    if engine not in extra_engines_installed():
        pytest.skip(f"{engine} is not installed (tools/install_voices.sh)")
    voices = {v.name: v for v in available_voices(0, extra=(engine,)) if v.engine in EXTRA_ENGINES}
    assert len(voices) == {"pico": 2, "mbrola": 4, "rhvoice": 5}[engine] * PERSONAS
    assert not any(v.name.startswith("slt") for v in voices.values())  # flite's held-out speaker
    voice = voices[name]
    clip = render_clip(voice, "seven", 0, SynthConfig(seed=2))
    assert clip is not None and clip.dtype == np.int16 and len(clip) == SR
    start, end = voiced_span(clip.astype(np.float64), SR)
    assert end - start > SR // 5  # a whole word: the clip may place it against either edge
    assert np.array_equal(clip, render_clip(voice, "seven", 0, SynthConfig(seed=2)))  # deterministic
    other = render_clip(voice, "seven", 1, SynthConfig(seed=2))
    assert other is not None and not np.array_equal(clip, other)  # another take: another pitch and speed


# ---- loading and splitting -----------------------------------------------------------------------------------------


def test_class_balance_follows_percentages(synth_dir):
    spec = _spec(wanted_words=["yes", "no"], silence_percentage=20.0, unknown_percentage=30.0)
    ds = load_dataset(spec, synth_dir)
    unknown_pool = {p: 0 for p in ("training", "validation", "testing")}
    for word in ("up", "marvin", "cat"):
        for clip in (synth_dir / word).glob("*.wav"):
            unknown_pool[which_set(clip.name, 10.0, 10.0)] += 1
    for part in ("training", "validation", "testing"):
        c = ds.counts(part)
        n = c["yes"] + c["no"]
        assert n > 0
        assert c["_silence_"] == math.ceil(n * 0.20)
        assert c["_unknown_"] == min(unknown_pool[part], math.ceil(n * 0.30))
        assert len(ds.split(part)) == sum(c.values())
    # labels are indices into spec.labels, and unknown clips come from non-wanted word folders
    labels = ds.labels
    for path, i in ds.split("training"):
        word = Path(path).parent.name
        if labels[i] == "_unknown_":
            assert word not in ("yes", "no")
        elif labels[i] != "_silence_":
            assert labels[i] == word


def test_lists_mode_uses_list_files(synth_dir):
    ds = load_dataset(_spec(split="lists"), synth_dir)
    listed = set((synth_dir / "validation_list.txt").read_text().split())
    val = {f"{Path(p).parent.name}/{Path(p).name}" for p, i in ds.split("validation") if ds.labels[i] != "_silence_"}
    assert val and val <= listed


def _write(path: Path, samples: np.ndarray, rate: int = SR) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_wav(samples, rate))
    return path


def _extensible_wav(samples: np.ndarray) -> bytes:
    """WAVE_FORMAT_EXTENSIBLE PCM with a LIST chunk before the samples (as some recorders write); TF's own
    decode_wav rejects this header, so the pipeline must read the samples by the checked layout."""
    data = samples.astype("<i2").tobytes()
    guid = b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, SR, 2 * SR, 2, 16, 22, 16, 4) + guid
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST" + struct.pack("<I", 10) + b"INFOabcdef"
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_any_valid_header_layout_gives_the_same_features(tmp_path, tf):
    from hark.train.pipeline import make_tf_dataset

    audio = _tone(SR - 3000, 300, 5)  # also shorter than a clip: zero-padded
    for word in ("yes", "no"):
        _write(tmp_path / word / "plain_nohash_0.wav", audio)
        (tmp_path / word / "ext_nohash_0.wav").write_bytes(_extensible_wav(audio))
    spec = _spec(silence_percentage=0.0, unknown_percentage=0.0, validation_percentage=0.0, testing_percentage=0.0)
    ds = load_dataset(spec, tmp_path)
    x, y = next(iter(make_tf_dataset(ds, "training", spec, batch_size=4, augment=False, shuffle=False, seed=0,
                                     cache_dir=tmp_path / "cache")))  # fmt: skip
    padded = np.concatenate([audio, np.zeros(3000, np.int16)])
    want = _op(tf, padded, sample_rate=SR, window_size=30, window_step=20, num_channels=40) * np.float32(10 / 256)
    for f in x.numpy():
        np.testing.assert_array_equal(f, want.astype(np.float32))


def _tone(n: int = SR, f: float = 440.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    return (3000 * np.sin(2 * np.pi * f * t) + rng.normal(0, 300, n)).astype(np.int16)


def _speech_commands_v2(root: Path) -> dict[str, list[str]]:
    """A tree laid out like the extracted speech_commands_v0.02 archive."""
    words = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "backward", "bed", "visual"]
    speakers = ["0a7c2a8d", "0b09edd3", "0c40e715", "0f3f64d5", "1a4259c3", "2bdbe5f7", "3b3d2f59", "c1d39ce8"]
    made = defaultdict(list)
    for wi, word in enumerate(words):
        for si, spk in enumerate(speakers):
            for n in range(2):
                length = SR if (si + n) % 3 else 13000  # some real clips are shorter than 1 s
                _write(root / word / f"{spk}_nohash_{n}.wav", _tone(length, 200 + 40 * wi, si))
                made[word].append(f"{word}/{spk}_nohash_{n}.wav")
    bg = root / BACKGROUND_DIR
    for i, name in enumerate(["doing_the_dishes", "dude_miaowing", "exercise_bike", "pink_noise",
                              "running_tap", "white_noise"]):  # fmt: skip
        _write(bg / f"{name}.wav", _tone(3 * SR, 100 + i, i))
    (bg / "README.md").write_text("background noise\n")
    (root / "LICENSE").write_text("CC-BY-4.0\n")
    (root / "README.md").write_text("Speech Commands\n")
    all_rel = sorted(r for rs in made.values() for r in rs)
    (root / "validation_list.txt").write_text("\n".join(r for r in all_rel if r.startswith("yes/0a7c")) + "\n")
    (root / "testing_list.txt").write_text("\n".join(r for r in all_rel if r.startswith("no/0b09")) + "\n")
    return made


def test_speech_commands_v2_layout_loads_unchanged(tmp_path, tf):
    made = _speech_commands_v2(tmp_path)
    ds = load_dataset(_spec(split="lists"), tmp_path)
    assert len(ds.background_paths) == 6
    val = ds.split("validation")
    assert {Path(p).name for p, i in val if ds.labels[i] == "yes"} == {"0a7c2a8d_nohash_0.wav", "0a7c2a8d_nohash_1.wav"}
    test = ds.split("testing")
    assert sorted(Path(p).name for p, i in test if ds.labels[i] == "no") == ["0b09edd3_nohash_0.wav",
                                                                             "0b09edd3_nohash_1.wav"]  # fmt: skip
    train = ds.counts("training")
    assert train["yes"] == 14 and train["no"] == 14
    hashed = load_dataset(_spec(split="hash"), tmp_path)
    for part in ("training", "validation", "testing"):
        for p, i in hashed.split(part):
            if hashed.labels[i] != "_silence_":
                assert which_set(p, 10.0, 10.0) == part
    # short clips are zero-padded to one clip, as TF's decode_wav(desired_samples) does
    from hark.train.pipeline import make_tf_dataset

    batch = next(iter(make_tf_dataset(ds, "training", _spec(), batch_size=8, augment=True, shuffle=False, seed=0)))
    assert batch[0].shape == (8, 49, 40) and batch[0].dtype == tf.float32 and batch[1].dtype == tf.int32
    assert sum(len(v) for v in made.values()) == 13 * 16


def test_prespit_folders(tmp_path):
    for part, n in (("training", 6), ("validation", 2), ("testing", 2)):
        for word in ("yes", "no", "cat"):
            for i in range(n):
                _write(tmp_path / part / word / f"s{i}{part[0]}_nohash_0.wav", _tone(seed=i))
    _write(tmp_path / BACKGROUND_DIR / "noise.wav", _tone(2 * SR))
    ds = load_dataset(_spec(split="folders"), tmp_path)
    assert ds.counts("training")["yes"] == 6 and ds.counts("validation")["no"] == 2
    assert all(f"/{part}/" in p for part in ("training", "validation", "testing") for p, _ in ds.split(part))
    with pytest.raises(DatasetError, match=r"validation: missing"):
        shutil.rmtree(tmp_path / "validation")
        load_dataset(_spec(split="folders"), tmp_path)


# ---- bad input -----------------------------------------------------------------------------------------------------


def _bad_wavs() -> dict[str, tuple[bytes, str]]:
    good = encode_wav(_tone(), SR)
    stereo = bytearray(encode_wav(np.repeat(_tone(8000), 2), SR))
    struct.pack_into("<HIIH", stereo, 22, 2, SR, SR * 4, 4)
    eight = bytearray(good[:44]) + bytes(np.full(SR, 128, np.uint8))
    struct.pack_into("<IIHH", eight, 24, SR, SR, 1, 8)
    struct.pack_into("<I", eight, 40, SR)
    struct.pack_into("<I", eight, 4, 36 + SR)
    return {
        "rate": (encode_wav(_tone(), 8000), r"sample rate 8000 Hz, expected 16000"),
        "stereo": (bytes(stereo), r"2 channels"),
        "8bit": (bytes(eight), r"8-bit samples, expected 16-bit"),
        "empty_file": (b"", r"empty file"),
        "empty_data": (encode_wav(np.zeros(0, np.int16), SR), r"empty: the data chunk holds no samples"),
        "truncated": (good[: len(good) // 2], r"truncated"),
        "odd_data": (good[:40] + struct.pack("<I", 3) + b"\x01\x02\x03", r"not a whole number of"),
        "not_wav": (b"ID3\x03" + bytes(100), r"not a RIFF/WAVE"),
    }


@pytest.mark.parametrize("case", list(_bad_wavs()))
def test_bad_wav_is_named_or_skipped(tmp_path, case, caplog):
    blob, message = _bad_wavs()[case]
    for word in ("yes", "no"):
        for i in range(4):
            _write(tmp_path / word / f"spk{i}_nohash_0.wav", _tone(seed=i))
    bad = tmp_path / "yes" / "bad_nohash_0.wav"
    bad.write_bytes(blob)
    with pytest.raises(BadWavError, match=re.escape(str(bad)) + ": .*" + message):
        load_dataset(_spec(), tmp_path)
    with caplog.at_level(logging.WARNING, logger="hark.data.dataset"):
        ds = load_dataset(_spec(), tmp_path, skip_bad=True)
    assert [p for p, _ in ds.skipped] == [str(bad)]
    assert str(bad) in caplog.text
    assert all(p != str(bad) for part in ("training", "validation", "testing") for p, _ in ds.split(part))


def test_bad_background_is_named(tmp_path):
    for word in ("yes", "no"):
        _write(tmp_path / word / "a_nohash_0.wav", _tone())
    short = _write(tmp_path / BACKGROUND_DIR / "short.wav", _tone(800))
    with pytest.raises(BadWavError, match=re.escape(str(short)) + ".*shorter than one clip"):
        load_dataset(_spec(), tmp_path)


def test_missing_word_folder_and_empty_dataset(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(_spec(), tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="empty dataset"):
        load_dataset(_spec(), tmp_path)
    _write(tmp_path / "yes" / "a_nohash_0.wav", _tone())
    (tmp_path / "no").mkdir()  # a folder without clips counts as missing
    with pytest.raises(DatasetError, match=r"wanted word\(s\) 'no'.*" + re.escape(str(tmp_path / "no"))):
        load_dataset(_spec(), tmp_path)
    with pytest.raises(DatasetError, match=r"validation_list\.txt: missing"):
        _write(tmp_path / "no" / "a_nohash_0.wav", _tone())
        load_dataset(_spec(split="lists"), tmp_path)


# ---- augmentation ----------------------------------------------------------------------------------------------------


def _numpy_augment(audio_f32, silent, shift, noise_f32, volume):
    """TF speech_commands' arithmetic in float32: foreground x volume, pad/slice shift, add scaled noise, clamp,
    then int16 = trunc(x * 32768)."""
    x = audio_f32 * np.float32(0.0 if silent else 1.0)
    n = len(x)
    shifted = np.zeros(n, np.float32)
    if shift >= 0:
        shifted[shift:] = x[: n - shift]
    else:
        shifted[:shift] = x[-shift:]
    mixed = np.clip(shifted + noise_f32 * np.float32(volume), -1.0, 1.0).astype(np.float32)
    return np.clip(mixed * np.float32(32768.0), -32768, 32767).astype(np.int16)


def test_time_shift_and_background_mixing_match_tf_semantics(tf):
    from hark.train.pipeline import AugmentParams, Background, augment_clip

    noises = [_tone(2 * SR, 90, 1), _tone(3 * SR, 130, 2)]
    background = Background(noises)
    params = AugmentParams(SR, 1600, 0.3, 0.5)
    audio = _tone(seed=3).astype(np.float32) / 32768.0
    shifts, volumes, mixed_count = [], [], 0
    for seed in range(60):
        silent = seed % 5 == 0
        out, shift, index, offset, volume = (t.numpy() for t in augment_clip(
            tf.constant(audio), tf.constant(silent), seed, params, background))  # fmt: skip
        noise = noises[index].astype(np.float32)[offset : offset + SR] / np.float32(32768.0)
        np.testing.assert_array_equal(out, _numpy_augment(audio, silent, int(shift), noise, volume))
        assert -1600 <= shift < 1600
        if silent:
            assert 0.0 <= volume < 1.0
        else:
            assert 0.0 <= volume < 0.3
            mixed_count += volume > 0
            volumes.append(volume)
        shifts.append(int(shift))
    assert len(set(shifts)) > 40 and min(shifts) < -800 and max(shifts) > 800
    assert 12 <= mixed_count <= 36  # background_frequency 0.5 of 48 clips
    # no augmentation: the clip passes through unchanged
    same = augment_clip(tf.constant(audio), tf.constant(False), 7, AugmentParams(SR, 0, 0.0, 0.0), background)[0]
    np.testing.assert_array_equal(same.numpy(), (audio * 32768).astype(np.int16))


# ---- features ----------------------------------------------------------------------------------------------------


def _backend(name: str):
    from hark.features import FeatureError, get_backend

    try:
        return get_backend(name)
    except FeatureError as err:
        pytest.skip(f"{err} (./hark test builds it)")


@pytest.mark.parametrize("backend_name", ["tf", "c"])
def test_features_equal_the_op_output(synth_dir, tmp_path, tf, backend_name):
    """Both backends, through the cache-filling tf.data graph, against the op called directly."""
    from hark.features import FEATURE_SCALE, compute_features
    from hark.train.pipeline import clip_features

    backend = _backend(backend_name)
    spec = _spec(wanted_words=["yes", "no"])
    ds = load_dataset(spec, synth_dir)
    feats, labels = clip_features(ds, "validation", spec, cache_dir=tmp_path, backend=backend)
    checked = 0
    for (path, label), f, lab in zip(ds.split("validation"), feats, labels, strict=True):
        assert label == lab
        if ds.labels[label] == "_silence_":
            continue
        want = _op(tf, read_wav(path, SR), sample_rate=SR, window_size=30, window_step=20, num_channels=40)
        np.testing.assert_array_equal(f, want.astype(np.float32) * np.float32(10.0 / 256.0))
        checked += 1
    assert checked >= 5 and FEATURE_SCALE == 10.0 / 256.0
    # other settings: 25/10 ms, 32 channels, no PCAN, other band limits
    settings = {"window_size_ms": 25, "window_step_ms": 10, "num_channels": 32, "enable_pcan": False,
                "lower_band_limit": 300.0, "upper_band_limit": 6000.0}  # fmt: skip
    other = spec.replace(frontend=settings)
    audio = read_wav(ds.split("validation")[0][0], SR)
    want = _op(tf, audio, sample_rate=SR, window_size=25, window_step=10, num_channels=32, enable_pcan=False,
               lower_band_limit=300.0, upper_band_limit=6000.0)  # fmt: skip
    got = compute_features(audio, other.frontend, backend)
    assert got.shape == (98, 32)
    np.testing.assert_array_equal(got, want.astype(np.float32) * np.float32(FEATURE_SCALE))
    no_nr = spec.replace(frontend={"enable_noise_reduction": False}).frontend
    off = compute_features(audio, no_nr, backend)
    assert not np.array_equal(off, compute_features(audio, spec.frontend, backend))
    np.testing.assert_array_equal(off, compute_features(audio, no_nr, _backend("tf")))
    for kind in ("mfcc", "logmel"):
        f = compute_features(audio, spec.replace(frontend={"kind": kind}).frontend)
        assert f.shape == (49, 40) and np.isfinite(f).all() and f.std() > 0


def test_feature_cache_reuses_and_invalidates(synth_dir, tmp_path, tf):
    from hark.features.cache import FeatureCache
    from hark.train.pipeline import extract_raw

    spec = _spec()
    paths = [str(p) for p in sorted((synth_dir / "yes").glob("*.wav"))[:6]]
    cache = FeatureCache(spec.frontend, tmp_path)
    first = cache.get_or_compute(paths, lambda m: extract_raw(m, spec))
    assert (cache.hits, cache.misses) == (0, 6)

    def fail(missing):
        raise AssertionError(f"recomputed {missing}")

    again = FeatureCache(spec.frontend, tmp_path)
    np.testing.assert_array_equal(again.get_or_compute(paths, fail), first)
    assert (again.hits, again.misses) == (6, 0)
    edited = tmp_path / "edited.wav"
    shutil.copy(paths[0], edited)
    os.utime(edited, ns=(1, 1))
    got = again.get_or_compute([str(edited), *paths[1:]], lambda m: extract_raw(m, spec))
    assert (again.hits, again.misses) == (5, 1)
    np.testing.assert_array_equal(got, first)
    other = FeatureCache(spec.replace(frontend={"num_channels": 32}).frontend, tmp_path)
    assert other.dir != again.dir


def test_pipeline_batches_and_augmentation_changes_features(synth_dir, tmp_path, tf):
    from hark.train.pipeline import make_tf_dataset

    spec = _spec(wanted_words=["yes", "no"], time_shift_ms=100.0, background_frequency=1.0, background_volume=0.2)
    ds = load_dataset(spec, synth_dir)
    kw = {"batch_size": 16, "shuffle": False, "seed": 3, "cache_dir": tmp_path}
    plain = make_tf_dataset(ds, "training", spec, augment=False, **kw)
    aug = make_tf_dataset(ds, "training", spec, augment=True, **kw)
    assert plain.element_spec[0].shape.as_list() == [None, 49, 40] and plain.element_spec[1].dtype == tf.int32
    (xp, yp), (xa, ya) = next(iter(plain)), next(iter(aug))
    np.testing.assert_array_equal(yp.numpy(), ya.numpy())
    assert xp.shape == xa.shape == (16, 49, 40)
    assert not np.array_equal(xp.numpy(), xa.numpy())
    total = sum(int(y.shape[0]) for _, y in plain)
    assert total == len(ds.split("training"))
    again = next(iter(make_tf_dataset(ds, "training", spec, augment=True, **kw)))[0]
    np.testing.assert_array_equal(again.numpy(), xa.numpy())  # same seed, same augmentation
