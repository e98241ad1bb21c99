"""The host codec: agreement with the firmware's C encoder, the tables read from protocol.h, and a
fuzz test of the decoder (random bytes raise nothing but ProtocolError and never hang)."""

from __future__ import annotations

import ctypes
import re
import time
import zlib

import numpy as np
import pytest

from hark import paths
from hark.device import protocol as p
from hark.device.protocol import FrameDecoder, FrameError, ProtocolError


@pytest.fixture(scope="module")
def libproto() -> ctypes.CDLL:
    path = paths.host_library("protocol")
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the host libraries (cmake -B build/host && cmake --build build/host)")
    lib = ctypes.CDLL(str(path))
    lib.hark_frame_encode.restype = ctypes.c_size_t
    lib.hark_frame_encode.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_char_p, ctypes.c_uint16
    ]  # fmt: skip
    lib.hark_crc32.restype = ctypes.c_uint32
    lib.hark_crc32.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.hark_err_text.restype = ctypes.c_char_p
    lib.hark_audio_unpack.argtypes = [
        ctypes.c_char_p, ctypes.c_uint16, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_void_p, ctypes.c_uint16
    ]  # fmt: skip
    return lib


def _c_encode(lib: ctypes.CDLL, type_id: int, seq: int, payload: bytes) -> bytes:
    out = ctypes.create_string_buffer(p.MAX_ENCODED)
    n = lib.hark_frame_encode(out, p.MAX_ENCODED, type_id, seq, payload, len(payload))
    return out.raw[:n]


def _random_payload(rng: np.random.Generator, n: int) -> bytes:
    zeros = rng.random()
    data = rng.integers(1, 256, n, dtype=np.uint8)
    data[rng.random(n) < zeros] = 0
    return data.tobytes()


def test_python_and_c_frames_are_byte_identical(libproto: ctypes.CDLL) -> None:
    rng = np.random.default_rng(1)
    for n in [0, 1, 253, 254, 255, 508, 509, p.MAX_PAYLOAD, *rng.integers(0, p.MAX_PAYLOAD, 200)]:
        payload = _random_payload(rng, int(n))
        t, s = int(rng.integers(256)), int(rng.integers(256))
        frame = p.encode_frame(t, s, payload)
        assert frame == _c_encode(libproto, t, s, payload)
        assert libproto.hark_crc32(payload, len(payload)) == zlib.crc32(payload)
        (got,) = FrameDecoder().feed(frame)
        assert got == p.Frame(t, s, payload)
    assert _c_encode(libproto, 1, 1, bytes(p.MAX_PAYLOAD + 1)) == b""
    with pytest.raises(ProtocolError, match="exceeds"):
        p.encode_frame(1, 1, bytes(p.MAX_PAYLOAD + 1))


def test_tables_come_from_the_header(libproto: ctypes.CDLL) -> None:
    text = p.HEADER_PATH.read_text()
    # Every message in the header is known, with the id the header gives it.
    for type_hex, name in re.findall(r"M\((0x[0-9A-F]+), (\w+), ", text):
        assert p.PROTO.messages[name].type == int(type_hex, 16)
    assert len(p.PROTO.messages) == text.count("  M(0x")
    # The error texts the device sends are the ones the host knows.
    for code, (_, meaning) in p.PROTO.errors.items():
        assert libproto.hark_err_text(code).decode() == meaning
    assert p.PROTO.params["recognition.detection_threshold"].kind == "f"
    assert p.MAX_ENCODED >= len(p.encode_frame(255, 255, b"\x01" * p.MAX_PAYLOAD))


def test_messages_round_trip() -> None:
    msg = p.unpack(0x88, p.pack("DETECTION", time_ms=1234, label=2, score=231, label_name="yes"), seq=0)
    assert (msg.name, msg.time_ms, msg.label, msg.score, msg.label_name) == ("DETECTION", 1234, 2, 231, "yes")
    audio = np.array([-32768, 0, 32767], np.int16)
    msg = p.unpack(p.PROTO.messages["AUDIO_CHUNK"].type, p.pack("AUDIO_CHUNK", first_sample=5, samples=audio))
    assert np.array_equal(msg.samples, audio)
    assert p.param_value("f", p.param_bits("recognition.detection_threshold", 0.7)) == pytest.approx(0.7)
    assert p.param_value(ord("i"), p.param_bits("recognition.suppression_ms", -5)) == -5


