"""Train a model spec; rerun the same command to resume."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hark.cli.errors import reported
from hark.evaluate.selection import selector_for
from hark.paths import REPO_ROOT
from hark.spec import load_spec
from hark.train.run import train


def default_run_dir(model: str, dry_run: bool) -> Path:
    return REPO_ROOT / "runs" / (Path(model).stem + ("-dry" if dry_run else ""))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="spec name in models/ or a path to a spec .py")
    p.add_argument("--run-dir", help="run folder (default runs/<model>, runs/<model>-dry for --dry-run)")
    p.add_argument("--data-dir", help="dataset folder (default: the spec's dataset.data_dir)")
    p.add_argument("--dry-run", action="store_true", help="a few batches and steps: proves the path in seconds")
    p.add_argument("--steps", type=int, default=6, help="steps of a dry run (default 6)")
    p.add_argument("--distribute", choices=("none", "mirrored", "multiworker"), default="none",
                   help="tf.distribute strategy: mirrored (local devices) or multiworker (TF_CONFIG)")
    p.add_argument("--check-nans", action="store_true",
                   help="stop with an error at the first NaN or infinite loss or weight (training.check_nans)")
    p.add_argument("--quiet", action="store_true", help="no per-step progress")


def run(a: argparse.Namespace) -> int:
    def body() -> int:
        spec = load_spec(a.model)
        if a.check_nans:
            spec = spec.replace(training={"check_nans": True})
        out = train(spec, a.run_dir or default_run_dir(a.model, a.dry_run), data_dir=a.data_dir, dry_run=a.dry_run,
                    dry_run_steps=a.steps, distribute=a.distribute, verbose=not a.quiet,
                    selector=None if a.dry_run else selector_for(spec))
        print(json.dumps({"run_dir": str(out.run.root), "steps": out.fit.steps,
                          "best_val_accuracy": out.fit.best_val_accuracy, "test_accuracy": out.test_accuracy,
                          "resumed_from": out.fit.resumed_from, "seconds": round(out.seconds, 2)}))
        return 0

    return reported(a.prog, body)
