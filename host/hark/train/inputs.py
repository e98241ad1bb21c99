"""What training needs from `hark.data` and `hark.zoo`, with the checks that turn bad input into clear errors."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from hark.spec import ModelSpec, SpecError

SPLITS = ("training", "validation", "testing")


class DatasetMismatchError(ValueError):
    """The dataset on disk cannot serve the spec (labels it lacks, an empty split)."""


def resolve_data_dir(spec: ModelSpec, data_dir: str | Path | None) -> Path:
    from hark.paths import REPO_ROOT

    path = Path(data_dir) if data_dir else Path(spec.dataset.data_dir)
    return path if path.is_absolute() else (REPO_ROOT / path if not path.exists() else path)


def load_keyword_dataset(spec: ModelSpec, data_dir: str | Path | None) -> object:
    from hark import data

    path = resolve_data_dir(spec, data_dir)
    if not path.is_dir():
        raise DatasetMismatchError(f"dataset folder {path} does not exist; synthesize one or pass --data-dir")
    ds = data.load_dataset(spec, str(path))
    check_labels(spec, ds, path)
    return ds


def _dataset_words(ds: object) -> set[str] | None:
    for attr in ("words", "available_words", "labels"):
        value = getattr(ds, attr, None)
        if value is not None:
            return {str(w) for w in value}
    return None


def check_labels(spec: ModelSpec, ds: object, path: Path) -> None:
    """Every wanted word must have clips in the dataset, else the model would train a class it never sees."""
    words = _dataset_words(ds)
    if words is None:
        return
    missing = [w for w in spec.dataset.wanted_words if w not in words]
    if missing:
        raise DatasetMismatchError(
            f"spec '{spec.name}' wants labels {missing} that dataset {path} lacks; it has: "
            f"{', '.join(sorted(words)) or 'no words'}"
        )


def split_labels(ds: object, split: str) -> np.ndarray:
    """Label indices of one split, for class weights."""
    items = ds.split(split)  # type: ignore[attr-defined]
    labels = getattr(items, "labels", None)
    if labels is None:
        labels = [getattr(item, "label", item[1] if isinstance(item, tuple) else item) for item in items]
    return np.asarray(labels, np.int64)


def make_split(
    ds: object, split: str, spec: ModelSpec, *, batch_size: int, train: bool, seed: int, max_batches: int | None
) -> tf.data.Dataset:
    from hark import data

    out = data.make_tf_dataset(ds, split, spec, batch_size=batch_size, augment=train, shuffle=train, seed=seed)
    return out.take(max_batches) if max_batches else out


def build_model(spec: ModelSpec, mode: str = "training") -> keras.Model:
    from hark import zoo

    known = getattr(zoo, "ARCHITECTURES", None) or getattr(zoo, "available_architectures", lambda: None)()
    if known is not None and spec.architecture.name not in known:
        raise SpecError(
            f"{spec.source or spec.name}: unknown architecture '{spec.architecture.name}'; "
            f"known: {', '.join(sorted(known))}"
        )
    return zoo.build_model(spec, mode)
