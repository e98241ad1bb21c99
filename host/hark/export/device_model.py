"""The export's building blocks: a trained model in its inference form, and that form as a device `.tflite`.

`quantize_for_device` converts, checks that streaming state pairs share quantization, embeds the spec as
metadata and reads it back; the orchestrator (`hark.export.pipeline`), the report and the agreement check all
build on these.
"""

from __future__ import annotations

import logging

import keras
import numpy as np

from hark import streaming
from hark.export import representative as rep
from hark.export.internal_state import AdoptionError, adopt_external_quantization
from hark.export.quantize import convert, output_names
from hark.export.state_check import StatePair, align_state_outputs, verify_state_pairs
from hark.format.metadata import StreamInfo, read_metadata, write_metadata
from hark.format.tflite import io_names
from hark.layers.stateful import StatefulLayer
from hark.spec import ModelSpec, SpecError
from hark.train import inputs
from hark.train.run_folder import RunFolder

log = logging.getLogger(__name__)

STREAM_TO_ZOO_MODE = {
    "window": "non_stream",
    "stream_external": "stream_external",
    "stream_internal": "stream_internal",
}


def load_trained(run: RunFolder, spec: ModelSpec | None = None) -> keras.Model:
    spec = spec or run.spec()
    model = inputs.build_model(spec, "training")
    model.load_weights(str(run.best_weights))
    return model


def inference_model(trained: keras.Model, stream_mode: str) -> keras.Model:
    if stream_mode not in STREAM_TO_ZOO_MODE:
        raise ValueError(f"stream mode '{stream_mode}' is not one of {', '.join(STREAM_TO_ZOO_MODE)}")
    return streaming.convert(trained, STREAM_TO_ZOO_MODE[stream_mode])


def float_window_scores(model: keras.Model, clips: np.ndarray, batch: int = 64) -> np.ndarray:
    parts = [np.asarray(model(clips[i : i + batch], training=False)) for i in range(0, len(clips), batch)]
    return np.concatenate(parts)


def state_variables(model: keras.Model) -> list[keras.Variable]:
    out: list[keras.Variable] = []
    for layer in model.layers:
        if isinstance(layer, StatefulLayer):
            out.extend(layer.state_variables)
    return out


def state_pairs_by_position(model: keras.Model, tflite: bytes) -> list[StatePair]:
    """The converted model's (input position, output position) for each state the Keras model names."""
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


def _with_external_quantization(spec: ModelSpec, model: keras.Model, tflite: bytes, calibration: np.ndarray) -> bytes:
    """The internal-state int8 model re-quantized as its external-state twin, which calibrates with state reset
    per clip (see `hark.export.internal_state`); the model as calibrated if the graphs do not correspond."""
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
    if quant_mode == "int8":
        for layer in model.layers:
            if getattr(layer, "int8_refusal", None):
                raise SpecError(f"model '{spec.name}': no int8 export: layer '{layer.name}' ({type(layer).__name__})"
                                f" cannot be int8: {layer.int8_refusal}; quantization.mode 'float16' or 'dynamic' "
                                "gives a float model for the host")  # fmt: skip
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
