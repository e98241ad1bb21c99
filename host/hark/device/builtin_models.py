"""The models every board image is built with: TFLM's micro_speech and the MLPerf Tiny DS-CNN from the
reference folder, given the `hark` metadata of their specs in models/ so the firmware can run them on audio.

`python -m hark.device.builtin_models OUT_DIR` writes micro_speech.tflite and ds_cnn.tflite there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hark.data.wav import read_wav
from hark.format.metadata import StreamInfo, write_metadata
from hark.format.tflite import model_info
from hark.paths import reference_dir
from hark.spec import load_spec

# name -> (file under the reference folder, spec in models/)
BUILTIN = {
    "micro_speech": ("tflite-micro/models/micro_speech_quantized.tflite", "micro_speech"),
    "ds_cnn": ("benchmarks/ds_cnn_mlperf.tflite", "ds_cnn_mlperf"),
}


def builtin_model(name: str) -> bytes:
    """The reference model `name` with the metadata of its spec (window mode, the spec's every_hops)."""
    if name not in BUILTIN:
        raise ValueError(f"unknown built-in model '{name}'; known: {', '.join(BUILTIN)}")
    path, spec_name = BUILTIN[name]
    spec = load_spec(spec_name)
    tflite = (reference_dir() / path).read_bytes()
    # The window comes from the spec, like every setting; the model's input must hold exactly that many frames.
    frames, channels = spec.frontend.num_frames, spec.frontend.num_channels
    shape = model_info(tflite).inputs[0].shape
    if int(np.prod(shape)) != frames * channels:
        raise ValueError(f"{path}: input shape {shape} does not hold the {frames} x {channels} features of spec "
                         f"'{spec_name}'")
    stream = StreamInfo(mode="window", frames_per_call=frames, window_frames=frames,
                        every_hops=spec.streaming.every_hops)  # fmt: skip
    return write_metadata(tflite, spec, stream)


def reference_speech(seconds: int, sample_rate: int = 16000) -> np.ndarray:
    """TFLM's four real 1 s recordings (yes, silence, no, noise) repeated to `seconds`: audio on which the
    built-in micro_speech detects its words."""
    testdata = reference_dir() / "tflite-micro" / "testdata"
    clips = [read_wav(testdata / f"{name}_1000ms.wav", sample_rate) for name in ("yes", "silence", "no", "noise")]
    return np.concatenate(clips * (seconds // 4 + 1))[: seconds * sample_rate]


def write_builtin_models(out_dir: Path, names: Sequence[str] = tuple(BUILTIN)) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names:
        target = out_dir / f"{name}.tflite"
        data = builtin_model(name)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        written[name] = target
    return written


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    args = ap.parse_args(argv)
    for name, path in write_builtin_models(args.out_dir).items():
        print(f"{name}: {path} ({path.stat().st_size} B)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
