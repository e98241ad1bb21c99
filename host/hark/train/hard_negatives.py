"""Hard-negative mining (the spec's `hard_negatives` section), run by hark.train.run after the schedule.

A trained model scores every window of a long negative stream of **training** voices (hark.train.stream_windows
builds it: non-keyword words and phrases, babble, noise and pauses over a changing noise bed; never a held-out
voice or folder). The windows where a keyword's score peaks at `min_score` or more are the ones the model wrongly
likes; the model is then fine-tuned on batches that draw `share` of their entries from them (as `_unknown_` or
`_silence_`, by how much of a word they hold) and the rest from its training pool. Random stream windows
(`augment.stream_windows`) are mostly easy; these are the false alarms' own material.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from hark.data.dataset import KeywordDataset
from hark.features.backend import FrontendBackend, get_backend
from hark.spec import FEATURE_SCALE, SILENCE_LABEL, UNKNOWN_LABEL, ModelSpec, SpecError
from hark.train.loop import smoothed_sparse_crossentropy
from hark.train.stream_windows import bed_dbfs, training_stream, training_voice_clips, window_labels

PEAK_HOPS = 5  # a window is kept only if no window within this many hops scores higher: one per event
SCORE_BATCH = 4096


def mine(
    model: keras.Model, ds: KeywordDataset, spec: ModelSpec, *, minutes: float | None = None,
    backend: FrontendBackend | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The hard negatives of `model`: raw (uint16) feature windows, their labels (int32) and a summary."""
    hn = spec.hard_negatives
    if hn is None:
        raise SpecError(f"spec {spec.name}: no hard_negatives section")
    fe, labels = spec.frontend, list(spec.labels)
    clips = training_voice_clips(ds, tuple(w.lower() for w in spec.dataset.wanted_words))
    if not clips or not ds.background_paths:
        raise SpecError(f"{ds.data_dir}: hard_negatives needs non-keyword clips of training voices and background "
                        "noise")  # fmt: skip
    seconds = 60.0 * (hn.minutes if minutes is None else minutes)
    audio, voiced, _ = training_stream(clips, ds.background_audio(), seconds, fe.sample_rate, hn.seed, bed_dbfs(spec))
    frames = (backend or get_backend()).uint16(np.round(audio * 32767).astype(np.int16), fe)
    ends, y = window_labels(voiced, len(frames), spec)
    width = fe.num_frames
    keyword_ids = [i for i, name in enumerate(labels) if name not in (SILENCE_LABEL, UNKNOWN_LABEL)]
    scores = np.empty(len(ends), np.float32)
    for s in range(0, len(ends), SCORE_BATCH):
        batch = np.stack([frames[e - width + 1 : e + 1] for e in ends[s : s + SCORE_BATCH]])
        probs = model.predict(batch.astype(np.float32) * FEATURE_SCALE, verbose=0, batch_size=1024)
        scores[s : s + len(batch)] = probs[:, keyword_ids].max(axis=1)
    above = np.nonzero(scores >= hn.min_score)[0]
    peaks = [i for i in above if scores[i] >= scores[max(0, i - PEAK_HOPS) : i + PEAK_HOPS + 1].max()]
    keep = np.array(sorted(peaks, key=lambda i: -scores[i])[: hn.max_keep], dtype=np.int64)
    x = np.stack([frames[ends[i] - width + 1 : ends[i] + 1] for i in keep]) if len(keep) else \
        np.zeros((0, width, fe.num_channels), np.uint16)  # fmt: skip
    summary = {
        "stream_seconds": seconds,
        "windows": int(len(ends)),
        "windows_keyword_score_0.5": round(float((scores >= 0.5).mean()), 4) if len(ends) else 0.0,
        "kept": int(len(keep)),
        "kept_unknown": int((y[keep] == labels.index(UNKNOWN_LABEL)).sum()),
        "kept_silence": int((y[keep] == labels.index(SILENCE_LABEL)).sum()),
        "kept_mean_score": round(float(scores[keep].mean()), 4) if len(keep) else 0.0,
    }
    return x, y[keep].astype(np.int32), summary


def fine_tune(
    model: keras.Model, spec: ModelSpec, pool: tf.data.Dataset, x: np.ndarray, y: np.ndarray, *,
    steps: int | None = None,
) -> float:
    """Fine-tunes `model` in place on batches mixing `pool` (batched training data, repeated here) with the mined
    windows; returns the last step's loss. With no mined window the model is left as it is."""
    hn = spec.hard_negatives
    assert hn is not None
    if len(y) == 0:
        return float("nan")
    seed = hn.seed
    entries = pool.unbatch().repeat()
    hard = tf.data.Dataset.from_tensor_slices((x.astype(np.float32) * FEATURE_SCALE, y))
    hard = hard.shuffle(len(y), seed=seed, reshuffle_each_iteration=True).repeat()
    mixed = tf.data.Dataset.sample_from_datasets([entries, hard], weights=[1.0 - hn.share, hn.share], seed=seed)
    mixed = mixed.batch(spec.training.batch_size).prefetch(tf.data.AUTOTUNE)
    smoothing = spec.training.label_smoothing
    loss = smoothed_sparse_crossentropy(smoothing) if smoothing > 0 else keras.losses.SparseCategoricalCrossentropy()
    model.compile(optimizer=keras.optimizers.Adam(hn.learning_rate), loss=loss)
    history = model.fit(mixed, steps_per_epoch=steps or hn.steps, epochs=1, verbose=0)
    return float(history.history["loss"][-1])
