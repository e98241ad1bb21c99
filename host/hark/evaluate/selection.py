"""Model selection by false alarms per hour on validation streams, as microWakeWord selects its checkpoints: the
spec's `selection` section (hark.spec.SelectionSpec) names a `hark streams` folder; at every evaluation of a training
run the float model scores its negative stream and keyword streams window by window, as the device runs a window
model (the frontend run once over the whole stream, a result every `streaming.every_hops` hops at the device's
times), and RecognizeCommands is replayed (`hark.evaluate.far.replay`, the firmware's rules) over a sweep of
thresholds at the spec's other recognition settings. The figure of merit is the share of keywords detected at the
best threshold whose false alarms per hour stay at or under the target.

The float model's softmax is quantized as an int8 softmax output is (scale 1/256, zero point -128), so the replay
sees what the exported model would give up to its quantization error. A streaming model (stream_external,
stream_internal) gives the same output as its non-streaming window model, which is what training holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hark.data.wav import DatasetError
from hark.evaluate.far import Settings, StreamScores, load_stream, operating_point
from hark.evaluate.stream_test import Utterance
from hark.features.backend import FrontendBackend, get_backend
from hark.features.extract import compute_features, raw_to_float
from hark.paths import REPO_ROOT
from hark.spec import ModelSpec, SpecError

WindowScorer = Callable[[np.ndarray], np.ndarray]  # float features [n, frames, channels] -> scores [n, labels]
OUTPUT_SCALE, OUTPUT_ZERO_POINT = 1.0 / 256.0, -128  # an int8 softmax output's quantization
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.30, 0.996, 0.01), 3))
BATCH = 2048


@dataclass
class StreamFeatures:
    """One stream's features from a frontend run over the whole stream, as the device's runs."""

    frames: np.ndarray  # uint16 raw (microfrontend) or float32 [frames, channels]
    duration_s: float
    truth: list[Utterance]


def resolve(folder: str) -> Path:
    path = Path(folder)
    return path if path.is_absolute() else REPO_ROOT / path


def stream_features(spec: ModelSpec, wav: Path, minutes: float = 0.0, backend: FrontendBackend | None = None,
                    ) -> StreamFeatures:  # fmt: skip
    fe = spec.frontend
    if not wav.is_file() or not wav.with_suffix(".txt").is_file():
        raise DatasetError(f"{wav}: no such stream (a WAV and its .txt truth, as `hark streams` writes them)")
    audio, truth = load_stream(wav, fe.sample_rate)
    if minutes > 0:
        audio = audio[: int(minutes * 60 * fe.sample_rate)]
        truth = [u for u in truth if u.time_ms < len(audio) * 1000 / fe.sample_rate]
    if fe.kind == "microfrontend":
        frames = (backend or get_backend()).uint16(audio, fe)
    else:
        frames = compute_features(audio, fe, backend)
    return StreamFeatures(frames, len(audio) / fe.sample_rate, truth)


def window_ends(spec: ModelSpec, total_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """The last frame of every window the device scores, and the time (ms) of the hop that scores it: frame j ends
    at sample j * step + window, and the device reports the hop whose samples complete it (kws_hop's time_ms)."""
    fe = spec.frontend
    first = fe.num_frames - 1
    ends = np.arange(first, total_frames, spec.streaming.every_hops, dtype=np.int64)
    hops = -(-(ends * fe.step_samples + fe.window_samples) // fe.step_samples)  # ceil
    return ends, (hops * fe.window_step_ms).astype(np.int32)


def window_scores(spec: ModelSpec, feats: StreamFeatures, scorer: WindowScorer) -> StreamScores:
    """Scores of every window the device would score, as int8 softmax outputs."""
    fe = spec.frontend
    width = fe.num_frames
    ends, times = window_ends(spec, len(feats.frames))
    view = np.lib.stride_tricks.sliding_window_view(feats.frames, width, axis=0)  # [n, channels, width]
    rows = []
    for i in range(0, len(ends), BATCH):
        starts = ends[i : i + BATCH] - (width - 1)
        batch = np.ascontiguousarray(view[starts].transpose(0, 2, 1))
        x = raw_to_float(batch, fe) if fe.kind == "microfrontend" else batch.astype(np.float32)
        rows.append(np.asarray(scorer(x), np.float32))
    probs = np.concatenate(rows) if rows else np.zeros((0, len(spec.labels)), np.float32)
    q = np.clip(np.round(probs / OUTPUT_SCALE) + OUTPUT_ZERO_POINT, -128, 127).astype(np.int8)
    return StreamScores(list(spec.labels), times, q, feats.duration_s, OUTPUT_SCALE, OUTPUT_ZERO_POINT)


class StreamSelector:
    """Scores a model on the selection streams of `spec.selection`; the features are computed once."""

    def __init__(self, spec: ModelSpec, backend: FrontendBackend | None = None) -> None:
        sel = spec.selection
        if sel is None:
            raise ValueError(f"spec {spec.name} has no selection section")
        if spec.frontend.kind not in ("microfrontend", "mfcc", "logmel"):
            raise SpecError(f"spec {spec.name}: selection scores streams through a microfrontend, mfcc or logmel "
                            f"frontend, not frontend.kind '{spec.frontend.kind}'")  # fmt: skip
        self.spec = spec
        folder = resolve(sel.streams)
        self.negatives = stream_features(spec, folder / f"{sel.negatives}.wav", sel.negative_minutes, backend)
        self.keywords = [stream_features(spec, folder / f"{k}.wav", 0.0, backend) for k in sel.keywords]
        self.target = sel.target_fa_per_hour

    def __call__(self, scorer: WindowScorer) -> dict[str, Any]:
        r = self.spec.recognition
        neg = [window_scores(self.spec, self.negatives, scorer)]
        kws = [(window_scores(self.spec, k, scorer), k.truth) for k in self.keywords]
        caches: dict[int, dict] = {}
        best: dict[str, Any] = {"detection_rate": 0.0, "false_alarms_per_hour": None, "threshold": None}
        for thr in THRESHOLDS:
            op = operating_point(Settings(r.average_window_ms, thr, r.suppression_ms, r.minimum_count), neg, kws,
                                 caches)  # fmt: skip
            if op.false_alarms_per_hour <= self.target and (
                best["threshold"] is None or op.detection_rate > best["detection_rate"]
            ):
                best = {"detection_rate": round(op.detection_rate, 4),
                        "false_alarms_per_hour": round(op.false_alarms_per_hour, 3), "threshold": thr}  # fmt: skip
        return {**best, "target_fa_per_hour": self.target, "negative_hours": round(self.negatives.duration_s / 3600, 3),
                "keywords": sum(len(k.truth) for k in self.keywords)}  # fmt: skip


def keras_window_scorer(model: Any) -> WindowScorer:
    def score(x: np.ndarray) -> np.ndarray:
        return np.asarray(model(x, training=False))

    return score


def selector_for(spec: ModelSpec) -> Callable[[Any], dict[str, Any]] | None:
    """What `hark.train.run.train` calls with the Keras model at every evaluation, or None without a selection
    section (the checkpoint with the best validation accuracy is kept)."""
    if spec.selection is None:
        return None
    selector = StreamSelector(spec)
    return lambda model: selector(keras_window_scorer(model))
