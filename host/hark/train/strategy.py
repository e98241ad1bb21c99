"""tf.distribute strategies for `--distribute`: several local devices or several workers (TF_CONFIG)."""

from __future__ import annotations

import json
import os

import tensorflow as tf
from keras.src.backend.tensorflow import trainer  # patched for multi-worker runs only, see build_for_multiworker

STRATEGIES = ("none", "mirrored", "multiworker")


def make_strategy(kind: str) -> tf.distribute.Strategy:
    """`none` is TF's default strategy; `mirrored` replicates over every local GPU (or the CPU when there is none);
    `multiworker` reads the cluster from TF_CONFIG and runs as a single worker without it."""
    if kind == "none":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or ["/cpu:0"]
        return tf.distribute.MirroredStrategy(devices=devices)
    if kind == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown distribution strategy '{kind}'; choose one of {', '.join(STRATEGIES)}")


def build_for_multiworker(model: object, batch: object) -> None:
    """Keras 3's fit cannot build a model under MultiWorkerMirroredStrategy (keras-team/keras#20585): it
    all-reduces a whole input batch to get a sample, which fails with "Attempt to convert a value (PerReplica
    ...)". Builds the model, its loss and metrics from one plain `batch` instead, and turns Keras' own build
    into a no-op for this model. Other strategies are left alone."""
    if not isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        return
    model._symbolic_build(data_batch=batch)  # type: ignore[attr-defined]
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None  # type: ignore[attr-defined]
    # Its "auto" reduction of each step's logs all-reduces scalars along axis 0 across workers, which fails
    # too; "first" reports this worker's values instead. The weights are the same on every worker either way
    # (gradients are all-reduced); logged losses and metrics are the local shard's.
    original = getattr(trainer.reduce_per_replica, "hark_original", trainer.reduce_per_replica)

    def reduce_per_replica(values: object, strategy: object, reduction: str) -> object:
        multiworker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        return original(values, strategy, "first" if multiworker and reduction == "auto" else reduction)

    reduce_per_replica.hark_original = original  # type: ignore[attr-defined]
    trainer.reduce_per_replica = reduce_per_replica


def is_chief() -> bool:
    """True on the worker that writes checkpoints and the run folder (task 0, or no cluster at all)."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    return task.get("type", "worker") in ("chief", "worker") and int(task.get("index", 0)) == 0 and (
        task.get("type") == "chief" or "chief" not in config.get("cluster", {})
    )
