"""Float Keras model and int8 .tflite (tflite-micro) side by side: accuracy, per-class precision/recall, confusion
matrix (text and PNG), ROC/AUC."""

from __future__ import annotations

import argparse

from hark.cli.errors import reported
from hark.evaluate.side_by_side import evaluate_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir")
    p.add_argument("--tflite", help="an exported model of this run to score in the tflite-micro interpreter")
    p.add_argument("--data-dir")
    p.add_argument("--split", default="testing", choices=("training", "validation", "testing"))
    p.add_argument("--max-clips", type=int)
    p.add_argument("--out", help="output folder (default <run>/evaluation)")


def run(a: argparse.Namespace) -> int:
    def body() -> int:
        r = evaluate_run(a.run_dir, tflite=a.tflite, data_dir=a.data_dir, split=a.split, max_clips=a.max_clips,
                         out_dir=a.out)
        print(r["text"])
        return 0

    return reported(a.prog, body)
