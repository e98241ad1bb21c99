"""The step-counted training loop: Keras `fit` in segments of whole steps, with checkpoints, resume,
best-by-validation weights, early stopping and TensorBoard scalars.

The kept checkpoint (`best.weights.h5`) is the one with the best validation accuracy, or, when the caller passes a
`selector` (a spec with a `selection` section: hark.evaluate.selection), the one detecting the most keywords on
the validation streams at or under the target false alarms per hour, ties broken by validation accuracy.

Every count is in optimizer steps (as kws_streaming's `how_many_training_steps`), never in epochs: the run
ends when `optimizer.iterations` reaches the sum of `training.steps`, however often it was killed and resumed.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from hark.spec import ModelSpec
from hark.train.guards import NanCheck, PlateauScale, check_guard_settings
from hark.train.run_folder import RunFolder
from hark.train.schedule import stepped_schedule, total_steps
from hark.train.strategy import build_for_multiworker, is_chief

Selector = Callable[[keras.Model], dict[str, Any]]  # model -> {"detection_rate": ..., ...} (hark.evaluate.selection)

OPTIMIZERS: dict[str, Callable[[Any], keras.optimizers.Optimizer]] = {
    "adam": lambda lr: keras.optimizers.Adam(learning_rate=lr),
    "sgd": lambda lr: keras.optimizers.SGD(learning_rate=lr),
    "momentum": lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
    "rmsprop": lambda lr: keras.optimizers.RMSprop(learning_rate=lr),
}


@dataclass
class FitResult:
    steps: int
    best_val_accuracy: float
    best_step: int
    stopped_early: bool
    resumed_from: int
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def smoothed_sparse_crossentropy(smoothing: float) -> Any:
    """Cross-entropy with label smoothing on the pipelines' integer labels: Keras smooths only one-hot targets, so
    the labels are expanded here (a one-hot pipeline would change every dataset path for one setting)."""

    def loss(y_true: Any, y_pred: Any) -> Any:
        onehot = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), tf.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(onehot, y_pred, label_smoothing=smoothing)

    return loss


def compile_model(model: keras.Model, spec: ModelSpec) -> None:
    t = spec.training
    if t.optimizer not in OPTIMIZERS:
        raise ValueError(f"training.optimizer '{t.optimizer}' is not one of {', '.join(OPTIMIZERS)}")
    loss = smoothed_sparse_crossentropy(t.label_smoothing) if t.label_smoothing > 0 else \
        keras.losses.SparseCategoricalCrossentropy()  # fmt: skip
    metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    check_guard_settings(t)
    plateau = PlateauScale(t)
    model.hark_plateau = plateau  # fit_steps checkpoints its variables and feeds it evaluations
    model.compile(optimizer=OPTIMIZERS[t.optimizer](plateau.schedule(stepped_schedule(t))), loss=loss,
                  metrics=[metric])  # fmt: skip


def segment_steps(spec: ModelSpec) -> int:
    """Steps per Keras "epoch": every eval and checkpoint step, and the last step, falls on a segment end."""
    t = spec.training
    return math.gcd(math.gcd(t.eval_every_steps, t.checkpoint_every_steps), total_steps(t))


def _scalar_metadata() -> summary_pb2.SummaryMetadata:
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "scalars"  # what TensorBoard's scalar dashboard reads
    return meta


def _scalar(name: str, value: float) -> None:
    """A TensorBoard scalar without the tensorboard package: the same event TensorBoard's own writer emits."""
    tf.summary.write(name, tf.constant(value, tf.float32), metadata=_scalar_metadata())


class _Counters:
    """Scalars that must survive a kill with the weights: they live in the same checkpoint."""

    def __init__(self) -> None:
        self.best_val_accuracy = tf.Variable(-1.0, dtype=tf.float64, trainable=False)
        self.best_step = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.evals_since_best = tf.Variable(0, dtype=tf.int64, trainable=False)
        # the kept checkpoint's stream detection rate under stream selection (-1: selection by accuracy alone)
        self.best_selection = tf.Variable(-1.0, dtype=tf.float64, trainable=False)


def _save_weights(model: keras.Model, path: Path) -> None:
    """Saves the weights atomically. Under MultiWorkerMirroredStrategy saving creates variables, which is
    collective: every worker saves, and only the chief's file is kept."""
    if is_chief():
        tmp = path.with_name(path.name + ".tmp.weights.h5")
        model.save_weights(tmp)
        os.replace(tmp, path)
        return
    with tempfile.TemporaryDirectory() as scratch:
        model.save_weights(Path(scratch) / "w.weights.h5")


