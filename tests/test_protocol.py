"""The framed protocol against the emulated board: every kind of broken input gets an error reply
and the device keeps answering; audio flows under credits without overruns, and overruns caused by
a host that ignores them are counted and reported."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from reference import reference_file

from hark.device import DeviceError, DeviceLink, emulated_link
from hark.device import protocol as p

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def link(app_image: Path) -> Iterator[DeviceLink]:
    with emulated_link(app_image) as lk:
        yield lk


def _error_names(link: DeviceLink, raw: bytes) -> list[str]:
    """Writes raw bytes, then a PING; returns the asynchronous errors the device sent before the PONG."""
    link.poll()
    link.write_raw(raw)
    link.ping(b"still there?")
    return [p.PROTO.errors[m.code][0] for m in link.poll() if m.name == "ERROR"]


def _drain(link: DeviceLink, quiet: float = 1.0, limit: float = 30.0) -> list[p.Message]:
    """Collects asynchronous messages until the line has been quiet for `quiet` seconds."""
    events: list[p.Message] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got = link.poll(quiet)
        if not got:
            return events
        events += got
    raise AssertionError(f"the device kept talking for {limit} s")


def _raw_frame(body: bytes) -> bytes:
    """Frames arbitrary decoded bytes (header, payload, CRC as given) for tests that forge headers."""
    return b"\0" + p.cobs_encode(body) + b"\0"


def _header(type_id: int, seq: int, length: int, version: int = p.VERSION) -> bytes:
    return struct.pack("<BBBH", version, type_id, seq, length)


def test_garbage_is_refused_and_the_device_resyncs(link: DeviceLink) -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(1, 256, 700, dtype=np.uint8).tobytes()  # no delimiter: one bad frame
    assert len(_error_names(link, noise)) == 1
    with_zeros = b"\0".join(rng.integers(1, 256, 30, dtype=np.uint8).tobytes() for _ in range(5))
    assert len(_error_names(link, with_zeros)) == 5
    assert _error_names(link, b"\0" * 50) == []  # idle delimiters are not errors


def test_torn_frame(link: DeviceLink) -> None:
    whole = p.encode_message("PING", 77, data=bytes(range(1, 200)))
    names = _error_names(link, whole[: len(whole) // 2])
    assert len(names) == 1 and names[0] in ("FRAME_STUFFING", "FRAME_LENGTH")


def test_wrong_crc(link: DeviceLink) -> None:
    body = _header(p.PROTO.messages["PING"].type, 9, 3) + b"abc"
    body += struct.pack("<I", zlib.crc32(body) ^ 1)
    assert _error_names(link, _raw_frame(body)) == ["FRAME_CRC"]


def test_oversized_length_is_refused_at_the_header(link: DeviceLink) -> None:
    # The header declares more than the maximum; what follows is never waited for.
    body = _header(p.PROTO.messages["PING"].type, 9, p.MAX_PAYLOAD + 1) + b"\x01" * 40
    assert _error_names(link, _raw_frame(body)[:-1] + b"\x55" * 3000 + b"\0") == ["FRAME_OVERSIZE"]
    assert _error_names(link, _raw_frame(_header(1, 9, 0xFFFF))) == ["FRAME_OVERSIZE"]


def test_wrong_version(link: DeviceLink) -> None:
    body = _header(p.PROTO.messages["PING"].type, 9, 0, version=p.VERSION + 1)
    body += struct.pack("<I", zlib.crc32(body))
    assert _error_names(link, _raw_frame(body)) == ["FRAME_VERSION"]


def test_unknown_type_and_bad_payloads_get_error_replies(link: DeviceLink) -> None:
    seq = 200
    link.write_raw(p.encode_frame(0x7E, seq, b"x"))
    with pytest.raises(DeviceError, match="UNKNOWN_TYPE") as err:
        link.reply(seq, "type 0x7E", "none")
    assert err.value.code_name == "UNKNOWN_TYPE"
    link.write_raw(p.encode_frame(p.PROTO.messages["PONG"].type, seq, b""))  # a device-to-host type
    with pytest.raises(DeviceError, match="UNKNOWN_TYPE"):
        link.reply(seq, "PONG", "none")
    link.write_raw(p.encode_frame(p.PROTO.messages["PARAM_GET"].type, seq, b"\x01\x00\x00"))
    with pytest.raises(DeviceError, match="BAD_PAYLOAD"):
        link.reply(seq, "PARAM_GET", "PARAM")
    link.write_raw(p.encode_frame(p.PROTO.messages["STATE_RESET"].type, seq, b"\x01"))
    with pytest.raises(DeviceError, match="BAD_PAYLOAD"):
        link.reply(seq, "STATE_RESET", "ACK")
    # Packed audio whose bits run out: refused, and its credit still comes back.
    link.set_param("audio.loopback", 1)
    link.start_audio()
    link.send("AUDIO_PACKED", seq, first_sample=0, count=100, order=1, rice_k=3, bits=b"\x00\x01")
    with pytest.raises(DeviceError, match="BAD_PAYLOAD.*AUDIO_PACKED"):
        link.reply(seq, "AUDIO_PACKED", "none")
    link.wait_until(lambda: link.chunks_done == 1, 5.0, "the credit of the refused frame")
    link.set_param("audio.loopback", 0)
    link.ping()


def test_ping_echoes_any_payload(link: DeviceLink) -> None:
    for data in (b"", b"\0" * 10, bytes(range(256)) * 4):
        link.ping(data)


def test_parameters(link: DeviceLink) -> None:
    values = {
        "report.scores_every_hops": 5,
        "report.counts_every_hops": 1,
        "audio.loopback": 1,
        "debug.chunk_load": 7,
        "debug.stall": 0,
    }
    for name, value in values.items():
        assert link.set_param(name, value) == value
        assert link.get_param(name) == value
    with pytest.raises(DeviceError, match="BAD_VALUE"):
        link.set_param("audio.loopback", 2)
    assert link.get_param("audio.loopback") == 1  # unchanged
    link.send("PARAM_GET", 99, param=999)
    with pytest.raises(DeviceError, match="UNKNOWN_PARAM"):
        link.reply(99, "PARAM_GET", "PARAM")
    # The recognition parameters come with a model's metadata: without one they are refused, by name.
    recognition = [n for n in p.PROTO.params if n.startswith("recognition.")]
    # audio.source: the microphone switch (tests/test_semihost_mic.py); this board boots without one.
    assert link.get_param("audio.source") == 0
    # model.store: where the next upload goes; this board's model flash region is 1 MB of QEMU's PSRAM.
    assert link.get_param("model.store") == 0 and link.identity().flash_capacity_bytes == 1 << 20
    assert link.set_param("model.store", 1) == 1
    with pytest.raises(DeviceError, match="BAD_VALUE"):
        link.set_param("model.store", 2)
    assert link.set_param("model.store", 0) == 0
    assert set(values) | set(recognition) | {"audio.source", "model.store"} == set(p.PROTO.params)
    for name in recognition:
        with pytest.raises(DeviceError, match="MODEL_METADATA"):
            link.set_param(name, 1)
        with pytest.raises(DeviceError, match="MODEL_METADATA"):
            link.get_param(name)
    link.set_param("audio.loopback", 0)
    link.set_param("debug.chunk_load", 0)


def test_identity_and_stats(link: DeviceLink) -> None:
    ident = link.identity()
    assert (ident.board, ident.counter, ident.protocol) == ("mps2-an386", "instructions", p.VERSION)
    assert ident.audio_window == p.AUDIO_WINDOW and ident.max_payload == p.MAX_PAYLOAD
    assert ident.model_name == "" and ident.model_bytes == 0  # no model in this image
    stats = link.stats()
    assert stats["frames_ok"] > 0 and stats["frame_errors"] > 0  # the earlier tests' bad frames
    link.reset_state()


def test_no_model_no_pipeline(link: DeviceLink) -> None:
    with pytest.raises(DeviceError, match="MODEL_INVALID"):
        link.profile(timeout=5.0)
    with pytest.raises(DeviceError, match="MODEL_INVALID.*no model"):
        link.start_audio()  # audio needs a model, or loopback
    link.ping()


def test_model_upload(link: DeviceLink) -> None:
    # The line carries about 5-7 KB/s into the emulated UART: a small stand-in model keeps this quick.
    model = np.random.default_rng(5).integers(0, 256, 6_000, dtype=np.uint8).tobytes()
    status = link.upload_model(model, chunk_bytes=1000)
    assert (status.size, status.received, status.crc32, status.verified) == (len(model), len(model),
                                                                            zlib.crc32(model), 1)  # fmt: skip
    with pytest.raises(DeviceError, match="MODEL_INVALID.*reader"):
        link.switch_model()  # arrived intact, but random bytes are no model

    # Truncated: the commit names what arrived, and nothing is left to switch to.
    link.request("MODEL_BEGIN", "ACK", size=len(model), crc32=zlib.crc32(model))
    link.request("MODEL_CHUNK", "ACK", offset=0, data=model[:1000])  # a new upload, cut short
    with pytest.raises(DeviceError, match=r"MODEL_TRUNCATED.*received 1000 of 6000 bytes"):
        link.request("MODEL_COMMIT", "MODEL_STATUS")
    with pytest.raises(DeviceError, match="MODEL_INVALID"):
        link.switch_model()
    with pytest.raises(DeviceError, match="MODEL_SEQUENCE"):
        link.request("MODEL_CHUNK", "ACK", offset=5000, data=b"x")  # out of order
    with pytest.raises(DeviceError, match="MODEL_CRC"):
        link.request("MODEL_BEGIN", "ACK", size=4, crc32=0)
        link.request("MODEL_CHUNK", "ACK", offset=0, data=b"abcd")
        link.request("MODEL_COMMIT", "MODEL_STATUS")
    with pytest.raises(DeviceError, match=r"MODEL_TOO_LARGE.*capacity"):
        link.request("MODEL_BEGIN", "ACK", size=link.identity().upload_capacity_bytes + 1, crc32=0)
    link.ping()


def test_model_runs_the_same_from_the_flash_region(link: DeviceLink) -> None:
    """The same model uploaded into RAM and into the model flash region (model.store = 1) profiles to the same
    instruction counts; a new flash upload stops the model running from the region, and a partial one leaves
    none to switch to."""
    model = (p.HEADER_PATH.parents[2] / "firmware/fuzz/corpus/kws/window_fc.tflite").read_bytes()  # 2.7 KB
    link.upload_model(model)
    link.switch_model()
    link.profile()  # the image's first invoke also does one-time work
    in_ram = link.profile()
    status = link.upload_model(model, chunk_bytes=333, flash=True)  # chunks straddle the 4-byte units
    assert status.verified == 1
    link.switch_model()
    in_flash = link.profile()
    assert in_flash == in_ram and len(in_ram) > 0
    link.request("MODEL_BEGIN", "ACK", size=len(model), crc32=zlib.crc32(model))  # model.store is still 1
    assert link.identity().model_bytes == 0
    link.request("MODEL_CHUNK", "ACK", offset=0, data=model[:1000])
    with pytest.raises(DeviceError, match="MODEL_TRUNCATED"):
        link.request("MODEL_COMMIT", "MODEL_STATUS")
    with pytest.raises(DeviceError, match="MODEL_INVALID"):
        link.switch_model()
    with pytest.raises(DeviceError, match=r"MODEL_TOO_LARGE.*flash region capacity 1048576"):
        link.upload_model(bytes((1 << 20) + 1), flash=True)
    link.set_param("model.store", 0)


def test_audio_loopback_under_flow_control(link: DeviceLink) -> None:
    before = link.stats()
    link.set_param("audio.loopback", 1)
    rng = np.random.default_rng(9)
    # Loud noise goes raw, quiet noise packed (lossless, fewer bytes): the echo is exact either way.
    audio = np.concatenate(
        [rng.integers(-32768, 32768, 4000, dtype=np.int16), rng.normal(0, 40, 6000).astype(np.int16)]
    )
    result = link.stream_audio(audio, chunk_samples=500, timeout=20.0)
    assert np.array_equal(result.echo, audio)
    assert result.wire_bytes < 2 * len(audio)
    raw = link.stream_audio(audio[:2000], chunk_samples=500, packed=False, timeout=20.0)
    assert np.array_equal(raw.echo, audio[:2000])
    link.set_param("audio.loopback", 0)
    assert result.granted == p.AUDIO_WINDOW and result.max_in_flight <= result.granted
    assert result.credit_resyncs == 0 and not result.of("ERROR")
    after = link.stats()
    assert after["rx_overruns"] == before["rx_overruns"]
    assert after["audio_samples"] - before["audio_samples"] == len(audio) + 2000
    assert after["audio_lost_samples"] == before["audio_lost_samples"]


# A stand-in load per chunk (busy iterations) that makes the device slower than the line: about a
# quarter of a second per chunk under QEMU, while the line keeps delivering bytes into the ring.
SLOW = 1_500_000
# A one-time stall (up to ~20 s) that the ring cannot outlast; the device ends it as soon as bytes
# are lost, so it costs only the time the overrun takes.
STALL = 100_000_000


def test_slow_device_is_never_overrun_by_a_host_that_honours_credits(link: DeviceLink) -> None:
    before = link.stats()["rx_overruns"]
    link.set_param("audio.loopback", 1)  # audio without a model
    link.set_param("debug.chunk_load", SLOW)
    result = link.stream_audio(np.ones(500 * 8, np.int16), chunk_samples=500, timeout=30.0)
    link.set_param("debug.chunk_load", 0)
    link.set_param("audio.loopback", 0)
    assert result.max_in_flight <= p.AUDIO_WINDOW and not result.of("ERROR")
    assert link.stats()["rx_overruns"] == before


def test_overruns_are_counted_and_reported(link: DeviceLink) -> None:
    # A stalled device and a host that ignores its credits: bytes are lost, and the device says so.
    before = link.stats()
    link.set_param("audio.loopback", 1)  # audio without a model
    link.set_param("debug.stall", STALL)
    audio = np.ones(500 * 10, np.int16)
    result = link.stream_audio(audio, chunk_samples=500, packed=False, ignore_credits=True, timeout=20.0)
    # The line fills the ring at its own pace while the device stalls: wait for the report, then let
    # the device drain (whatever is sent while it overruns may be lost too).
    events = list(result.messages)

    def overrun_reported() -> bool:
        events.extend(link.poll())
        return any(m.name == "ERROR" and p.PROTO.errors[m.code][0] == "AUDIO_OVERRUN" for m in events)

    link.wait_until(overrun_reported, 60.0, "the AUDIO_OVERRUN report")
    events += _drain(link, quiet=1.0)
    link.set_param("audio.loopback", 0)
    stats = link.stats()
    errors = [p.PROTO.errors[m.code][0] for m in events if m.name == "ERROR"]
    assert stats["rx_overruns"] > before["rx_overruns"] and "AUDIO_OVERRUN" in errors
    assert stats["audio_samples"] - before["audio_samples"] < len(audio)  # and the loss is visible
    link.ping()


def _reference_model() -> Path:
    return reference_file("tflite-micro/models/micro_speech_quantized.tflite")


def test_uploaded_model_is_profiled_without_reflashing(link: DeviceLink) -> None:
    data = _reference_model().read_bytes()
    status = link.upload_model(data)
    assert status.verified == 1 and status.crc32 == zlib.crc32(data)
    link.switch_model()  # a bare TFLM model: no hark metadata, but the runtime takes it
    ident = link.identity()
    assert ident.model_bytes == len(data) and 0 < ident.arena_used_bytes <= ident.arena_bytes
    stale = link.stale_replies
    seq = link._next_seq()
    link.send("PROFILE_REQUEST", seq)
    first = link.reply(seq, "PROFILE_REQUEST", "PROFILE_OPS", 30.0)
    counts = [int(c) for c in first.counts]
    assert first.first_op == 0 and first.total_ops == len(counts) >= 4 and all(c > 0 for c in counts)
    # The per-op counts add up to the whole invoke, measured around it (the acceptance bar: 1 %).
    assert abs(sum(counts) - first.invoke_total) <= 0.01 * first.invoke_total
    assert link.profile() and link.stale_replies == stale  # every PROFILE_OPS frame claimed by its request
    with pytest.raises(DeviceError, match="MODEL_METADATA"):
        link.start_audio()  # no metadata: no frontend settings, no audio
    link.ping()
