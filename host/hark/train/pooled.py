"""Training batches from a pool of precomputed augmented passes (the recipe's `augment.precomputed_passes`).

Augmenting every clip anew for every step costs more CPU than the model on two cores; a few fixed passes plus
random SpecAugment masks per element keep most of the variety at a fraction of the cost. The pool lives for the
process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from hark.data.augment import spec_augment
from hark.spec import FEATURE_SCALE
from hark.train.stream_windows import stream_windows, windows_per_pass

_POOLS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def pooled_dataset(
    ds: Any, split: str, spec: Any, *, batch_size: int, shuffle: bool, seed: int,
    clean: Callable[[], tuple[np.ndarray, np.ndarray]], online: Callable[[int], Any],
) -> Any:
    """Training batches from a pool made once: the split's clean features and `precomputed_passes` augmented
    passes (each pass a different draw of every clip; with `augment.stream_windows`, each with windows of its own
    negative stream, hark.train.stream_windows), shuffled, with fresh SpecAugment masks per element.

    Augmenting every clip anew for every step costs more CPU than the model on two cores; a few fixed passes plus
    random masks keep most of the variety at a fraction of the cost. The pool lives for the process.

    `clean()` gives the split's un-augmented raw features and labels, `online(seed)` one augmented pass; the
    caller (hark.train.pipeline) passes both, so this module does not import it back."""
    aug = spec.augment
    scale = FEATURE_SCALE if spec.frontend.kind == "microfrontend" else 1.0
    bands = (spec.frontend.lower_band_limit, spec.frontend.upper_band_limit)
    key = (str(ds.data_dir), split, spec.hash)
    if key not in _POOLS:
        xs, ys = [], []
        if aug.clean_pass:
            raw, labels = clean()
            xs, ys = [raw.astype(np.float32)], [labels]
        for p in range(aug.precomputed_passes):
            for x, y in online(aug.seed * 1000 + p + 1):
                xs.append(np.round(np.asarray(x) / scale).astype(np.float32))
                ys.append(np.asarray(y))
        windows = windows_per_pass(ds, spec, split)
        for p in range(aug.precomputed_passes if windows else 0):  # a fresh negative stream per pass
            x, y = stream_windows(ds, spec, windows, aug.seed * 1000 + p + 1)
            xs.append(x.astype(np.float32))
            ys.append(y)
        _POOLS[key] = (np.concatenate(xs).astype(np.uint16 if scale != 1.0 else np.float32), np.concatenate(ys))
    pool_x, pool_y = _POOLS[key]
    out = tf.data.Dataset.from_tensor_slices((pool_x, pool_y))
    if shuffle:
        out = out.shuffle(len(pool_y), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def element(pair: Any, elem_seed: Any) -> Any:
        x, y = pair
        return spec_augment(tf.cast(x, tf.float32) * scale, elem_seed, aug, bands), y

    out = tf.data.Dataset.zip((out, seeds)).map(element, num_parallel_calls=tf.data.AUTOTUNE)
    return out.batch(batch_size).prefetch(tf.data.AUTOTUNE)
