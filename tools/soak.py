#!/usr/bin/env python3
"""Soak test: long audio through the emulated board, hop by hop, compared with the host twin.

Two paths into the app, both the board's real code:
- `--source mic` (the default): the audio is a WAV named as the board's semihosting microphone
  (boards/common/semihost_mic.c). The app reads it through board_audio_read as a board with a microphone
  does, as fast as the emulator runs it (faster than real time); the host only reads what the board reports.
- `--source serial`: AUDIO_PACKED frames under credit flow control, in blocks of --block seconds, each
  block from a reset on both sides (for boards without a microphone).

For every hop the board reports HOP_COUNTS: a hop misses its deadline when its instruction count exceeds the
hop's budget at the board's clock (under QEMU a count is instructions, taken as 1 cycle each: an estimate).
Every --block seconds of audio the tool reads STATS and IDENTITY and prints one JSON row:
- lost audio: receive overruns, lost samples (gaps, microphone overruns), hops that did not run;
- the stack high-water mark, which may rise after the first row by at most one interrupt's entry (see
  INTERRUPT_STACK_BYTES): a serial byte's interrupt can land at the main path's deepest point at any time;
- the detections so far, which must equal the twin's on the same hops.

    python tools/soak.py --model M.tflite --wav negatives.wav keywords_20db.wav --minutes 60   # the one-hour soak
    python tools/soak.py --model firmware/fuzz/corpus/kws/window_fc.tflite --minutes 0.5        # what CI runs

The audio is the --wav files concatenated (repeated up to --minutes), or the dataset's streaming test WAV with
--data-dir, else speech-band noise with bursts (deterministic). Prints a summary; exits 1 on any lost or late
hop, an error message, a growing stack or a detection mismatch."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from hark import paths
from hark.data.wav import read_wav, write_wav
from hark.device import DeviceError, emulated_link
from hark.device.link import DeviceLink
from hark.device.protocol import Message
from hark.device.session import open_device
from hark.twin import Twin

SAMPLE_RATE = 16000
TOTALS = ("hops", "hops_expected", "deadline_misses", "rx_overruns", "lost_samples", "errors")


def synthetic_audio(seconds: float, seed: int) -> np.ndarray:
    """Noise with louder bursts every ~1.3 s: it drives the frontend's noise estimate and PCAN up and down."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    audio = rng.normal(0, 300, n)
    t = np.arange(n) / SAMPLE_RATE
    envelope = (np.sin(2 * np.pi * t / 1.3) > 0.6).astype(float)
    audio += envelope * 4000 * np.sin(2 * np.pi * (300 + 200 * np.sin(t)) * t)
    return np.clip(audio, -32768, 32767).astype(np.int16)


def load_audio(args: argparse.Namespace, seconds: float) -> np.ndarray:
    if args.wav:
        clip = np.concatenate([read_wav(w, SAMPLE_RATE) for w in args.wav])
    elif args.data_dir is not None:
        from hark.evaluate.stream_test import dataset_test_wav

        clip = read_wav(dataset_test_wav(Path(args.data_dir), Path(args.work) / "soak_test.wav"), SAMPLE_RATE)
    else:
        return synthetic_audio(seconds, args.seed)
    reps = int(np.ceil(seconds * SAMPLE_RATE / len(clip)))
    return np.tile(clip, reps)[: int(seconds * SAMPLE_RATE)]


def twin_detections(twin: Twin, audio: np.ndarray) -> list[tuple[int, str, int, int]]:
    """(hop, label, time_ms, score) of every twin detection, from a reset (the board's state after a switch)."""
    twin.reset()
    return [(h.hop, twin.labels[h.label], int(h.time_ms), int(h.score)) for h in twin.hops(audio) if h.detected]


def detections(messages: list[Message]) -> list[tuple[str, int, int]]:
    return [(m.label_name, int(m.time_ms), int(m.score)) for m in messages if m.name == "DETECTION"]


# How far the stack high-water may rise after the first row without being growth. The main path's depth is
# the same every hop, but the UART's receive interrupt lands wherever the app is when a request byte
# arrives: an ARMv7-M exception entry pushes 8 words (26 with FP context) plus one alignment word, and
# the receive handler pushes 5 registers (boards/mps2-an386/uart.c). The first landing at the deepest
# point can come in any minute; a rise beyond one such entry is growth.
INTERRUPT_STACK_BYTES = (26 + 1) * 4 + 5 * 4


