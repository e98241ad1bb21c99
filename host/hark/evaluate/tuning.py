"""Picking RecognizeCommands settings for a target false-alarm rate, and the stream figures of a tuned model, shared
by `hark tune`, `hark heldout` and `hark pretrained`.

The model runs once per stream in a host twin (built by `make_twin`, which the CLI layer passes: `hark.twin.Twin`);
every candidate setting is then a replay of RecognizeCommands over the stored scores (`hark.evaluate.far`). Among
the settings whose false alarms per hour on the negative streams stay at or under the target, the one detecting the
most keywords on the keyword streams wins (ties: fewer false alarms, then the higher threshold). The pick is
cross-checked against the firmware's C RecognizeCommands.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from hark.evaluate.far import (
    Operating,
    Settings,
    StreamScores,
    _averages,
    check_replay,
    det_curve,
    detections_by_origin,
    false_alarm_sources,
    load_log,
    load_stream,
    model_truth,
    operating_point,
    replay,
    stream_scores,
)
from hark.evaluate.plots import timeline_png
from hark.evaluate.stream_test import Utterance, load_truth
from hark.format.metadata import check_entries, decode_blob, embed_metadata, encode_blob, extract_blob, read_metadata

WINDOWS_MS = (300, 500, 750, 1000)
MIN_COUNTS = (3, 10, 20)
SUPPRESSIONS_MS = (1000, 1500)
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.40, 0.996, 0.01), 3))
TARGET_FA = 2.0  # false alarms per hour the shipped models are tuned for

MakeTwin = Callable[[bytes], Any]  # .tflite -> a host twin of it (hark.twin.Twin)


class TuneError(RuntimeError):
    pass


def scores_of(tflite: bytes, audio: np.ndarray, make_twin: MakeTwin) -> StreamScores:
    """The model's int8 scores on every hop of `audio`, from a host twin."""
    return stream_scores(tflite, audio, make_twin(tflite))


Scored = Mapping[Path, StreamScores]  # stream WAV -> a model's scores on it (score_streams)


def score_streams(tflite: bytes, wavs: Sequence[Path], make_twin: MakeTwin, workers: int | None = None) -> Scored:
    """The model's scores on each stream, the streams run side by side on the machine's cores (longest first).

    The scores do not depend on the model's recognition settings, so `tune`, `stream_report` and `timeline` take
    them (`scored`) for the model before and after tuning: the twin, most of their time, runs once per stream. Each
    thread has its own twin; the C pipeline keeps no global state and ctypes releases the GIL while it runs."""
    rate = read_metadata(tflite).sample_rate
    order = sorted(dict.fromkeys(Path(w) for w in wavs), key=lambda w: -w.stat().st_size)
    make_twin(tflite)  # loads the library once, before the threads
    with ThreadPoolExecutor(max_workers=workers or min(len(order), os.cpu_count() or 1) or 1) as pool:
        done = pool.map(lambda w: scores_of(tflite, load_stream(w, rate)[0], make_twin), order)
        return dict(zip(order, done, strict=True))


def _stream(tflite: bytes, wav: Path, make_twin: MakeTwin, scored: Scored | None
            ) -> tuple[StreamScores, list[Utterance]]:  # fmt: skip
    """A stream's scores (from `scored` when it has them) and its ground truth."""
    if scored is not None and Path(wav) in scored:
        return scored[Path(wav)], load_truth(Path(wav).with_suffix(".txt"))
    audio, truth = load_stream(wav, read_metadata(tflite).sample_rate)
    return scores_of(tflite, audio, make_twin), truth


def candidates() -> list[Settings]:
    return [Settings(w, t, s, m) for w in WINDOWS_MS for m in MIN_COUNTS for s in SUPPRESSIONS_MS for t in THRESHOLDS]


def pick(
    negatives: list[StreamScores], keywords: list[tuple[StreamScores, list[Utterance]]], target_fa_per_hour: float,
    settings: list[Settings] | None = None,
) -> tuple[Operating, int]:
    """The best operating point under the target, and how many settings met it."""
    caches: dict[int, dict] = {}
    best: Operating | None = None
    met = 0
    for s in settings or candidates():
        op = operating_point(s, negatives, keywords, caches)
        if op.false_alarms_per_hour > target_fa_per_hour:
            continue
        met += 1
        key = (op.detection_rate, -op.false_alarms_per_hour, s.detection_threshold)
        if best is None or key > (best.detection_rate, -best.false_alarms_per_hour, best.settings.detection_threshold):
            best = op
    if best is None:
        raise TuneError(f"no setting reaches {target_fa_per_hour} false alarms per hour on these streams")
    return best, met


def pick_by_errors(
    keywords: list[tuple[StreamScores, list[Utterance]]], error_cost: float = 1.0,
    settings: list[Settings] | None = None,
) -> Operating:
    """For a short keyword stream with unknown words between the keywords (the demo's kind) and no negative stream:
    the setting with the most matched keywords less `error_cost` per error (a wrong label or a false alarm) on
    `keywords` (ties: the higher threshold). Its figures are in `keyword_stats` (no negative stream: no FA/h)."""
    caches: dict[int, dict] = {}
    best: tuple[tuple[float, float], Operating] | None = None
    for s in settings or candidates():
        op = operating_point(s, [], keywords, caches)
        k = op.keyword_stats
        key = (k["matched"] - error_cost * (k["wrong"] + k["false_alarms"]), s.detection_threshold)
        if best is None or key > best[0]:
            best = (key, op)
    if best is None:
        raise TuneError("no settings to try")
    return best[1]


