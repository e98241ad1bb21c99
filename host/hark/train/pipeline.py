"""The tf.data pipeline: clips -> (augmented) audio -> features -> batches, as TF speech_commands prepares them.

Without augmentation, clip features come from the on-disk feature cache (computed once, in parallel, by the same
graph code). With augmentation, every element is read, shifted, mixed with background noise and turned into
features inside the tf.data graph (the microfrontend is a TF op), in parallel with training.

Augmentation, per clip, with TF speech_commands' semantics:
- time shift: a uniform integer in [-time_shift, time_shift) samples; positive delays the clip, zero-filled;
- background: a random background file and offset; the volume is uniform(0, 1) for `_silence_` (whose own audio
  is multiplied by 0), else uniform(0, background_volume) with probability background_frequency, else 0;
- mix: clamp(clip + volume * noise, -1, 1), then int16 = trunc(x * 32768) clamped to the int16 range.

Randomness is stateless and seeded per element from `seed`, so a seed gives the same batches every run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from hark.data.augment import augment_speech, impulse_responses, ir_spectra, spec_augment
from hark.data.dataset import RANDOM_SEED, KeywordDataset
from hark.data.wav import DatasetError, check_wav
from hark.features.backend import FrontendBackend, get_backend
from hark.features.cache import FeatureCache
from hark.features.extract import feature_shape, raw_to_float, tf_features, tf_host_features, tf_raw_to_float
from hark.spec import ModelSpec
from hark.train.pooled import pooled_dataset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AugmentParams:
    clip_samples: int
    time_shift_samples: int
    background_volume: float
    background_frequency: float
    warmup_samples: int = 0  # background-only audio in front of the clip, dropped after the frontend


def augment_params(spec: ModelSpec, *, augment: bool) -> AugmentParams:
    fe, d = spec.frontend, spec.dataset
    if not augment:
        return AugmentParams(fe.clip_samples, 0, 0.0, 0.0)
    return AugmentParams(fe.clip_samples, int(d.time_shift_ms * fe.sample_rate / 1000), d.background_volume,
                         d.background_frequency, d.warmup_ms * fe.sample_rate // 1000)  # fmt: skip


class Background:
    """All background recordings as one float32 tensor with per-file start and length."""

    def __init__(self, clips: Sequence[np.ndarray]) -> None:
        self.count = len(clips)
        flat = np.concatenate([c.astype(np.float32) / 32768.0 for c in clips]) if clips else np.zeros(1, np.float32)
        self.audio = tf.constant(flat)
        lengths = [len(c) for c in clips] or [0]
        self.starts = tf.constant(np.cumsum([0, *lengths[:-1]]), tf.int32)
        self.lengths = tf.constant(lengths, tf.int32)


def clip_layout(paths: Sequence[str], ds: KeywordDataset | None, sample_rate: int) -> tuple[list[int], list[int]]:
    """Byte offsets and sample counts of clips, from the dataset's header check (or a fresh one)."""
    offsets, counts = [], []
    for p in paths:
        if ds is not None and p in ds.layout:
            off, n = ds.layout[p]
        else:
            info = check_wav(p, sample_rate)
            off, n = info.data_offset, info.num_samples
        offsets.append(off)
        counts.append(n)
    return offsets, counts


def decode_clip(path: Any, offset: Any, count: Any, clip_samples: int) -> Any:
    """float32 samples / 32768, zero-padded or cut to one clip, as TF's decode_wav with desired_samples gives them.
    The header was parsed once by the strict checker; here only the sample bytes are read."""
    n = tf.minimum(count, clip_samples)
    raw = tf.strings.substr(tf.io.read_file(path), offset, 2 * n)
    samples = tf.io.decode_raw(raw, tf.int16, little_endian=True)
    audio = tf.pad(tf.cast(samples, tf.float32) / 32768.0, [[0, clip_samples - n]])
    return tf.ensure_shape(audio, [clip_samples])  # the op's shape inference needs a static length


def to_int16(x: Any) -> Any:
    return tf.cast(tf.clip_by_value(x * 32768.0, -32768.0, 32767.0), tf.int16)


