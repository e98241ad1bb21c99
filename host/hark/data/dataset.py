"""Speech Commands-style dataset indexing with the TF speech_commands semantics.

A dataset folder holds one folder per word of 16-bit mono WAV clips and an optional `_background_noise_/` folder
of long noise recordings, exactly as the Speech Commands v1/v2 archives extract. Clips are split into training,
validation and testing in one of three ways (`DatasetSpec.split`):

- `hash`: the Speech Commands hash rule on the speaker id (the name before `_nohash_`), with the spec's
  validation/testing percentages;
- `lists`: `validation_list.txt` and `testing_list.txt` in the folder (paths relative to it); the rest trains;
- `folders`: pre-split `training/`, `validation/` and `testing/` folders, each laid out as above.

Words in `wanted_words` keep their labels; every other word folder feeds `_unknown_`. Per split, with N wanted-word
clips, ceil(N * silence_percentage / 100) `_silence_` entries and ceil(N * unknown_percentage / 100) unknown clips
(a seeded shuffle picks which) are added, as TF's `prepare_data_index` does. A silence entry carries a real clip's
path from its split (TF's convention); the pipeline multiplies its audio by zero and mixes in background noise.
"""

from __future__ import annotations

import logging
import math
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hark.data.split import PARTITIONS, which_set
from hark.data.wav import BadWavError, DatasetError, check_wav, read_wav
from hark.paths import REPO_ROOT
from hark.spec import SILENCE_LABEL, UNKNOWN_LABEL, ModelSpec

log = logging.getLogger(__name__)

BACKGROUND_DIR = "_background_noise_"
RANDOM_SEED = 59185  # TF speech_commands' seed for picking unknown clips, so selections are stable run to run


@dataclass
class KeywordDataset:
    """An indexed dataset: per split, (path, label_index) pairs in a fixed shuffled order."""

    data_dir: Path
    labels: tuple[str, ...]
    sample_rate: int
    clip_samples: int
    background_paths: list[Path]
    splits: dict[str, list[tuple[str, int]]]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) with skip_bad=True
    # path -> (byte offset of the samples, sample count), from the header check; the pipeline reads samples
    # with it, so any valid header layout (extra chunks, WAVE_FORMAT_EXTENSIBLE) decodes the same way
    layout: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    _background: list[np.ndarray] | None = field(default=None, repr=False)

    def split(self, name: str) -> list[tuple[str, int]]:
        if name not in self.splits:
            raise KeyError(f"unknown split '{name}'; splits are {', '.join(PARTITIONS)}")
        return list(self.splits[name])

    def counts(self, name: str) -> dict[str, int]:
        """Entries per label in one split."""
        c = Counter(self.labels[i] for _, i in self.splits[name])
        return {label: c.get(label, 0) for label in self.labels}

    @property
    def silence_index(self) -> int | None:
        return self.labels.index(SILENCE_LABEL) if SILENCE_LABEL in self.labels else None

    def background_audio(self) -> list[np.ndarray]:
        """The background noise recordings as int16 arrays (read once)."""
        if self._background is None:
            self._background = [read_wav(p, self.sample_rate) for p in self.background_paths]
        return self._background

    def summary(self) -> str:
        parts = []
        for name in PARTITIONS:
            counts = ", ".join(f"{k} {v}" for k, v in self.counts(name).items())
            parts.append(f"{name} {len(self.splits[name])} ({counts})")
        return f"{self.data_dir}: " + "; ".join(parts) + f"; {len(self.background_paths)} background files"