@pytest.mark.parametrize(
    ("name", "fields", "match"),
    [
        ("NOPE", {}, "unknown message"),
        ("PARAM_GET", {}, "missing"),
        ("PARAM_GET", {"param": 1, "extra": 2}, "no field"),
        ("PARAM_GET", {"param": 70000}, "cannot pack"),
        ("AUDIO_CHUNK", {"first_sample": 0, "samples": np.array([40000])}, "out of the"),
        ("AUDIO_CHUNK", {"first_sample": 0, "samples": np.zeros(600, np.int16)}, "exceeds"),
        ("HELLO", {"protocol": 1, "firmware": "x" * 300}, "255"),
    ],
)
def test_pack_refuses_bad_fields(name: str, fields: dict, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        p.pack(name, **fields)


def test_unpack_refuses_bad_payloads() -> None:
    with pytest.raises(ProtocolError, match="unknown message type"):
        p.unpack(0x7E, b"")
    with pytest.raises(ProtocolError, match="too short"):
        p.unpack(p.PROTO.messages["PARAM_GET"].type, b"\x01")
    with pytest.raises(ProtocolError, match="trailing"):
        p.unpack(p.PROTO.messages["PARAM_GET"].type, b"\x01\x00\x00")
    with pytest.raises(ProtocolError, match="whole number"):
        p.unpack(p.PROTO.messages["AUDIO_CHUNK"].type, b"\x00\x00\x00\x00\x01")
    with pytest.raises(ProtocolError, match="runs past"):
        p.unpack(p.PROTO.messages["HELLO"].type, b"\x01\x09abc")


def test_decoder_errors_name_the_fault() -> None:
    good = p.encode_message("PING", 3, data=b"hi")
    names = [e.name for e in FrameDecoder().feed(good[:-3] + good) if isinstance(e, FrameError)]
    assert names == ["FRAME_STUFFING"] or names == ["FRAME_LENGTH"] or names == ["FRAME_CRC"]
    bad_crc = bytearray(good)
    bad_crc[-3] = bad_crc[-3] % 255 + 1
    assert [e.name for e in FrameDecoder().feed(bytes(bad_crc))] == ["FRAME_CRC"]
    oversized = p.encode_frame(1, 1, b"")  # then re-declare its length, CRC fixed up to match
    raw = bytearray(p.cobs_decode(oversized[1:-1]))
    raw[3:5] = (p.MAX_PAYLOAD + 1).to_bytes(2, "little")
    raw[-4:] = zlib.crc32(bytes(raw[:-4])).to_bytes(4, "little")
    assert [e.name for e in FrameDecoder().feed(b"\0" + p.cobs_encode(bytes(raw)) + b"\0")] == ["FRAME_OVERSIZE"]
    # An endless run without a delimiter costs bounded memory and one error, then frames flow again.
    dec = FrameDecoder()
    out = dec.feed(b"\x55" * (5 * p.MAX_ENCODED)) + dec.feed(good)
    assert [type(x).__name__ for x in out] == ["FrameError", "Frame"]
    assert len(dec._buf) == 0


def test_fuzz_decoder_never_raises_or_loses_good_frames() -> None:
    rng = np.random.default_rng(2026)
    t0 = time.monotonic()
    for _ in range(300):
        stream, sent, pieces = bytearray(), [], 0
        for _ in range(int(rng.integers(1, 30))):
            kind = int(rng.integers(5))
            if kind <= 1:
                payload = _random_payload(rng, int(rng.integers(0, p.MAX_PAYLOAD + 1)))
                sent.append(p.Frame(int(rng.integers(256)), int(rng.integers(256)), payload))
                stream += p.encode_frame(sent[-1].type, sent[-1].seq, payload)
            elif kind == 2:
                stream += rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8).tobytes()
            elif kind == 3:  # torn
                f = p.encode_frame(1, 1, _random_payload(rng, int(rng.integers(0, 600))))
                stream += f[: int(rng.integers(1, len(f) - 1))]
            else:  # one byte changed
                f = bytearray(p.encode_frame(2, 2, _random_payload(rng, int(rng.integers(0, 600)))))
                i = int(rng.integers(1, len(f) - 1))
                f[i] = f[i] % 255 + 1
                stream += f
        stream += b"\0"  # ends whatever torn piece came last
        dec = FrameDecoder()
        out = []
        cuts = sorted(rng.integers(0, len(stream) + 1, int(rng.integers(0, 20))))
        for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):  # arbitrary read boundaries
            out += dec.feed(bytes(stream[a:b]))
        frames = [x for x in out if not isinstance(x, FrameError)]
        assert frames == sent
        pieces = len([s for s in bytes(stream).split(b"\0") if s])
        assert len(out) == pieces  # every other non-empty piece is one error
        for f in frames:
            try:
                p.unpack(f.type, f.payload)
            except ProtocolError:
                pass
    junk = np.random.default_rng(7)
    for _ in range(3000):
        type_id = int(junk.integers(256))
        payload = junk.integers(0, 256, int(junk.integers(0, 80)), dtype=np.uint8).tobytes()
        try:
            p.unpack(type_id, payload)
        except ProtocolError:
            pass
    assert time.monotonic() - t0 < 60