def augment_clip(
    audio: Any, is_silence: Any, seed: Any, params: AugmentParams, background: Background
) -> tuple[Any, Any, Any, Any, Any]:
    """One clip's augmentation. Returns (int16 audio, shift, background index, offset, volume)."""
    seed = tf.cast(seed, tf.int64)

    def draw(k: int, **kw: Any) -> Any:
        return tf.random.stateless_uniform([], seed=tf.stack([seed, tf.constant(k, tf.int64)]), **kw)

    n = params.clip_samples
    audio = audio * tf.where(is_silence, 0.0, 1.0)
    ts = params.time_shift_samples
    shift = draw(0, minval=-ts, maxval=ts, dtype=tf.int32) if ts > 0 else tf.constant(0, tf.int32)
    padded = tf.pad(audio, [[tf.maximum(shift, 0), tf.maximum(-shift, 0)]])
    audio = padded[tf.maximum(-shift, 0) : tf.maximum(-shift, 0) + n]
    if params.warmup_samples:
        audio = tf.pad(audio, [[params.warmup_samples, 0]])
        n += params.warmup_samples
    if background.count:
        index = draw(1, minval=0, maxval=background.count, dtype=tf.int32)
        span = background.lengths[index] - n + 1
        offset = draw(2, minval=0, maxval=span, dtype=tf.int32)
        noise = background.audio[background.starts[index] + offset : background.starts[index] + offset + n]
        loud = draw(3, dtype=tf.float32) < params.background_frequency
        quiet = tf.constant(0.0)
        mixed = draw(5, maxval=params.background_volume) if params.background_volume > 0 else quiet
        volume = tf.where(is_silence, draw(4, dtype=tf.float32), tf.where(loud, mixed, quiet))
        audio = tf.clip_by_value(audio + noise * volume, -1.0, 1.0)
    else:
        index, offset, volume = tf.constant(-1), tf.constant(0), tf.constant(0.0)
    return tf.ensure_shape(to_int16(audio), [n]), shift, index, offset, volume


def _graph_features(audio_int16: Any, spec: ModelSpec, backend: FrontendBackend) -> Any:
    fe = spec.frontend
    frames, channels = feature_shape(fe)
    skip = spec.dataset.warmup_ms // fe.window_step_ms if fe.window_step_ms else 0
    if skip and fe.kind == "microfrontend":  # warm-up frames go before any window-wide scaling
        out = tf_raw_to_float(backend.tf_uint16(audio_int16, fe)[skip:], fe)
    else:
        out = tf_features(audio_int16, fe, backend)[skip:]
    return tf.ensure_shape(out, [frames, channels])


def extract_raw(
    paths: Sequence[str], spec: ModelSpec, backend: FrontendBackend | None = None, batch: int = 256,
    ds: KeywordDataset | None = None,
) -> np.ndarray:
    """Un-augmented raw features (uint16 for the microfrontend, else float32) of many clips, in parallel."""
    fe = spec.frontend
    backend = backend or get_backend()
    frames, channels = feature_shape(fe)
    offsets, counts = clip_layout(paths, ds, fe.sample_rate)

    def raw(path: Any, offset: Any, count: Any) -> Any:
        audio = to_int16(decode_clip(path, offset, count, fe.clip_samples))
        out = backend.tf_uint16(audio, fe) if fe.kind == "microfrontend" else tf_host_features(audio, fe)
        return tf.ensure_shape(out, [frames, channels])

    slices = (list(paths), tf.constant(offsets, tf.int32), tf.constant(counts, tf.int32))
    ds_ = tf.data.Dataset.from_tensor_slices(slices).map(raw, num_parallel_calls=tf.data.AUTOTUNE)
    parts = [b.numpy() for b in ds_.batch(batch).prefetch(2)]
    dtype = np.uint16 if fe.kind == "microfrontend" else np.float32
    return np.concatenate(parts) if parts else np.zeros((0, frames, channels), dtype)


