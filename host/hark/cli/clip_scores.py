"""The model's scores on one clip, as TF speech_commands' `label_wav.py` prints them (top-k labels with scores).

The clip goes through the host twin (the firmware's own frontend, int8 model and input mapping), zero-padded at
the end to the model's clip length as `decode_wav(desired_samples=...)` pads it, and the scores are the model's
output on its last invocation: for a window model and a clip of its length, the window over the whole clip; for a
streaming model, its output after the last hop. int8 scores are dequantized with the output tensor's scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hark.format.metadata import read_metadata
from hark.format.tflite import model_tensors
from hark.twin import Twin, TwinError


@dataclass(frozen=True)
class LabelScore:
    label: str
    score: float  # the dequantized model output (a softmax probability)


def _score_quantization(model: bytes, labels: int, state_outputs: tuple[int, ...]) -> tuple[float, int]:
    """(scale, zero point in the twin's int8 view) of the score output."""
    _, outputs = model_tensors(model)
    for i, t in enumerate(outputs):
        if i in state_outputs or not t.shape or t.shape[-1] != labels:
            continue
        if not t.scales:
            raise TwinError(f"the score output '{t.name}' has no quantization scale")
        zero = t.zero_points[0] if t.zero_points else 0
        return t.scales[0], zero - 128 if t.dtype == "uint8" else zero
    raise TwinError(f"the model has no output of {labels} scores")


def clip_scores(model: bytes, audio: np.ndarray) -> list[LabelScore]:
    """Every label's score on `audio` (int16, 16 kHz), highest first."""
    meta = read_metadata(model)
    clip_samples = int(meta["frontend.sample_rate"]) * int(meta["frontend.clip_duration_ms"]) // 1000
    audio = np.asarray(audio, np.int16)
    if len(audio) < clip_samples:
        audio = np.concatenate([audio, np.zeros(clip_samples - len(audio), np.int16)])
    twin = Twin(model)
    invoked = twin.run(audio).scores
    if not invoked:
        raise TwinError(f"the model never ran on {len(audio)} samples")
    scale, zero = _score_quantization(model, len(twin.labels), meta.stream.state_outputs)
    q = invoked[-1][2].astype(np.int32)
    probs = (q - zero) * scale
    order = np.argsort(-probs, kind="stable")
    return [LabelScore(twin.labels[i], float(probs[i])) for i in order]
