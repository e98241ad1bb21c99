"""The host twin of the device: the firmware's own pipeline (firmware/kws: C frontend -> C int8 runtime ->
C RecognizeCommands), built for the host and driven through ctypes.

It is the same C the board runs, with the same settings read from the same model metadata, so for the
same audio it gives the same scores and detections as the device, bit for bit. Use it to try a model on
long recordings (`hark classify`), to score streaming accuracy, and as the oracle of the device tests.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from hark.evaluate.stream_test import Detection
from hark.native.kws import ERRORS, Hop, RecognitionSettings, TwinError, app_arena_bytes, library


@dataclass(frozen=True)
class Recognition:
    average_window_ms: int
    detection_threshold: float
    suppression_ms: int
    minimum_count: int


@dataclass(frozen=True)
class HopResult:
    hop: int
    time_ms: int
    invoked: bool
    detected: bool
    label: int  # the detected label, else the current top label (-1: none yet)
    score: int  # its averaged score, zero-based (0..255)
    scores: np.ndarray | None  # the model's int8 output when invoked


@dataclass
class TwinRun:
    """What a whole recording produced."""

    labels: list[str]
    detections: list[Detection] = field(default_factory=list)
    hops: list[HopResult] = field(default_factory=list)

    @property
    def scores(self) -> list[tuple[int, int, np.ndarray]]:
        """(hop, time_ms, int8 scores) of every hop on which the model ran."""
        return [(h.hop, h.time_ms, h.scores) for h in self.hops if h.invoked and h.scores is not None]


class Twin:
    """One pipeline instance for one model, in the board app's arena unless `arena_bytes` says otherwise."""

    def __init__(self, model: bytes, *, arena_bytes: int | None = None) -> None:
        lib = library()
        arena_bytes = arena_bytes or app_arena_bytes()
        self._lib = lib
        # Aligned buffers the C side keeps pointers into for the object's lifetime.
        self._model = _aligned(model)
        self._state = _aligned(b"\0" * lib.kws_sizeof())
        self._arena = _aligned(b"\0" * arena_bytes)
        self._ptr = ctypes.addressof(self._state)
        rc = lib.kws_init(self._ptr, ctypes.addressof(self._model), len(model), lib.kws_all_ops(),
                          ctypes.addressof(self._arena), arena_bytes, None)  # fmt: skip
        if rc != 0:
            raise TwinError(f"{ERRORS.get(rc, rc)} error: {lib.kws_error(self._ptr).decode(errors='replace')}")
        if lib.kws_is_bare(self._ptr):
            raise TwinError("the model has no hark metadata: it cannot be run on audio (export it with hark export)")
        self.hop_samples = int(lib.kws_hop_samples(self._ptr))
        self.labels = self._labels()
        self._hop = Hop()

    def _labels(self) -> list[str]:
        out = []
        name = ctypes.c_char_p()
        while (n := self._lib.kws_label(self._ptr, len(out), ctypes.byref(name))) >= 0:
            out.append(ctypes.string_at(name, n).decode())
        return out

    @property
    def arena_used(self) -> int:
        return int(self._lib.kws_arena_used(self._ptr))

    def reset(self) -> None:
        self._lib.kws_reset(self._ptr)

    @property
    def recognition(self) -> Recognition:
        r = RecognitionSettings()
        self._lib.kws_get_recognition(self._ptr, ctypes.byref(r))
        return Recognition(r.average_window_ms, r.detection_threshold, r.suppression_ms, r.minimum_count)

    def set_recognition(self, **changes: float) -> None:
        cur = self.recognition
        r = RecognitionSettings(**{**cur.__dict__, **changes})
        if self._lib.kws_set_recognition(self._ptr, ctypes.byref(r)) != 0:
            raise TwinError(self._lib.kws_error(self._ptr).decode(errors="replace"))

    def hop(self, samples: np.ndarray) -> HopResult:
        s = np.ascontiguousarray(samples, dtype=np.int16)
        if s.shape != (self.hop_samples,):
            raise TwinError(f"a hop is {self.hop_samples} int16 samples, got {s.dtype} {s.shape}")
        h = self._hop
        if self._lib.kws_hop(self._ptr, s.ctypes.data, ctypes.byref(h)) != 0:
            raise TwinError(self._lib.kws_error(self._ptr).decode(errors="replace"))
        scores = np.ctypeslib.as_array(h.scores, (h.score_count,)).copy() if h.invoked else None
        return HopResult(h.hop, h.time_ms, bool(h.invoked), bool(h.detected), h.label, h.score, scores)

    def hops(self, audio: np.ndarray) -> Iterator[HopResult]:
        """Every whole hop of the audio (a trailing partial hop is dropped, as the device does)."""
        a = np.asarray(audio, dtype=np.int16)
        for start in range(0, len(a) - self.hop_samples + 1, self.hop_samples):
            yield self.hop(a[start : start + self.hop_samples])

    def run(self, audio: np.ndarray, *, reset: bool = True) -> TwinRun:
        if reset:
            self.reset()
        out = TwinRun(labels=self.labels)
        for h in self.hops(audio):
            out.hops.append(h)
            if h.detected:
                out.detections.append(Detection(self.labels[h.label], float(h.time_ms), float(h.score)))
        return out


def _aligned(data: bytes, align: int = 16) -> ctypes.Array:
    """A ctypes buffer whose address is `align`-aligned, holding `data`."""
    raw = ctypes.create_string_buffer(len(data) + align)
    offset = (-ctypes.addressof(raw)) % align
    view = (ctypes.c_char * len(data)).from_buffer(raw, offset)  # from_buffer keeps `raw` alive
    ctypes.memmove(view, data, len(data))
    return view
