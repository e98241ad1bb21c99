"""Keyword datasets: offline TTS synthesis and Speech Commands-style loading and splitting.

Importing this package does not import TensorFlow; the tf.data input pipeline is `hark.train.pipeline`.
"""

from __future__ import annotations

from hark.data.dataset import KeywordDataset, load_dataset
from hark.data.wav import BadWavError, DatasetError

__all__ = ["BadWavError", "DatasetError", "KeywordDataset", "load_dataset"]
