"""ctypes binding to the firmware's C frontend (build/host/lib/libhark_frontend.so).

The host runs the very C code the board runs, so training features and device features are the
same bits. Two ways in: `Frontend.process` streams one hop at a time with state, exactly as the
firmware calls it; `Frontend.run` (and `uint16_features`) turn a whole clip into frames x channels.
"""

from __future__ import annotations

import ctypes
import functools
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hark import paths
from hark.native import loader
from hark.native.loader import NativeError
from hark.spec import FrontendSpec

HEADER_PATH = paths.REPO_ROOT / "firmware" / "frontend" / "frontend.h"
_CTYPES = {"int32_t": ctypes.c_int32, "float": ctypes.c_float}
_SETTING = re.compile(r"^\s*X\((\w+), (\w+), ([^,]+), ([012])\)", re.MULTILINE)


class FrontendError(NativeError):
    """The C frontend refused its settings or input, or its library is missing."""


@dataclass(frozen=True)
class Setting:
    """One row of frontend.h's FRONTEND_SETTINGS table."""

    ctype: str
    name: str
    default: int | float
    in_spec: bool  # a FrontendSpec field (and metadata key frontend.<name>)


def read_settings(header: Path = HEADER_PATH) -> list[Setting]:
    """The FRONTEND_SETTINGS table of frontend.h, the one list of the frontend's settings."""
    try:
        text = header.read_text()
    except OSError as err:
        raise FrontendError(f"frontend header not found: {header} (the binding reads its settings table)") from err
    body = text[text.index("#define FRONTEND_SETTINGS(X)") :] if "#define FRONTEND_SETTINGS(X)" in text else ""
    rows = []
    for m in _SETTING.finditer(body[: body.find("\n\n")]):
        ctype, name, default, in_spec = m.groups()
        if ctype not in _CTYPES:
            raise FrontendError(f"{header}: FRONTEND_SETTINGS: {name} has type {ctype}, not one of {sorted(_CTYPES)}")
        value = float(default.rstrip("f")) if ctype == "float" else int(default)
        rows.append(Setting(ctype, name, value, in_spec in ("1", "2")))
    if not rows:
        raise FrontendError(f"{header}: no FRONTEND_SETTINGS table")
    return rows


SETTINGS = read_settings()
# frontend_config_t, field for field from the table (its layout is checked against the library at load).
FrontendConfig = type("FrontendConfig", (ctypes.Structure,), {
    "__doc__": "Mirror of frontend_config_t (firmware/frontend/frontend.h), built from FRONTEND_SETTINGS.",
    "_fields_": [(s.name, _CTYPES[s.ctype]) for s in SETTINGS],
})  # fmt: skip
# The settings FrontendSpec does not carry keep the table's defaults (none today).
DEFAULTS_NOT_IN_SPEC = {s.name: s.default for s in SETTINGS if not s.in_spec}


def config_from_spec(fe: FrontendSpec) -> FrontendConfig:
    if fe.kind != "microfrontend":
        raise FrontendError(f"the C frontend computes kind 'microfrontend' features, not '{fe.kind}'")
    cfg = FrontendConfig()
    for s in SETTINGS:
        value = getattr(fe, s.name) if s.in_spec else s.default
        setattr(cfg, s.name, int(value) if isinstance(value, bool) else value)
    return cfg


_I16P = ctypes.POINTER(ctypes.c_int16)
_U16P = ctypes.POINTER(ctypes.c_uint16)
_I8P = ctypes.POINTER(ctypes.c_int8)


def build_library() -> Path:
    """Configures and builds the host libraries with CMake (about 10 s); returns the frontend's .so."""
    build = paths.build_dir("host")
    for cmd in (
        ["cmake", "-S", str(paths.REPO_ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", str(build), "-j2", "--target", "hark_frontend_shared"],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise FrontendError(f"building the C frontend failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return paths.host_library("frontend")


@functools.lru_cache(maxsize=1)
def library() -> ctypes.CDLL:
    """The frontend library, its frontend_config_t checked against FrontendConfig (hark.native.loader)."""
    try:
        lib = loader.load("frontend", {"frontend_config_t": FrontendConfig})
    except loader.LayoutError:
        raise
    except loader.NativeError as err:
        raise FrontendError(f"{err}, or call hark.native.frontend.build_library()") from err
    cfgp = ctypes.POINTER(FrontendConfig)
    lib.frontend_config_check.argtypes = [cfgp]
    lib.frontend_config_check.restype = ctypes.c_char_p
    lib.frontend_state_size.argtypes = [cfgp]
    lib.frontend_state_size.restype = ctypes.c_size_t
    lib.frontend_handle_size.argtypes = []
    lib.frontend_handle_size.restype = ctypes.c_size_t
    lib.frontend_error_text.argtypes = [ctypes.c_int]
    lib.frontend_error_text.restype = ctypes.c_char_p
    lib.frontend_init.argtypes = [ctypes.c_void_p, cfgp, ctypes.c_void_p, ctypes.c_size_t]
    lib.frontend_init.restype = ctypes.c_int
    lib.frontend_dims.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_int32)] * 3
    lib.frontend_dims.restype = None
    lib.frontend_reset.argtypes = [ctypes.c_void_p]
    lib.frontend_reset.restype = None
    lib.frontend_process.argtypes = [ctypes.c_void_p, _I16P, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t), _U16P]
    lib.frontend_process.restype = ctypes.c_int
    lib.frontend_run.argtypes = [ctypes.c_void_p, _I16P, ctypes.c_size_t, _U16P, ctypes.c_size_t]
    lib.frontend_run.restype = ctypes.c_int32
    lib.frontend_to_int8_micro.argtypes = [_U16P, ctypes.c_size_t, _I8P]
    lib.frontend_to_int8_micro.restype = None
    lib.frontend_to_int8_dynamic.argtypes = [_U16P, ctypes.c_size_t, ctypes.c_int32, _I8P]
    lib.frontend_to_int8_dynamic.restype = None
    lib.frontend_dynamic_range.argtypes = [ctypes.c_float, ctypes.c_int32]
    lib.frontend_dynamic_range.restype = ctypes.c_int32
    return lib


