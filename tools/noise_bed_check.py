#!/usr/bin/env python3
"""How a model's clip accuracy holds when its clips are not in digital silence: every keyword and unknown clip of a
held-out folder is scored (int8, tflite-micro) with a white noise bed under it, from a cold frontend (the clip
alone, as the held-out sets score it) and from a warm one (one second of the bed first, run through the frontend
and dropped, as on a device's running stream).

    tools/noise_bed_check.py models/pretrained/micro_speech.tflite models/pretrained/micro_speech.py \
        --folder data/corpus/flite --bed-db -300 -70 -50

A diagnostic for docs/generalization.md ("Stream-like windows"), not a test.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hark.data import load_dataset
from hark.data.wav import read_wav
from hark.features.backend import get_backend
from hark.features.extract import raw_to_float
from hark.format.metadata import read_metadata
from hark.format.micro import ClipRunner, MicroModel
from hark.spec import load_spec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tflite", type=Path)
    ap.add_argument("spec")
    ap.add_argument("--folder", default="data/corpus/flite")
    ap.add_argument("--bed-db", type=float, nargs="+", default=[-300.0, -70.0, -50.0],
                    help="bed RMS levels in dBFS (<= -200: none)")
    ap.add_argument("--clips", type=int, default=400)
    a = ap.parse_args()
    tflite = a.tflite.read_bytes()
    spec = load_spec(a.spec)
    fe = spec.frontend
    runner = ClipRunner(MicroModel(tflite), read_metadata(tflite).stream)
    ds = load_dataset(spec, a.folder)
    entries = [e for s in ("training", "validation", "testing") for e in ds.split(s) if e[1] != ds.silence_index]
    entries = entries[: a.clips]
    backend = get_backend()
    n = fe.clip_samples
    warm_frames = fe.frames_for(2 * n) - fe.num_frames
    out = {}
    for db in a.bed_db:
        rng = np.random.default_rng(0)
        right = {"cold": 0, "warm": 0}
        for path, label in entries:
            clip = read_wav(path, fe.sample_rate).astype(np.float64)[:n]
            clip = np.pad(clip, (0, n - len(clip)))
            bed = rng.normal(0.0, 32768 * 10 ** (db / 20), 2 * n) if db > -200 else np.zeros(2 * n)
            cold = np.clip(clip + bed[n:], -32768, 32767).astype(np.int16)
            warm = np.clip(np.concatenate([bed[:n], clip + bed[n:]]), -32768, 32767).astype(np.int16)
            for kind, audio, skip in (("cold", cold, 0), ("warm", warm, warm_frames)):
                raw = backend.uint16(audio, fe)[skip : skip + fe.num_frames]
                right[kind] += int(runner.clip_scores(raw_to_float(raw, fe)).argmax() == label)
        out[f"{db:g} dBFS"] = {k: round(v / len(entries), 4) for k, v in right.items()}
    print(json.dumps({"clips": len(entries), "accuracy": out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
