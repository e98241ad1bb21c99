#!/usr/bin/env python3
"""MACs and operators per 20 ms streaming call vs per full-window call, for every streaming model spec (JSON).

For each spec the whole-window inference model and the external-state streaming model are counted with
`hark.zoo.summarize` (convolution, dense and RNN-cell multiply-accumulates; element operations of pooling,
activations and additions separately) and, unless --no-tflite, converted to float TFLite to count the operators
one invoke runs. Usage:

    PYTHONPATH=host python tools/bench_streaming_macs.py [spec ...] [--no-tflite]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def tflite_operators(model: Any) -> dict[str, Any]:
    """Operator counts of the model converted to float TFLite (static graph; one invoke runs each once)."""
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema

    if isinstance(model.input, dict):
        specs = {t.name: tf.TensorSpec(t.shape, tf.float32, name=t.name) for t in model.inputs}
    else:
        specs = tf.TensorSpec((1, *model.input.shape[1:]), tf.float32, name="features")
    fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(specs)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    blob = converter.convert()
    graph = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(blob, 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    counts = Counter(names[graph.operatorCodes[op.opcodeIndex].builtinCode] for op in graph.subgraphs[0].operators)
    return {"operators": sum(counts.values()), "by_type": dict(sorted(counts.items())), "bytes": len(blob)}


def bench(name: str, with_tflite: bool) -> dict[str, Any]:
    from hark.layers import Modes, NotStreamableError
    from hark.spec import load_spec
    from hark.streaming import convert, state_pairs
    from hark.zoo import build_model, summarize

    spec = load_spec(name)
    model = build_model(spec)
    window_model = convert(model, Modes.NON_STREAM_INFERENCE)
    window = summarize(window_model)
    out: dict[str, Any] = {
        "spec": name,
        "architecture": spec.architecture.name,
        "params": window["params"],
        "window": {
            "frames_per_call": spec.frontend.num_frames,
            "macs": window["macs"],
            "element_ops": window["element_ops"],
            "compute_layers": window["compute_layers"],
        },
    }
    try:
        stream_model = convert(model, Modes.STREAM_EXTERNAL_STATE_INFERENCE)
    except NotStreamableError as err:
        out["stream"] = {"not_streamable": str(err)}
        if with_tflite:
            out["window"]["tflite"] = tflite_operators(window_model)
        return out
    stream = summarize(stream_model)
    out["stream"] = {
        "frames_per_call": 1,
        "macs": stream["macs"],
        "element_ops": stream["element_ops"],
        "compute_layers": stream["compute_layers"],
        "state_tensors": len(state_pairs(stream_model)),
        "state_elements": stream["state_elements"],
    }
    out["macs_ratio_window_over_call"] = round(window["macs"] / max(stream["macs"], 1), 2)
    if with_tflite:
        out["window"]["tflite"] = tflite_operators(window_model)
        out["stream"]["tflite"] = tflite_operators(stream_model)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", help="model specs (default: every spec in models/)")
    parser.add_argument("--no-tflite", action="store_true", help="skip the TFLite operator counts")
    args = parser.parse_args(argv)
    from hark.spec import available_specs

    names = args.specs or available_specs()
    results = [bench(name, not args.no_tflite) for name in names]
    json.dump({"unit": "per invoke, batch 1", "models": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
