"""Streaming accuracy: a long WAV with words at known times, and the score of detections against it.

Follows TF speech_commands' `generate_streaming_test_wav` and `test_streaming_accuracy`: words from a
dataset's folders are mixed over background noise at jittered intervals; a detection counts as matched
when it names the word that started at most `tolerance_ms` before it, wrong when it names another, and
as a false alarm when no word started within the tolerance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hark.data import load_dataset
from hark.data.wav import read_wav, write_wav
from hark.spec import SILENCE_LABEL, ModelSpec


@dataclass(frozen=True)
class Utterance:
    label: str
    time_ms: float  # onset of the clip in the long WAV


@dataclass(frozen=True)
class Detection:
    label: str
    time_ms: float
    score: float = 0.0


@dataclass
class StreamingStats:
    words: int
    matched: int
    wrong: int
    missed: int
    false_alarms: int
    duration_s: float
    mean_latency_ms: float

    @property
    def false_alarms_per_hour(self) -> float:
        return self.false_alarms * 3600.0 / self.duration_s if self.duration_s else 0.0

    @property
    def matched_pct(self) -> float:
        return 100.0 * self.matched / self.words if self.words else 0.0

    def to_dict(self) -> dict[str, float]:
        d = asdict(self)
        d["false_alarms_per_hour"] = round(self.false_alarms_per_hour, 2)
        d["matched_pct"] = round(self.matched_pct, 2)
        return d

    def summary(self) -> str:
        return (
            f"{self.matched_pct:.1f}% matched ({self.matched}/{self.words}), {self.wrong} wrong, "
            f"{self.missed} missed, {self.false_alarms} false alarms ({self.false_alarms_per_hour:.1f}/h), "
            f"mean latency {self.mean_latency_ms:.0f} ms"
        )


def _speech_span(clip: np.ndarray) -> tuple[int, int]:
    """Start and end of the loud part of a clip, so words are placed by their speech, not their padding."""
    frame = 160
    n = len(clip) // frame
    if n == 0:
        return 0, len(clip)
    energy = (clip[: n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1)
    loud = np.nonzero(energy > 0.05 * energy.max())[0] if energy.max() > 0 else np.array([], dtype=int)
    if loud.size == 0:
        return 0, len(clip)
    return int(loud[0] * frame), int((loud[-1] + 1) * frame)


def generate(
    word_clips: dict[str, list[Path]],
    duration_s: float,
    *,
    sample_rate: int,
    background: np.ndarray | None = None,
    background_volume: float = 0.1,
    word_gap_ms: float = 2000.0,
    jitter_ms: float = 500.0,
    seed: int = 0,
) -> tuple[np.ndarray, list[Utterance]]:
    """Mixes random clips of the given words over background noise.

    Returns the int16 audio and the ground truth: each word's label and the time its speech starts.
    """
    if not word_clips or not any(word_clips.values()):
        raise ValueError("no word clips to place in the streaming test WAV")
    rng = np.random.default_rng(seed)
    total = int(duration_s * sample_rate)
    if background is not None and len(background):
        reps = int(np.ceil(total / len(background)))
        bg = np.tile(background.astype(np.float32), reps)[:total] / 32768.0
        out = bg * background_volume / max(1e-9, float(np.abs(bg).max()))
    else:
        out = np.zeros(total, dtype=np.float32)
    labels = sorted(k for k, v in word_clips.items() if v)
    truth: list[Utterance] = []
    t = 1000.0
    while True:
        label = labels[int(rng.integers(len(labels)))]
        paths = word_clips[label]
        clip = read_wav(paths[int(rng.integers(len(paths)))], sample_rate).astype(np.float32) / 32768.0
        start_ms = t + float(rng.uniform(-jitter_ms, jitter_ms))
        start = int(start_ms * sample_rate / 1000)
        if start < 0 or start + len(clip) > total:
            break
        out[start : start + len(clip)] += clip
        s0, _ = _speech_span((clip * 32767).astype(np.int16))
        truth.append(Utterance(label, round((start + s0) * 1000.0 / sample_rate, 1)))
        t += word_gap_ms
    audio = np.clip(np.round(out * 32767.0), -32768, 32767).astype(np.int16)
    return audio, truth


def save_truth(path: Path | str, truth: list[Utterance]) -> None:
    """One `label,time_ms` line per word, as TF's generator writes its labels file."""
    Path(path).write_text("".join(f"{u.label},{u.time_ms}\n" for u in truth))


