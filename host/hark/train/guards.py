"""Training guards from the reference systems: TF speech_commands' `--check_nans` and MLTK's ReduceLROnPlateau.

- `NanCheck` stops training at the first optimizer step whose loss (or any weight) is not finite, with an error
  naming the step, the loss and the first bad weight, instead of training on garbage.
- `PlateauScale` multiplies the stepped schedule's rate by a factor when validation accuracy has not improved for
  `reduce_lr_patience_evals` evaluations (MLTK's ReduceLROnPlateau on validation accuracy), down to
  `min_learning_rate`. Its scale lives in a variable that the run's checkpoint holds, so a resumed run keeps it.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from hark.spec import TrainingSpec


class TrainingNaNError(RuntimeError):
    """Training produced a NaN or infinite loss or weight (training.check_nans / --check-nans)."""


class NanCheck(keras.callbacks.Callback):
    """Checks the loss after every step and the weights whenever the loss is finite but `check_weights_every`
    steps have passed; raises TrainingNaNError at the first non-finite value."""

    def __init__(self, check_weights_every: int = 50) -> None:
        super().__init__()
        self.check_weights_every = max(1, check_weights_every)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        step = int(self.model.optimizer.iterations.numpy())
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise TrainingNaNError(
                f"training stopped at step {step}: the loss is {float(loss)} (check_nans); the model diverged: "
                "lower training.learning_rates or check the data for silent or clipped clips"
            )
        if step % self.check_weights_every == 0:
            self.check_weights(step)

    def check_weights(self, step: int) -> None:
        for v in self.model.trainable_variables:
            if not np.all(np.isfinite(np.asarray(v))):
                raise TrainingNaNError(f"training stopped at step {step}: weight '{v.path}' holds NaN or inf "
                                       "(check_nans)")  # fmt: skip


class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """`base(step) * scale`, never below `floor` (unless the base rate itself is lower)."""

    def __init__(self, base: Any, scale: tf.Variable, floor: float) -> None:
        self.base, self.scale, self.floor = base, scale, float(floor)

    def __call__(self, step: Any) -> Any:
        base = self.base(step) if callable(self.base) else tf.constant(self.base, tf.float32)
        base = tf.cast(base, tf.float32)
        scaled = base * tf.cast(self.scale, tf.float32)
        return tf.maximum(scaled, tf.minimum(base, self.floor))

    def get_config(self) -> dict[str, Any]:
        return {"floor": self.floor}


class PlateauScale:
    """ReduceLROnPlateau's bookkeeping over evaluations; its variables go into the run's checkpoint."""

    def __init__(self, training: TrainingSpec) -> None:
        self.patience = training.reduce_lr_patience_evals
        self.factor = training.reduce_lr_factor
        self.floor = training.min_learning_rate
        self.scale = tf.Variable(1.0, dtype=tf.float32, trainable=False, name="lr_plateau_scale")
        self.best = tf.Variable(-1.0, dtype=tf.float64, trainable=False, name="lr_plateau_best")
        self.waited = tf.Variable(0, dtype=tf.int64, trainable=False, name="lr_plateau_waited")

    @property
    def enabled(self) -> bool:
        return self.patience > 0

    def schedule(self, base: Any) -> Any:
        return ScaledSchedule(base, self.scale, self.floor) if self.enabled else base

    def update(self, val_accuracy: float) -> bool:
        """Records one evaluation; True if the rate was just reduced."""
        if not self.enabled:
            return False
        if val_accuracy > float(self.best.numpy()):
            self.best.assign(val_accuracy)
            self.waited.assign(0)
            return False
        self.waited.assign_add(1)
        if int(self.waited.numpy()) < self.patience:
            return False
        self.waited.assign(0)
        self.scale.assign(float(self.scale.numpy()) * self.factor)
        return True

    def checkpoint_items(self) -> dict[str, tf.Variable]:
        return {"lr_plateau_scale": self.scale, "lr_plateau_best": self.best, "lr_plateau_waited": self.waited}


def check_guard_settings(training: TrainingSpec) -> None:
    if training.reduce_lr_patience_evals < 0:
        raise ValueError("training.reduce_lr_patience_evals must be 0 (off) or positive")
    if not 0.0 < training.reduce_lr_factor < 1.0:
        raise ValueError(f"training.reduce_lr_factor must be in (0, 1), got {training.reduce_lr_factor}")
    if training.min_learning_rate < 0:
        raise ValueError("training.min_learning_rate must not be negative")
