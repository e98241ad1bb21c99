"""PNG figures: the DET curve (false rejects against false alarms per hour) and a detection timeline of a stream
(waveform, averaged per-label scores, the threshold, detections and the ground truth), so that a user can see why a
false alarm fired."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hark.evaluate.stream_test import Detection, Utterance


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def det_png(
    curves: dict[str, list[dict[str, float]]], path: str | Path, *, marks: dict[str, dict] | None = None
) -> Path:
    """One DET line per model or setting: false reject rate (%) against false alarms per hour."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    for name, points in curves.items():
        fa = [max(p["false_alarms_per_hour"], 0.05) for p in points]
        fr = [100 * p["false_reject_rate"] for p in points]
        ax.plot(fa, fr, marker=".", label=name)
    for name, p in (marks or {}).items():
        ax.plot([max(p["false_alarms_per_hour"], 0.05)], [100 * p["false_reject_rate"]], "r*", markersize=12)
        ax.annotate(name, (max(p["false_alarms_per_hour"], 0.05), 100 * p["false_reject_rate"]),
                    textcoords="offset points", xytext=(6, 6), fontsize=8)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("false alarms per hour (log; 0 drawn at 0.05)")
    ax.set_ylabel("false rejects (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("DET: held-out voices")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def timeline_png(
    audio: np.ndarray, times_ms: np.ndarray, averaged: np.ndarray, labels: list[str], threshold: float,
    detections: list[Detection], truth: list[Utterance], path: str | Path, *, sample_rate: int, title: str = "",
    start_s: float = 0.0, seconds: float | None = None,
) -> Path:
    """Waveform above; per-label averaged scores (probability) below, with the threshold line, detections (red:
    a keyword where none was said; green: matched) and the ground-truth onsets."""
    plt = _pyplot()
    end_s = len(audio) / sample_rate if seconds is None else min(len(audio) / sample_rate, start_s + seconds)
    a0, a1 = int(start_s * sample_rate), int(end_s * sample_rate)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 5.5), dpi=90, sharex=True,
                                      gridspec_kw={"height_ratios": [1, 2]})  # fmt: skip
    t_audio = np.arange(a0, a1) / sample_rate
    top.plot(t_audio, audio[a0:a1] / 32768.0, lw=0.3, color="0.3")
    top.set_ylabel("waveform")
    t = times_ms / 1000.0
    keep = (t >= start_s) & (t <= end_s)
    cmap = plt.get_cmap("tab20")
    for i, name in enumerate(labels):
        style = ":" if name.startswith("_") else "-"
        bottom.plot(t[keep], averaged[keep, i], style, lw=1, color=cmap(i % 20), label=name)
    bottom.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold:.2f}")
    said = [u for u in truth if start_s <= u.time_ms / 1000 <= end_s]
    for u in said:
        for ax in (top, bottom):
            ax.axvline(u.time_ms / 1000, color="0.6", lw=0.6)
        bottom.text(u.time_ms / 1000, 1.02, u.label, fontsize=7, rotation=45, color="0.4")
    for d in detections:
        if not start_s <= d.time_ms / 1000 <= end_s:
            continue
        near = [u for u in truth if 0 <= d.time_ms - u.time_ms <= 1500 and u.label == d.label]
        color = "g" if near else "r"
        bottom.plot([d.time_ms / 1000], [0.95], "v", color=color, markersize=9)
        bottom.text(d.time_ms / 1000, 0.88, d.label, color=color, fontsize=8)
    bottom.set_ylim(0, 1.1)
    bottom.set_ylabel("averaged score")
    bottom.set_xlabel("time (s)")
    bottom.legend(fontsize=6, ncol=7, loc="upper left", bbox_to_anchor=(0, -0.18))
    if title:
        top.set_title(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
