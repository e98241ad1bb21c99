"""A trained run → `.tflite` with metadata (+ C array, + report): the orchestrator of the export path.

The building blocks are in `hark.export.device_model`; every step is checked: the exported model must load in the
tflite-micro interpreter and its metadata must read back equal to what was written; streaming state pairs must
share quantization. Any failure raises, so a bad model never reaches `models/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from hark.export.agreement import stream_window_agreement
from hark.export.device_model import inference_model, load_trained, quantize_for_device
from hark.export.qat import qat_finetune, quantized_kernels_error
from hark.export.report import model_report
from hark.format.c_array import write_c_array
from hark.format.metadata import StreamInfo
from hark.format.micro import ClipRunner, MicroModel
from hark.spec import ModelSpec
from hark.train import inputs
from hark.train.heldout import heldout_report, tflite_scorer
from hark.train.run_folder import RunFolder


@dataclass
class ExportResult:
    tflite_path: Path
    c_source: Path
    c_header: Path
    stream: StreamInfo
    quantization: str
    report: dict[str, Any] = field(default_factory=dict)


def quantization_aware(run: RunFolder, spec: ModelSpec, ds: object, steps: int) -> tuple[keras.Model, dict]:
    """The run's best weights fine-tuned with fake-quantized weights (saved as `qat.weights.h5`)."""
    model = load_trained(run, spec)
    before = quantized_kernels_error(model)
    t = spec.training
    data = inputs.make_split(ds, "training", spec, batch_size=t.batch_size, train=True, seed=t.seed + 7919,
                             max_batches=None)
    losses = qat_finetune(model, data, steps, float(t.learning_rates[-1]), label_smoothing=t.label_smoothing)
    model.save_weights(str(run.root / "qat.weights.h5"))
    info = {"steps": len(losses), "learning_rate": float(t.learning_rates[-1]),
            "kernel_grid_error_before": before, "kernel_grid_error_after": quantized_kernels_error(model),
            "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None}
    return model, info


def qat_report(info: dict[str, Any], stream: StreamInfo, test_x: np.ndarray, test_y: np.ndarray,
               report: dict[str, Any]) -> dict[str, Any]:
    """PTQ (the best float weights) vs QAT (fine-tuned) int8 accuracy on the same clips."""
    out = {k: v for k, v in info.items() if k != "ptq_tflite"}
    if len(test_y):
        runner = ClipRunner(MicroModel(info["ptq_tflite"]), stream)
        ptq = np.stack([runner.clip_scores(x) for x in test_x]).argmax(1)
        out["ptq_int8_accuracy"] = float(np.mean(ptq == test_y))
        out["qat_int8_accuracy"] = report.get("int8_accuracy")
        out["qat_float_accuracy"] = report.get("float_accuracy")
    return out


def export_run(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    stream_mode: str | None = None,
    quant_mode: str | None = None,
    data_dir: str | Path | None = None,
    max_clips: int | None = None,
    report: bool = True,
    name: str | None = None,
    qat: bool | None = None,
    qat_steps: int | None = None,
) -> ExportResult:
    """Exports a run's best weights. `qat` (default: the spec's `quantization.qat`) first fine-tunes them with
    fake-quantized weights for `qat_steps` (default: the spec's) and reports PTQ and QAT int8 accuracy."""
    run = RunFolder(run_dir)
    spec = run.spec()
    stream_mode = stream_mode or spec.streaming.mode
    quant_mode = quant_mode or spec.quantization.mode
    out = Path(out_dir) if out_dir else run.root / "export"
    out.mkdir(parents=True, exist_ok=True)
    name = name or (spec.name if stream_mode == spec.streaming.mode else f"{spec.name}_{stream_mode}")
    trained = load_trained(run, spec)
    model = inference_model(trained, stream_mode)
    ds = inputs.load_keyword_dataset(spec, data_dir)
    n_cal = spec.quantization.representative_samples
    n_cal = n_cal if stream_mode == "window" else max(4, n_cal // 5)
    calibration, _ = inputs.feature_clips(spec, ds, "training", n_cal)
    qat = spec.quantization.qat if qat is None else qat
    qat_info: dict[str, Any] = {}
    if qat and quant_mode == "int8":
        steps = qat_steps if qat_steps is not None else spec.quantization.qat_steps
        ptq_tflite = quantize_for_device(spec, model, stream_mode, quant_mode, calibration)[0] if report else None
        trained, qat_info = quantization_aware(run, spec, ds, steps)
        qat_info["ptq_tflite"] = ptq_tflite
        model = inference_model(trained, stream_mode)
    tflite, stream = quantize_for_device(spec, model, stream_mode, quant_mode, calibration)
    if quant_mode in ("int8", "float"):
        MicroModel(tflite)  # loads and allocates, or raises: the device runtime must accept it
    path = out / f"{name}.tflite"
    path.write_bytes(tflite)
    c_source, c_header = write_c_array(tflite, name, out)
    result = ExportResult(path, c_source, c_header, stream, quant_mode)
    if report:
        # a training set of a few voices (a reverse-direction corpus: five flite voices) may hash none of them into
        # testing: the report then has no held-in figures, and still its held-out ones
        test_x, test_y = np.zeros((0,)), np.zeros((0,), np.int64)
        if ds.split("testing"):  # type: ignore[attr-defined]
            test_x, test_y = inputs.feature_clips(spec, ds, "testing", max_clips or 10**9)
        result.report = model_report(spec, tflite, stream, trained, test_x, test_y, quant_mode=quant_mode)
        if qat_info:
            result.report["qat"] = qat_report(qat_info, stream, test_x, test_y, result.report)
        if quant_mode == "int8" and stream_mode != "window" and len(test_y):
            agreement = stream_window_agreement(spec, trained, test_x, calibration, labels=test_y,
                                                stream_mode=stream_mode, stream_export=(tflite, stream))
            result.report["int8_window_accuracy"] = agreement.window_int8_accuracy
            result.report["int8_stream_vs_window_top1_agreement"] = agreement.top1_agreement
        if quant_mode in ("int8", "float"):
            # beside the held-in figures: voices the model never heard, and TFLM's real recordings
            result.report["heldout"] = heldout_report(spec, tflite_scorer(tflite), ds.data_dir)
        (out / f"{name}_report.json").write_text(json.dumps(result.report, indent=2, sort_keys=True) + "\n")
    return result
