"""Keyword detections in a WAV of any length, on the host twin (default) or a board."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.data.wav import read_wav
from hark.device.link import DeviceError
from hark.device.session import open_device
from hark.evaluate.stream_test import Detection
from hark.format.metadata import read_metadata
from hark.twin import Twin, TwinError


def detections_on_device(audio: object, model: bytes, port: str | None, image: Path | None) -> list[Detection]:
    with open_device(port, image=image, model=model, timeout=30.0) as link:
        result = link.stream_audio(audio, timeout=60.0)
    return [Detection(m.label_name, float(m.time_ms), float(m.score)) for m in result.messages if m.name == "DETECTION"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("wav", type=Path, help="mono 16-bit WAV at the model's sample rate")
    p.add_argument("--model", type=Path, required=True, help="an exported .tflite with hark metadata")
    p.add_argument("--device", action="store_true", help="stream the WAV through a board (emulated unless --port)")
    p.add_argument("--port", help="serial port or pyserial URL of a real board (implies --device)")
    p.add_argument("--image", type=Path, help="firmware image for the emulated board")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        if not args.model.is_file():
            raise ValueError(f"{args.model}: no such model file")
        model = args.model.read_bytes()
        rate = read_metadata(model).sample_rate
        audio = read_wav(args.wav, rate)
        if args.device or args.port:
            dets = detections_on_device(audio, model, args.port, args.image)
            where = "device"
        else:
            dets = Twin(model).run(audio).detections
            where = "host twin"
    except (ValueError, OSError, TwinError, DeviceError) as err:
        print(f"{args.prog}: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([d.__dict__ for d in dets], indent=2))
    else:
        print(f"{args.wav}: {len(audio) / rate:.2f} s, {len(dets)} detections ({where})")
        for d in dets:
            print(f"{d.time_ms / 1000:9.2f} s  {d.label:<12} score {d.score:.0f}")
    return 0
