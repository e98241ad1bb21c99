#!/usr/bin/env python3
"""Semihosting microphone vs serial streaming on an emulated board: the same WAV (TFLM's four real clips
repeated, 60 s by default) through the app's microphone path and over the serial line, with micro_speech;
wall times and whether both equal the host twin's detections. JSON out.

    .venv/bin/python tools/bench_mic.py [--image build/arm/firmware/app/hark_app.elf] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from hark import paths
from hark.data.wav import write_wav
from hark.device.builtin_models import builtin_model, reference_speech
from hark.device.semihost_mic import listen
from hark.device.session import open_device
from hark.twin import Twin


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", type=Path, default=paths.firmware_image("hark_app"))
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    model = builtin_model("micro_speech")
    audio = reference_speech(args.seconds)
    twin = [(d.label, int(d.time_ms), int(d.score)) for d in Twin(model).run(audio).detections]
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mic.wav"
        write_wav(wav, audio, 16000)
        mic = listen(args.image, wav, model=model)
    start = time.monotonic()
    with open_device(image=args.image, model=model, timeout=30.0) as link:
        result = link.stream_audio(audio, timeout=1800.0)
    serial_s = time.monotonic() - start
    serial = [(m.label_name, int(m.time_ms), int(m.score)) for m in result.of("DETECTION")]
    print(json.dumps({
        "image": str(args.image), "audio_s": args.seconds, "detections": len(twin),
        "mic_wall_s": round(mic.seconds, 2), "mic_equals_twin": mic.detections == twin,
        "serial_wall_s": round(serial_s, 2), "serial_equals_twin": serial == twin,
        "note": "wall times include QEMU boot and the model upload; counts under QEMU are instructions",
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
