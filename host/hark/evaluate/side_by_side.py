"""The float Keras model and the int8 `.tflite` (through the tflite-micro interpreter) on the same test clips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hark.export.device_model import float_window_scores, inference_model, load_trained
from hark.format.metadata import read_metadata
from hark.format.micro import ClipRunner, MicroModel
from hark.spec import SpecError
from hark.train import inputs
from hark.train.metrics import classification_report, format_report, plot_confusion
from hark.train.run_folder import RunFolder


def evaluate_run(
    run_dir: str | Path,
    *,
    tflite: str | Path | None = None,
    data_dir: str | Path | None = None,
    split: str = "testing",
    max_clips: int | None = None,
    out_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Writes `<out>/{float,tflite}_report.txt`, `_confusion.png` and `evaluation.json`; returns the figures."""
    run = RunFolder(run_dir)
    spec = run.spec()
    out = Path(out_dir) if out_dir else run.root / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    ds = inputs.load_keyword_dataset(spec, data_dir)
    x, y = inputs.feature_clips(spec, ds, split, max_clips or 10**9)
    if not len(y):
        raise ValueError(f"the {split} split of the dataset is empty")
    trained = load_trained(run, spec)
    results: dict[str, Any] = {"model": spec.name, "split": split, "clips": int(len(y))}
    reports = {"float": classification_report(float_window_scores(inference_model(trained, "window"), x), y,
                                              spec.labels)}
    if tflite is not None:
        buf = Path(tflite).read_bytes()
        meta = read_metadata(buf)
        if meta["spec.hash"] != spec.hash:
            raise SpecError(f"{tflite} was exported from spec hash {meta['spec.hash']}, the run has {spec.hash}")
        runner = ClipRunner(MicroModel(buf), meta.stream)
        reports["tflite"] = classification_report(np.stack([runner.clip_scores(c) for c in x]), y, spec.labels)
        results["tflite"] = str(tflite)
        results["stream_mode"] = meta.stream.mode
    text = []
    for kind, report in reports.items():
        title = f"{spec.name} {kind} ({'tflite-micro interpreter' if kind == 'tflite' else 'Keras'}), {split} split"
        text.append(format_report(report, title))
        (out / f"{kind}_report.txt").write_text(text[-1])
        plot_confusion(report, out / f"{kind}_confusion.png", title=f"{spec.name} {kind}: {report.accuracy:.3f}")
        results[kind] = report.to_dict()
    (out / "evaluation.json").write_text(json.dumps(results, indent=2, default=float) + "\n")
    results["text"] = "\n".join(text)
    return results
