"""ctypes binding to the firmware's keyword-spotting pipeline (firmware/kws, build/host/lib/libhark_kws.so).

The same C the board runs: frontend -> runtime -> RecognizeCommands, one hop at a time. `hark.twin.Twin` drives
it; this module holds the struct mirrors, checked against the library's layout table at load.
"""

from __future__ import annotations

import ctypes

from hark.native import loader
from hark.native.loader import NativeError

ERRORS = {-1: "bad argument", -2: "model", -3: "metadata", -4: "unsupported", -5: "arena", -6: "eval", -7: "value"}


class TwinError(NativeError):
    """The pipeline refused the model or a call; the message is the C side's."""


class Hop(ctypes.Structure):
    _fields_ = [
        ("hop", ctypes.c_uint32),
        ("time_ms", ctypes.c_uint32),
        ("frontend", ctypes.c_uint32),
        ("inference", ctypes.c_uint32),
        ("recognize", ctypes.c_uint32),
        ("invoked", ctypes.c_uint8),
        ("detected", ctypes.c_uint8),
        ("label", ctypes.c_int16),
        ("score", ctypes.c_int32),
        ("scores", ctypes.POINTER(ctypes.c_int8)),
        ("score_count", ctypes.c_uint16),
    ]


class RecognitionSettings(ctypes.Structure):
    _fields_ = [
        ("average_window_ms", ctypes.c_int32),
        ("detection_threshold", ctypes.c_float),
        ("suppression_ms", ctypes.c_int32),
        ("minimum_count", ctypes.c_int32),
    ]


MIRRORS = {"kws_hop_t": Hop, "kws_recognition_t": RecognitionSettings}


def library() -> ctypes.CDLL:
    """The pipeline library, its structs checked against `MIRRORS` (hark.native.loader)."""
    try:
        lib = loader.load("kws", MIRRORS)
    except loader.LayoutError:
        raise
    except NativeError as err:
        raise TwinError(str(err)) from err
    lib.kws_sizeof.restype = ctypes.c_size_t
    lib.kws_all_ops.restype = ctypes.c_void_p
    lib.kws_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p,
                             ctypes.c_size_t, ctypes.c_void_p]  # fmt: skip
    lib.kws_error.restype = ctypes.c_char_p
    lib.kws_error.argtypes = [ctypes.c_void_p]
    lib.kws_hop_samples.restype = ctypes.c_uint32
    lib.kws_hop_samples.argtypes = [ctypes.c_void_p]
    lib.kws_hop.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Hop)]
    lib.kws_reset.argtypes = [ctypes.c_void_p]
    lib.kws_label.restype = ctypes.c_int32
    lib.kws_label.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_char_p)]
    lib.kws_arena_used.restype = ctypes.c_size_t
    lib.kws_arena_used.argtypes = [ctypes.c_void_p]
    lib.kws_is_bare.argtypes = [ctypes.c_void_p]
    lib.kws_get_recognition.argtypes = [ctypes.c_void_p, ctypes.POINTER(RecognitionSettings)]
    lib.kws_set_recognition.argtypes = [ctypes.c_void_p, ctypes.POINTER(RecognitionSettings)]
    lib.hark_kws_app_arena_bytes.restype = ctypes.c_uint32
    return lib


def app_arena_bytes() -> int:
    """The board app's arena (HARK_ARENA_BYTES of the build), so the twin runs in the same arena."""
    return int(library().hark_kws_app_arena_bytes())


if loader.built("kws"):
    library()  # a header changed without this binding fails here, at import, naming the struct and field