def clip_features_raw(
    ds: KeywordDataset, split: str, spec: ModelSpec, *, cache_dir: str | Path | None = None,
    backend: FrontendBackend | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Un-augmented raw features (uint16 for the microfrontend, else float32) and int32 labels of one split, in
    the split's order. Silence entries get a background slice at a volume drawn from a fixed seed (TF's
    uniform(0, 1)), so evaluation is repeatable."""
    entries = ds.split(split)
    if not entries:
        raise DatasetError(f"{ds.data_dir}: the {split} split is empty")
    backend = backend or get_backend()
    silence = ds.silence_index
    labels = np.array([i for _, i in entries], np.int32)
    is_sil = labels == (silence if silence is not None else -1)
    paths = [p for p, _ in entries]
    clip_paths = [p for p, s in zip(paths, is_sil, strict=True) if not s]
    cache = FeatureCache(spec.frontend, cache_dir)
    raw = cache.get_or_compute(clip_paths, lambda missing: extract_raw(missing, spec, backend, ds=ds))
    log.info("%s features: %d cached, %d computed", split, cache.hits, cache.misses)
    feats = np.zeros((len(entries), *feature_shape(spec.frontend)), raw.dtype)
    feats[~is_sil] = raw
    if is_sil.any():
        feats[is_sil] = _silence_raw(ds, spec, int(is_sil.sum()), backend)
    return feats, labels


def clip_features(
    ds: KeywordDataset, split: str, spec: ModelSpec, *, cache_dir: str | Path | None = None,
    backend: FrontendBackend | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """As `clip_features_raw`, as the float32 features the model sees (`raw_to_float` for the microfrontend)."""
    raw, labels = clip_features_raw(ds, split, spec, cache_dir=cache_dir, backend=backend)
    if spec.frontend.kind != "microfrontend":
        return raw.astype(np.float32), labels
    return raw_to_float(raw, spec.frontend), labels


def _silence_raw(ds: KeywordDataset, spec: ModelSpec, count: int, backend: FrontendBackend) -> np.ndarray:
    fe = spec.frontend
    params = augment_params(spec, augment=False)
    background = Background(ds.background_audio())
    zeros = tf.zeros([params.clip_samples], tf.float32)
    frames, channels = feature_shape(fe)

    def one(i: Any) -> Any:
        audio = augment_clip(zeros, tf.constant(True), i + RANDOM_SEED * 1000003, params, background)[0]
        out = backend.tf_uint16(audio, fe) if fe.kind == "microfrontend" else tf_host_features(audio, fe)
        return tf.ensure_shape(out, [frames, channels])

    out = tf.data.Dataset.range(count).map(one, num_parallel_calls=tf.data.AUTOTUNE).batch(count)
    return next(iter(out)).numpy()


def make_tf_dataset(
    ds: KeywordDataset, split: str, spec: ModelSpec, *, batch_size: int, augment: bool, shuffle: bool, seed: int,
    cache_dir: str | Path | None = None, backend: FrontendBackend | None = None,
) -> tf.data.Dataset:
    """One pass over a split as (features float32 [batch, frames, channels], labels int32 [batch]).

    The caller repeats it for more epochs; with `shuffle`, each pass has a new order (seeded), and with `augment`
    each pass draws new shifts and noise (seeded). Without `augment`, features come from the cache."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    backend = backend or get_backend()
    if not augment:
        # raw (uint16) features stay raw in memory, a quarter of float32, and are scaled per batch
        raw, labels = clip_features_raw(ds, split, spec, cache_dir=cache_dir, backend=backend)
        out = tf.data.Dataset.from_tensor_slices((raw, labels))
        if shuffle:
            out = out.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        def to_float(x: Any, y: Any) -> Any:
            if spec.frontend.kind != "microfrontend":
                return tf.cast(x, tf.float32), y
            return tf_raw_to_float(x, spec.frontend), y

        return out.batch(batch_size).map(to_float).prefetch(tf.data.AUTOTUNE)

    if spec.augment is not None and spec.augment.precomputed_passes > 0:
        once = spec.replace(augment={"precomputed_passes": 0})

        def online(pass_seed: int) -> tf.data.Dataset:
            return make_tf_dataset(ds, split, once, batch_size=256, augment=True, shuffle=False, seed=pass_seed,
                                   cache_dir=cache_dir, backend=backend)  # fmt: skip

        def clean() -> tuple[np.ndarray, np.ndarray]:
            return clip_features_raw(ds, split, spec, cache_dir=cache_dir, backend=backend)

        return pooled_dataset(ds, split, spec, batch_size=batch_size, shuffle=shuffle, seed=seed, clean=clean,
                              online=online)  # fmt: skip
    entries = ds.split(split)
    if not entries:
        raise DatasetError(f"{ds.data_dir}: the {split} split is empty")
    params = augment_params(spec, augment=True)
    background = Background(ds.background_audio())
    silence = ds.silence_index if ds.silence_index is not None else -1
    paths = [p for p, _ in entries]
    offsets, counts = clip_layout(paths, ds, spec.frontend.sample_rate)
    labels = tf.constant([i for _, i in entries], tf.int32)
    out = tf.data.Dataset.from_tensor_slices(((paths, tf.constant(offsets), tf.constant(counts)), labels))
    if shuffle:
        out = out.shuffle(len(entries), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def element(pair: Any, elem_seed: Any) -> Any:
        (path, offset, count), label = pair
        audio = decode_clip(path, offset, count, params.clip_samples)
        if spec.augment is not None:
            return recipe_element(audio, label, elem_seed)
        augmented = augment_clip(audio, tf.equal(label, silence), elem_seed, params, background)[0]
        return _graph_features(augmented, spec, backend), label

    if spec.augment is not None:
        aug = spec.augment
        irs = tf.constant(ir_spectra(impulse_responses(aug.impulse_responses, aug.seed, spec.frontend.sample_rate)))
        bands = (spec.frontend.lower_band_limit, spec.frontend.upper_band_limit)

        def recipe_element(audio: Any, label: Any, elem_seed: Any) -> Any:
            is_sil = tf.equal(label, silence)
            wav = augment_speech(audio, is_sil, elem_seed, aug, irs, params.time_shift_samples, background,
                                 spec.frontend.sample_rate, params.warmup_samples)  # fmt: skip
            return spec_augment(_graph_features(wav, spec, backend), elem_seed, aug, bands), label

    out = tf.data.Dataset.zip((out, seeds)).map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return out.batch(batch_size).prefetch(tf.data.AUTOTUNE)
