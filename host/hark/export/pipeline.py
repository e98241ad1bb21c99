"""A trained run → `.tflite` with metadata (+ C array, + report): the whole export path, checked at every step.

The exported model must load in the tflite-micro interpreter and its metadata must read back equal to what was
written; streaming state pairs must share quantization. Any failure raises, so a bad model never reaches `models/`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from hark.evaluate.micro import MicroModel
from hark.export import representative as rep
from hark.export.c_array import write_c_array
from hark.export.metadata import StreamInfo, read_metadata, write_metadata
from hark.export.model_info import io_names
from hark.export.quantize import convert, output_names
from hark.export.state_check import StatePair, align_state_outputs, verify_state_pairs
from hark.spec import ModelSpec
from hark.train import inputs
from hark.train.run_folder import RunFolder

log = logging.getLogger(__name__)

STREAM_TO_ZOO_MODE = {
    "window": "non_stream",
    "stream_external": "stream_external",
    "stream_internal": "stream_internal",
}


@dataclass
class ExportResult:
    tflite_path: Path
    c_source: Path
    c_header: Path
    stream: StreamInfo
    quantization: str
    report: dict[str, Any] = field(default_factory=dict)


def load_trained(run: RunFolder, spec: ModelSpec | None = None) -> keras.Model:
    spec = spec or run.spec()
    model = inputs.build_model(spec, "training")
    model.load_weights(str(run.best_weights))
    return model


def inference_model(trained: keras.Model, stream_mode: str) -> keras.Model:
    from hark import streaming

    if stream_mode not in STREAM_TO_ZOO_MODE:
        raise ValueError(f"stream mode '{stream_mode}' is not one of {', '.join(STREAM_TO_ZOO_MODE)}")
    return streaming.convert(trained, STREAM_TO_ZOO_MODE[stream_mode])


def state_variables(model: keras.Model) -> list[keras.Variable]:
    from hark.layers.stateful import StatefulLayer

    out: list[keras.Variable] = []
    for layer in model.layers:
        if isinstance(layer, StatefulLayer):
            out.extend(layer.state_variables)
    return out


def state_pairs_by_position(model: keras.Model, tflite: bytes) -> list[StatePair]:
    """The converted model's (input position, output position) for each state the Keras model names."""
    from hark import streaming

    in_names, out_names = io_names(tflite)
    if not set(out_names) & {b for _, b in streaming.state_pairs(model)}:
        # No signature names on the outputs (the converter calls them Identity_N): their order is the traced
        # function's, i.e. the sorted Keras output names; check the count before trusting it.
        keras_names = output_names(model)
        if len(keras_names) != len(out_names):
            raise RuntimeError(f"the converted model has {len(out_names)} outputs, the Keras model {keras_names}")
        out_names = keras_names
    pairs = []
    for state_in, state_out in streaming.state_pairs(model):
        if state_in not in in_names or state_out not in out_names:
            raise RuntimeError(f"state '{state_in}'/'{state_out}' is not among the converted model's I/O "
                               f"{in_names} / {out_names}")
        pairs.append(StatePair(in_names.index(state_in), out_names.index(state_out), state_in))
    return pairs


