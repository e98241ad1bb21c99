"""The stepped learning-rate schedule of kws_streaming: `steps[i]` optimizer steps at `learning_rates[i]`."""

from __future__ import annotations

import itertools

import keras

from hark.spec import TrainingSpec


def total_steps(training: TrainingSpec) -> int:
    return int(sum(training.steps))


def step_boundaries(training: TrainingSpec) -> list[int]:
    """The optimizer steps at which the rate changes: the running sums of all but the last segment."""
    return list(itertools.accumulate(training.steps))[:-1]


def learning_rate_at(training: TrainingSpec, step: int) -> float:
    """The rate in force at optimizer step `step` (0-based), as the Keras schedule computes it."""
    for boundary, rate in zip(step_boundaries(training), training.learning_rates, strict=False):
        if step <= boundary - 1:
            return float(rate)
    return float(training.learning_rates[-1])


def stepped_schedule(training: TrainingSpec) -> keras.optimizers.schedules.LearningRateSchedule | float:
    """A Keras schedule keyed on `optimizer.iterations`, so a resumed run picks up the right rate."""
    rates = [float(r) for r in training.learning_rates]
    if len(rates) == 1:
        return rates[0]
    # PiecewiseConstantDecay switches *after* a boundary: step <= b uses the earlier value.
    boundaries = [b - 1 for b in step_boundaries(training)]
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, rates)
