"""`train(spec, run_dir)`: data, model, strategy, the step loop, then test metrics of the best weights."""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import keras

from hark.spec import ModelSpec
from hark.train import inputs
from hark.train.class_weights import balanced_class_weights
from hark.train.dry_run import DRY_RUN_BATCHES, dry_run_spec
from hark.train.hard_negatives import fine_tune, mine
from hark.train.heldout import heldout_report, keras_scorer
from hark.train.loop import FitResult, Selector, compile_model, fit_steps, predict_labels
from hark.train.metrics import classification_report
from hark.train.run_folder import RunFolder
from hark.train.strategy import is_chief, make_strategy


@dataclass
class TrainOutcome:
    run: RunFolder
    spec: ModelSpec
    fit: FitResult
    test_accuracy: float | None
    seconds: float


def heldout_summary(held: dict) -> str:
    parts = [f"{k} {v['accuracy']:.4f}" for k, v in held.items() if "accuracy" in v]
    if "corpus" in held:
        parts.insert(0, f"trained on {held['corpus']['train_engine']}")
    real = held.get("real_clips", {})
    if "right" in real:
        parts.append(f"real clips {real['right']}/{real['clips']}")
    return ", ".join(parts)


def model_summary(model: keras.Model) -> str:
    buf = io.StringIO()
    model.summary(print_fn=lambda line, **_: buf.write(line + "\n"), line_length=110)
    return buf.getvalue()


def mine_and_fine_tune(
    model: keras.Model, spec: ModelSpec, ds: object, run: RunFolder, pool: object, *, dry_run: bool = False
) -> dict[str, object]:
    """The spec's hard-negative phase on the kept model: mine, fine-tune, and keep the result as the run's best and
    last weights (the schedule's best stays as `pre_mining.weights.h5`). Recorded in metrics.json, so a run that
    has done it does not do it again on resume."""
    started = time.monotonic()
    before = run.root / "pre_mining.weights.h5"
    if before.exists():  # a mining run cut short: start again from the schedule's model, not a half-tuned one
        model.load_weights(str(before))
    else:
        shutil.copyfile(run.best_weights, before)
    x, y, summary = mine(model, ds, spec, minutes=1.0 if dry_run else None)  # type: ignore[arg-type]
    loss = fine_tune(model, spec, pool, x, y, steps=2 if dry_run else None)  # type: ignore[arg-type]
    model.save_weights(str(run.best_weights))
    model.save_weights(str(run.last_weights))
    summary = {**summary, "loss": round(loss, 4), "seconds": round(time.monotonic() - started, 1)}
    run.update_metrics(hard_negatives=summary)
    return summary


def train(
    spec: ModelSpec,
    run_dir: str | Path,
    *,
    data_dir: str | Path | None = None,
    dry_run: bool = False,
    dry_run_steps: int = 6,
    distribute: str = "none",
    verbose: bool = True,
    selector: Selector | None = None,
) -> TrainOutcome:
    """`selector` (hark.evaluate.selection.selector_for(spec), which the CLI passes) picks the kept checkpoint by
    false alarms per hour on the spec's selection streams; without it, by validation accuracy."""
    started = time.monotonic()
    if spec.selection is not None and selector is None and verbose:
        print("the spec's selection streams are not scored here (no selector given): the checkpoint with the best "
              "validation accuracy is kept", flush=True)  # fmt: skip
    if dry_run:
        spec = dry_run_spec(spec, dry_run_steps)
    run = RunFolder(run_dir)
    t = spec.training
    max_batches = DRY_RUN_BATCHES if dry_run else None
    ds = inputs.load_keyword_dataset(spec, data_dir)
    strategy = make_strategy(distribute)
    keras.utils.set_random_seed(t.seed)
    with strategy.scope():
        model = inputs.build_model(spec, "training")
        compile_model(model, spec)
    if is_chief():
        run.create(spec)
        run.write_summary(model_summary(model))

    def train_data(step: int) -> object:
        return inputs.make_split(
            ds, "training", spec, batch_size=t.batch_size, train=True, seed=t.seed + step, max_batches=max_batches
        )

    val = None
    if ds.split("validation"):  # type: ignore[attr-defined]
        val = inputs.make_split(ds, "validation", spec, batch_size=t.batch_size, train=False, seed=0,
                                max_batches=max_batches)
    weights = None
    if t.class_weights:
        weights = balanced_class_weights(inputs.split_labels(ds, "training"), len(spec.labels))
    with strategy.scope():  # optimizer slots and the checkpoint's counters are created here
        fit = fit_steps(model, spec, run, train_data(0), val, class_weight=weights, verbose=verbose,
                        data_for_step=train_data, selector=selector)
    test_accuracy = None
    if is_chief():
        model.load_weights(run.best_weights)
        if spec.hard_negatives is not None and "hard_negatives" not in run.metrics():
            with strategy.scope():
                mined = mine_and_fine_tune(model, spec, ds, run, train_data(fit.steps), dry_run=dry_run)
            if verbose:
                print(f"hard negatives: {mined}", flush=True)
        run.update_metrics(train_seconds=round(time.monotonic() - started, 2), dry_run=dry_run,
                           distribute=distribute, class_weights={str(k): v for k, v in (weights or {}).items()})
        if ds.split("testing"):  # type: ignore[attr-defined]
            test = inputs.make_split(ds, "testing", spec, batch_size=t.batch_size, train=False, seed=0,
                                     max_batches=max_batches)
            scores, labels = predict_labels(model, test)
            report = classification_report(scores, labels, spec.labels)
            test_accuracy = report.accuracy
            run.update_metrics(test=report.to_dict())
        if not dry_run:
            held = heldout_report(spec, keras_scorer(model), ds.data_dir)  # type: ignore[attr-defined]
            run.update_metrics(heldout=held)
            if verbose:
                print(f"held-out: {heldout_summary(held)}", flush=True)
        if verbose:
            shown = "n/a" if test_accuracy is None else f"{test_accuracy:.4f}"
            print(f"{run.root}: {fit.steps} steps, best val accuracy {fit.best_val_accuracy:.4f} at step "
                  f"{fit.best_step}, test accuracy {shown}", flush=True)
    return TrainOutcome(run, spec, fit, test_accuracy, time.monotonic() - started)


