"""hark-classify: keyword detections in a WAV of any length, on the host twin (default) or a board; with
`--top-k N`, the model's N best labels and scores on one clip, as TF speech_commands' label_wav.py prints them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from hark.clip_scores import clip_scores
from hark.data.wav import read_wav
from hark.device.link import DeviceError
from hark.device.session import open_device
from hark.streamtest import Detection
from hark.twin import Twin, TwinError


def detections_on_device(audio: object, model: bytes, port: str | None, image: Path | None) -> list[Detection]:
    with open_device(port, image=image, model=model, timeout=30.0) as link:
        result = link.stream_audio(audio, timeout=60.0)
    return [Detection(m.label_name, float(m.time_ms), float(m.score)) for m in result.messages if m.name == "DETECTION"]


def top_k_main(wav: Path, model_path: Path, k: int, as_json: bool) -> int:
    try:
        audio = read_wav(wav, 16000)
        if not model_path.is_file():
            raise ValueError(f"{model_path}: no such model file")
        scores = clip_scores(model_path.read_bytes(), audio)[:k]
    except (ValueError, OSError, TwinError) as err:
        print(f"hark-classify: {err}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps([s.__dict__ for s in scores], indent=2))
    else:
        for s in scores:
            print(f"{s.label} (score = {s.score:.5f})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hark-classify", description=__doc__)
    p.add_argument("wav", type=Path, help="16 kHz mono 16-bit WAV")
    p.add_argument("--model", type=Path, required=True, help="an exported .tflite with hark metadata")
    p.add_argument("--device", action="store_true", help="stream the WAV through a board (emulated unless --port)")
    p.add_argument("--port", help="serial port or pyserial URL of a real board (implies --device)")
    p.add_argument("--image", type=Path, help="firmware image for the emulated board")
    p.add_argument("--top-k", type=int, metavar="N",
                   help="print the model's N best labels with scores on the clip (host twin), as label_wav.py")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.top_k is not None:
        if args.top_k < 1:
            p.error(f"--top-k must be at least 1, got {args.top_k}")
        if args.device or args.port:
            p.error("--top-k scores a clip on the host twin; it does not combine with --device or --port")
        return top_k_main(args.wav, args.model, args.top_k, args.json)
    try:
        audio = read_wav(args.wav, 16000)
        if not args.model.is_file():
            raise ValueError(f"{args.model}: no such model file")
        model = args.model.read_bytes()
        if args.device or args.port:
            dets = detections_on_device(audio, model, args.port, args.image)
            where = "device"
        else:
            dets = Twin(model).run(audio).detections
            where = "host twin"
    except (ValueError, OSError, TwinError, DeviceError) as err:
        print(f"hark-classify: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([d.__dict__ for d in dets], indent=2))
    else:
        print(f"{args.wav}: {len(audio) / 16000:.2f} s, {len(dets)} detections ({where})")
        for d in dets:
            print(f"{d.time_ms / 1000:9.2f} s  {d.label:<12} score {d.score:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