def feature_clips(
    spec: ModelSpec, ds: object, split: str, limit: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `limit` clips of float features [n, frames, channels] and their labels, without augmentation."""
    data = inputs.make_split(ds, split, spec, batch_size=min(64, max(1, limit)), train=False, seed=seed,
                             max_batches=None)
    xs, ys, n = [], [], 0
    for x, y in data:
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
        n += len(ys[-1])
        if n >= limit:
            break
    if not xs:
        return np.zeros((0,)), np.zeros((0,), np.int64)
    return np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]


def _with_external_quantization(spec: ModelSpec, model: keras.Model, tflite: bytes, calibration: np.ndarray) -> bytes:
    """The internal-state int8 model re-quantized as its external-state twin, which calibrates with state reset
    per clip (see `hark.export.internal_state`); the model as calibrated if the graphs do not correspond."""
    from hark import streaming
    from hark.export.internal_state import AdoptionError, adopt_external_quantization

    external = streaming.convert(model, "stream_external")
    external_tflite = quantize_for_device(spec, external, "stream_external", "int8", calibration)[0]
    pairs = state_pairs_by_position(external, external_tflite)
    try:
        return adopt_external_quantization(tflite, external_tflite, [p.input_index for p in pairs])
    except AdoptionError as err:
        log.warning("%s: internal-state model keeps its own calibration (states calibrated across clips): %s",
                    spec.name, err)
        return tflite


def quantize_for_device(
    spec: ModelSpec, model: keras.Model, stream_mode: str, quant_mode: str, calibration: np.ndarray
) -> tuple[bytes, StreamInfo]:
    """Converts an inference model, checks state quantization, and embeds the metadata."""
    n = spec.quantization.representative_samples
    if stream_mode == "window":
        samples = rep.window_samples(calibration, n)
    elif stream_mode == "stream_external":
        samples = rep.external_state_samples(model, calibration, n)
    else:
        samples = rep.internal_state_samples(calibration, n)
    variables = state_variables(model) if stream_mode == "stream_internal" else []
    tflite = convert(model, quant_mode, (lambda: rep.as_generator(samples)) if quant_mode == "int8" else None,
                     state_variables=variables)
    frames = spec.frontend.num_frames
    pairs: list[StatePair] = []
    if stream_mode == "stream_external":
        pairs = state_pairs_by_position(model, tflite)
        tflite, _ = align_state_outputs(tflite, pairs)
        verify_state_pairs(tflite, pairs)
    elif stream_mode == "stream_internal" and quant_mode == "int8":
        tflite = _with_external_quantization(spec, model, tflite, calibration)
    stream = StreamInfo(
        mode=stream_mode,
        frames_per_call=frames if stream_mode == "window" else 1,
        window_frames=frames if stream_mode == "window" else 0,
        every_hops=spec.streaming.every_hops if stream_mode == "window" else 1,
        state_inputs=tuple(p.input_index for p in pairs),
        state_outputs=tuple(p.output_index for p in pairs),
    )
    tflite = write_metadata(tflite, spec, stream)
    meta = read_metadata(tflite)
    if meta.stream != stream or meta["spec.hash"] != spec.hash or meta.labels != list(spec.labels):
        raise RuntimeError("metadata read back from the exported model differs from what was written")
    return tflite, stream


def quantization_aware(run: RunFolder, spec: ModelSpec, ds: object, steps: int) -> tuple[keras.Model, dict]:
    """The run's best weights fine-tuned with fake-quantized weights (saved as `qat.weights.h5`)."""
    from hark.export.qat import qat_finetune, quantized_kernels_error

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
    from hark.evaluate.micro import ClipRunner

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
    calibration, _ = feature_clips(spec, ds, "training", n_cal if stream_mode == "window" else max(4, n_cal // 5))
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
    c_source, c_header = write_c_array(tflite, name, spec.labels, out)
    result = ExportResult(path, c_source, c_header, stream, quant_mode)
    if report:
        from hark.export.report import model_report

        test_x, test_y = feature_clips(spec, ds, "testing", max_clips or 10**9)
        result.report = model_report(spec, tflite, stream, trained, test_x, test_y, quant_mode=quant_mode)
        if qat_info:
            result.report["qat"] = qat_report(qat_info, stream, test_x, test_y, result.report)
        if quant_mode == "int8" and stream_mode != "window" and len(test_y):
            from hark.export.agreement import stream_window_agreement

            agreement = stream_window_agreement(spec, trained, test_x, calibration, labels=test_y,
                                                stream_mode=stream_mode, stream_export=(tflite, stream))
            result.report["int8_window_accuracy"] = agreement.window_int8_accuracy
            result.report["int8_stream_vs_window_top1_agreement"] = agreement.top1_agreement
        if quant_mode in ("int8", "float"):
            from hark.evaluate.heldout import evaluate, heldout_dirs, tflite_scorer

            # beside the held-in figures: voices the model never heard, and TFLM's real recordings
            result.report["heldout"] = evaluate(spec, tflite_scorer(tflite), heldout_dirs(ds.data_dir))
        (out / f"{name}_report.json").write_text(json.dumps(result.report, indent=2, sort_keys=True) + "\n")
    return result
