"""The host side of the serial protocol: frames (COBS + CRC-32) and message payloads.

Every constant, message id, payload layout, error code and parameter comes from the firmware's
`firmware/protocol/protocol.h`, parsed here, so the two sides cannot drift apart. The codec raises
only `ProtocolError` on bad input; the frame decoder reports bad frames as `FrameError` values and
resynchronises at the next delimiter. docs/protocol.md describes the wire format.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from hark import paths

HEADER_PATH = paths.REPO_ROOT / "firmware" / "protocol" / "protocol.h"

SCALAR_FORMATS = {"u8": "B", "u16": "H", "u32": "I", "i8": "b", "i16": "h", "i32": "i", "f32": "f"}
TAIL_DTYPES = {"bytes": None, "str": None, "i8s": np.dtype("<i1"), "i16s": np.dtype("<i2"), "u32s": np.dtype("<u4")}


class ProtocolError(ValueError):
    """A payload or frame that does not follow the protocol, or a message the codec cannot build."""


@dataclass(frozen=True)
class FieldDef:
    kind: str  # a scalar type, "s8", or for the tail one of TAIL_DTYPES
    name: str
    tail: bool


@dataclass(frozen=True)
class MessageDef:
    type: int
    name: str
    direction: str  # "H2D" or "D2H"
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class ParamDef:
    id: int
    name: str  # dotted, e.g. "recognition.suppression_ms"
    kind: str  # "i" or "f"


@dataclass(frozen=True)
class Definitions:
    constants: dict[str, int]
    messages: dict[str, MessageDef]
    by_type: dict[int, MessageDef]
    errors: dict[int, tuple[str, str]]  # code -> (NAME, meaning)
    params: dict[str, ParamDef]

    def error_code(self, name: str) -> int:
        for code, (ename, _) in self.errors.items():
            if ename == name:
                return code
        raise KeyError(name)


def _joined_lines(text: str) -> list[str]:
    return text.replace("\\\n", " ").splitlines()


def _eval_constant(expr: str, known: dict[str, int]) -> int | None:
    expr = re.sub(r"/\*.*?\*/", "", expr).strip()
    expr = re.sub(r"\bHARK_PROTO_(\w+)\b", lambda m: str(known.get(m.group(1), "?")), expr)
    if not re.fullmatch(r"[0-9xXa-fA-F+\-*/() ]+", expr):
        return None
    return int(eval(expr.replace("/", "//"), {"__builtins__": {}}))  # noqa: S307 - digits and operators only


def parse_header(text: str) -> Definitions:
    """Reads the protocol tables out of protocol.h's text."""
    lines = _joined_lines(text)
    constants: dict[str, int] = {}
    for line in lines:
        m = re.match(r"#define HARK_PROTO_(\w+) (.+)$", line)
        if m:
            value = _eval_constant(m.group(2), constants)
            if value is not None:
                constants[m.group(1)] = value
    layouts: dict[str, tuple[FieldDef, ...]] = {}
    for line in lines:
        m = re.match(r"#define HARK_FIELDS_(\w+)\(F, T\)(.*)$", line)
        if not m:
            continue
        fields = tuple(
            FieldDef(kind, name, tail == "T")
            for tail, kind, name in re.findall(r"\b([FT])\((\w+), (\w+)\)", m.group(2))
        )
        for i, f in enumerate(fields):
            known = TAIL_DTYPES if f.tail else {**SCALAR_FORMATS, "s8": ""}
            if f.kind not in known or (f.tail and i != len(fields) - 1):
                raise ProtocolError(f"protocol.h: bad field {f.kind} {f.name} in {m.group(1)}")
        layouts[m.group(1)] = fields
    messages: dict[str, MessageDef] = {}
    table = next((ln for ln in lines if ln.startswith("#define HARK_MESSAGES(M)")), "")
    for type_hex, name, direction in re.findall(r"M\((0x[0-9A-Fa-f]+), (\w+), (H2D|D2H)\)", table):
        if name not in layouts:
            raise ProtocolError(f"protocol.h: message {name} has no HARK_FIELDS_{name}")
        messages[name] = MessageDef(int(type_hex, 16), name, direction, layouts[name])
    errors_line = next((ln for ln in lines if ln.startswith("#define HARK_ERRORS(E)")), "")
    errors = {int(c): (n, t) for c, n, t in re.findall(r'E\((\d+), (\w+), "([^"]*)"\)', errors_line)}
    params_line = next((ln for ln in lines if ln.startswith("#define HARK_PARAMS(P)")), "")
    params = {
        dotted: ParamDef(int(pid), dotted, kind)
        for pid, _, dotted, kind in re.findall(r'P\((\d+), (\w+), "([^"]+)", ([if])\)', params_line)
    }
    required = ("VERSION", "HEADER_SIZE", "CRC_SIZE", "MAX_PAYLOAD", "MAX_ENCODED", "AUDIO_WINDOW", "SEQ_ASYNC")
    missing = [c for c in required if c not in constants]
    if missing or not messages or not errors or not params:
        raise ProtocolError(f"protocol.h could not be read: missing {missing or 'tables'}")
    return Definitions(constants, messages, {m.type: m for m in messages.values()}, errors, params)