def write_settings(tflite: bytes, settings: Settings) -> bytes:
    """The model with its metadata's recognition.* entries replaced (every other entry kept)."""
    entries = dict(decode_blob(extract_blob(tflite)))
    entries["recognition.average_window_ms"] = int(settings.average_window_ms)
    entries["recognition.detection_threshold"] = float(settings.detection_threshold)
    entries["recognition.suppression_ms"] = int(settings.suppression_ms)
    entries["recognition.minimum_count"] = int(settings.minimum_count)
    check_entries(entries)
    return embed_metadata(tflite, encode_blob(entries))


def current_settings(tflite: bytes) -> Settings:
    e = read_metadata(tflite).entries
    return Settings(int(e["recognition.average_window_ms"]), float(e["recognition.detection_threshold"]),
                    int(e["recognition.suppression_ms"]), int(e["recognition.minimum_count"]))  # fmt: skip


def tune(
    tflite: bytes, negative_wavs: Sequence[Path], keyword_wavs: Sequence[Path], target_fa_per_hour: float,
    make_twin: MakeTwin, scored: Scored | None = None,
) -> tuple[bytes, dict[str, Any]]:
    negatives = [_stream(tflite, p, make_twin, scored)[0] for p in negative_wavs]
    keywords = [_stream(tflite, p, make_twin, scored) for p in keyword_wavs]
    before = operating_point(current_settings(tflite), negatives, keywords)
    best, met = pick(negatives, keywords, target_fa_per_hour)
    if not all(check_replay(s, best.settings) for s in negatives + [k for k, _ in keywords]):
        raise TuneError("the replay of RecognizeCommands disagrees with the firmware's C code on the chosen settings")
    det = det_curve(best.settings, negatives, keywords)
    report = {
        "target_false_alarms_per_hour": target_fa_per_hour,
        "negative_streams": [str(p) for p in negative_wavs], "keyword_streams": [str(p) for p in keyword_wavs],
        "negative_hours": round(best.negative_hours, 3), "settings_tried": len(candidates()), "settings_met": met,
        "before": before.to_dict(), "chosen": best.to_dict(), "det": det,
    }  # fmt: skip
    return write_settings(tflite, best.settings), report


def report_streams(streams: Path, prefix: str) -> list[Path]:
    """The WAVs `stream_report` reads."""
    return [streams / "negatives.wav", streams / f"{prefix}_20db.wav", streams / f"{prefix}_10db.wav"]


def stream_report(tflite: bytes, streams: Path, prefix: str, make_twin: MakeTwin, scored: Scored | None = None) -> dict:
    """False alarms per hour on `streams`/negatives.wav and detections on <prefix>_20db/_10db.wav at the model's own
    recognition settings, with the DET curve."""
    negatives = [_stream(tflite, streams / "negatives.wav", make_twin, scored)[0]]
    keywords = {snr: _stream(tflite, streams / f"{prefix}_{snr}db.wav", make_twin, scored) for snr in ("20", "10")}
    settings = current_settings(tflite)
    out = {"settings": settings.__dict__, "negative_hours": round(negatives[0].duration_s / 3600, 3)}
    caches: dict[int, dict] = {}  # each stream's score averages, computed once for every figure below

    def detections(s: StreamScores) -> list:
        return replay(s, settings, caches.setdefault(id(s), {}))

    if (log := load_log(streams / "negatives.wav")) is not None:
        out["false_alarm_sources"] = false_alarm_sources(detections(negatives[0]), log)
    for snr, pair in keywords.items():
        op = operating_point(settings, negatives, [pair], caches)
        kw = {f"keyword_stream_{k}": v for k, v in op.keyword_stats.items()}
        out[f"{snr}db"] = {"false_alarms": op.false_alarms, "false_alarms_per_hour": round(op.false_alarms_per_hour, 3),
                           "detection_rate": round(op.detection_rate, 4), **kw}  # fmt: skip
        if (log := load_log(streams / f"{prefix}_{snr}db.wav")) is not None:
            scores, truth = pair
            out[f"{snr}db"]["detected_by_origin"] = detections_by_origin(model_truth(scores, truth), detections(scores),
                                                                         log)  # fmt: skip
    out["det"] = det_curve(settings, negatives, list(keywords.values()))
    return out


def timeline(tflite: bytes, wav: Path, png: Path, make_twin: MakeTwin, seconds: float = 40.0,
             scored: Scored | None = None) -> None:  # fmt: skip
    """A PNG of the first `seconds` of `wav`: audio, averaged scores, threshold, detections and truth."""
    rate = read_metadata(tflite).sample_rate
    audio, truth = load_stream(wav, rate)
    s = scored[Path(wav)] if scored is not None and Path(wav) in scored else scores_of(tflite, audio, make_twin)
    settings = current_settings(tflite)
    avg = _averages(s, settings.average_window_ms)[0] * s.output_scale
    timeline_png(audio, s.times_ms, avg, s.labels, settings.detection_threshold, replay(s, settings), truth, png,
                 sample_rate=rate, title=f"{png.stem}: {wav.name}", seconds=seconds)  # fmt: skip
