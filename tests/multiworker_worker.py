"""One worker of tests/test_multiworker.py: the project's training loop (hark.train.loop.fit_steps, with its
checkpoints and resume) under `--distribute multiworker`, reading its cluster from TF_CONFIG. It trains the
dry-run micro_speech spec and writes its final weights to OUT/worker<index>.npz and one JSON line.

    TF_CONFIG=... python tests/multiworker_worker.py RUN_DIR DATA_DIR OUT STEPS"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import keras
import numpy as np

from hark.spec import load_spec
from hark.train import inputs
from hark.train.dry_run import DRY_RUN_BATCHES, dry_run_spec
from hark.train.loop import compile_model, fit_steps
from hark.train.run_folder import RunFolder
from hark.train.strategy import is_chief, make_strategy


def main() -> None:
    keras.config.disable_traceback_filtering()  # a failure inside fit shows where it is
    run_dir, data_dir, out, steps = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    index = int(json.loads(os.environ["TF_CONFIG"])["task"]["index"])
    spec = dry_run_spec(load_spec("micro_speech"), steps)
    t = spec.training
    ds = inputs.load_keyword_dataset(spec, data_dir)
    strategy = make_strategy("multiworker")
    keras.utils.set_random_seed(t.seed)
    with strategy.scope():
        model = inputs.build_model(spec, "training")
        compile_model(model, spec)
    run = RunFolder(run_dir)
    if is_chief():
        run.create(spec)

    def data(step: int) -> object:
        return inputs.make_split(ds, "training", spec, batch_size=t.batch_size, train=True, seed=t.seed + step,
                                 max_batches=DRY_RUN_BATCHES)  # fmt: skip

    with strategy.scope():
        fit = fit_steps(model, spec, run, data(0), None, verbose=False, data_for_step=data)
    np.savez(out / f"worker{index}.npz", *model.get_weights())
    print(json.dumps({"worker": index, "steps": fit.steps, "resumed_from": fit.resumed_from,
                      "replicas": strategy.num_replicas_in_sync}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
