"""A WAV's features as a PNG, time on the x axis, channels on the y axis (low at the bottom),
as TF speech_commands' wav_to_spectrogram draws them. The features are the ones the model sees: the spec's (or
the model's metadata's) frontend, computed by the same code as training and the device."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from hark.data.wav import read_wav
from hark.features import FeatureError, compute_features
from hark.format.metadata import read_metadata
from hark.spec import FrontendSpec, SpecError, load_spec


def frontend_of_model(path: Path) -> FrontendSpec:
    """The FrontendSpec carried in an exported model's metadata."""
    values = read_metadata(path.read_bytes()).frontend()
    known = {f.name: f for f in dataclasses.fields(FrontendSpec)}
    kwargs = {}
    for name, value in values.items():
        if name in known:
            default = getattr(FrontendSpec(), name)
            kwargs[name] = type(default)(value)
    return FrontendSpec(**kwargs)


def write_png(features: np.ndarray, path: Path, title: str, step_ms: int) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames, channels = features.shape
    fig, ax = plt.subplots(figsize=(max(5.0, frames / 20.0), 3.5))
    image = ax.imshow(features.T, origin="lower", aspect="auto", interpolation="nearest",
                      extent=(0, frames * step_ms / 1000.0, 0, channels))  # fmt: skip
    ax.set_xlabel("time (s)")
    ax.set_ylabel("channel")
    ax.set_title(title)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("wav", type=Path, help="16 kHz mono 16-bit WAV")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--spec", default="micro_speech", help="model spec whose frontend to use (default micro_speech)")
    src.add_argument("--model", type=Path, help="an exported .tflite: use the frontend in its metadata")
    p.add_argument("--out", type=Path, help="PNG path (default: the WAV's path with .png)")


def run(a: argparse.Namespace) -> int:
    try:
        fe = frontend_of_model(a.model) if a.model else load_spec(a.spec).frontend
        audio = read_wav(a.wav, fe.sample_rate)
        features = compute_features(audio, fe)
        if features.shape[0] == 0:
            raise FeatureError(f"{a.wav}: shorter than one {fe.window_size_ms} ms window")
        out = a.out or a.wav.with_suffix(".png")
        write_png(features, out, f"{a.wav.name}: {fe.kind}, {fe.num_channels} channels", fe.window_step_ms)
    except (ValueError, OSError, SpecError) as err:
        print(f"{a.prog}: {err}", file=sys.stderr)
        return 1
    print(f"{out}: {features.shape[0]} frames x {features.shape[1]} channels")
    return 0
