"""The user commands: hark-train, hark-evaluate, hark-export, hark-summarize (also host/*.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hark.paths import REPO_ROOT
from hark.spec import SpecError, load_spec

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _run(prog: str, body: Callable[[], int]) -> int:
    from hark.data import DatasetError
    from hark.export.metadata import MetadataError
    from hark.export.state_check import StateQuantizationError
    from hark.train.guards import TrainingNaNError

    try:
        return body()
    except (SpecError, DatasetError, MetadataError, StateQuantizationError, TrainingNaNError,
            FileNotFoundError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2


def default_run_dir(model: str, dry_run: bool) -> Path:
    return REPO_ROOT / "runs" / (Path(model).stem + ("-dry" if dry_run else ""))


def train_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hark-train", description="Train a model spec; rerun the same command to resume.")
    p.add_argument("model", help="spec name in models/ or a path to a spec .py")
    p.add_argument("--run-dir", help="run folder (default runs/<model>, runs/<model>-dry for --dry-run)")
    p.add_argument("--data-dir", help="dataset folder (default: the spec's dataset.data_dir)")
    p.add_argument("--dry-run", action="store_true", help="a few batches and steps: proves the path in seconds")
    p.add_argument("--steps", type=int, default=6, help="steps of a dry run (default 6)")
    p.add_argument("--distribute", choices=("none", "mirrored", "multiworker"), default="none",
                   help="tf.distribute strategy: mirrored (local devices) or multiworker (TF_CONFIG)")
    p.add_argument("--check-nans", action="store_true",
                   help="stop with an error at the first NaN or infinite loss or weight (training.check_nans)")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)

    def body() -> int:
        from hark.train.run import train

        spec = load_spec(a.model)
        if a.check_nans:
            spec = spec.replace(training={"check_nans": True})
        out = train(spec, a.run_dir or default_run_dir(a.model, a.dry_run), data_dir=a.data_dir, dry_run=a.dry_run,
                    dry_run_steps=a.steps, distribute=a.distribute, verbose=not a.quiet)
        print(json.dumps({"run_dir": str(out.run.root), "steps": out.fit.steps,
                          "best_val_accuracy": out.fit.best_val_accuracy, "test_accuracy": out.test_accuracy,
                          "resumed_from": out.fit.resumed_from, "seconds": round(out.seconds, 2)}))
        return 0

    return _run("hark-train", body)


def export_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hark-export", description="Quantize a trained run and write .tflite + C array.")
    p.add_argument("run_dir")
    p.add_argument("--out", help="output folder (default <run>/export)")
    p.add_argument("--stream", choices=("window", "stream_external", "stream_internal"),
                   help="inference form (default: the spec's streaming.mode)")
    p.add_argument("--quant", choices=("int8", "dynamic", "float16", "float"),
                   help="quantization (default: the spec's quantization.mode)")
    p.add_argument("--data-dir")
    p.add_argument("--max-clips", type=int, help="test clips for the report (default all)")
    p.add_argument("--no-report", action="store_true")
    p.add_argument("--qat", action=argparse.BooleanOptionalAction, default=None,
                   help="quantization-aware fine-tuning before int8 export (default: the spec's quantization.qat)")
    p.add_argument("--qat-steps", type=int, help="QAT steps (default: the spec's quantization.qat_steps)")
    a = p.parse_args(argv)

    def body() -> int:
        from hark.export.pipeline import export_run

        r = export_run(a.run_dir, a.out, stream_mode=a.stream, quant_mode=a.quant, data_dir=a.data_dir,
                       max_clips=a.max_clips, report=not a.no_report, qat=a.qat, qat_steps=a.qat_steps)
        print(json.dumps({"tflite": str(r.tflite_path), "c_source": str(r.c_source), "c_header": str(r.c_header),
                          "report": r.report}, indent=2))
        return 0

    return _run("hark-export", body)


def evaluate_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hark-evaluate",
                                description="Float Keras model and int8 .tflite (tflite-micro) side by side.")
    p.add_argument("run_dir")
    p.add_argument("--tflite", help="an exported model of this run to score in the tflite-micro interpreter")
    p.add_argument("--data-dir")
    p.add_argument("--split", default="testing", choices=("training", "validation", "testing"))
    p.add_argument("--max-clips", type=int)
    p.add_argument("--out", help="output folder (default <run>/evaluation)")
    a = p.parse_args(argv)

    def body() -> int:
        from hark.evaluate.side_by_side import evaluate_run

        r = evaluate_run(a.run_dir, tflite=a.tflite, data_dir=a.data_dir, split=a.split, max_clips=a.max_clips,
                         out_dir=a.out)
        print(r["text"])
        return 0

    return _run("hark-evaluate", body)


def summarize_main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hark-summarize", description="Params, MACs per call and per-layer shapes.")
    p.add_argument("model", help="spec name, spec path, or a run folder")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)

    def body() -> int:
        from hark.evaluate.summary import format_summary, summarize
        from hark.train.run_folder import RunFolder

        spec = RunFolder(a.model).spec() if Path(a.model).is_dir() else load_spec(a.model)
        s = summarize(spec)
        print(json.dumps(s, indent=2) if a.json else format_summary(s), end="" if not a.json else "\n")
        return 0

    return _run("hark-summarize", body)
