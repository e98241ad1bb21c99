"""A training run's folder: the spec it ran, its labels, metrics, model summary, checkpoints and best weights.

```
<run>/spec.json            the spec as trained (canonical JSON, with its hash); the run's source of truth
<run>/spec.py              a copy of the spec file it came from, for humans
<run>/labels.txt           one label per line, in output order
<run>/metrics.json         steps done, best validation accuracy and its step, the eval history, test metrics
<run>/model_summary.txt    Keras summary
<run>/checkpoints/         tf.train checkpoints (model, optimizer, counters) for resume
<run>/best.weights.h5      weights with the best validation accuracy so far
<run>/tensorboard/         TensorBoard event files
```
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from hark.spec import ModelSpec, SpecError, spec_from_dict


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class RunFolder:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    spec_json = property(lambda self: self.root / "spec.json")
    labels_txt = property(lambda self: self.root / "labels.txt")
    metrics_json = property(lambda self: self.root / "metrics.json")
    summary_txt = property(lambda self: self.root / "model_summary.txt")
    checkpoints = property(lambda self: self.root / "checkpoints")
    best_weights = property(lambda self: self.root / "best.weights.h5")
    last_weights = property(lambda self: self.root / "last.weights.h5")
    tensorboard = property(lambda self: self.root / "tensorboard")

    def create(self, spec: ModelSpec) -> None:
        """Makes the folder for `spec`, or checks that an existing one was made for the same spec (resume)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.spec_json.exists():
            old = json.loads(self.spec_json.read_text())
            if old.get("hash") != spec.hash:
                raise SpecError(
                    f"{self.root} holds a run of a different spec (hash {old.get('hash')}, now {spec.hash}); "
                    "use another --run-dir or delete the old run to start over"
                )
            return
        _write_atomic(self.spec_json, json.dumps({"hash": spec.hash, "spec": spec.to_dict()}, indent=2) + "\n")
        if spec.source and Path(spec.source).is_file():
            shutil.copyfile(spec.source, self.root / "spec.py")
        _write_atomic(self.labels_txt, "".join(f"{label}\n" for label in spec.labels))

    def spec(self) -> ModelSpec:
        if not self.spec_json.is_file():
            raise SpecError(f"{self.root} is not a training run: it has no spec.json")
        data = json.loads(self.spec_json.read_text())
        return spec_from_dict(data["spec"], source=str(self.spec_json))

    def labels(self) -> list[str]:
        return [line for line in self.labels_txt.read_text().splitlines() if line]

    def metrics(self) -> dict[str, Any]:
        return json.loads(self.metrics_json.read_text()) if self.metrics_json.is_file() else {}

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        _write_atomic(self.metrics_json, json.dumps(metrics, indent=2, sort_keys=True) + "\n")

    def update_metrics(self, **changes: Any) -> dict[str, Any]:
        metrics = {**self.metrics(), **changes}
        self.write_metrics(metrics)
        return metrics

    def write_summary(self, text: str) -> None:
        _write_atomic(self.summary_txt, text)
