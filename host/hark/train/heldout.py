"""Held-out evaluation: accuracy on voices the model never heard, and on TFLM's four real recordings.

Held-out sets are dataset folders (one folder per word, `_background_noise_/`) whose every clip is scored: wanted
words keep their labels, every other word is `_unknown_`, and `_silence_` entries (background noise only) are
added at the spec's percentages, as `hark.data` composes a split. `hark corpus` writes them beside the
training set (`flite/`: the held-out engine; `accent/`: espeak-ng's held-out accent), and a training run on
`<corpus>/train` finds them there and reports them with its held-in figures. Leave-one-engine-out runs both
ways: a corpus built with `--train-engine flite` trains on flite and holds out espeak-ng (`espeak/`); the report
names the training engine and the held-out sets (`corpus`), whichever direction it is.

The real recordings are TFLM's micro_speech test clips (yes, no, silence, noise); silence and noise are
`_silence_`. A model is scored either as the trained float Keras model or as the exported `.tflite` in the
tflite-micro interpreter (bit-exact with the device's runtime), one clip per decision.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hark.data import load_dataset
from hark.data.split import speaker_id
from hark.data.synth import SynthError, available_voices
from hark.data.wav import DatasetError, read_wav
from hark.format.metadata import read_metadata
from hark.format.micro import ClipRunner, MicroModel
from hark.paths import ReferenceMissing, reference_dir
from hark.spec import FEATURE_SCALE, SILENCE_LABEL, UNKNOWN_LABEL, ModelSpec
from hark.train.pipeline import clip_features, extract_raw

log = logging.getLogger(__name__)

HELDOUT_SETS = ("flite", "accent", "espeak")  # sibling folders of a corpus' train/ (see hark.data.corpus)
REAL_CLIPS = {"yes_1000ms.wav": "yes", "no_1000ms.wav": "no", "silence_1000ms.wav": SILENCE_LABEL,
              "noise_1000ms.wav": SILENCE_LABEL}  # fmt: skip

Scorer = Callable[[np.ndarray], np.ndarray]  # float features [n, frames, channels] -> scores [n, labels]


def heldout_dirs(data_dir: str | Path) -> dict[str, Path]:
    """The held-out sets beside a corpus' training folder (none for other datasets)."""
    data_dir = Path(data_dir).resolve()
    if not (data_dir.parent / "corpus.json").is_file():
        return {}
    return {name: data_dir.parent / name for name in HELDOUT_SETS
            if (data_dir.parent / name).is_dir() and (data_dir.parent / name) != data_dir}  # fmt: skip


def corpus_roles(data_dir: str | Path) -> dict[str, Any]:
    """Which engine a corpus' training folder holds and which voices each held-out set holds ({} when `data_dir` is
    not a corpus' training folder), from its corpus.json."""
    manifest = Path(data_dir).resolve().parent / "corpus.json"
    if not manifest.is_file():
        return {}
    m = json.loads(manifest.read_text())
    held = m.get("held_out", {})
    return {"train_engine": m.get("config", {}).get("train_engine", "espeak"), "train_voices": m.get("train_voices"),
            "held_out": {k: len(v) for k, v in held.items()}}  # fmt: skip


def heldout_report(spec: ModelSpec, scorer: Scorer, data_dir: str | Path, *, real: bool = True) -> dict[str, Any]:
    """`evaluate` on the held-out sets beside `data_dir`, with the corpus' roles (`corpus`: the training engine
    and the voices each held-out set holds) when it is a corpus' training folder."""
    roles = corpus_roles(data_dir)
    return {**({"corpus": roles} if roles else {}), **evaluate(spec, scorer, heldout_dirs(data_dir), real=real)}