@lru_cache(maxsize=1)
def definitions(path: Path = HEADER_PATH) -> Definitions:
    if not path.is_file():
        raise ProtocolError(f"protocol header not found: {path} (the host codec reads it as its source of truth)")
    return parse_header(path.read_text())


PROTO = definitions()
VERSION = PROTO.constants["VERSION"]
HEADER_SIZE = PROTO.constants["HEADER_SIZE"]
CRC_SIZE = PROTO.constants["CRC_SIZE"]
MAX_PAYLOAD = PROTO.constants["MAX_PAYLOAD"]
MAX_ENCODED = PROTO.constants["MAX_ENCODED"]
AUDIO_WINDOW = PROTO.constants["AUDIO_WINDOW"]
SEQ_ASYNC = PROTO.constants["SEQ_ASYNC"]
MAX_PACKED_SAMPLES = PROTO.constants["MAX_PACKED_SAMPLES"]
PACKED_MAX_ORDER = PROTO.constants["PACKED_MAX_ORDER"]
PACKED_MAX_RICE_K = PROTO.constants["PACKED_MAX_RICE_K"]


# -- payloads ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One decoded message: its name, the frame's seq, and its fields by name."""

    name: str
    seq: int
    fields: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:  # noqa: ANN401 - field types vary by message
        try:
            return self.__dict__["fields"][key]
        except KeyError:
            raise AttributeError(f"{self.__dict__.get('name')} has no field '{key}'") from None

    @property
    def type(self) -> int:
        return PROTO.messages[self.name].type


def pack(name: str, **values: Any) -> bytes:  # noqa: ANN401
    """Builds a message's payload from its fields (all must be given)."""
    mdef = PROTO.messages.get(name)
    if mdef is None:
        raise ProtocolError(f"unknown message '{name}'")
    extra = set(values) - {f.name for f in mdef.fields}
    if extra:
        raise ProtocolError(f"{name} has no field(s) {sorted(extra)}")
    out = bytearray()
    for f in mdef.fields:
        if f.name not in values:
            raise ProtocolError(f"{name}: field '{f.name}' is missing")
        v = values[f.name]
        try:
            if f.tail:
                out += _pack_tail(f.kind, v)
            elif f.kind == "s8":
                raw = v.encode() if isinstance(v, str) else bytes(v)
                if len(raw) > 255:
                    raise ProtocolError(f"{name}.{f.name}: string longer than 255 bytes")
                out += bytes([len(raw)]) + raw
            else:
                out += struct.pack("<" + SCALAR_FORMATS[f.kind], v)
        except (struct.error, TypeError, ValueError, OverflowError) as err:
            if isinstance(err, ProtocolError):
                raise
            raise ProtocolError(f"{name}.{f.name}: cannot pack {v!r} as {f.kind}: {err}") from err
    if len(out) > MAX_PAYLOAD:
        raise ProtocolError(f"{name}: payload of {len(out)} bytes exceeds the maximum {MAX_PAYLOAD}")
    return bytes(out)


