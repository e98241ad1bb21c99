"""A board on a serial line, spoken to through the framed protocol.

`DeviceLink` works over any pyserial port (a real board's /dev/tty*, or the emulator's socket or
pty). Requests wait for their reply with a timeout; unsolicited messages (detections, scores, counts,
audio credits and echoes, asynchronous errors) are queued for `poll()`. Audio streaming honours the
device's credits, so the host never overruns it, even over QEMU's serial line, which has no baud
rate to slow it down.
"""

from __future__ import annotations

import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import serial

from hark.device.emulator import Emulator, read_available
from hark.device.identity import BoardIdentity
from hark.device.protocol import (
    MAX_PACKED_SAMPLES,
    MAX_PAYLOAD,
    PROTO,
    SEQ_ASYNC,
    Frame,
    FrameDecoder,
    FrameError,
    Message,
    ProtocolError,
    encode_frame,
    pack,
    pack_audio,
    param_bits,
    param_value,
    unpack,
)
from hark.format.tflite import builtin_name


def _name_ops(text: str) -> str:
    """An image linked with a generated op table leaves TFLite's op names out of its flash (runtime_ops_t): its
    errors give "(builtin code N)" alone, and the host adds the name."""

    def named(m: re.Match[str]) -> str:
        op = builtin_name(int(m[1]))
        return f"({op}, builtin code {m[1]})" if op else m[0]

    return re.sub(r"\(builtin code (\d+)\)", named, text)


