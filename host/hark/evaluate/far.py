"""False alarms per hour and false rejects on long streams, a DET curve, and a replay of RecognizeCommands that
sweeps its settings without running the model again.

The model's int8 scores for every hop come from the host twin (the firmware's own C pipeline), once per stream.
`replay` then applies RecognizeCommands to them exactly as firmware/recognize/recognize.c does (moving average of
zero-based int8 scores over the window with integer division, the warm-up rule, the threshold in the score domain
converted as the device converts it, suppression and the silence label): a vectorized copy, cross-checked against
the C code on the chosen settings (`check_replay`), so that a sweep of hundreds of settings costs seconds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hark.data.wav import read_wav
from hark.evaluate.stream_test import Detection, StreamingStats, Utterance, load_truth, match, score
from hark.format.metadata import read_metadata
from hark.format.micro import MicroModel
from hark.native.recognize import RecognizeCommands, RecognizeConfig, history_for

IGNORED = ("_silence_", "_unknown_")


@dataclass
class StreamScores:
    """The model's int8 output on every hop it ran, with the stream's metadata."""

    labels: list[str]
    times_ms: np.ndarray  # int32 [hops]
    scores: np.ndarray  # int8 [hops, labels]
    duration_s: float
    output_scale: float
    output_zero_point: int


@dataclass(frozen=True)
class Settings:
    average_window_ms: int
    detection_threshold: float
    suppression_ms: int
    minimum_count: int


def output_quantization(tflite: bytes) -> tuple[float, int]:
    model = MicroModel(tflite)
    states = set(read_metadata(tflite).stream.state_outputs)
    out = next(j for j in range(len(model.outputs)) if j not in states)
    q = model.outputs[out].get("quantization_parameters", {})
    return float(q["scales"][0]), int(q["zero_points"][0])


def stream_scores(tflite: bytes, audio: np.ndarray, twin: Any) -> StreamScores:
    """Runs `twin` (a `hark.twin.Twin` of `tflite`: the layer above builds it) over `audio` and keeps every invoked
    hop's int8 scores."""
    twin.reset()
    times, rows = [], []
    for h in twin.hops(audio):
        if h.invoked and h.scores is not None:
            times.append(h.time_ms)
            rows.append(h.scores)
    scale, zp = output_quantization(tflite)
    scores = np.asarray(rows, np.int8).reshape(-1, len(twin.labels))
    seconds = len(audio) / read_metadata(tflite).sample_rate
    return StreamScores(twin.labels, np.asarray(times, np.int32), scores, seconds, scale, zp)


def threshold_score(threshold: float, output_scale: float) -> int:
    """As hark_recognize_threshold: float32 division, truncated."""
    return int(np.float32(threshold) / np.float32(output_scale))


