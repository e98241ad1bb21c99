"""Strict reading and writing of the one WAV format datasets use: PCM, mono, 16-bit, at the frontend's rate.

`check_wav` reads only the header, so a whole dataset can be verified before training starts; every problem
raises `BadWavError` naming the file and what is wrong with it, never a silently wrong tensor.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_PCM = 1
_EXTENSIBLE = 0xFFFE
_PCM_SUBFORMAT_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


class DatasetError(ValueError):
    """A dataset folder, list file or clip is unusable; the message names the path and the problem."""


class BadWavError(DatasetError):
    """One WAV file is not 16-bit PCM mono at the expected rate, or is empty or truncated."""


@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    bits: int
    data_offset: int
    num_samples: int  # per channel


def _parse_header(blob: bytes, path: str, *, lenient: bool, total: int | None = None) -> WavInfo:
    """`blob` is the file or its head; `total` is the file's real size when `blob` is only the head."""
    total = len(blob) if total is None else total
    if total == 0:
        raise BadWavError(f"{path}: empty file (0 bytes)")
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise BadWavError(f"{path}: not a RIFF/WAVE file")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(blob):
        cid, size = blob[pos : pos + 4], struct.unpack_from("<I", blob, pos + 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + 16 > len(blob):
                raise BadWavError(f"{path}: truncated fmt chunk")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", blob, body)
            if tag == _EXTENSIBLE and size >= 40 and blob[body + 26 : body + 40] == _PCM_SUBFORMAT_TAIL:
                tag = struct.unpack_from("<H", blob, body + 24)[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise BadWavError(f"{path}: data chunk before the fmt chunk")
            tag, channels, rate, bits = fmt
            if tag != _PCM:
                raise BadWavError(f"{path}: WAV format tag {tag}, expected 1 (integer PCM)")
            if channels < 1 or bits not in (8, 16, 24, 32):
                raise BadWavError(f"{path}: malformed fmt chunk ({channels} channels, {bits} bits)")
            frame = channels * bits // 8
            if size % frame and not lenient:
                raise BadWavError(f"{path}: the data chunk's {size} bytes are not a whole number of "
                                  f"{channels}-channel {bits}-bit samples (truncated?)")  # fmt: skip
            avail = total - body
            if size > avail:
                if not lenient:
                    raise BadWavError(
                        f"{path}: truncated: the data chunk declares {size} bytes but only {avail} follow"
                    )
                size = avail
            return WavInfo(rate, channels, bits, body, size // frame)
        pos = body + size + (size & 1)
    if fmt is None:
        raise BadWavError(f"{path}: no fmt chunk (truncated header?)")
    raise BadWavError(f"{path}: no data chunk (truncated?)")


def check_wav(path: str | os.PathLike[str], sample_rate: int) -> WavInfo:
    """Verifies that `path` holds 16-bit PCM mono audio at `sample_rate` with at least one sample."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            total = os.fstat(f.fileno()).st_size
            head = f.read(4096)
            if total > len(head) and b"data" not in head:
                head += f.read(1 << 20)  # a long metadata chunk before the samples
    except OSError as err:
        raise BadWavError(f"{path}: cannot read: {err.strerror}") from err
    info = _parse_header(head, path, lenient=False, total=total)
    _check_format(info, path, sample_rate)
    return info


def _check_format(info: WavInfo, path: str, sample_rate: int) -> None:
    if info.channels != 1:
        raise BadWavError(f"{path}: {info.channels} channels (stereo?), expected mono")
    if info.bits != 16:
        raise BadWavError(f"{path}: {info.bits}-bit samples, expected 16-bit PCM")
    if info.sample_rate != sample_rate:
        raise BadWavError(f"{path}: sample rate {info.sample_rate} Hz, expected {sample_rate} Hz")
    if info.num_samples == 0:
        raise BadWavError(f"{path}: empty: the data chunk holds no samples")


def read_wav(path: str | os.PathLike[str], sample_rate: int) -> np.ndarray:
    """The samples of a strict dataset WAV as int16, shape (n,)."""
    path = os.fspath(path)
    blob = Path(path).read_bytes()
    info = _parse_header(blob, path, lenient=False)
    _check_format(info, path, sample_rate)
    return np.frombuffer(blob, dtype="<i2", count=info.num_samples, offset=info.data_offset).astype(np.int16)


def decode_wav_bytes(blob: bytes, what: str) -> tuple[np.ndarray, int]:
    """Any-rate 16-bit mono WAV from a tool's output (a streamed header may overstate the data size)."""
    info = _parse_header(blob, what, lenient=True)
    if info.channels != 1 or info.bits != 16:
        raise BadWavError(f"{what}: {info.channels} channels, {info.bits} bits; expected 16-bit mono")
    samples = np.frombuffer(blob, dtype="<i2", count=info.num_samples, offset=info.data_offset).astype(np.int16)
    return samples, info.sample_rate


def encode_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    data = np.asarray(samples, dtype="<i2").tobytes()
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, _PCM, 1, sample_rate, sample_rate * 2, 2, 16,
        b"data", len(data),
    )  # fmt: skip
    return header + data


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> None:
    """Writes atomically (temp file + rename), so an interrupted run never leaves a half file behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(encode_wav(samples, sample_rate))
    os.replace(tmp, path)