def _pack_tail(kind: str, v: Any) -> bytes:  # noqa: ANN401
    if kind == "str":
        return v.encode() if isinstance(v, str) else bytes(v)
    if kind == "bytes":
        return bytes(v)
    arr = np.asarray(v)
    dtype = TAIL_DTYPES[kind]
    if arr.ndim != 1 or (arr.size and not np.can_cast(arr.dtype, dtype, casting="same_kind")):
        raise ProtocolError(f"expected a 1-D array castable to {dtype}, got {arr.dtype} {arr.shape}")
    if arr.size and arr.dtype != dtype and (arr.min() < np.iinfo(dtype).min or arr.max() > np.iinfo(dtype).max):
        raise ProtocolError(f"values out of the {dtype} range")
    return arr.astype(dtype).tobytes()


def unpack(type_id: int, payload: bytes, seq: int = 0) -> Message:
    """Decodes a payload by its message type; raises ProtocolError if it does not match the layout."""
    mdef = PROTO.by_type.get(type_id)
    if mdef is None:
        raise ProtocolError(f"unknown message type 0x{type_id:02X}")
    values: dict[str, Any] = {}
    pos = 0
    for f in mdef.fields:
        if f.tail:
            rest = payload[pos:]
            pos = len(payload)
            dtype = TAIL_DTYPES[f.kind]
            if f.kind == "str":
                values[f.name] = rest.decode("utf-8", errors="replace")
            elif dtype is None:
                values[f.name] = bytes(rest)
            elif len(rest) % dtype.itemsize:
                raise ProtocolError(f"{mdef.name}.{f.name}: {len(rest)} bytes is not a whole number of {f.kind}")
            else:
                values[f.name] = np.frombuffer(rest, dtype=dtype).copy()
        elif f.kind == "s8":
            if pos >= len(payload) or pos + 1 + payload[pos] > len(payload):
                raise ProtocolError(f"{mdef.name}.{f.name}: string runs past the payload")
            n = payload[pos]
            values[f.name] = payload[pos + 1 : pos + 1 + n].decode("utf-8", errors="replace")
            pos += 1 + n
        else:
            fmt = "<" + SCALAR_FORMATS[f.kind]
            size = struct.calcsize(fmt)
            if pos + size > len(payload):
                raise ProtocolError(f"{mdef.name}: payload of {len(payload)} bytes too short for field {f.name}")
            (values[f.name],) = struct.unpack_from(fmt, payload, pos)
            pos += size
    if pos != len(payload):
        raise ProtocolError(f"{mdef.name}: {len(payload) - pos} unexpected trailing bytes")
    return Message(mdef.name, seq, values)


# -- frames --------------------------------------------------------------------------------------
def cobs_encode(data: bytes) -> bytes:
    """COBS exactly as the firmware encodes it (a block closes at a zero or after 254 data bytes)."""
    out = bytearray([0])
    code_pos, code = 0, 1
    for b in data:
        if b == 0:
            out[code_pos] = code
            code_pos, code = len(out), 1
            out.append(0)
            continue
        out.append(b)
        code += 1
        if code == 0xFF:
            out[code_pos] = code
            code_pos, code = len(out), 1
            out.append(0)
    out[code_pos] = code
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0:
            raise ProtocolError("zero byte inside a COBS block")
        end = i + code
        if end > len(data):
            raise ProtocolError("COBS block runs past the frame (torn frame)")
        out += data[i + 1 : end]
        i = end
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def encode_frame(type_id: int, seq: int, payload: bytes = b"") -> bytes:
    """A whole frame, both delimiters included."""
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds the maximum {MAX_PAYLOAD}")
    if not (0 <= type_id <= 255 and 0 <= seq <= 255):
        raise ProtocolError(f"type {type_id} and seq {seq} must be bytes")
    body = struct.pack("<BBBH", VERSION, type_id, seq, len(payload)) + payload
    body += struct.pack("<I", zlib.crc32(body))
    return b"\x00" + cobs_encode(body) + b"\x00"