def load_truth(path: Path | str) -> list[Utterance]:
    out = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            label, time_ms = line.rsplit(",", 1)
            out.append(Utterance(label.strip(), float(time_ms)))
        except ValueError as err:
            raise ValueError(f"{path}:{n}: expected 'label,time_ms', got {line!r}") from err
    return out


def match(
    truth: list[Utterance], detections: list[Detection], *, tolerance_ms: float = 1500.0,
    ignore_labels: tuple[str, ...] = ("_silence_", "_unknown_"),
) -> tuple[list[Detection | None], list[Detection]]:
    """Each word of `truth` (in time order) with the detection matched to it (None: none), and the false alarms.

    A detection goes to the latest unmatched word that started at most `tolerance_ms` before it; each word can be
    matched once. Detections of `ignore_labels` are dropped."""
    truth = sorted(truth, key=lambda u: u.time_ms)
    got: list[Detection | None] = [None] * len(truth)
    false_alarms: list[Detection] = []
    for det in sorted(detections, key=lambda d: d.time_ms):
        if det.label in ignore_labels:
            continue
        best = None
        for i, u in enumerate(truth):
            if u.time_ms > det.time_ms:
                break
            if got[i] is None and det.time_ms - u.time_ms <= tolerance_ms:
                best = i  # the latest unmatched word before the detection
        if best is None:
            false_alarms.append(det)
        else:
            got[best] = det
    return got, false_alarms


def score(
    truth: list[Utterance],
    detections: list[Detection],
    duration_s: float,
    *,
    tolerance_ms: float = 1500.0,
    ignore_labels: tuple[str, ...] = ("_silence_", "_unknown_"),
) -> StreamingStats:
    """Matches detections to the words that started at most `tolerance_ms` before them (`match`).

    Words whose labels are in `ignore_labels` (unknown words placed as distractors) are not expected to be
    detected, and a detection on one counts as wrong.
    """
    truth = sorted(truth, key=lambda u: u.time_ms)
    got, extra = match(truth, detections, tolerance_ms=tolerance_ms, ignore_labels=ignore_labels)
    hits = [(u, d) for u, d in zip(truth, got, strict=True) if d is not None]
    matched = sum(1 for u, d in hits if u.label == d.label)
    wrong = len(hits) - matched
    false_alarms = len(extra)
    latencies = [d.time_ms - u.time_ms for u, d in hits if u.label == d.label]
    expected = [i for i, u in enumerate(truth) if u.label not in ignore_labels]
    missed = sum(1 for i in expected if got[i] is None)
    return StreamingStats(
        words=len(expected),
        matched=matched,
        wrong=wrong,
        missed=missed,
        false_alarms=false_alarms,
        duration_s=duration_s,
        mean_latency_ms=float(np.mean(latencies)) if latencies else 0.0,
    )


def dataset_test_wav(
    spec: ModelSpec, data_dir: Path | str, seconds: float, out: Path | str | None = None, *, seed: int = 7
) -> tuple[np.ndarray, list[Utterance]]:
    """A long WAV from a dataset's testing split: the spec's words and unknown words over its background
    noise, as TF's generate_streaming_test_wav builds it. With `out`, writes the WAV and its labels file."""
    ds = load_dataset(spec, data_dir)
    clips: dict[str, list[Path]] = {}
    for path, label in ds.split("testing"):
        name = spec.labels[label]
        if name != SILENCE_LABEL:
            clips.setdefault(name, []).append(Path(path))
    sample_rate = spec.frontend.sample_rate
    noise = sorted((Path(data_dir) / "_background_noise_").glob("*.wav"))
    background = read_wav(noise[0], sample_rate) if noise else None
    audio, truth = generate(clips, seconds, sample_rate=sample_rate, background=background, background_volume=0.05,
                            seed=seed)
    if out is not None:
        write_wav(out, audio, sample_rate)
        save_truth(Path(out).with_suffix(".txt"), truth)
    return audio, truth
