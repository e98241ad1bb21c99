"""Serial link figures on the emulated board, as JSON: request round trip, host-to-device
throughput, and audio streaming speed under credit flow control, raw and packed.

    python tools/bench_serial.py [--image ELF] [--transport unix|tcp|pty] [--wav FILE.wav]

The audio is a 16 kHz mono int16 WAV (default: TFLM's yes/no/noise/silence clips, if found), echoed
back by the app's loopback, so the figures hold without a model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import wave
from pathlib import Path

import numpy as np

from hark import paths
from hark.device import DeviceError, emulated_link, protocol


def _default_audio() -> np.ndarray:
    try:
        base = paths.reference_dir()
    except paths.ReferenceMissing:
        base = Path("/nonexistent")
    clips = [base / "tflite-micro" / "testdata" / f"{n}_1000ms.wav" for n in ("yes", "no", "noise", "silence")]
    if all(c.is_file() for c in clips):
        return np.concatenate([_read_wav(c) for c in clips])
    t = np.arange(16000 * 2) / 16000
    return (6000 * np.sin(2 * np.pi * 300 * t) * np.sin(2 * np.pi * 2 * t)).astype(np.int16)


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise SystemExit(f"{path}: expected 16-bit mono")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", default=str(paths.firmware_image()))
    ap.add_argument("--transport", choices=("unix", "tcp", "pty"), default="unix")
    ap.add_argument("--wav", type=Path, help="16 kHz mono int16 audio to stream")
    args = ap.parse_args(argv)
    audio = _read_wav(args.wav) if args.wav else _default_audio()
    seconds = len(audio) / 16000
    big = bytes([1]) * 1000
    figures: dict[str, object] = {"transport": args.transport, "audio_seconds": seconds}
    with emulated_link(args.image, transport=args.transport) as link:
        figures["ping_rtt_ms"] = round(statistics.median(link.ping() for _ in range(20)) * 1e3, 2)
        t0 = time.monotonic()
        for i in range(5):  # 1000 bytes in, a short error reply out
            link.write_raw(protocol.encode_frame(0x7E, 100 + i, big))
            try:
                link.reply(100 + i, "bulk", "none")
            except DeviceError:  # the UNKNOWN_TYPE reply is the point
                pass
        figures["host_to_device_bytes_per_s"] = round(5 * len(big) / (time.monotonic() - t0))
        link.set_param("audio.loopback", 1)
        for packed in (False, True):
            t0 = time.monotonic()
            result = link.stream_audio(audio, chunk_samples=320, packed=packed, timeout=60.0)
            wall = time.monotonic() - t0
            if not np.array_equal(result.echo, audio):
                raise SystemExit("the echo differs from the audio sent")
            key = "packed" if packed else "raw"
            figures[f"{key}_wire_bytes"] = result.wire_bytes
            figures[f"{key}_realtime_factor"] = round(seconds / wall, 3)
            figures[f"{key}_max_in_flight"] = result.max_in_flight
        figures["audio_window"] = result.granted
        figures["rx_overruns"] = link.stats()["rx_overruns"]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