class Soak:
    """The running totals and the rows of one soak."""

    def __init__(self, args: argparse.Namespace, model_name: str, audio_s: float) -> None:
        self.summary: dict = {"model": model_name, "source": args.source, "audio_s": audio_s, "blocks": 0,
                              "hops": 0, "hops_expected": 0, "deadline_misses": 0, "max_hop_count": 0,
                              "rx_overruns": 0, "lost_samples": 0, "errors": 0, "error_texts": [],
                              "detections_board": 0, "detections_by_label": {}, "detections_twin": 0,
                              "detections_equal": True, "stack_peaks": []}  # fmt: skip
        self.started = time.monotonic()

    def add(self, row: dict, board: list, want: list, errors: list[str]) -> None:
        s = self.summary
        row["wall_s"] = round(time.monotonic() - self.started, 1)
        print(json.dumps(row), flush=True)
        s["blocks"] += 1
        for key in TOTALS:
            s[key] += row[key]
        s["max_hop_count"] = max(s["max_hop_count"], row["max_hop_count"])
        s["error_texts"] = (s["error_texts"] + errors)[:10]
        s["stack_peaks"].append(row["stack_peak"])
        for label, *_ in board:
            s["detections_by_label"][label] = s["detections_by_label"].get(label, 0) + 1
        s["detections_board"] += len(board)
        s["detections_twin"] += len(want)
        s["detections_equal"] &= board == want

    def finish(self) -> dict:
        s = self.summary
        peaks = s["stack_peaks"]
        s["stack_rise_bytes"] = max(peaks) - peaks[0] if peaks else 0
        s["stack_bounded"] = s["stack_rise_bytes"] <= INTERRUPT_STACK_BYTES
        s["wall_s"] = round(time.monotonic() - self.started, 1)
        s["ok"] = (s["hops"] == s["hops_expected"] and not s["deadline_misses"] and not s["errors"]
                   and not s["rx_overruns"] and not s["lost_samples"] and s["detections_equal"]
                   and s["stack_bounded"])  # fmt: skip
        return s


def hop_budget(link: DeviceLink, soak: Soak, hop_samples: int) -> float:
    ident = link.identity()
    budget = ident.clock_hz * (hop_samples / SAMPLE_RATE)
    soak.summary.update(board=ident.board, counter=ident.counter, hop_budget=int(budget))
    return budget


def count_row(counts: list[int], budget: float) -> dict:
    return {"deadline_misses": sum(c > budget for c in counts), "max_hop_count": max(counts, default=0)}


def soak_serial(args: argparse.Namespace, model: bytes, twin: Twin, audio: np.ndarray, soak: Soak) -> None:
    """Blocks of AUDIO_PACKED frames under credit flow control; both sides reset at each block."""
    hop_samples = twin.hop_samples
    block = int(args.block * SAMPLE_RATE) // hop_samples * hop_samples
    with open_device(image=args.image, model=model, timeout=60.0) as link:
        budget = hop_budget(link, soak, hop_samples)
        link.set_param("report.counts_every_hops", 1)
        before = link.stats()
        for start in range(0, len(audio) - block + 1, block):
            part = audio[start : start + block]
            result = link.stream_audio(part, timeout=max(120.0, 30.0 * args.block))
            counts = [m.total for m in result.messages if m.name == "HOP_COUNTS"]
            errors = [m.text for m in result.messages if m.name == "ERROR"]
            board = detections(result.messages)
            want = [d[1:] for d in twin_detections(twin, part)]
            stats = link.stats()
            row = {"block": soak.summary["blocks"], "audio_s": (start + block) / SAMPLE_RATE, "hops": len(counts),
                   "hops_expected": len(part) // hop_samples, **count_row(counts, budget),
                   "rx_overruns": stats["rx_overruns"] - before["rx_overruns"],
                   "lost_samples": stats["audio_lost_samples"] - before["audio_lost_samples"],
                   "errors": len(errors), "detections": len(board), "detections_equal": board == want,
                   "stack_peak": link.identity().stack_peak_bytes}  # fmt: skip
            before = stats
            soak.add(row, board, want, errors)