def _audio(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio)
    if a.ndim != 1:
        raise FrontendError(f"audio must be one-dimensional int16 samples, got shape {a.shape}")
    if a.dtype != np.int16:
        raise FrontendError(
            f"audio must be int16 samples, got {a.dtype}; convert float audio in [-1, 1] with "
            "np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)"
        )
    return np.ascontiguousarray(a)


class Frontend:
    """One frontend instance with its own state, as on the device."""

    def __init__(self, fe: FrontendSpec) -> None:
        self.spec = fe
        lib = library()
        self._config = config_from_spec(fe)
        problem = lib.frontend_config_check(ctypes.byref(self._config))
        if problem is not None:
            raise FrontendError(f"invalid frontend settings: {problem.decode()}")
        size = lib.frontend_state_size(ctypes.byref(self._config))
        self.state_bytes = int(size)
        self._handle = (ctypes.c_uint64 * ((lib.frontend_handle_size() + 7) // 8))()
        self._memory = (ctypes.c_uint64 * ((size + 7) // 8))()
        code = lib.frontend_init(self._handle, ctypes.byref(self._config), self._memory, size)
        if code != 0:
            raise FrontendError(f"frontend_init failed: {lib.frontend_error_text(code).decode()}")
        dims = [ctypes.c_int32() for _ in range(3)]
        lib.frontend_dims(self._handle, *[ctypes.byref(d) for d in dims])
        self.window_samples, self.step_samples, self.num_channels = (d.value for d in dims)
        self._lib = lib

    def reset(self) -> None:
        self._lib.frontend_reset(self._handle)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Feeds samples (any count) with state kept between calls; returns the frames they completed
        (frames x channels uint16, possibly zero frames)."""
        a = _audio(samples)
        frames: list[np.ndarray] = []
        pos = 0
        out = np.zeros(self.num_channels, np.uint16)
        used = ctypes.c_size_t()
        base = a.ctypes.data_as(_I16P)
        while pos < len(a):
            ptr = ctypes.cast(ctypes.c_void_p(a.ctypes.data + 2 * pos), _I16P) if pos else base
            got = self._lib.frontend_process(self._handle, ptr, len(a) - pos, ctypes.byref(used),
                                             out.ctypes.data_as(_U16P))  # fmt: skip
            if got < 0:
                raise FrontendError(f"frontend_process failed: {self._lib.frontend_error_text(got).decode()}")
            pos += used.value
            if got:
                frames.append(out.copy())
        if not frames:
            return np.zeros((0, self.num_channels), np.uint16)
        return np.stack(frames)

    def run(self, audio: np.ndarray) -> np.ndarray:
        """Whole clip from a fresh state: frames x channels uint16, as the TF op returns it."""
        a = _audio(audio)
        frames = self.spec.frames_for(len(a))
        out = np.zeros((frames, self.num_channels), np.uint16)
        got = self._lib.frontend_run(self._handle, a.ctypes.data_as(_I16P), len(a), out.ctypes.data_as(_U16P), frames)
        if got < 0:
            raise FrontendError(f"frontend_run failed: {self._lib.frontend_error_text(got).decode()}")
        return out[:got]


_per_thread = threading.local()


def _frontend_for_this_thread(fe: FrontendSpec) -> Frontend:
    # A Frontend holds streaming state and ctypes releases the GIL during C calls, so threads (tf.data
    # workers) must never share one: each thread keeps its own, per settings.
    cache: dict[FrontendSpec, Frontend] | None = getattr(_per_thread, "frontends", None)
    if cache is None:
        cache = _per_thread.frontends = {}
    front = cache.get(fe)
    if front is None:
        if len(cache) >= 8:
            cache.clear()
        front = cache[fe] = Frontend(fe)
    return front


def uint16_features(audio_int16: np.ndarray, fe: FrontendSpec) -> np.ndarray:
    """A clip's frames x channels uint16 features from the C frontend, from a fresh state; safe to call from
    many threads at once. (`hark.features.compute_features` gives the float features a model takes.)"""
    return _frontend_for_this_thread(fe).run(audio_int16)


def to_int8_micro(features: np.ndarray) -> np.ndarray:
    """TFLM micro_speech's int8 mapping of uint16 features: (v * 256 + 333) // 666 - 128, clamped."""
    f = np.ascontiguousarray(features, dtype=np.uint16)
    out = np.zeros(f.shape, np.int8)
    library().frontend_to_int8_micro(f.ctypes.data_as(_U16P), f.size, out.ctypes.data_as(_I8P))
    return out


def to_int8_dynamic(features: np.ndarray, range_db: float, scale_shift: int) -> np.ndarray:
    """MLTK's dynamic-scale int8: the block's maximum maps to 127 and range_db below it to -128."""
    f = np.ascontiguousarray(features, dtype=np.uint16)
    lib = library()
    rng = lib.frontend_dynamic_range(range_db, scale_shift)
    if rng <= 0:
        raise FrontendError(f"range_db must give a positive range, got {range_db} dB")
    out = np.zeros(f.shape, np.int8)
    lib.frontend_to_int8_dynamic(f.ctypes.data_as(_U16P), f.size, rng, out.ctypes.data_as(_I8P))
    return out


if loader.built("frontend"):
    library()  # a header changed without this binding fails here, at import, naming the struct and field
