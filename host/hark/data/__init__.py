"""Keyword datasets: offline TTS synthesis, Speech Commands-style loading and splitting, and the tf.data pipeline.

Importing this package does not import TensorFlow; `make_tf_dataset` does, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hark.data.dataset import KeywordDataset, load_dataset
from hark.data.wav import BadWavError, DatasetError

if TYPE_CHECKING:
    import tensorflow as tf

    from hark.spec import ModelSpec

__all__ = ["BadWavError", "DatasetError", "KeywordDataset", "load_dataset", "make_tf_dataset"]


def make_tf_dataset(
    ds: KeywordDataset, split: str, spec: ModelSpec, *, batch_size: int, augment: bool, shuffle: bool, seed: int,
    **options: Any,
) -> tf.data.Dataset:
    """Batches of (features float32 [batch, frames, channels], labels int32 [batch]); see hark.data.pipeline."""
    from hark.data.pipeline import make_tf_dataset as make

    return make(ds, split, spec, batch_size=batch_size, augment=augment, shuffle=shuffle, seed=seed, **options)