def test_docs_cover_every_message_error_and_parameter() -> None:
    doc = (paths.REPO_ROOT / "docs" / "protocol.md").read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"\| `0x[0-9A-F]{2}` \| `(\w+)` \|[^\n]*", doc)}
    for name, mdef in p.PROTO.messages.items():
        assert name in rows, f"docs/protocol.md lacks message {name}"
        assert f"`0x{mdef.type:02X}`" in rows[name]
        for f in mdef.fields:
            assert f"{f.kind} {f.name}" in rows[name], f"docs/protocol.md: {name} lacks field {f.kind} {f.name}"
    for code, (name, _) in p.PROTO.errors.items():
        assert f"| {code} | `{name}` |" in doc
    for name, pdef in p.PROTO.params.items():
        assert f"| {pdef.id} | `{name}` | {pdef.kind} |" in doc


def _signals(rng: np.random.Generator) -> list[np.ndarray]:
    n = p.MAX_PACKED_SAMPLES
    t = np.arange(n)
    return [
        np.zeros(n, np.int16),
        np.array([], np.int16),
        np.array([-32768, 32767] * (n // 2), np.int16),  # the largest residuals an order-2 predictor meets
        np.array([32767, -32768, -32768, 32767] * 4, np.int16),
        (t % 65536 - 32768).astype(np.int16),
        (12000 * np.sin(t / 7)).astype(np.int16),
        rng.integers(-32768, 32768, 320, dtype=np.int16),
        rng.normal(0, 30, 320).astype(np.int16),
    ]


def test_packed_audio_round_trips_through_the_device_decoder(libproto: ctypes.CDLL) -> None:
    rng = np.random.default_rng(11)
    for x in _signals(rng):
        order, k, bits = p.pack_audio(x)
        assert np.array_equal(p.unpack_audio(bits, order, k, len(x)), x)
        out = np.zeros(max(1, len(x)), np.int16)
        assert libproto.hark_audio_unpack(bits, len(bits), order, k, out.ctypes.data, len(x)) == 0
        assert np.array_equal(out[: len(x)], x)
        if len(bits) > 1:  # one byte short: refused, never read past
            assert libproto.hark_audio_unpack(bits[:-1], len(bits) - 1, order, k, out.ctypes.data, len(x)) in (-1, 0)
    # Quiet speech-like audio packs well; that is the point of AUDIO_PACKED.
    _, _, bits = p.pack_audio(rng.normal(0, 30, 320).astype(np.int16))
    assert len(bits) < 320 * 2 / 2
    with pytest.raises(ProtocolError, match="int16"):
        p.pack_audio(np.zeros(3, np.float32))
    with pytest.raises(ProtocolError, match="run out"):
        p.unpack_audio(b"\x00", 0, 0, 1)
    with pytest.raises(ProtocolError, match="out of range"):
        p.unpack_audio(b"\x80", 3, 0, 1)


def test_fuzz_packed_audio_decoders_agree(libproto: ctypes.CDLL) -> None:
    rng = np.random.default_rng(12)
    out = np.zeros(p.MAX_PACKED_SAMPLES, np.int16)
    for _ in range(400):
        bits = (rng.integers(0, 256, int(rng.integers(0, 64)), dtype=np.uint8) & rng.integers(0, 256)).tobytes()
        order, k, count = int(rng.integers(0, 3)), int(rng.integers(0, 21)), int(rng.integers(0, 40))
        rc = libproto.hark_audio_unpack(bits, len(bits), order, k, out.ctypes.data, count)
        try:
            want = p.unpack_audio(bits, order, k, count)
        except ProtocolError:
            assert rc == -1
        else:
            assert rc == 0 and np.array_equal(out[:count], want)