def folder_features(spec: ModelSpec, folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Float features and labels of every clip of a held-out folder (its three partitions together)."""
    ds = load_dataset(spec, folder, warn_empty_splits=False)  # a few voices hash into one split; all are scored
    xs, ys = [], []
    for split in ("training", "validation", "testing"):
        if ds.split(split):
            x, y = clip_features(ds, split, spec)
            xs.append(x)
            ys.append(y)
    if not xs:
        raise DatasetError(f"{folder}: no clips to evaluate")
    return np.concatenate(xs), np.concatenate(ys)


def folder_voices(spec: ModelSpec, folder: str | Path) -> list[str]:
    """The voice id (the `<voiceid>_nohash_` part of the file name) of every entry `folder_features` scores, in its
    order; "" for `_silence_` entries."""
    ds = load_dataset(spec, folder, warn_empty_splits=False)
    return [("" if label == ds.silence_index else speaker_id(path))
            for split in ("training", "validation", "testing") for path, label in ds.split(split)]  # fmt: skip


def voice_names() -> dict[str, str]:
    """Voice id -> "engine:name" for every voice `hark.data.synth` can speak with (ids are hashes of the names);
    empty when espeak-ng is missing (the report then names voices by id)."""
    try:
        return {v.id: f"{v.engine}:{v.name}" for v in available_voices()}
    except SynthError:
        return {}


def voice_report(pred: np.ndarray, labels: np.ndarray, voices: list[str], keywords: set[int],
                 names: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Accuracy per voice, and per keyword token: a TTS voice says a word nearly the same way in every take, so a
    held-out set of V voices and K keywords holds about V x K distinct keyword utterances however many clips it
    has. A token (voice, keyword) counts as right when most of its takes are."""
    per_voice: dict[str, list[int]] = {}
    tokens: dict[tuple[str, int], list[int]] = {}
    for p, y, v in zip(pred, labels, voices, strict=True):
        if not v:
            continue
        tally = per_voice.setdefault(names.get(v, v), [0, 0])
        tally[0] += int(p == y)
        tally[1] += 1
        if int(y) in keywords:
            tok = tokens.setdefault((v, int(y)), [0, 0])
            tok[0] += int(p == y)
            tok[1] += 1
    right = sum(1 for r, n in tokens.values() if 2 * r > n)
    return {"per_voice": {k: f"{r}/{n}" for k, (r, n) in sorted(per_voice.items())},
            "keyword_tokens": f"{right}/{len(tokens)}"}  # fmt: skip


def real_clip_features(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """TFLM's four real recordings as float features, their labels in `spec.labels` and their names."""
    folder = reference_dir() / "tflite-micro" / "testdata"
    names = [n for n in REAL_CLIPS if (folder / n).is_file() and _as_label(spec, REAL_CLIPS[n]) in spec.labels]
    if not names:
        raise ReferenceMissing(f"{folder}: none of TFLM's test clips {list(REAL_CLIPS)} has a label of this model")
    for n in names:
        read_wav(folder / n, spec.frontend.sample_rate)  # a clear error for a bad clip
    raw = extract_raw([str(folder / n) for n in names], spec)
    scale = FEATURE_SCALE if spec.frontend.kind == "microfrontend" else 1.0
    labels = np.array([spec.labels.index(_as_label(spec, REAL_CLIPS[n])) for n in names], np.int32)
    return raw.astype(np.float32) * np.float32(scale), labels, names


def _as_label(spec: ModelSpec, word: str) -> str:
    return word if word in spec.labels else UNKNOWN_LABEL


def accuracy_report(scores: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> dict[str, Any]:
    """Overall accuracy, per-label accuracy (right / total) and the most frequent confusions."""
    pred = np.argmax(scores, axis=1)
    per_label = {}
    for i, name in enumerate(names):
        mask = labels == i
        if mask.any():
            per_label[name] = f"{int((pred[mask] == i).sum())}/{int(mask.sum())}"
    pairs: dict[str, int] = {}
    for t, p in zip(labels, pred, strict=True):
        if t != p:
            key = f"{names[t]}->{names[p]}"
            pairs[key] = pairs.get(key, 0) + 1
    top = dict(sorted(pairs.items(), key=lambda kv: -kv[1])[:8])
    return {"accuracy": round(float(np.mean(pred == labels)), 4), "clips": int(len(labels)),
            "per_label": per_label, "confusions": top}  # fmt: skip


def keras_scorer(model: Any, batch: int = 256) -> Scorer:
    def score(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(model(x[i : i + batch], training=False)) for i in range(0, len(x), batch)])

    return score


def tflite_scorer(tflite: bytes) -> Scorer:
    """The exported model in the tflite-micro interpreter, one clip per decision (state reset per clip)."""
    runner = ClipRunner(MicroModel(tflite), read_metadata(tflite).stream)

    def score(x: np.ndarray) -> np.ndarray:
        return np.stack([runner.clip_scores(clip) for clip in x])

    return score


def evaluate(spec: ModelSpec, scorer: Scorer, sets: dict[str, Path], *, real: bool = True) -> dict[str, Any]:
    """Accuracy on each held-out folder and on the real recordings (skipped, with a note, if absent)."""
    out: dict[str, Any] = {}
    names = voice_names() if sets else {}
    keywords = {i for i, label in enumerate(spec.labels) if label not in (SILENCE_LABEL, UNKNOWN_LABEL)}
    for name, folder in sets.items():
        x, y = folder_features(spec, folder)
        scores = scorer(x)
        out[name] = accuracy_report(scores, y, spec.labels)
        out[name].update(voice_report(np.argmax(scores, axis=1), y, folder_voices(spec, folder), keywords, names))
        log.info("held-out %s: %.4f on %d clips", name, out[name]["accuracy"], len(y))
    if real:
        try:
            x, y, names = real_clip_features(spec)
        except ReferenceMissing as err:
            out["real_clips"] = {"skipped": str(err)}
        else:
            pred = np.argmax(scorer(x), axis=1)
            out["real_clips"] = {
                "right": int((pred == y).sum()), "clips": len(y),
                "predicted": {n: spec.labels[p] for n, p in zip(names, pred, strict=True)},
            }  # fmt: skip
    return out