def resolve_data_dir(spec: ModelSpec, data_dir: str | os.PathLike[str] | None) -> Path:
    """An explicit `data_dir` is taken as given; the spec's `dataset.data_dir`, if relative, is under the repo."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    path = Path(spec.dataset.data_dir).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _word_folders(root: Path) -> dict[str, Path]:
    """Word (lower-cased folder name, as TF does) -> folder, for every folder holding .wav files."""
    out: dict[str, Path] = {}
    for sub in sorted(root.iterdir()):
        if not sub.is_dir() or sub.name.startswith(".") or sub.name == BACKGROUND_DIR:
            continue
        if sub.name in PARTITIONS:
            continue
        word = sub.name.lower()
        if word in out:
            raise DatasetError(f"{sub}: two folders name the word '{word}' (case differs): {out[word]}")
        out[word] = sub
    return out


class _Checker:
    def __init__(self, sample_rate: int, skip_bad: bool) -> None:
        self.sample_rate = sample_rate
        self.skip_bad = skip_bad
        self.skipped: list[tuple[str, str]] = []
        self.layout: dict[str, tuple[int, int]] = {}

    def ok(self, path: Path) -> bool:
        try:
            info = check_wav(path, self.sample_rate)
            self.layout[str(path)] = (info.data_offset, info.num_samples)
        except BadWavError as err:
            if not self.skip_bad:
                raise
            log.warning("skipping %s", err)
            self.skipped.append((str(path), str(err)))
            return False
        return True


def _collect_words(root: Path, checker: _Checker) -> dict[str, list[Path]]:
    words: dict[str, list[Path]] = {}
    for word, folder in _word_folders(root).items():
        clips = [p for p in sorted(folder.glob("*.wav")) if checker.ok(p)]
        if clips:
            words[word] = clips
    return words


def _read_list(root: Path, name: str, skip_bad: bool) -> set[str]:
    path = root / name
    if not path.is_file():
        raise DatasetError(f"{path}: missing; dataset.split 'lists' needs validation_list.txt and testing_list.txt")
    entries = set()
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        rel = line.strip().replace("\\", "/")
        if not rel:
            continue
        if not (root / rel).is_file():
            msg = f"{path}:{lineno}: lists '{rel}', which does not exist"
            if not skip_bad:
                raise DatasetError(msg)
            log.warning("skipping %s", msg)
            continue
        entries.add(rel)
    return entries


def _check_wanted(where: Path, found: dict[str, list[Path]], wanted: tuple[str, ...]) -> None:
    if not found:
        raise DatasetError(
            f"{where}: empty dataset: no word folder with .wav clips "
            "(expected <word>/<name>.wav; synthesize one with hark synth)"
        )
    missing = [w for w in wanted if w not in found]
    if missing:
        raise DatasetError(
            f"{where}: no clips for wanted word(s) {', '.join(repr(w) for w in missing)}: expected folder(s) "
            f"{', '.join(str(where / w) for w in missing)}; found words: {', '.join(sorted(found))}"
        )


def load_dataset(spec: ModelSpec, data_dir: str | Path | None = None, *, skip_bad: bool = False,
                 warn_empty_splits: bool = True) -> KeywordDataset:  # fmt: skip
    """Indexes and verifies a dataset for `spec`. Every clip's header is checked: a bad clip raises `BadWavError`
    naming the file and the problem, or with `skip_bad=True` is logged and left out (see `.skipped`). An empty
    validation or testing split is logged unless `warn_empty_splits` is off (a caller that scores every split)."""
    ds_spec, fe = spec.dataset, spec.frontend
    root = resolve_data_dir(spec, data_dir)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder does not exist (synthesize one with hark synth)")
    checker = _Checker(fe.sample_rate, skip_bad)
    wanted = tuple(w.lower() for w in ds_spec.wanted_words)
    by_split: dict[str, dict[str, list[Path]]] = {p: {} for p in PARTITIONS}
    if ds_spec.split == "folders":
        for part in PARTITIONS:
            folder = root / part
            if not folder.is_dir():
                raise DatasetError(f"{folder}: missing; dataset.split 'folders' needs training/, validation/, testing/")
            by_split[part] = _collect_words(folder, checker)
            _check_wanted(folder, by_split[part], wanted)
        bg_dir = root / BACKGROUND_DIR if (root / BACKGROUND_DIR).is_dir() else root / "training" / BACKGROUND_DIR
    elif ds_spec.split in ("hash", "lists"):
        words = _collect_words(root, checker)
        _check_wanted(root, words, wanted)
        if ds_spec.split == "lists":
            lists = {p: _read_list(root, f"{p}_list.txt", skip_bad) for p in ("validation", "testing")}
        for word, clips in words.items():
            for clip in clips:
                if ds_spec.split == "hash":
                    part = which_set(clip.name, ds_spec.validation_percentage, ds_spec.testing_percentage)
                else:
                    rel = f"{clip.parent.name}/{clip.name}"
                    part = next((p for p, names in lists.items() if rel in names), "training")
                by_split[part].setdefault(word, []).append(clip)
        bg_dir = root / BACKGROUND_DIR
    else:
        raise DatasetError(f"dataset.split must be 'hash', 'lists' or 'folders', not '{ds_spec.split}'")

    background = _background_files(bg_dir, checker, fe.clip_samples)
    splits = _build_splits(spec, by_split, wanted)
    if not splits["training"]:
        raise DatasetError(f"{root}: empty dataset: the training split has no clips of {', '.join(wanted)}")
    for part in ("validation", "testing") if warn_empty_splits else ():
        if not splits[part]:
            log.warning("%s: the %s split is empty", root, part)
    return KeywordDataset(root, tuple(spec.labels), fe.sample_rate, fe.clip_samples, background, splits,
                          checker.skipped, checker.layout)  # fmt: skip


def _background_files(folder: Path, checker: _Checker, clip_samples: int) -> list[Path]:
    if not folder.is_dir():
        log.info("%s: no background noise folder; background mixing is off and silence is all zeros", folder)
        return []
    out = []
    for path in sorted(folder.glob("*.wav")):
        if not checker.ok(path):
            continue
        info = check_wav(path, checker.sample_rate)
        if info.num_samples < clip_samples:
            err = BadWavError(f"{path}: background noise of {info.num_samples} samples is shorter than one clip "
                              f"({clip_samples})")  # fmt: skip
            if not checker.skip_bad:
                raise err
            log.warning("skipping %s", err)
            checker.skipped.append((str(path), str(err)))
            continue
        out.append(path)
    return out


def _build_splits(
    spec: ModelSpec, by_split: dict[str, dict[str, list[Path]]], wanted: tuple[str, ...]
) -> dict[str, list[tuple[str, int]]]:
    labels = [label.lower() if label not in (SILENCE_LABEL, UNKNOWN_LABEL) else label for label in spec.labels]
    index = {label: i for i, label in enumerate(labels)}
    rng = random.Random(RANDOM_SEED)
    ds_spec = spec.dataset
    splits: dict[str, list[tuple[str, int]]] = {}
    for part in ("training", "validation", "testing"):
        words = by_split[part]
        known = [(str(p), index[w]) for w in wanted for p in words.get(w, [])]
        unknown = [str(p) for w in sorted(words) if w not in wanted for p in words[w]]
        entries = list(known)
        if SILENCE_LABEL in index and known:
            # TF points silence at a real clip whose audio it zeroes; one of this split's, so no split names
            # another split's files.
            n_silence = math.ceil(len(known) * ds_spec.silence_percentage / 100)
            entries += [(known[0][0], index[SILENCE_LABEL])] * n_silence
        if UNKNOWN_LABEL in index:
            rng.shuffle(unknown)
            n_unknown = math.ceil(len(known) * ds_spec.unknown_percentage / 100)
            entries += [(p, index[UNKNOWN_LABEL]) for p in unknown[:n_unknown]]
        rng.shuffle(entries)
        splits[part] = entries
    return splits
