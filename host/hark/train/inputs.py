"""What training needs from `hark.data` and `hark.zoo`, with the checks that turn bad input into clear errors."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from hark import data, zoo
from hark.spec import ModelSpec
from hark.train.pipeline import make_tf_dataset

SPLITS = ("training", "validation", "testing")


def load_keyword_dataset(spec: ModelSpec, data_dir: str | Path | None) -> object:
    """The spec's dataset; `hark.data` raises DatasetError naming any wanted word the dataset lacks."""
    return data.load_dataset(spec, data_dir)


def split_labels(ds: object, split: str) -> np.ndarray:
    """Label indices of one split, for class weights."""
    return np.asarray([label for _, label in ds.split(split)], np.int64)  # type: ignore[attr-defined]


def make_split(
    ds: object, split: str, spec: ModelSpec, *, batch_size: int, train: bool, seed: int, max_batches: int | None
) -> tf.data.Dataset:
    out = make_tf_dataset(ds, split, spec, batch_size=batch_size, augment=train, shuffle=train, seed=seed)
    return out.take(max_batches) if max_batches else out


def build_model(spec: ModelSpec, mode: str = "training") -> keras.Model:
    """The zoo's model; an unknown architecture is a SpecError naming the known ones."""
    return zoo.build_model(spec, mode)


def feature_clips(
    spec: ModelSpec, ds: object, split: str, limit: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `limit` clips of float features [n, frames, channels] and their labels, without augmentation."""
    batches = make_split(ds, split, spec, batch_size=min(64, max(1, limit)), train=False, seed=seed,
                         max_batches=None)
    xs, ys, n = [], [], 0
    for x, y in batches:
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
        n += len(ys[-1])
        if n >= limit:
            break
    if not xs:
        return np.zeros((0,)), np.zeros((0,), np.int64)
    return np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