def encode_message(name: str, seq: int = SEQ_ASYNC, **values: Any) -> bytes:  # noqa: ANN401
    return encode_frame(PROTO.messages[name].type if name in PROTO.messages else -1, seq, pack(name, **values))


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes


@dataclass(frozen=True)
class FrameError:
    """A bad frame the decoder dropped; code is one of the protocol's FRAME_* error codes."""

    code: int
    detail: str

    @property
    def name(self) -> str:
        return PROTO.errors.get(self.code, ("UNKNOWN", ""))[0]


def check_frame(body: bytes) -> Frame | FrameError:
    """Checks one delimited, COBS-encoded frame body."""
    err = PROTO.error_code
    try:
        raw = cobs_decode(body)
    except ProtocolError as e:
        return FrameError(err("FRAME_STUFFING"), str(e))
    if len(raw) < HEADER_SIZE + CRC_SIZE:
        return FrameError(err("FRAME_SHORT"), f"{len(raw)} bytes")
    version, type_id, seq, length = struct.unpack_from("<BBBH", raw)
    if version != VERSION:
        return FrameError(err("FRAME_VERSION"), f"version {version}, expected {VERSION}")
    if length > MAX_PAYLOAD:
        return FrameError(err("FRAME_OVERSIZE"), f"declared {length} bytes")
    if len(raw) != HEADER_SIZE + length + CRC_SIZE:
        return FrameError(err("FRAME_LENGTH"), f"header says {length} payload bytes, frame has {len(raw)} bytes")
    (crc,) = struct.unpack_from("<I", raw, len(raw) - CRC_SIZE)
    if zlib.crc32(raw[:-CRC_SIZE]) != crc:
        return FrameError(err("FRAME_CRC"), f"type 0x{type_id:02X} seq {seq}")
    return Frame(type_id, seq, bytes(raw[HEADER_SIZE:-CRC_SIZE]))


class FrameDecoder:
    """Bytes in, frames and frame errors out; memory stays bounded by one maximal encoded frame."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._overflow = False
        self.frames = 0
        self.errors = 0

    def feed(self, data: bytes | bytearray | Iterable[int]) -> list[Frame | FrameError]:
        out: list[Frame | FrameError] = []
        data = bytes(data)
        start = 0
        while start <= len(data):
            end = data.find(b"\x00", start)
            piece = data[start:] if end < 0 else data[start:end]
            if not self._overflow:
                self._buf += piece
                if len(self._buf) > MAX_ENCODED:
                    self._overflow = True
                    self._buf.clear()
                    out.append(FrameError(PROTO.error_code("FRAME_OVERSIZE"), f"frame longer than {MAX_ENCODED} bytes"))
            if end < 0:
                break
            if self._buf:
                out.append(check_frame(bytes(self._buf)))
            self._buf.clear()
            self._overflow = False
            start = end + 1
        for item in out:
            if isinstance(item, Frame):
                self.frames += 1
            else:
                self.errors += 1
        return out


def param_bits(name: str, value: float) -> int:
    """A parameter value as the 32 raw bits PARAM_SET carries."""
    pdef = PROTO.params.get(name)
    if pdef is None:
        raise ProtocolError(f"unknown parameter '{name}'; known: {', '.join(sorted(PROTO.params))}")
    try:
        if pdef.kind == "f":
            return struct.unpack("<I", struct.pack("<f", float(value)))[0]
        return struct.unpack("<I", struct.pack("<i", int(value)))[0]
    except (struct.error, OverflowError, ValueError, TypeError) as err:
        raise ProtocolError(f"{name}: cannot send {value!r} as {pdef.kind}: {err}") from err


def param_value(kind: int | str, bits: int) -> int | float:
    """Turns a PARAM message's raw bits back into an int or a float."""
    kind = chr(kind) if isinstance(kind, int) else kind
    raw = struct.pack("<I", bits & 0xFFFFFFFF)
    return struct.unpack("<f", raw)[0] if kind == "f" else struct.unpack("<i", raw)[0]


