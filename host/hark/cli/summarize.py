"""Params, MACs per call and per-layer shapes of a spec (or a run's spec)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hark.cli.errors import reported
from hark.evaluate.summary import format_summary, summarize
from hark.spec import load_spec
from hark.train.run_folder import RunFolder


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="spec name, spec path, or a run folder")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    def body() -> int:
        spec = RunFolder(a.model).spec() if Path(a.model).is_dir() else load_spec(a.model)
        s = summarize(spec)
        print(json.dumps(s, indent=2) if a.json else format_summary(s), end="" if not a.json else "\n")
        return 0

    return reported(a.prog, body)
