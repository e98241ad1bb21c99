"""The PDM decimator on the host: the firmware's C code (firmware/pdm) through ctypes, for the tests that hold it
bit-exact to its numpy model (hark.features.pdm)."""

from __future__ import annotations

import ctypes
import functools

import numpy as np

from hark.native import loader

FIR_TAPS = 128  # PDM_FIR_TAPS (firmware/pdm/pdm.h); the binding checks it against the library's table size


class PdmState(ctypes.Structure):
    """Mirror of pdm_t."""

    _fields_ = [
        ("words", ctypes.c_uint16 * 3),
        ("cic", ctypes.c_int32 * (2 * FIR_TAPS)),
        ("pos", ctypes.c_uint32),
        ("phase", ctypes.c_uint32),
        ("shift", ctypes.c_uint32),
    ]


class DcState(ctypes.Structure):
    """Mirror of pdm_dc_t."""

    _fields_ = [("x1", ctypes.c_int32), ("y1", ctypes.c_int32), ("pole", ctypes.c_int32),
                ("scale_log2", ctypes.c_int32)]  # fmt: skip


@functools.cache
def library() -> ctypes.CDLL:
    lib = loader.load("pdm", {"pdm_t": PdmState, "pdm_dc_t": DcState})
    lib.pdm_init.argtypes = [ctypes.POINTER(PdmState), ctypes.c_int32]
    lib.pdm_init.restype = ctypes.c_int
    lib.pdm_process.argtypes = [ctypes.POINTER(PdmState), ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                ctypes.c_size_t]  # fmt: skip
    lib.pdm_process.restype = ctypes.c_size_t
    lib.pdm_dc_init.argtypes = [ctypes.POINTER(DcState), ctypes.c_int32, ctypes.c_int32]
    lib.pdm_dc_block.argtypes = [ctypes.POINTER(DcState), ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    return lib


def fir_taps() -> np.ndarray:
    """The FIR taps compiled into the library."""
    table = (ctypes.c_int16 * FIR_TAPS).in_dll(library(), "pdm_fir_taps")
    return np.array(table, np.int16)


def cic_lut() -> np.ndarray:
    table = (ctypes.c_int16 * (8 * 256)).in_dll(library(), "pdm_cic_lut")
    return np.array(table, np.int16).reshape(8, 256)


def decimate(words: np.ndarray, gain_log2: int = 0, pieces: int = 1) -> np.ndarray:
    """Runs the C decimator over a whole stream from pdm_init, fed in `pieces` calls."""
    lib = library()
    state = PdmState()
    if lib.pdm_init(ctypes.byref(state), gain_log2) != 0:
        raise ValueError(f"gain_log2 {gain_log2} out of range")
    w = np.ascontiguousarray(words, np.uint16)
    out = np.zeros(len(w) // 4 + 1, np.int16)
    n = 0
    for chunk in np.array_split(np.arange(len(w)), pieces):
        if len(chunk):
            n += lib.pdm_process(ctypes.byref(state), w[chunk[0] :].ctypes.data, len(chunk),
                                 out[n:].ctypes.data, len(out) - n)  # fmt: skip
    return out[:n]


def dc_block(rdatar: np.ndarray, pole_q15: int, scale_log2: int, pieces: int = 1) -> np.ndarray:
    """Runs the C scaling and DC blocker over a stream of DFSDM results, fed in `pieces` calls."""
    lib = library()
    state = DcState()
    lib.pdm_dc_init(ctypes.byref(state), pole_q15, scale_log2)
    r = np.ascontiguousarray(rdatar, np.int32)
    out = np.zeros(len(r), np.int16)
    for chunk in np.array_split(np.arange(len(r)), pieces):
        if len(chunk):
            lib.pdm_dc_block(ctypes.byref(state), r[chunk[0] :].ctypes.data, len(chunk), out[chunk[0] :].ctypes.data)
    return out
