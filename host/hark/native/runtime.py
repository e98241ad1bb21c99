"""ctypes binding of `firmware/runtime/runtime.h` over build/host/lib/libhark_runtime.so.

`Interpreter(model_bytes)` verifies the model, builds the interpreter in an arena it owns, and mirrors the
tflite-micro Python interpreter's calls (`set_input`, `invoke`, `get_output`, `reset`), plus the per-op
profile of the last invoke and the arena bytes used.
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hark import paths
from hark.native import loader

_ERRORS = {
    -1: "bad argument",
    -2: "corrupt model",
    -3: "unsupported",
    -4: "arena too small",
    -5: "not found",
    -6: "eval failed",
}
_DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_, 7: np.int16, 9: np.int8}
MAX_DIMS = 6


class RuntimeFailure(RuntimeError):
    """The C runtime returned an error; `code` is its RUNTIME_E_* value."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{_ERRORS.get(code, 'error')} ({code}): {message}")
        self.code = code


class _Model(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_uint32), ("root", ctypes.c_uint32)]


class _Runtime(ctypes.Structure):
    _fields_ = [("impl", ctypes.c_void_p), ("error", ctypes.c_char * 112)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("bytes", ctypes.c_uint32),
        ("type", ctypes.c_int),
        ("rank", ctypes.c_uint32),
        ("dims", ctypes.c_int32 * MAX_DIMS),
        ("scale", ctypes.c_float),
        ("zero_point", ctypes.c_int32),
    ]


_NOW = ctypes.CFUNCTYPE(ctypes.c_uint32)
_ELAPSED = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)
_REPORT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_uint32)


class _Profiler(ctypes.Structure):
    _fields_ = [("now", _NOW), ("elapsed", ctypes.c_void_p), ("report", _REPORT), ("user", ctypes.c_void_p)]


MIRRORS = {"runtime_model_t": _Model, "runtime_t": _Runtime, "runtime_tensor_info_t": _TensorInfo,
           "runtime_profiler_t": _Profiler}  # fmt: skip


def load_library(path: Path | None = None, *, dsp: bool = False) -> ctypes.CDLL:
    """The runtime's shared library (`dsp=True`: the build with the DSP twins, intrinsics emulated)."""
    if path is None:
        path = paths.host_library("runtime_dsp" if dsp else "runtime")
    lib = loader.load("runtime", MIRRORS, path)
    lib.runtime_model_open.argtypes = [ctypes.POINTER(_Model), ctypes.c_void_p, ctypes.c_size_t]
    lib.runtime_model_metadata.argtypes = [
        ctypes.POINTER(_Model), ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_uint32)
    ]  # fmt: skip
    lib.runtime_init.argtypes = [
        ctypes.POINTER(_Runtime), ctypes.POINTER(_Model), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t
    ]  # fmt: skip
    for name in ("runtime_invoke", "runtime_reset"):
        getattr(lib, name).argtypes = [ctypes.POINTER(_Runtime)]
    lib.runtime_set_profiler.argtypes = [ctypes.POINTER(_Runtime), ctypes.POINTER(_Profiler)]
    lib.runtime_set_profiler.restype = None
    lib.runtime_arena_used.argtypes = [ctypes.POINTER(_Runtime)]
    lib.runtime_arena_used.restype = ctypes.c_size_t
    lib.runtime_arena_init_peak.argtypes = [ctypes.POINTER(_Runtime)]
    lib.runtime_arena_init_peak.restype = ctypes.c_size_t
    for name in ("runtime_input_count", "runtime_output_count", "runtime_op_count"):
        getattr(lib, name).argtypes = [ctypes.POINTER(_Runtime)]
        getattr(lib, name).restype = ctypes.c_uint32
    for name in ("runtime_input", "runtime_output"):
        getattr(lib, name).argtypes = [ctypes.POINTER(_Runtime), ctypes.c_uint32, ctypes.POINTER(_TensorInfo)]
    lib.runtime_op_name.argtypes = [ctypes.POINTER(_Runtime), ctypes.c_uint32]
    lib.runtime_op_name.restype = ctypes.c_char_p
    return lib


@dataclass(frozen=True)
class TensorInfo:
    dtype: type
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    nbytes: int


@dataclass(frozen=True)
class OpProfile:
    index: int
    name: str
    delta: int  # nanoseconds on the host; counter units (cycles or instructions) on a board


def _info(raw: _TensorInfo) -> TensorInfo:
    if raw.type not in _DTYPES:
        raise RuntimeFailure(-3, f"tensor type {raw.type} has no numpy equivalent")
    return TensorInfo(_DTYPES[raw.type], tuple(raw.dims[: raw.rank]), raw.scale, raw.zero_point, raw.bytes)


