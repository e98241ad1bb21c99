"""The Speech Commands partition rule: a clip's partition is a hash of its speaker id (the file name before
`_nohash_`), so every clip of one speaker (here: one synthetic voice) lands in the same partition, and adding
clips later never moves an old clip to another partition."""

from __future__ import annotations

import hashlib
import os
import re

MAX_NUM_WAVS_PER_CLASS = 2**27 - 1  # as in TF speech_commands/input_data.py
PARTITIONS = ("training", "validation", "testing")
_NOHASH = re.compile(r"_nohash_.*$")


def speaker_id(filename: str | os.PathLike[str]) -> str:
    """The part of the base name the hash sees: everything before `_nohash_` (the whole name if absent)."""
    return _NOHASH.sub("", os.path.basename(os.fspath(filename)))


def which_set(filename: str | os.PathLike[str], validation_percentage: float, testing_percentage: float) -> str:
    """'training', 'validation' or 'testing', by the Speech Commands hash rule."""
    hashed = hashlib.sha1(speaker_id(filename).encode()).hexdigest()
    percentage = (int(hashed, 16) % (MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / MAX_NUM_WAVS_PER_CLASS)
    if percentage < validation_percentage:
        return "validation"
    if percentage < validation_percentage + testing_percentage:
        return "testing"
    return "training"