def _averages(s: StreamScores, window_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hop: the integer average of the zero-based scores in the window, the count, and the earliest time."""
    t = s.times_ms.astype(np.int64)
    z = s.scores.astype(np.int64) - s.output_zero_point
    first = np.searchsorted(t, t - window_ms, side="left")  # results with time >= t - window stay
    first = np.minimum(first, np.arange(len(t)))  # the newest always stays
    csum = np.vstack([np.zeros((1, z.shape[1]), np.int64), np.cumsum(z, axis=0)])
    idx = np.arange(len(t))
    count = idx - first + 1
    sums = csum[idx + 1] - csum[first]
    return sums // count[:, None], count, t[first]


def replay(s: StreamScores, settings: Settings, cache: dict | None = None, *, ignored: bool = True) -> list[Detection]:
    """RecognizeCommands over the stored scores, as the device runs it. `ignored` False leaves out the detections of
    `_silence_` and `_unknown_`, which no figure counts (the others are the same either way).

    The device's rule, hop by hop: a hop whose averaged top score passes the threshold is a new detection if its
    label differs from the last detection's, or if the last was silence, or if more than the suppression time has
    passed since it. So among those hops, in maximal runs of one label, every run's first hop is a detection (the
    run before it had another label, and its own first hop was one), every silence hop is one, and within a run of
    another label the detections are the greedy chain of hops each more than the suppression time after the last:
    only runs longer than that need a step-by-step walk (a few in an hour). The sweep of `hark tune` replays
    thousands of settings over hours of hops; a hop-by-hop loop in Python took most of its time."""
    key = settings.average_window_ms
    if cache is not None and key in cache:
        avg, count, earliest = cache[key]
    else:
        avg, count, earliest = _averages(s, settings.average_window_ms)
        if cache is not None:
            cache[key] = (avg, count, earliest)
    t = s.times_ms.astype(np.int64)
    warm = (count >= settings.minimum_count) & (t - earliest >= settings.average_window_ms // 4)
    top_label = np.argmax(avg, axis=1)
    top_score = avg[np.arange(len(t)), top_label]
    top_label = np.where(top_score > 0, top_label, 0)
    thr = threshold_score(settings.detection_threshold, s.output_scale)
    silence = s.labels.index("_silence_") if "_silence_" in s.labels else -1
    hops = np.nonzero(warm & (top_score > thr))[0]
    if len(hops) == 0:
        return []
    label, now = top_label[hops], t[hops]
    first = np.ones(len(hops), bool)
    first[1:] = label[1:] != label[:-1]
    new = first | (label == silence)
    starts = np.nonzero(first)[0]
    run = np.cumsum(first) - 1
    supp = settings.suppression_ms
    for r in np.unique(run[~new & (now - now[starts][run] > supp)]):
        a = int(starts[r])
        b = int(starts[r + 1]) if r + 1 < len(starts) else len(hops)
        last = now[a]
        while (k := a + int(np.searchsorted(now[a:b], last + supp, side="right"))) < b:
            new[k] = True
            last = now[k]
    keep = hops[new]
    if not ignored:
        names = np.array([lb not in IGNORED for lb in s.labels])
        keep = keep[names[top_label[keep]]]
    return [Detection(s.labels[int(top_label[i])], float(t[i]), float(top_score[i])) for i in keep]


def check_replay(s: StreamScores, settings: Settings) -> bool:
    """The vectorized replay against firmware/recognize's C code on the same scores."""
    silence = s.labels.index("_silence_") if "_silence_" in s.labels else -1
    hop = int(np.min(np.diff(s.times_ms))) if len(s.times_ms) > 1 else 20
    cfg = RecognizeConfig(settings.average_window_ms, threshold_score(settings.detection_threshold, s.output_scale),
                          settings.suppression_ms, settings.minimum_count, s.output_zero_point, silence)  # fmt: skip
    rc = RecognizeCommands(cfg, len(s.labels), history_for(max(2 * settings.average_window_ms, 2000), hop))
    c_dets = []
    for t, row in zip(s.times_ms, s.scores, strict=True):
        r = rc.process(row, int(t))
        if r.is_new:
            c_dets.append((s.labels[r.label], float(t)))
    return c_dets == [(d.label, d.time_ms) for d in replay(s, settings)]


def false_alarms(detections: list[Detection]) -> int:
    """On a negative stream every keyword detection is a false alarm."""
    return sum(1 for d in detections if d.label not in IGNORED)


@dataclass
class Operating:
    settings: Settings
    false_alarms: int
    false_alarms_per_hour: float
    negative_hours: float
    detection_rate: float  # matched keywords / keywords on the keyword streams
    false_reject_rate: float
    keyword_stats: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["settings"] = asdict(self.settings)
        return d


def model_truth(s: StreamScores, truth: list[Utterance]) -> list[Utterance]:
    """`truth` as the model sees it: a word it has no label for is one it must not detect, an unknown word."""
    return [u if u.label in s.labels else Utterance("_unknown_", u.time_ms) for u in truth]