class _StepCallback(keras.callbacks.Callback):
    def __init__(
        self,
        spec: ModelSpec,
        run: RunFolder,
        val_data: tf.data.Dataset | None,
        ckpt: tf.train.Checkpoint,
        manager: tf.train.CheckpointManager,
        counters: _Counters,
        history: list[dict[str, Any]],
        verbose: bool,
        selector: Selector | None = None,
    ) -> None:
        super().__init__()
        self.spec, self.run, self.val_data, self.selector = spec, run, val_data, selector
        self.ckpt, self.manager, self.counters = ckpt, manager, counters
        self.history, self.verbose = history, verbose
        self.total = total_steps(spec.training)
        self.chief = is_chief()
        self.stopped_early = False
        self.writer = tf.summary.create_file_writer(str(run.tensorboard)) if self.chief else None

    def _step(self) -> int:
        return int(self.model.optimizer.iterations.numpy())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        t = self.spec.training
        logs = dict(logs or {})
        step = self._step()
        lr = self.model.optimizer.learning_rate
        lr_value = float(lr.numpy() if hasattr(lr, "numpy") else lr)
        scalars = {"train/loss": logs.get("loss"), "train/accuracy": logs.get("accuracy"), "train/lr": lr_value}
        if step % t.eval_every_steps == 0 or step == self.total:
            scalars.update(self._evaluate(step, logs))
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name, value in scalars.items():
                    if value is not None:
                        _scalar(name, float(value))
            self.writer.flush()
        if step % t.checkpoint_every_steps == 0 or step == self.total or self.stopped_early:
            self._checkpoint(step)

    def _evaluate(self, step: int, train_logs: dict[str, Any]) -> dict[str, float]:
        if self.val_data is None:
            return {}
        result = self.model.evaluate(self.val_data, verbose=0, return_dict=True)
        acc = float(result["accuracy"])
        entry = {
            "step": step,
            "val_accuracy": acc,
            "val_loss": float(result["loss"]),
            "train_accuracy": float(train_logs.get("accuracy", float("nan"))),
            "train_loss": float(train_logs.get("loss", float("nan"))),
        }
        selection = -1.0
        if self.selector is not None:
            picked = self.selector(self.model)
            selection = float(picked["detection_rate"])
            entry.update({f"stream_{k}": v for k, v in picked.items()})
        self.history.append(entry)
        c = self.counters
        if (selection, acc) > (float(c.best_selection.numpy()), float(c.best_val_accuracy.numpy())):
            c.best_selection.assign(selection)
            c.best_val_accuracy.assign(acc)
            c.best_step.assign(step)
            c.evals_since_best.assign(0)
            _save_weights(self.model, self.run.best_weights)
        else:
            c.evals_since_best.assign_add(1)
        plateau = getattr(self.model, "hark_plateau", None)
        if plateau is not None and plateau.update(acc) and self.verbose:
            print(f"step {step}: validation accuracy has not improved for {plateau.patience} evaluations; "
                  f"learning rate x {float(plateau.scale.numpy()):.4g}", flush=True)  # fmt: skip
        patience = self.spec.training.early_stopping_evals
        if patience and int(c.evals_since_best.numpy()) >= patience:
            self.stopped_early = True
            self.model.stop_training = True
        if self.verbose:
            stream = "" if self.selector is None else (
                f", stream detection {selection:.4f} at <= {entry['stream_target_fa_per_hour']} FA/h "
                f"(kept {float(c.best_selection.numpy()):.4f})")  # fmt: skip
            print(
                f"step {step}/{self.total}: val_accuracy {acc:.4f} (kept {float(c.best_val_accuracy.numpy()):.4f} "
                f"at {int(c.best_step.numpy())}){stream}, train_accuracy {entry['train_accuracy']:.4f}",
                flush=True,
            )
        scalars = {"val/accuracy": acc, "val/loss": entry["val_loss"]}
        if self.selector is not None:
            scalars["val/stream_detection"] = selection
        return scalars

    def _checkpoint(self, step: int) -> None:
        # Multi-worker saving is collective: every worker writes; only the chief's files are kept.
        if self.chief:
            self.manager.save(checkpoint_number=step)
        else:
            # The same save as the chief's (CheckpointManager.save also broadcasts its counter), into a
            # scratch folder: a plain ckpt.write here left the workers' collectives out of step.
            scratch = self.run.root / f".worker_{os.getpid()}"
            tf.train.CheckpointManager(self.ckpt, str(scratch), max_to_keep=1).save(checkpoint_number=step)
            shutil.rmtree(scratch, ignore_errors=True)
        if self.chief:
            c = self.counters
            self.run.update_metrics(
                steps_done=step,
                total_steps=self.total,
                best_val_accuracy=float(c.best_val_accuracy.numpy()),
                best_step=int(c.best_step.numpy()),
                **({"best_stream_detection": float(c.best_selection.numpy())} if self.selector else {}),
                history=self.history,
                stopped_early=self.stopped_early,
            )