class DeviceError(RuntimeError):
    """The device answered with an error, or the link failed."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def code_name(self) -> str | None:
        return PROTO.errors[self.code][0] if self.code in PROTO.errors else None


class DeviceTimeout(DeviceError):
    """Nothing (or not the expected message) arrived in time."""


@dataclass
class StreamResult:
    """What came back while streaming audio."""

    chunks: int = 0
    echoed: list[np.ndarray] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # every asynchronous message, in order
    max_in_flight: int = 0
    granted: int = 0  # the credit window the device granted at AUDIO_START
    credit_resyncs: int = 0  # credits recovered by a PING after a chunk was lost on the line
    wire_bytes: int = 0  # audio frames as sent, delimiters included

    @property
    def echo(self) -> np.ndarray:
        return np.concatenate(self.echoed) if self.echoed else np.zeros(0, np.int16)

    def of(self, name: str) -> list[Message]:
        return [m for m in self.messages if m.name == name]


class DeviceLink:
    def __init__(
        self,
        port: serial.SerialBase,
        *,
        timeout: float = 5.0,
        context: Callable[[], str] | None = None,
    ) -> None:
        self.port = port
        self.timeout = timeout
        self._context = context
        self._decoder = FrameDecoder()
        self._events: deque[Message] = deque()
        self._replies: deque[Message] = deque()
        self._seq = 0
        self.frame_errors: list[FrameError] = []  # bad frames from the device (should stay empty)
        self.undecodable: list[str] = []  # good frames whose payload did not match its layout
        self.stale_replies = 0
        self.bytes_received = 0
        self.credits = 0
        self.chunks_done = 0
        self.hello: Message | None = None
        self.emulator: Emulator | None = None
        self.credit_resync_s = 2.0  # how long to wait for a credit before assuming a chunk was lost
        self.last_profile_total = 0

    @classmethod
    def open(cls, url: str, baudrate: int = 115200, **kw: Any) -> DeviceLink:  # noqa: ANN401
        """Opens a real board's serial port (or any pyserial URL)."""
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.1)
        except serial.SerialException as err:
            raise DeviceError(f"cannot open serial port {url}: {err}") from err
        return cls(port, **kw)

    def close(self) -> None:
        self.port.close()

    # -- reading -----------------------------------------------------------------------------------
    def _where(self) -> str:
        return f"; {self._context()}" if self._context else ""

    def _read_some(self, wait: float) -> None:
        """Reads what has arrived (waiting up to `wait` s for the first byte) and sorts the messages."""
        try:
            data = read_available(self.port, max(0.0, min(wait, 0.2)))
            self.bytes_received += len(data)
        except (serial.SerialException, OSError) as err:
            raise DeviceError(f"serial link failed: {err}{self._where()}") from err
        for item in self._decoder.feed(data):
            if isinstance(item, FrameError):
                self.frame_errors.append(item)
                continue
            self._dispatch(item)

    def _dispatch(self, frame: Frame) -> None:
        try:
            msg = unpack(frame.type, frame.payload, frame.seq)
        except ProtocolError as err:
            self.undecodable.append(str(err))
            return
        if msg.name == "AUDIO_CREDIT":
            self.credits = msg.credits if msg.seq != SEQ_ASYNC else self.credits + msg.credits
            self.chunks_done = msg.chunks_done
        if msg.name == "HELLO":
            self.hello = msg
        (self._events if msg.seq == SEQ_ASYNC else self._replies).append(msg)

    def _wait(self, until: Callable[[], Message | bool | None], timeout: float, what: str) -> Any:  # noqa: ANN401
        deadline = time.monotonic() + timeout
        received = self.bytes_received
        while True:
            got = until()
            if got:
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                # The bytes that did arrive tell a silent board from a reply stuck behind a backlog.
                got_bytes = self.bytes_received - received
                raise DeviceTimeout(
                    f"timed out after {timeout:.1f} s waiting for {what} ({got_bytes} bytes arrived meanwhile)"
                    f"{self._where()}"
                )
            self._read_some(left)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Reads and sorts incoming messages until predicate() holds; DeviceTimeout names `what`."""
        self._wait(predicate, timeout, what)

    def poll(self, timeout: float = 0.0) -> list[Message]:
        """Returns the asynchronous messages received so far (waiting up to `timeout` for the first)."""
        if not self._events and timeout > 0:
            try:
                self._wait(lambda: bool(self._events), timeout, "a message")
            except DeviceTimeout:
                pass
        else:
            self._read_some(0.0)
        out = list(self._events)
        self._events.clear()
        return out

    def wait_for(self, name: str, timeout: float | None = None) -> Message:
        """Waits for an asynchronous message by name; others stay queued."""

        def found() -> Message | None:
            for m in self._events:
                if m.name == name:
                    self._events.remove(m)
                    return m
            return None

        return self._wait(found, self.timeout if timeout is None else timeout, f"a {name} message")

    def wait_hello(self, timeout: float = 10.0) -> Message:
        """Waits for the HELLO a device sends when it boots."""
        msg = self.wait_for("HELLO", timeout)
        if msg.protocol != PROTO.constants["VERSION"]:
            raise DeviceError(f"device speaks protocol {msg.protocol}, this host {PROTO.constants['VERSION']}")
        return msg

    # -- requests ----------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq = self._seq % 255 + 1
        return self._seq

    def send(self, name: str, seq: int = SEQ_ASYNC, **fields: Any) -> None:  # noqa: ANN401
        self.write_raw(encode_frame(PROTO.messages[name].type, seq, pack(name, **fields)))

    def write_raw(self, data: bytes) -> None:
        """Writes bytes as they are: frames, or garbage for tests."""
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as err:
            raise DeviceError(f"serial link failed: {err}{self._where()}") from err

    def request(self, name: str, expect: str, timeout: float | None = None, **fields: Any) -> Message:  # noqa: ANN401
        """Sends a request and returns its reply; an ERROR reply raises DeviceError with its code."""
        seq = self._next_seq()
        self.send(name, seq, **fields)
        return self.reply(seq, name, expect, timeout)

    def reply(self, seq: int, name: str, expect: str, timeout: float | None = None) -> Message:
        def found() -> Message | None:
            while self._replies:
                m = self._replies.popleft()
                if m.seq == seq:
                    return m
                self.stale_replies += 1  # a late reply to a request that timed out
            return None

        msg = self._wait(found, self.timeout if timeout is None else timeout, f"the reply to {name} (seq {seq})")
        if msg.name == "ERROR":
            ename, meaning = PROTO.errors.get(msg.code, ("UNKNOWN", "unknown error"))
            raise DeviceError(f"{name} failed: {ename} ({meaning}): {_name_ops(msg.text)}", msg.code)
        if msg.name != expect:
            raise DeviceError(f"{name} answered with {msg.name}, expected {expect}")
        return msg

    # -- the messages ------------------------------------------------------------------------------
    def ping(self, data: bytes = b"", timeout: float | None = None) -> float:
        """Round trip; returns its time in seconds and checks the echo."""
        t0 = time.monotonic()
        msg = self.request("PING", "PONG", timeout, data=data)
        if msg.data != data:
            raise DeviceError(f"PONG echoed {msg.data[:32]!r}, sent {data[:32]!r}")
        return time.monotonic() - t0

    def identity(self) -> BoardIdentity:
        return BoardIdentity.from_message(self.request("IDENTITY_GET", "IDENTITY"))

    def get_param(self, name: str) -> int | float:
        if name not in PROTO.params:
            raise DeviceError(f"unknown parameter '{name}'; known: {', '.join(sorted(PROTO.params))}")
        msg = self.request("PARAM_GET", "PARAM", param=PROTO.params[name].id)
        return param_value(msg.kind, msg.value)

    def set_param(self, name: str, value: float) -> int | float:
        bits = param_bits(name, value)
        msg = self.request("PARAM_SET", "PARAM", param=PROTO.params[name].id, value=bits)
        return param_value(msg.kind, msg.value)

    def reset_state(self) -> None:
        self.request("STATE_RESET", "ACK")

    def stats(self) -> dict[str, int]:
        return dict(self.request("STATS_GET", "STATS").fields)

    def profile(self, timeout: float = 30.0) -> list[int]:
        """Per-operator counts of one invoke, in operator order."""
        seq = self._next_seq()
        self.send("PROFILE_REQUEST", seq)
        first = self.reply(seq, "PROFILE_REQUEST", "PROFILE_OPS", timeout)
        counts = [0] * first.total_ops
        self.last_profile_total = int(first.invoke_total)  # the whole invoke, timed around the op loop
        msg = first
        while True:
            counts[msg.first_op : msg.first_op + len(msg.counts)] = [int(c) for c in msg.counts]
            if msg.first_op + len(msg.counts) >= msg.total_ops:
                return counts
            msg = self.reply(seq, "PROFILE_REQUEST", "PROFILE_OPS", timeout)

    # -- audio -------------------------------------------------------------------------------------
    def start_audio(self) -> int:
        """Starts a stream at sample 0; returns the credits (chunks in flight) the device grants."""
        return self.request("AUDIO_START", "AUDIO_CREDIT").credits

    def stream_audio(
        self,
        samples: np.ndarray,
        *,
        chunk_samples: int = 320,
        packed: bool = True,
        timeout: float | None = None,
        on_message: Callable[[Message], None] | None = None,
        ignore_credits: bool = False,
    ) -> StreamResult:
        """Streams int16 audio, never more frames in flight than the device granted.

        Each chunk goes as AUDIO_PACKED (lossless, about half the bytes of speech) when `packed` and
        that is smaller, else as AUDIO_CHUNK frames. Waits at the end until the device has consumed
        every frame. `ignore_credits` sends as fast as the line takes, to test that a device counts
        the overruns that follow.
        """
        samples = np.asarray(samples)
        if samples.ndim != 1 or samples.dtype != np.int16:
            raise DeviceError(f"audio must be 1-D int16, got {samples.dtype} {samples.shape}")
        max_chunk = MAX_PACKED_SAMPLES if packed else RAW_CHUNK_SAMPLES
        if not 0 < chunk_samples <= max_chunk:
            raise DeviceError(f"chunk_samples must be in 1..{max_chunk}")
        timeout = self.timeout if timeout is None else timeout
        result = StreamResult()
        granted = self.start_audio()
        result.granted = granted

        def drain() -> None:
            for m in self.poll():
                result.messages.append(m)
                if m.name == "AUDIO_ECHO":
                    result.echoed.append(m.samples)
                if on_message:
                    on_message(m)

        sent = 0
        for start in range(0, len(samples), chunk_samples):
            for frame in _audio_frames(samples[start : start + chunk_samples], start, packed):
                if not ignore_credits and self.credits <= 0:
                    self._await_credit(granted, timeout, result)
                self.write_raw(frame)
                result.wire_bytes += len(frame)
                self.credits -= 1
                sent += 1
                result.max_in_flight = max(result.max_in_flight, sent - self.chunks_done)
                drain()
        if not ignore_credits:
            self._wait(lambda: self.chunks_done >= sent, timeout, f"the device to consume {sent} audio frames")
        result.chunks = sent
        drain()
        return result

    def _await_credit(self, granted: int, timeout: float, result: StreamResult) -> None:
        # A chunk lost on the line (a frame error) never returns its credit. The device handles frames
        # in order, so once a PING is answered nothing is in flight: the whole window is free again.
        try:
            self._wait(lambda: self.credits > 0, min(timeout, self.credit_resync_s), "an audio credit")
        except DeviceTimeout:
            self.ping(timeout=timeout)
            self.credits = granted
            result.credit_resyncs += 1

    # -- models ------------------------------------------------------------------------------------
    def upload_model(
        self, data: bytes, *, chunk_bytes: int = MAX_PAYLOAD - 4, commit: bool = True, flash: bool = False
    ) -> Message | None:
        """Uploads a model in acknowledged chunks into the device's RAM upload buffer, or with `flash` into
        its model flash region (for models larger than the buffer); returns MODEL_STATUS."""
        if not 0 < chunk_bytes <= MAX_PAYLOAD - 4:
            raise DeviceError(f"chunk_bytes must be in 1..{MAX_PAYLOAD - 4}")
        # The store is latched by MODEL_BEGIN; MODEL_BEGIN of a flash upload erases sectors, which takes
        # seconds on a real STM32F4 (up to 2 s per 128 KB sector).
        self.set_param("model.store", 1 if flash else 0)
        self.request("MODEL_BEGIN", "ACK", timeout=max(self.timeout, 30.0) if flash else None, size=len(data),
                     crc32=zlib.crc32(data))  # fmt: skip
        for offset in range(0, len(data), chunk_bytes):
            self.request("MODEL_CHUNK", "ACK", offset=offset, data=data[offset : offset + chunk_bytes])
        return self.request("MODEL_COMMIT", "MODEL_STATUS") if commit else None

    def switch_model(self) -> None:
        self.request("MODEL_SWITCH", "ACK")


RAW_CHUNK_SAMPLES = (MAX_PAYLOAD - 4) // 2  # samples in one AUDIO_CHUNK


def _audio_frames(piece: np.ndarray, first_sample: int, packed: bool) -> list[bytes]:
    """One AUDIO_PACKED frame if that is smaller, else AUDIO_CHUNK frames."""
    raw_size = 4 * -(-len(piece) // RAW_CHUNK_SAMPLES) + 2 * len(piece)
    if packed:
        order, k, bits = pack_audio(piece)
        if 8 + len(bits) <= MAX_PAYLOAD and 8 + len(bits) < raw_size:
            payload = pack(
                "AUDIO_PACKED", first_sample=first_sample, count=len(piece), order=order, rice_k=k, bits=bits
            )
            return [encode_frame(PROTO.messages["AUDIO_PACKED"].type, SEQ_ASYNC, payload)]
    return [
        encode_frame(
            PROTO.messages["AUDIO_CHUNK"].type,
            SEQ_ASYNC,
            pack("AUDIO_CHUNK", first_sample=first_sample + i, samples=piece[i : i + RAW_CHUNK_SAMPLES]),
        )
        for i in range(0, len(piece), RAW_CHUNK_SAMPLES)
    ]


@contextmanager
def emulated_link(
    image: Path | str,
    *,
    transport: str = "unix",
    hello_timeout: float = 30.0,  # a boot takes well under 1 s; two CI boots under heavy load missed 10 s
    timeout: float = 5.0,
    board: str | None = None,
    mic: Path | str | None = None,
) -> Iterator[DeviceLink]:
    """Boots an image under QEMU (on the board it was linked for unless `board` says otherwise; `mic`: a
    WAV its semihosting microphone plays) and yields a link whose device has said HELLO."""
    with Emulator(image, transport=transport, ready=None, board=board, mic=mic) as emu:
        assert emu.serial is not None
        link = DeviceLink(emu.serial, timeout=timeout, context=emu.diagnostics)
        link.emulator = emu
        try:
            link.wait_hello(hello_timeout)
        except DeviceError as err:
            raise type(err)(f"{image}: no HELLO frame within {hello_timeout:.1f} s of boot: {err}") from err
        yield link