def operating_point(
    settings: Settings, negatives: list[StreamScores], keywords: list[tuple[StreamScores, list[Utterance]]],
    caches: dict[int, dict] | None = None,
) -> Operating:
    caches = caches if caches is not None else {}
    fa = sum(false_alarms(replay(s, settings, caches.setdefault(id(s), {}), ignored=False)) for s in negatives)
    hours = sum(s.duration_s for s in negatives) / 3600.0
    total = StreamingStats(0, 0, 0, 0, 0, 0.0, 0.0)
    per: dict[str, Any] = {}
    for s, truth in keywords:
        detections = replay(s, settings, caches.setdefault(id(s), {}), ignored=False)
        st = score(model_truth(s, truth), detections, s.duration_s)
        total.words += st.words
        total.matched += st.matched
        total.wrong += st.wrong
        total.missed += st.missed
        total.false_alarms += st.false_alarms
        total.duration_s += st.duration_s
    rate = total.matched / total.words if total.words else 0.0
    per = {"words": total.words, "matched": total.matched, "wrong": total.wrong, "missed": total.missed,
           "false_alarms": total.false_alarms}  # fmt: skip
    return Operating(settings, fa, fa / hours if hours else 0.0, hours, rate, 1.0 - rate, per)


def det_curve(
    base: Settings, negatives: list[StreamScores], keywords: list[tuple[StreamScores, list[Utterance]]],
    thresholds: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """False rejects against false alarms per hour, sweeping the threshold at `base`'s other settings."""
    thresholds = np.round(np.linspace(0.3, 0.995, 40), 3) if thresholds is None else thresholds
    caches: dict[int, dict] = {}
    out = []
    for thr in thresholds:
        op = operating_point(Settings(base.average_window_ms, float(thr), base.suppression_ms, base.minimum_count),
                             negatives, keywords, caches)  # fmt: skip
        out.append({"threshold": float(thr), "false_alarms_per_hour": round(op.false_alarms_per_hour, 3),
                    "false_reject_rate": round(op.false_reject_rate, 4)})  # fmt: skip
    return out


def _origin(source: str) -> str:
    """The engine or held-out folder of a stream log's source ("flite:kal" -> "flite", "accent:1a2b3c4d" ->
    "accent", "babble" -> "babble")."""
    return source.split(":", 1)[0] if source else "silence"


def false_alarm_sources(detections: list[Detection], log: list[list]) -> dict[str, dict[str, int]]:
    """Where a negative stream's false alarms fired: each keyword detection is charged to the last segment of the
    stream's log (`hark streams` writes <stream>.log.json: start ms, end ms, kind, source) that began before it, and
    counted by the segment's kind (words, phrases, babble, noise, silence) and origin (held-out folder or engine)."""
    starts = np.array([seg[0] for seg in log], np.float64)
    kinds: dict[str, int] = {}
    origins: dict[str, int] = {}
    for d in detections:
        if d.label in IGNORED:
            continue
        i = int(np.searchsorted(starts, d.time_ms, side="right")) - 1
        kind, origin = (log[i][2], _origin(log[i][3])) if i >= 0 else ("bed", "bed")
        kinds[kind] = kinds.get(kind, 0) + 1
        origins[origin] = origins.get(origin, 0) + 1
    return {"by_kind": kinds, "by_origin": origins}


def detections_by_origin(truth: list[Utterance], detections: list[Detection], log: list[list]) -> dict[str, str]:
    """Keywords matched out of keywords spoken, per held-out folder (from the keyword stream's log, one entry per
    word of its truth, in time order)."""
    truth = sorted(truth, key=lambda u: u.time_ms)
    if len(log) != len(truth):
        raise ValueError(f"the stream's log has {len(log)} words and its truth {len(truth)}: regenerate the streams")
    got, _ = match(truth, detections)
    tally: dict[str, list[int]] = {}
    for u, d, entry in zip(truth, got, sorted(log, key=lambda e: e[0]), strict=True):
        if u.label in IGNORED:
            continue
        t = tally.setdefault(_origin(entry[2]), [0, 0])
        t[0] += int(d is not None and d.label == u.label)
        t[1] += 1
    return {k: f"{m}/{n}" for k, (m, n) in sorted(tally.items())}


def load_log(wav: str | Path) -> list[list] | None:
    """A stream's log (<stream>.log.json), or None for streams written before logs existed."""
    path = Path(wav).with_suffix(".log.json")
    return json.loads(path.read_text()) if path.is_file() else None


def load_stream(path: str | Path, sample_rate: int) -> tuple[np.ndarray, list[Utterance]]:
    """A stream WAV (which must be at the model's `sample_rate`) and its `.txt` ground truth."""
    path = Path(path)
    return read_wav(path, sample_rate), load_truth(path.with_suffix(".txt"))
