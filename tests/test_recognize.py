"""RecognizeCommands in C (through the host binding) against an independent Python oracle of TFLM's
micro_speech RecognizeCommands, on random score streams and configurations."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from hark.native.recognize import (
    RecognizeCommands,
    RecognizeConfig,
    RecognizeError,
    history_for,
    threshold_to_score,
)
from hark.spec import RecognitionSpec


class OracleRecognizer:
    """TFLM micro_speech's RecognizeCommands::ProcessLatestResults, restated in Python."""

    def __init__(self, cfg: RecognizeConfig) -> None:
        self.cfg = cfg
        self.results: deque[tuple[int, np.ndarray]] = deque()
        self.prev_label = cfg.silence_label
        self.prev_time: int | None = None

    def process(self, scores: np.ndarray, t: int) -> tuple[int, int, bool]:
        c = self.cfg
        self.results.append((t, scores.astype(np.int64) - c.score_zero_point))
        while self.results and self.results[0][0] < t - c.average_window_ms:
            self.results.popleft()
        n = len(self.results)
        if n < c.minimum_count or t - self.results[0][0] < int(c.average_window_ms / 4):
            return self.prev_label, 0, False
        total = sum(r for _, r in self.results)
        avg = [int(s / n) for s in total]  # C division truncates toward zero
        top, top_score = 0, 0
        for i, a in enumerate(avg):
            if a > top_score:
                top, top_score = i, a
        if self.prev_label == c.silence_label or self.prev_time is None:
            since = 2**31 - 1
        else:
            since = t - self.prev_time
        new = top_score > c.detection_threshold and (top != self.prev_label or since > c.suppression_ms)
        if new:
            self.prev_label, self.prev_time = top, t
        return top, top_score, new


def _stream(rng: np.random.Generator, labels: int, hops: int, dtype: type) -> list[np.ndarray]:
    # Runs of one dominant label over a noisy floor, like a classifier hearing words.
    out = []
    label = 0
    for _ in range(hops):
        if rng.random() < 0.05:
            label = int(rng.integers(labels))
        lo, hi = (-128, 127) if dtype is np.int8 else (0, 255)
        s = rng.integers(lo, lo + 60, labels)
        s[label] = rng.integers(hi - 80, hi + 1)
        out.append(s.astype(dtype))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_c_matches_tflm_oracle(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = int(rng.integers(2, 13))
    dtype = np.int8 if seed % 2 == 0 else np.uint8
    hop_ms = int(rng.choice([10, 20, 32]))
    window = int(rng.integers(0, 1500))
    cfg = RecognizeConfig(
        average_window_ms=window,
        detection_threshold=int(rng.integers(50, 200)),
        suppression_ms=int(rng.integers(0, 2000)),
        minimum_count=int(rng.integers(0, min(6, window // (hop_ms + 2) + 2))),  # reachable in the window
        score_zero_point=-128 if dtype is np.int8 else 0,
        silence_label=int(rng.integers(-1, labels)),
    )
    rec = RecognizeCommands(cfg, labels, history_for(cfg.average_window_ms, hop_ms))
    oracle = OracleRecognizer(cfg)
    detections = 0
    t = 0
    for scores in _stream(rng, labels, 1500, dtype):
        t += hop_ms + int(rng.integers(0, 3))  # hops that jitter, as a host-fed stream may
        got = rec.process(scores, t)
        want = oracle.process(scores, t)
        assert (got.label, got.score, got.is_new) == want, f"at {t} ms with {cfg}"
        detections += got.is_new
    assert detections > 0  # the streams must exercise detections, or the comparison proves little


def test_threshold_matches_float_semantics() -> None:
    # 0.7 on a 1/256 softmax: an average a passes iff a/256 > 0.7, i.e. a >= 180.
    q = threshold_to_score(0.7, 1 / 256)
    assert q == 179
    assert all((a > q) == (a / 256 > 0.7) for a in range(256))
    spec = RecognitionSpec(average_window_ms=1000, detection_threshold=0.7, suppression_ms=1500, minimum_count=3)
    cfg = RecognizeConfig.from_spec(spec, output_scale=1 / 256, output_zero_point=-128)
    assert cfg.detection_threshold == 179 and cfg.score_zero_point == -128
    with pytest.raises(RecognizeError, match="threshold"):
        threshold_to_score(1.5, 1 / 256)


def test_reset_forgets_history_and_last_detection() -> None:
    cfg = RecognizeConfig(0, 150, 10_000, 1)  # no window: every result stands alone
    rec = RecognizeCommands(cfg, 3, history_for(100, 20))
    hit = np.array([-128, -128, 127], np.int8)
    assert rec.process(hit, 40).is_new
    assert not rec.process(hit, 60).is_new  # suppressed
    rec.reset()
    assert rec.process(hit, 80).is_new  # a fresh start reports again


def test_bad_input_is_refused() -> None:
    rec = RecognizeCommands(RecognizeConfig(100, 150, 0, 1), 3, 8)
    rec.process(np.zeros(3, np.int8), 100)
    with pytest.raises(RecognizeError, match="earlier"):
        rec.process(np.zeros(3, np.int8), 50)
    with pytest.raises(RecognizeError, match="expected 3"):
        rec.process(np.zeros(4, np.int8), 200)
    with pytest.raises(RecognizeError, match="expected 3"):
        rec.process(np.zeros(3, np.float32), 200)
    with pytest.raises(RecognizeError, match="configure"):
        RecognizeCommands(RecognizeConfig(100, 150, 0, 1, silence_label=5), 3, 8)
