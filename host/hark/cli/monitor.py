"""Live keyword detections, scores and per-hop CPU load from a board.

The emulated board is the default; it has no microphone, so give it audio with --wav (the host streams
it as the board's "virtual microphone"). A real board with a microphone (--port) needs no WAV.
--plain prints one line per event (for logs and tests) instead of the live display.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from hark.data.wav import read_wav
from hark.device.link import DeviceError
from hark.device.protocol import Message
from hark.device.session import open_device
from hark.format.metadata import read_metadata

EMULATED_CLOCK_HZ = 80_000_000  # the load estimate under QEMU: 1 instruction = 1 cycle at 80 MHz


@dataclass
class MonitorState:
    labels: list[str]
    hop_ms: float
    clock_hz: int
    counter: str
    out: TextIO
    plain: bool
    detections: list[tuple[int, str, int]] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    last_scores: np.ndarray | None = None
    last_load: float = 0.0
    hops: int = 0

    def on_message(self, m: Message) -> None:
        if m.name == "DETECTION":
            self.detections.append((m.time_ms, m.label_name, m.score))
            self._clear_status()
            self.out.write(f"{m.time_ms / 1000:9.2f} s  DETECTED {m.label_name:<12} score {m.score}\n")
        elif m.name == "HOP_COUNTS":
            self.hops += 1
            self.last_load = 100.0 * m.total / (self.clock_hz * self.hop_ms / 1000.0)
            self.loads.append(self.last_load)
            if self.plain and self.hops % 50 == 0:
                self.out.write(
                    f"hop {m.hop}: frontend {m.frontend} inference {m.inference} recognize {m.recognize} "
                    f"{self.counter}, load {self.last_load:.1f} %\n"
                )
        elif m.name == "SCORES":
            self.last_scores = np.asarray(m.scores, dtype=np.int8)
        elif m.name == "ERROR":
            self._clear_status()
            self.out.write(f"device error {m.code}: {m.text}\n")
        if not self.plain:
            self._status()
        self.out.flush()

    def _clear_status(self) -> None:
        if not self.plain:
            self.out.write("\r\x1b[2K")

    def _status(self) -> None:
        bars = ""
        if self.last_scores is not None and len(self.last_scores) == len(self.labels):
            probs = (self.last_scores.astype(np.int32) + 128) / 255.0
            bars = "  ".join(f"{lab[:8]} {'#' * int(p * 10):<10}" for lab, p in zip(self.labels, probs, strict=True))
        self.out.write(f"\r\x1b[2Kload {self.last_load:5.1f} %  {bars}")

    def summary(self) -> str:
        load = "no load data"
        if self.loads:
            load = f"mean load {np.mean(self.loads):.1f} %, peak {np.max(self.loads):.1f} %"
        note = " (estimate: QEMU instructions at 80 MHz)" if self.counter == "instructions" else ""
        return f"{len(self.detections)} detections over {self.hops} hops; {load}{note}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port or pyserial URL of a real board (default: the emulated board)")
    p.add_argument("--image", type=Path, help="firmware image for the emulated board")
    p.add_argument("--model", type=Path, help="upload this .tflite into the board's RAM first")
    p.add_argument("--model-info", type=Path, help="the .tflite built into the board's image, read for its labels, "
                   "hop and sample rate (not uploaded); the protocol does not carry them")
    p.add_argument("--wav", type=Path, help="stream this mono WAV (at the model's sample rate) as the board's audio")
    p.add_argument("--duration", type=float, default=0.0, help="with a microphone: stop after this many seconds")
    p.add_argument("--plain", action="store_true", help="one line per event, no live display")


def run(args: argparse.Namespace) -> int:
    try:
        model = args.model.read_bytes() if args.model else None
        info = model or (args.model_info.read_bytes() if args.model_info else None)
        meta = read_metadata(info) if info is not None else None
        audio = None
        if args.wav:
            if meta is None:
                raise ValueError("--wav needs the model's sample rate: pass --model or --model-info")
            audio = read_wav(args.wav, meta.sample_rate)
        with open_device(args.port, image=args.image, model=model, timeout=30.0) as link:
            ident = link.identity()
            if not ident.model_name:
                raise DeviceError("the board runs no model: pass --model, or flash an image with one built in")
            if meta is None:
                raise DeviceError(f"the board runs its built-in model {ident.model_name}, whose labels and hop the "
                                  "protocol does not carry: pass --model-info with that .tflite")
            state = MonitorState(
                labels=meta.labels,
                hop_ms=meta.hop_ms,
                clock_hz=EMULATED_CLOCK_HZ if ident.counter == "instructions" else ident.clock_hz,
                counter=ident.counter,
                out=sys.stdout,
                plain=args.plain,
            )
            print(f"{ident.board}: model {ident.model_name} ({ident.model_hash}), arena {ident.arena_used_bytes} B, "
                  f"counter {ident.counter}")  # fmt: skip
            link.set_param("report.counts_every_hops", 1)
            link.set_param("report.scores_every_hops", 0 if args.plain else 5)
            if audio is not None:
                link.stream_audio(audio, timeout=60.0, on_message=state.on_message)
                for m in link.poll():
                    state.on_message(m)
            elif ident.has_microphone:
                deadline = time.monotonic() + args.duration if args.duration else float("inf")
                while time.monotonic() < deadline:
                    for m in link.poll(timeout=0.2):
                        state.on_message(m)
            else:
                raise DeviceError(f"{ident.board} has no microphone: give it audio with --wav FILE")
    except KeyboardInterrupt:
        return 130
    except (DeviceError, ValueError, OSError) as err:
        print(f"\n{args.prog}: {err}", file=sys.stderr)
        return 1
    if not args.plain:
        print()
    print(state.summary())
    return 0

