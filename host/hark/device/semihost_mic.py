"""Drives an emulated board's semihosting microphone: QEMU boots the image with a WAV named as its
microphone, and the app listens to it through board_audio_read, at full speed, as a board with a real
microphone listens from boot. Detections arrive over serial like a real board's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from hark.data.wav import read_wav
from hark.device.link import DeviceError, emulated_link

SAMPLE_RATE = 16000


@dataclass
class MicRun:
    detections: list[tuple[str, int, int]]  # (label, time_ms, score), as the twin's Detection fields
    hops: int
    seconds: float  # wall time from boot to the last hop
    stats: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # asynchronous ERROR texts (e.g. microphone overruns)


def listen(image: Path, wav: Path, *, model: bytes | None = None, timeout: float = 300.0) -> MicRun:
    """Boots `image` with `wav` as its microphone and collects what it reports until every whole hop of
    the WAV has run. With `model`, the model is uploaded and switched to first (the microphone starts
    with it); otherwise the image's built-in model listens from boot."""
    audio = read_wav(wav, SAMPLE_RATE)
    start = time.monotonic()
    with emulated_link(image, mic=wav, timeout=30.0) as link:
        ident = link.identity()
        if not ident.has_microphone:
            raise DeviceError(f"{image} reports no microphone with {wav} named as one: {link.emulator.qemu_log()}")
        if model is not None:
            link.upload_model(model)
            link.switch_model()
        messages = []
        deadline = time.monotonic() + timeout
        while True:
            # The app runs a block's hops before it answers the next request: once every sample has
            # been read, every whole hop has run.
            stats = link.stats()
            messages += link.poll()
            if stats["audio_samples"] >= len(audio):
                break
            if time.monotonic() > deadline:
                raise DeviceError(f"the microphone run did not finish within {timeout:.0f} s: {stats}")
            time.sleep(0.1)
        messages += link.poll(0.2)
        seconds = time.monotonic() - start
    dets = [(m.label_name, int(m.time_ms), int(m.score)) for m in messages if m.name == "DETECTION"]
    errors = [m.text for m in messages if m.name == "ERROR"]
    return MicRun(detections=dets, hops=stats["hops"], seconds=seconds, stats=stats, errors=errors)
