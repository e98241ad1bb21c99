"""Dry-run mode: the whole path (data → train → checkpoint → evaluate → export) on a few batches in seconds."""

from __future__ import annotations

from hark.spec import ModelSpec

DRY_RUN_BATCH = 8
DRY_RUN_BATCHES = 4  # per split


def dry_run_spec(spec: ModelSpec, steps: int = 6) -> ModelSpec:
    """The spec with a few steps split over its learning-rate segments, small batches, frequent evals and
    checkpoints, and few calibration samples. Architecture, labels and frontend are untouched."""
    rates = spec.training.learning_rates
    n = min(len(rates), max(1, steps))
    per = [steps // n + (1 if i < steps % n else 0) for i in range(n)]
    every = max(1, steps // 3)
    return spec.replace(
        training={
            "steps": per,
            "learning_rates": list(rates[:n]),
            "batch_size": DRY_RUN_BATCH,
            "eval_every_steps": every,
            "checkpoint_every_steps": every,
        },
        quantization={"representative_samples": 16, "qat_steps": min(spec.quantization.qat_steps, 2)},
    )
