"""Class weights that balance the loss over labels of unequal frequency."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def balanced_class_weights(labels: Sequence[int] | np.ndarray, num_classes: int) -> dict[int, float]:
    """weight[c] = n / (num_classes * count[c]), as scikit-learn's "balanced"; absent classes get 1.0.

    The mean weight over the training examples is 1, so the loss scale (and the learning rate's meaning)
    stays that of unweighted training.
    """
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if y.size == 0:
        raise ValueError("class weights need at least one training label")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), found {int(y.min())}..{int(y.max())}")
    counts = np.bincount(y, minlength=num_classes)
    return {c: (float(y.size) / (num_classes * counts[c]) if counts[c] else 1.0) for c in range(num_classes)}
