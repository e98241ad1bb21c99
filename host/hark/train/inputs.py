"""What training needs from `hark.data` and `hark.zoo`, with the checks that turn bad input into clear errors."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from hark.spec import ModelSpec

SPLITS = ("training", "validation", "testing")


def load_keyword_dataset(spec: ModelSpec, data_dir: str | Path | None) -> object:
    """The spec's dataset; `hark.data` raises DatasetError naming any wanted word the dataset lacks."""
    from hark import data

    return data.load_dataset(spec, data_dir)


def split_labels(ds: object, split: str) -> np.ndarray:
    """Label indices of one split, for class weights."""
    return np.asarray([label for _, label in ds.split(split)], np.int64)  # type: ignore[attr-defined]


def make_split(
    ds: object, split: str, spec: ModelSpec, *, batch_size: int, train: bool, seed: int, max_batches: int | None
) -> tf.data.Dataset:
    from hark import data

    out = data.make_tf_dataset(ds, split, spec, batch_size=batch_size, augment=train, shuffle=train, seed=seed)
    return out.take(max_batches) if max_batches else out


def build_model(spec: ModelSpec, mode: str = "training") -> keras.Model:
    """The zoo's model; an unknown architecture is a SpecError naming the known ones."""
    from hark import zoo

    return zoo.build_model(spec, mode)