def fit_steps(
    model: keras.Model,
    spec: ModelSpec,
    run: RunFolder,
    train_data: tf.data.Dataset,
    val_data: tf.data.Dataset | None,
    *,
    class_weight: dict[int, float] | None = None,
    verbose: bool = True,
    data_for_step: Callable[[int], tf.data.Dataset] | None = None,
    selector: Selector | None = None,
) -> FitResult:
    """Trains a compiled `model` until `optimizer.iterations` reaches the spec's total steps.

    Resumes from the newest checkpoint in `run` if there is one. `train_data` must yield at least the remaining
    steps' batches (it is repeated here). `data_for_step(step)`, when given, replaces `train_data` on resume so the
    caller can reseed its shuffle and not replay the first batches. `selector(model)`, when given, scores the model
    on validation streams at every evaluation and picks the kept checkpoint (see the module doc).
    """
    started = time.monotonic()
    total = total_steps(spec.training)
    model.optimizer.build(model.trainable_variables)
    build_for_multiworker(model, next(iter(train_data)))
    counters = _Counters()
    ckpt = tf.train.Checkpoint(
        model=model,
        optimizer=model.optimizer,
        best_val_accuracy=counters.best_val_accuracy,
        best_step=counters.best_step,
        evals_since_best=counters.evals_since_best,
        **({"best_selection": counters.best_selection} if selector is not None else {}),
        **(model.hark_plateau.checkpoint_items() if getattr(model, "hark_plateau", None) else {}),
    )
    manager = tf.train.CheckpointManager(ckpt, str(run.checkpoints), max_to_keep=2)
    resumed_from = 0
    if manager.latest_checkpoint:
        ckpt.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        resumed_from = int(model.optimizer.iterations.numpy())
        if verbose:
            print(f"resuming {run.root} from step {resumed_from} ({manager.latest_checkpoint})", flush=True)
    old = run.metrics()
    history = [h for h in old.get("history", []) if h["step"] <= resumed_from]
    if old.get("finished") and resumed_from >= old.get("steps_done", -1):
        if verbose:
            print(f"{run.root}: training already finished at step {resumed_from}", flush=True)
        return FitResult(
            steps=resumed_from,
            best_val_accuracy=float(counters.best_val_accuracy.numpy()),
            best_step=int(counters.best_step.numpy()),
            stopped_early=bool(old.get("stopped_early")),
            resumed_from=resumed_from,
            history=history,
        )
    segment = segment_steps(spec)
    if resumed_from % segment:
        raise RuntimeError(f"checkpoint at step {resumed_from} is not on a {segment}-step boundary")
    callback = _StepCallback(spec, run, val_data, ckpt, manager, counters, history, verbose, selector)
    if resumed_from < total:
        data = data_for_step(resumed_from) if (data_for_step and resumed_from) else train_data
        model.fit(
            data.repeat(),
            epochs=total // segment,
            initial_epoch=resumed_from // segment,
            steps_per_epoch=segment,
            class_weight=class_weight,
            callbacks=[NanCheck(), callback] if spec.training.check_nans else [callback],
            verbose=0,
        )
    steps = int(model.optimizer.iterations.numpy())
    if int(counters.best_step.numpy()) == 0:  # no validation (the same answer on every worker): last is best
        _save_weights(model, run.best_weights)
    _save_weights(model, run.last_weights)
    if is_chief():
        run.update_metrics(finished=True, steps_done=steps, total_steps=total, stopped_early=callback.stopped_early)
    return FitResult(
        steps=steps,
        best_val_accuracy=float(counters.best_val_accuracy.numpy()),
        best_step=int(counters.best_step.numpy()),
        stopped_early=callback.stopped_early,
        resumed_from=resumed_from,
        history=history,
        seconds=time.monotonic() - started,
    )


def predict_labels(model: keras.Model, data: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(scores [n, classes], labels [n]) over a finite dataset of (features, labels)."""
    scores, labels = [], []
    for x, y in data:
        scores.append(np.asarray(model(x, training=False)))
        labels.append(np.asarray(y))
    return np.concatenate(scores), np.concatenate(labels)
