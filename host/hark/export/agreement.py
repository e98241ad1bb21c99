"""Does streaming survive quantization? The int8 streaming export against an int8 export of the same weights in
non-streaming (whole-window) form, clip by clip, both run in the tflite-micro interpreter.

The float streaming model equals the float window model to 1e-5 (tests/test_streaming.py); the int8 pair differ
by everything quantization does differently to them: their calibrations, the state tensors' rounding carried
from call to call, and the streaming ops' own requantizations. Top-1 agreement over many clips is the figure a
keyword spotter cares about.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
import numpy as np

from hark.export.device_model import float_window_scores, inference_model, quantize_for_device
from hark.format.metadata import StreamInfo
from hark.format.micro import ClipRunner, MicroModel
from hark.spec import ModelSpec


@dataclass(frozen=True)
class Agreement:
    model: str
    stream_mode: str
    clips: int
    top1_agreement: float  # fraction of clips whose int8 streaming and int8 window top-1 are the same class
    disagreeing_clips: int
    stream_int8_accuracy: float | None  # against the labels, when given
    window_int8_accuracy: float | None
    float_accuracy: float | None
    classes_predicted: int  # distinct top-1 classes among the clips: agreement on one constant class means little
    score_mean_abs_diff: float  # |stream - window| over every clip's scores
    score_max_abs_diff: float
    # Over the disagreeing clips, the largest swing: how far the window's winner leads in the window scores plus
    # how far the stream's winner leads in the stream scores. Small means the clips were near-ties.
    disagreement_max_swing: float

    def to_dict(self) -> dict:
        return asdict(self)


def _accuracy(scores: np.ndarray, labels: np.ndarray | None) -> float | None:
    return None if labels is None or not len(labels) else float(np.mean(scores.argmax(1) == labels))


def stream_window_agreement(
    spec: ModelSpec,
    trained: keras.Model,
    clips: np.ndarray,
    calibration: np.ndarray,
    *,
    labels: np.ndarray | None = None,
    stream_mode: str | None = None,
    stream_export: tuple[bytes, StreamInfo] | None = None,
) -> Agreement:
    """Exports `trained` twice (streaming as `stream_mode`, default the spec's, and window) with int8 calibrated on
    `calibration` clips, and compares each clip's final scores (state reset per clip). `stream_export`: the
    streaming int8 model and its stream info when the caller has already exported them from `trained` on
    `calibration`, so they are not converted again."""
    stream_mode = stream_mode or spec.streaming.mode
    if stream_mode == "window":
        raise ValueError(f"'{spec.name}' exports as a window model: there is no streaming form to compare")
    window_model = inference_model(trained, "window")
    window_tflite, window_info = quantize_for_device(spec, window_model, "window", "int8", calibration)
    stream_tflite, stream_info = stream_export or quantize_for_device(
        spec, inference_model(trained, stream_mode), stream_mode, "int8", calibration
    )
    window_runner = ClipRunner(MicroModel(window_tflite), window_info)
    stream_runner = ClipRunner(MicroModel(stream_tflite), stream_info)
    window = np.stack([window_runner.clip_scores(x) for x in clips])
    stream = np.stack([stream_runner.clip_scores(x, reset=True) for x in clips])
    w_top, s_top = window.argmax(1), stream.argmax(1)
    same = s_top == w_top
    rows = np.arange(len(clips))
    swing = (window[rows, w_top] - window[rows, s_top]) + (stream[rows, s_top] - stream[rows, w_top])
    diff = np.abs(stream - window)
    return Agreement(
        model=spec.name,
        stream_mode=stream_mode,
        clips=int(len(clips)),
        top1_agreement=float(np.mean(same)) if len(clips) else float("nan"),
        disagreeing_clips=int(np.sum(~same)),
        stream_int8_accuracy=_accuracy(stream, labels),
        window_int8_accuracy=_accuracy(window, labels),
        float_accuracy=_accuracy(float_window_scores(window_model, clips), labels) if labels is not None else None,
        classes_predicted=int(len(set(s_top.tolist()))),
        score_mean_abs_diff=float(diff.mean()) if len(clips) else 0.0,
        score_max_abs_diff=float(diff.max()) if len(clips) else 0.0,
        disagreement_max_swing=float(swing[~same].max()) if (~same).any() else 0.0,
    )
