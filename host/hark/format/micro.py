"""Running `.tflite` models in the tflite-micro interpreter (the bit-exact oracle of the firmware's runtime).

Window models take one invoke per clip; streaming models take one frame per invoke, with state either copied
from the state outputs back into the state inputs (external) or kept in the interpreter's resource variables
(internal). `reset` at a clip start zeroes state, as kws_streaming's reset1; without it state carries over (reset0).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence

import numpy as np
from tflite_micro.python.tflite_micro import runtime

from hark.format.metadata import StreamInfo
from hark.format.tflite import model_tensors


class MicroModel:
    def __init__(self, tflite: bytes, *, arena_size: int | None = None) -> None:
        self.tflite = bytes(tflite)
        self.interpreter = runtime.Interpreter.from_bytes(self.tflite, arena_size=arena_size)
        n_in, n_out = (len(t) for t in model_tensors(self.tflite))
        self.inputs = [self.interpreter.get_input_details(i) for i in range(n_in)]
        self.outputs = [self.interpreter.get_output_details(j) for j in range(n_out)]

    @staticmethod
    def _qparams(detail: dict) -> tuple[float, int]:
        q = detail.get("quantization_parameters", {})
        scales, zps = q.get("scales", []), q.get("zero_points", [])
        return (float(scales[0]), int(zps[0])) if len(scales) else (0.0, 0)

    def quantize(self, index: int, value: np.ndarray) -> np.ndarray:
        """Float → the input's dtype with its scale and zero point (round half away from zero, saturate)."""
        d = self.inputs[index]
        dtype = np.dtype(d["dtype"])
        value = np.asarray(value, np.float32).reshape(d["shape"])
        if dtype.kind == "f":
            return value.astype(dtype)
        scale, zp = self._qparams(d)
        info = np.iinfo(dtype)
        q = np.round(value.astype(np.float64) / scale) + zp
        return np.clip(q, info.min, info.max).astype(dtype)

    def dequantize(self, index: int, raw: np.ndarray) -> np.ndarray:
        d = self.outputs[index]
        if np.dtype(d["dtype"]).kind == "f":
            return np.asarray(raw, np.float32)
        scale, zp = self._qparams(d)
        return (np.asarray(raw, np.float32) - zp) * scale

    def zero_input(self, index: int) -> np.ndarray:
        """The raw value of float 0.0 for an input: its zero point."""
        return self.quantize(index, np.zeros(self.inputs[index]["shape"], np.float32))

    def invoke_raw(self, raw_inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        for i, raw in enumerate(raw_inputs):
            self.interpreter.set_input(np.asarray(raw).reshape(self.inputs[i]["shape"]), i)
        self.interpreter.invoke()
        return [np.array(self.interpreter.get_output(j)) for j in range(len(self.outputs))]

    def reset(self) -> None:
        self.interpreter.reset()

    def arena_bytes(self) -> int:
        """The arena the interpreter actually used, from its allocation record (printed on fd 2)."""
        saved = os.dup(2)
        with tempfile.TemporaryFile() as log:
            os.dup2(log.fileno(), 2)
            try:
                self.interpreter.print_allocations()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            log.seek(0)
            text = log.read().decode(errors="replace")
        match = re.search(r"Arena allocation total (\d+) bytes", text)
        if not match:
            raise RuntimeError(f"tflite-micro printed no arena total:\n{text[:500]}")
        return int(match.group(1))


class ClipRunner:
    """Scores clips of float features [frames, channels] the way the firmware runs the model."""

    def __init__(self, model: MicroModel, stream: StreamInfo) -> None:
        self.model, self.stream = model, stream
        states = set(stream.state_inputs)
        features = [i for i in range(len(model.inputs)) if i not in states]
        if len(features) != 1:
            raise ValueError(f"expected one feature input besides state, found inputs {features}")
        self.feature_input = features[0]
        states_out = set(stream.state_outputs)
        scores = [j for j in range(len(model.outputs)) if j not in states_out]
        if len(scores) != 1:
            raise ValueError(f"expected one score output besides state, found outputs {scores}")
        self.score_output = scores[0]
        self.state: dict[int, np.ndarray] = {}
        self.reset()

    def reset(self) -> None:
        self.model.reset()
        self.state = {i: self.model.zero_input(i) for i in self.stream.state_inputs}

    def _call(self, frames: np.ndarray) -> np.ndarray:
        raw = [None] * len(self.model.inputs)
        raw[self.feature_input] = self.model.quantize(self.feature_input, frames)
        for i in self.stream.state_inputs:
            raw[i] = self.state[i]
        outs = self.model.invoke_raw(raw)  # type: ignore[arg-type]
        for i, j in zip(self.stream.state_inputs, self.stream.state_outputs, strict=False):
            self.state[i] = outs[j]  # a plain copy: the pair shares quantization
        return self.model.dequantize(self.score_output, outs[self.score_output]).reshape(-1)

    def scores(self, features: np.ndarray, *, reset: bool = True) -> np.ndarray:
        """Scores per call over one clip: [calls, classes]. A window model is called once on the whole clip."""
        features = np.asarray(features, np.float32)
        if self.stream.mode == "window":
            return self._call(features[None])[None]
        if reset:
            self.reset()
        n = self.stream.frames_per_call
        calls = features.shape[0] // n
        return np.stack([self._call(features[k * n : (k + 1) * n][None]) for k in range(calls)])

    def clip_scores(self, features: np.ndarray, *, reset: bool = True) -> np.ndarray:
        """The clip's decision scores: the last call's output."""
        return self.scores(features, reset=reset)[-1]
