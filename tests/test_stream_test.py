"""The streaming test WAV and the detection scorer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hark.data.wav import write_wav
from hark.evaluate.stream_test import Detection, Utterance, generate, load_truth, save_truth, score


def test_score_counts_matches_wrong_misses_and_false_alarms() -> None:
    truth = [Utterance("yes", 1000), Utterance("no", 3000), Utterance("yes", 5000), Utterance("_unknown_", 7000)]
    dets = [
        Detection("yes", 1400),  # matched, latency 400
        Detection("yes", 1600),  # the same word twice: the second is a false alarm
        Detection("yes", 3500),  # wrong: "no" was said
        Detection("no", 9500),  # nothing within tolerance: false alarm
    ]
    s = score(truth, dets, duration_s=10.0, tolerance_ms=1500)
    assert (s.words, s.matched, s.wrong, s.missed, s.false_alarms) == (3, 1, 1, 1, 2)
    assert s.mean_latency_ms == 400
    assert s.false_alarms_per_hour == pytest.approx(720.0)


def test_detection_before_the_word_is_not_a_match() -> None:
    s = score([Utterance("yes", 2000)], [Detection("yes", 1900)], duration_s=5.0)
    assert (s.matched, s.false_alarms, s.missed) == (0, 1, 1)


def _clip(tmp: Path, name: str, freq: float) -> Path:
    t = np.arange(16000) / 16000.0
    audio = np.zeros(16000)
    audio[4000:12000] = 0.5 * np.sin(2 * np.pi * freq * t[4000:12000])
    path = tmp / f"{name}.wav"
    write_wav(path, (audio * 32767).astype(np.int16), 16000)
    return path


def test_generate_places_words_at_their_speech_onset(tmp_path: Path) -> None:
    clips = {"yes": [_clip(tmp_path, "yes", 440.0)], "no": [_clip(tmp_path, "no", 880.0)]}
    audio, truth = generate(clips, 20.0, sample_rate=16000, word_gap_ms=2000, jitter_ms=300, seed=3)
    assert audio.dtype == np.int16 and len(audio) == 20 * 16000
    assert 7 <= len(truth) <= 10
    for u in truth:
        onset = int(u.time_ms * 16)
        before = np.abs(audio[onset - 800 : onset - 100].astype(float)).max()
        after = np.abs(audio[onset + 100 : onset + 800].astype(float)).max()
        assert before < 100 < after, u  # silence before the stated onset, the tone right after it
    save_truth(tmp_path / "t.txt", truth)
    assert load_truth(tmp_path / "t.txt") == truth
    again, truth2 = generate(clips, 20.0, sample_rate=16000, word_gap_ms=2000, jitter_ms=300, seed=3)
    assert truth2 == truth and np.array_equal(again, audio)