def soak_mic(args: argparse.Namespace, model: bytes, twin: Twin, audio: np.ndarray, soak: Soak) -> None:
    """The whole audio as the board's microphone from the model switch on; a row every --block seconds of it.

    The app answers a request only between microphone blocks, after their hops have run, so a STATS reply
    counts every hop whose messages precede it. Each hop's HOP_COUNTS comes before its DETECTION, which
    tags every detection with its hop: rows compare the board's and the twin's detections hop range by range."""
    hop_samples = twin.hop_samples
    want_all = twin_detections(twin, audio)
    wav = Path(args.work) / "soak_mic.wav"
    write_wav(wav, audio, SAMPLE_RATE)
    block = max(1, int(args.block * SAMPLE_RATE))
    with emulated_link(args.image, mic=wav, timeout=60.0) as link:
        if not link.identity().has_microphone:
            raise DeviceError(f"{args.image} has no microphone with {wav} named: {link.emulator.qemu_log()}")
        budget = hop_budget(link, soak, hop_samples)
        link.set_param("report.counts_every_hops", 1)
        link.upload_model(model)
        link.switch_model()  # the microphone starts with the model
        prev = {"hops": 0, "rx_overruns": link.stats()["rx_overruns"], "audio_lost_samples": 0}
        counts: dict[int, int] = {}  # hop -> instruction count, until its row is written
        board_all: list[tuple[int, str, int, int]] = []  # (hop, label, time_ms, score)
        errors: list[str] = []
        hop = -1
        next_mark, last_progress, last_samples = block, time.monotonic(), -1
        while True:
            stats = link.stats()
            for m in link.poll():
                if m.name == "HOP_COUNTS":
                    hop = int(m.hop)
                    counts[hop] = int(m.total)
                elif m.name == "DETECTION":
                    board_all.append((hop, m.label_name, int(m.time_ms), int(m.score)))
                elif m.name == "ERROR":
                    errors.append(m.text)
            done = stats["audio_samples"] >= len(audio)
            if stats["audio_samples"] != last_samples:
                last_progress, last_samples = time.monotonic(), stats["audio_samples"]
            elif time.monotonic() - last_progress > 60.0:
                raise DeviceError(f"the microphone stream stalled at {stats}: {link.emulator.qemu_log()}")
            if stats["audio_samples"] >= next_mark or done:
                hops = stats["hops"]
                span = range(prev["hops"], hops)
                row_counts = [counts.pop(h) for h in span if h in counts]
                board = [d[1:] for d in board_all if d[0] in span]
                want = [d[1:] for d in want_all if d[0] in span]
                row = {"block": soak.summary["blocks"], "audio_s": round(stats["audio_samples"] / SAMPLE_RATE, 2),
                       "hops": len(span), "hops_expected": stats["audio_samples"] // hop_samples - prev["hops"],
                       **count_row(row_counts, budget), "rx_overruns": stats["rx_overruns"] - prev["rx_overruns"],
                       "lost_samples": stats["audio_lost_samples"] - prev["audio_lost_samples"],
                       "errors": len(errors), "detections": len(board), "detections_equal": board == want,
                       "stack_peak": link.identity().stack_peak_bytes}  # fmt: skip
                if len(row_counts) != len(span):  # one HOP_COUNTS report per hop that ran
                    errors.append(f"{len(row_counts)} HOP_COUNTS reports for hops {span.start}..{span.stop - 1}")
                    row["errors"] = len(errors)
                soak.add(row, board, want, errors)
                prev = {"hops": hops, "rx_overruns": stats["rx_overruns"],
                        "audio_lost_samples": stats["audio_lost_samples"]}  # fmt: skip
                errors = []
                while next_mark <= stats["audio_samples"]:
                    next_mark += block
            if done:
                break
            time.sleep(0.05)
        soak.summary["hops_expected"] = len(audio) // hop_samples  # the stream's whole hops
        soak.summary["detections_equal"] &= [d[1:] for d in board_all] == [d[1:] for d in want_all]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, type=Path, help=".tflite with hark metadata")
    ap.add_argument("--minutes", type=float, default=60.0, help="audio to stream")
    ap.add_argument("--source", choices=("mic", "serial"), default="mic", help="the app's audio path")
    ap.add_argument("--block", type=float, default=60.0, help="seconds of audio per row (and per serial block)")
    ap.add_argument("--image", type=Path, default=None, help="the app image (default: the build's)")
    ap.add_argument("--wav", type=Path, nargs="+", default=None, help="16 kHz WAVs to stream, concatenated")
    ap.add_argument("--data-dir", default=None, help="a dataset: stream its test WAV instead of noise")
    ap.add_argument("--work", default="build/soak")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = ap.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    if args.image is None:
        args.image = paths.firmware_image("hark_app")
    model = args.model.read_bytes()
    twin = Twin(model)
    audio = load_audio(args, args.minutes * 60.0)
    soak = Soak(args, str(args.model), len(audio) / SAMPLE_RATE)
    (soak_mic if args.source == "mic" else soak_serial)(args, model, twin, audio, soak)
    summary = soak.finish()
    print(json.dumps({"summary": summary}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
