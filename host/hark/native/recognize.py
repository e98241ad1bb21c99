"""RecognizeCommands on the host: the firmware's C code (firmware/recognize) through ctypes.

The host twin of the device smooths scores with this very code, so its detections can match the
board's bit for bit. Parameters come from the model spec / metadata (`recognition.*`).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hark.native import loader
from hark.native.loader import NativeError
from hark.spec import RecognitionSpec


class RecognizeError(NativeError):
    """The C library is missing, or it refused a configuration or a result."""


class _Config(ctypes.Structure):
    _fields_ = [
        ("average_window_ms", ctypes.c_int32),
        ("detection_threshold", ctypes.c_int32),
        ("suppression_ms", ctypes.c_int32),
        ("minimum_count", ctypes.c_int32),
        ("score_zero_point", ctypes.c_int32),
        ("silence_label", ctypes.c_int32),
    ]


class _Result(ctypes.Structure):
    _fields_ = [("label", ctypes.c_int32), ("score", ctypes.c_int32), ("is_new", ctypes.c_int32)]


_ERRORS = {-1: "bad argument or configuration", -2: "buffer too small", -3: "time earlier than the previous result"}


@dataclass(frozen=True)
class RecognizeConfig:
    """The C config: the threshold is already in the zero-based score domain."""

    average_window_ms: int
    detection_threshold: int
    suppression_ms: int
    minimum_count: int
    score_zero_point: int = -128
    silence_label: int = 0

    @classmethod
    def from_spec(
        cls, spec: RecognitionSpec, *, output_scale: float, output_zero_point: int, silence_label: int = 0
    ) -> RecognizeConfig:
        """From the spec's float threshold, converted by the same C function the device uses."""
        return cls(
            average_window_ms=spec.average_window_ms,
            detection_threshold=threshold_to_score(spec.detection_threshold, output_scale),
            suppression_ms=spec.suppression_ms,
            minimum_count=spec.minimum_count,
            score_zero_point=output_zero_point,
            silence_label=silence_label,
        )

    def _c(self) -> _Config:
        return _Config(
            self.average_window_ms,
            self.detection_threshold,
            self.suppression_ms,
            self.minimum_count,
            self.score_zero_point,
            self.silence_label,
        )


@dataclass(frozen=True)
class Recognition:
    label: int  # top label, or while warming up the previous top (-1: none yet)
    score: int  # averaged zero-based score (0 while warming up)
    is_new: bool  # a detection


MIRRORS = {"hark_recognize_config_t": _Config, "hark_recognize_result_t": _Result}


def load_library(path: Path | None = None) -> ctypes.CDLL:
    """The recognize library, its structs checked against `MIRRORS` (hark.native.loader)."""
    lib = loader.load("recognize", MIRRORS, path)
    lib.hark_recognize_sizeof.restype = ctypes.c_size_t
    lib.hark_recognize_mem_bytes.restype = ctypes.c_size_t
    lib.hark_recognize_mem_bytes.argtypes = [ctypes.c_uint16, ctypes.c_uint16]
    lib.hark_recognize_history_for.restype = ctypes.c_uint16
    lib.hark_recognize_history_for.argtypes = [ctypes.c_int32, ctypes.c_int32]
    lib.hark_recognize_threshold.argtypes = [ctypes.c_float, ctypes.c_float, ctypes.POINTER(ctypes.c_int32)]
    lib.hark_recognize_init.argtypes = [
        ctypes.c_void_p, ctypes.POINTER(_Config), ctypes.c_uint16, ctypes.c_uint16, ctypes.c_void_p, ctypes.c_size_t
    ]  # fmt: skip
    lib.hark_recognize_configure.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Config)]
    lib.hark_recognize_reset.argtypes = [ctypes.c_void_p]
    lib.hark_recognize_reset.restype = None
    for name in ("hark_recognize_process_i8", "hark_recognize_process_u8"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32, ctypes.POINTER(_Result)]
    return lib


def _library() -> ctypes.CDLL:
    return load_library()  # cached by the loader


def threshold_to_score(threshold: float, output_scale: float) -> int:
    """A probability threshold as the integer the averaged zero-based score must exceed."""
    out = ctypes.c_int32()
    rc = _library().hark_recognize_threshold(threshold, output_scale, ctypes.byref(out))
    if rc:
        raise RecognizeError(f"threshold {threshold} with output scale {output_scale}: {_ERRORS.get(rc, rc)}")
    return out.value


def history_for(average_window_ms: int, hop_ms: int) -> int:
    """History capacity that never evicts a result inside the window."""
    return int(_library().hark_recognize_history_for(average_window_ms, hop_ms))


class RecognizeCommands:
    """Feeds per-hop model outputs (int8 or uint8) and returns what the device would report."""

    def __init__(self, config: RecognizeConfig, labels: int, capacity: int) -> None:
        lib = _library()
        if not 0 < labels < 65536 or not 0 < capacity < 65536:
            raise RecognizeError(f"labels ({labels}) and capacity ({capacity}) must be in 1..65535")
        self._lib = lib
        self.labels = labels
        self._obj = ctypes.create_string_buffer(lib.hark_recognize_sizeof())
        self._mem = (ctypes.c_uint32 * ((lib.hark_recognize_mem_bytes(labels, capacity) + 3) // 4))()
        cfg = config._c()
        mem_bytes = ctypes.sizeof(self._mem)
        rc = lib.hark_recognize_init(self._obj, ctypes.byref(cfg), labels, capacity, self._mem, mem_bytes)
        if rc:
            raise RecognizeError(f"cannot configure RecognizeCommands with {config}: {_ERRORS.get(rc, rc)}")
        self.config = config

    def configure(self, config: RecognizeConfig) -> None:
        cfg = config._c()
        rc = self._lib.hark_recognize_configure(self._obj, ctypes.byref(cfg))
        if rc:
            raise RecognizeError(f"cannot configure RecognizeCommands with {config}: {_ERRORS.get(rc, rc)}")
        self.config = config

    def reset(self) -> None:
        self._lib.hark_recognize_reset(self._obj)

    def process(self, scores: np.ndarray, time_ms: int) -> Recognition:
        scores = np.ascontiguousarray(scores)
        if scores.shape != (self.labels,) or scores.dtype not in (np.int8, np.uint8):
            raise RecognizeError(f"expected {self.labels} int8 or uint8 scores, got {scores.dtype} {scores.shape}")
        fn = self._lib.hark_recognize_process_i8 if scores.dtype == np.int8 else self._lib.hark_recognize_process_u8
        out = _Result()
        rc = fn(self._obj, scores.ctypes.data, int(time_ms), ctypes.byref(out))
        if rc:
            raise RecognizeError(f"result at {time_ms} ms refused: {_ERRORS.get(rc, rc)}")
        return Recognition(out.label, out.score, bool(out.is_new))


if loader.built("recognize"):
    load_library()  # a header changed without this binding fails here, at import, naming the struct and field