# -- packed audio (AUDIO_PACKED) -------------------------------------------------------------------
def _residuals(x: np.ndarray, order: int) -> np.ndarray:
    e = x.astype(np.int64)
    for _ in range(order):
        e = np.concatenate([e[:1], np.diff(e)])
    return e


def pack_audio(samples: np.ndarray) -> tuple[int, int, bytes]:
    """Losslessly packs int16 samples as AUDIO_PACKED does: returns (order, rice_k, bits).

    Picks the predictor order and Rice parameter that give the fewest bits.
    """
    x = np.asarray(samples)
    if x.ndim != 1 or x.dtype != np.int16 or len(x) > MAX_PACKED_SAMPLES:
        raise ProtocolError(f"expected at most {MAX_PACKED_SAMPLES} int16 samples, got {x.dtype} {x.shape}")
    best: tuple[int, int, int, np.ndarray] | None = None
    for order in range(PACKED_MAX_ORDER + 1):
        e = _residuals(x, order)
        z = np.where(e >= 0, 2 * e, -2 * e - 1)
        guess = int(np.log2(z.mean() + 1)) if len(z) else 0
        for k in range(max(0, guess - 2), min(PACKED_MAX_RICE_K, guess + 2) + 1):
            nbits = int(np.sum(z >> k)) + (k + 1) * len(z)
            if best is None or nbits < best[0]:
                best = (nbits, order, k, z)
    assert best is not None
    nbits, order, k, z = best
    q = z >> k
    starts = np.concatenate([[0], np.cumsum(q + 1 + k)[:-1]]).astype(np.int64)
    bits = np.zeros(nbits, np.uint8)
    bits[starts + q] = 1  # the unary quotient: q zeros, then a one
    for j in range(k):
        bits[starts + q + 1 + j] = (z >> (k - 1 - j)) & 1
    return order, k, np.packbits(bits).tobytes()


def unpack_audio(bits: bytes, order: int, rice_k: int, count: int) -> np.ndarray:
    """The inverse of pack_audio (the device's decoder, restated); raises ProtocolError on bad input."""
    if not (0 <= order <= PACKED_MAX_ORDER and 0 <= rice_k <= PACKED_MAX_RICE_K and 0 <= count <= MAX_PACKED_SAMPLES):
        raise ProtocolError(f"packed audio: order {order}, rice_k {rice_k} or count {count} out of range")
    flat = np.unpackbits(np.frombuffer(bits, np.uint8))
    ones = np.flatnonzero(flat)
    values = np.empty(count, np.int64)
    pos = 0
    for n in range(count):
        i = np.searchsorted(ones, pos)
        if i >= len(ones) or ones[i] + 1 + rice_k > len(flat):
            raise ProtocolError("packed audio: the bits run out")
        q = int(ones[i]) - pos
        pos = int(ones[i]) + 1
        r = 0
        for b in flat[pos : pos + rice_k]:
            r = (r << 1) | int(b)
        pos += rice_k
        z = (q << rice_k) | r
        values[n] = -((z + 1) >> 1) if z & 1 else z >> 1
    for _ in range(order):
        values = np.cumsum(values)
    if count and (values.min() < -32768 or values.max() > 32767):
        raise ProtocolError("packed audio: a sample leaves the int16 range")
    return values.astype(np.int16)