class Interpreter:
    """One model in one arena. Errors raise RuntimeFailure with the runtime's own message."""

    def __init__(
        self, model: bytes, *, arena_size: int = 256 * 1024, dsp: bool = False, library: Path | None = None
    ) -> None:
        self._lib = load_library(library, dsp=dsp)
        # The runtime reads the flatbuffer in place: keep an aligned copy alive as long as we are.
        self._model_buf = ctypes.create_string_buffer(bytes(model), max(len(model), 1))
        self._arena = ctypes.create_string_buffer(arena_size)
        self._model = _Model()
        self._rt = _Runtime()
        self._profile: list[OpProfile] = []
        self._profiler: _Profiler | None = None
        rc = self._lib.runtime_model_open(ctypes.byref(self._model), self._model_buf, len(model))
        if rc:
            raise RuntimeFailure(rc, "the model does not pass verification")
        rc = self._lib.runtime_init(
            ctypes.byref(self._rt), ctypes.byref(self._model),
            ctypes.addressof(ctypes.c_void_p.in_dll(self._lib, "runtime_all_ops")), self._arena, arena_size,
        )  # fmt: skip
        if rc:
            raise RuntimeFailure(rc, self._rt.error.decode(errors="replace"))
        self.inputs = [self._tensor(self._lib.runtime_input, i) for i in range(self._lib.runtime_input_count(self._rt))]
        self.outputs = [
            self._tensor(self._lib.runtime_output, i) for i in range(self._lib.runtime_output_count(self._rt))
        ]

    def _tensor(self, fn: ctypes._CFuncPtr, index: int) -> TensorInfo:
        raw = _TensorInfo()
        rc = fn(ctypes.byref(self._rt), index, ctypes.byref(raw))
        if rc:
            raise RuntimeFailure(rc, f"no tensor {index}")
        return _info(raw)

    def _view(self, fn: ctypes._CFuncPtr, index: int) -> np.ndarray:
        raw = _TensorInfo()
        if fn(ctypes.byref(self._rt), index, ctypes.byref(raw)):
            raise IndexError(f"tensor index {index} out of range")
        info = _info(raw)
        buf = (ctypes.c_uint8 * info.nbytes).from_address(raw.data)
        return np.frombuffer(buf, dtype=info.dtype).reshape(info.shape)

    @property
    def arena_used(self) -> int:
        return int(self._lib.runtime_arena_used(self._rt))

    @property
    def arena_init_peak(self) -> int:
        """The arena init needs while it runs (at least arena_used): the size to give a model's arena."""
        return int(self._lib.runtime_arena_init_peak(self._rt))

    @property
    def op_names(self) -> list[str]:
        return [self._lib.runtime_op_name(self._rt, i).decode() for i in range(self._lib.runtime_op_count(self._rt))]

    def metadata(self, name: str) -> bytes | None:
        """The bytes of Model.metadata[name], or None if the model has no such entry."""
        ptr, n = ctypes.c_void_p(), ctypes.c_uint32()
        rc = self._lib.runtime_model_metadata(
            ctypes.byref(self._model), name.encode(), ctypes.byref(ptr), ctypes.byref(n)
        )
        if rc == -5:
            return None
        if rc:
            raise RuntimeFailure(rc, f"metadata '{name}'")
        return ctypes.string_at(ptr, n.value) if n.value else b""

    def set_input(self, index: int, value: np.ndarray) -> None:
        view = self._view(self._lib.runtime_input, index)
        value = np.asarray(value)
        if value.dtype != view.dtype or value.size != view.size:
            raise ValueError(f"input {index} wants {view.size} x {view.dtype}, got {value.size} x {value.dtype}")
        view[...] = value.reshape(view.shape)

    def get_output(self, index: int) -> np.ndarray:
        return self._view(self._lib.runtime_output, index).copy()

    def get_input(self, index: int) -> np.ndarray:
        return self._view(self._lib.runtime_input, index).copy()

    def invoke(self) -> None:
        self._profile = []
        rc = self._lib.runtime_invoke(ctypes.byref(self._rt))
        if rc:
            raise RuntimeFailure(rc, self._rt.error.decode(errors="replace"))

    def reset(self) -> None:
        self._lib.runtime_reset(ctypes.byref(self._rt))

    def enable_profiling(self, enabled: bool = True) -> None:
        """Records each op's host time (ns) during invoke; read it from `profile`."""
        if not enabled:
            self._lib.runtime_set_profiler(ctypes.byref(self._rt), None)
            self._profiler = None
            return

        def report(_user: int, index: int, name: bytes, delta: int) -> None:
            self._profile.append(OpProfile(index, name.decode(), delta))

        self._profiler = _Profiler(_NOW(lambda: time.perf_counter_ns() & 0xFFFFFFFF), None, _REPORT(report), None)
        self._lib.runtime_set_profiler(ctypes.byref(self._rt), ctypes.byref(self._profiler))

    @property
    def profile(self) -> list[OpProfile]:
        return list(self._profile)


if loader.built("runtime"):
    load_library()  # a header changed without this binding fails here, at import, naming the struct and field
