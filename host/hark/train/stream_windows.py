"""Training windows cut from long continuous negative streams (the recipe's `augment.stream_windows`), as
microWakeWord trains on windows of hours of negative audio rather than on clips in digital silence alone.

A device's window slides over a running stream: between keywords it holds parts of words, strings of words, noise
whose kind changes, and quiet, through a frontend whose noise reduction has adapted. A clip-only training set has
few such windows, and on the held-out negative streams the models rarely say `_silence_` or `_unknown_` there
(docs/generalization.md). Here, per pool pass, a stream is assembled from the TRAINING material only: non-keyword
word clips of training-split voices (the corpus' espeak-ng training accents and training vocabulary; never a
held-out folder, never partial keywords) as single words and as continuous phrases of one voice, over a noise bed
whose kind changes every second, with noise and babble segments and quiet pauses. The frontend runs once over the
whole stream (its state carried), and windows at random hops become `_unknown_` when they hold at least
`MIN_VOICED_MS` of a word, else `_silence_`.

With `augment.stream_keywords`, the stream holds single words only (a keyword stream, as a device hears one), and
that share of them are keyword clips of training-split voices:
a window holding a keyword's whole voiced span takes its label (a keyword heard in context: neighbours' tails,
babble, an adapted frontend), and a window holding only part of one is not drawn, since whether a device should
fire there is the recognizer's business, not the label's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from hark.data.dataset import BACKGROUND_DIR, KeywordDataset
from hark.data.split import speaker_id
from hark.data.synth import voiced_span
from hark.data.wav import read_wav
from hark.features.backend import FrontendBackend, get_backend
from hark.spec import SILENCE_LABEL, UNKNOWN_LABEL, ModelSpec, SpecError

MIN_VOICED_MS = 100  # a window holding less of a word than this is a pause: `_silence_`
SECONDS_PER_WINDOW = 0.5  # stream length per window drawn, so that windows rarely overlap much
BED_DBFS = (-70.0, -40.0)  # the noise bed's level range (dBFS RMS) when the spec sets no augment.floor_dbfs
EXCLUDED_FOLDERS = ("partial_keyword",)  # cropped keywords are clip negatives already; streams hold whole words


def training_voice_clips(ds: KeywordDataset, wanted: tuple[str, ...], keywords: bool = False) -> dict[str, list[Path]]:
    """Non-keyword clips (or with `keywords`, the clips of the `wanted` words) of the voices in the training split
    and in no other split, by voice."""
    train = {speaker_id(p) for p, _ in ds.split("training")}
    others = {speaker_id(p) for part in ("validation", "testing") for p, _ in ds.split(part)}
    voices = train - others
    out: dict[str, list[Path]] = defaultdict(list)
    for sub in sorted(p for p in ds.data_dir.iterdir() if p.is_dir()):
        if keywords != (sub.name in wanted):
            continue
        if sub.name == BACKGROUND_DIR or sub.name in EXCLUDED_FOLDERS or sub.name.startswith("."):
            continue
        for clip in sorted(sub.glob("*.wav")):
            if (voice := speaker_id(clip)) in voices:
                out[voice].append(clip)
    return dict(out)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.sqrt(np.mean(x**2))), 1e-9)


def _slice(noise: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if len(noise) <= n:
        return np.tile(noise, n // len(noise) + 1)[:n]
    start = int(rng.integers(0, len(noise) - n + 1))
    return noise[start : start + n]


def negative_stream(
    clips: dict[str, list[Path]], backgrounds: list[np.ndarray], seconds: float, sample_rate: int, seed: int,
    floor_dbfs: tuple[float, float] = BED_DBFS,
) -> tuple[np.ndarray, np.ndarray]:
    """float64 audio of `seconds` and a per-sample voiced mask: words and one-voice phrases, babble and noise
    segments, and pauses, over a bed whose noise kind and level change every second."""
    audio, voiced, _ = training_stream(clips, backgrounds, seconds, sample_rate, seed, floor_dbfs)
    return audio, voiced


def training_stream(
    clips: dict[str, list[Path]], backgrounds: list[np.ndarray], seconds: float, sample_rate: int, seed: int,
    floor_dbfs: tuple[float, float] = BED_DBFS, keywords: dict[str, list[Path]] | None = None,
    keyword_share: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
    """As `negative_stream`; with `keywords` (clips by voice), single words only, `keyword_share` of them keywords:
    those are not in the voiced mask but listed as (word, first sample, end sample) of their voiced span."""
    rng = np.random.default_rng([seed, 41])
    spans: list[tuple[str, int, int]] = []
    kw_voices = sorted(keywords or {})
    total = int(seconds * sample_rate)
    noises = [_unit(b.astype(np.float64)) for b in backgrounds]
    second = sample_rate
    chunks = [_slice(noises[int(rng.integers(len(noises)))], second, rng) * 10 ** (rng.uniform(*floor_dbfs) / 20)
              for _ in range(total // second + 1)]  # fmt: skip
    audio = np.concatenate(chunks)[:total]
    voiced = np.zeros(total, bool)
    voices = sorted(clips)
    t = int(rng.uniform(0.0, 1.0) * sample_rate)
    while t < total:
        # with keywords: single words only, as a keyword stream has them (a word every 1.5-3 s or so)
        kind = "words" if kw_voices else rng.choice(["words", "phrases", "noise", "silence"], p=[0.3, 0.35, 0.2, 0.15])
        if kind == "words" and kw_voices and rng.uniform() < keyword_share:
            assert keywords is not None
            pool = keywords[kw_voices[int(rng.integers(len(kw_voices)))]]
            path = pool[int(rng.integers(len(pool)))]
            clip = read_wav(path, sample_rate).astype(np.float64) / 32768.0
            start, end = voiced_span(clip, sample_rate)
            word = _unit(clip[start:end])[: total - t] * 10 ** (rng.uniform(-40.0, -15.0) / 20)
            audio[t : t + len(word)] += word
            spans.append((path.parent.name, t, t + len(word)))
            t += len(word)
        elif kind in ("words", "phrases"):
            pool = clips[voices[int(rng.integers(len(voices)))]]
            count = 1 if kind == "words" else int(rng.integers(3, 12))
            level = 10 ** (rng.uniform(-40.0, -15.0) / 20)
            for k in range(count):
                clip = read_wav(pool[int(rng.integers(len(pool)))], sample_rate).astype(np.float64) / 32768.0
                start, end = voiced_span(clip, sample_rate)
                word = _unit(clip[start:end])[: total - t] * level
                audio[t : t + len(word)] += word
                voiced[t : t + len(word)] = True
                t += len(word) + (int(rng.uniform(0.02, 0.25) * sample_rate) if k < count - 1 else 0)
                if t >= total:
                    break
        elif kind == "noise":
            seg = _slice(noises[int(rng.integers(len(noises)))], int(rng.uniform(1.0, 6.0) * sample_rate), rng)
            seg = seg[: total - t] * 10 ** (rng.uniform(-45.0, -20.0) / 20)
            audio[t : t + len(seg)] += seg
            t += len(seg)
        else:
            t += int(rng.uniform(0.5, 4.0) * sample_rate)
        t += int(rng.uniform(0.2, 1.5) * sample_rate)
    return np.clip(audio, -1.0, 1.0), voiced, spans


def stream_windows(
    ds: KeywordDataset, spec: ModelSpec, count: int, seed: int, backend: FrontendBackend | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` raw (uint16) feature windows of a fresh negative stream and their labels (int32)."""
    fe = spec.frontend
    if fe.kind != "microfrontend":
        raise SpecError(f"spec {spec.name}: augment.stream_windows needs a microfrontend, not '{fe.kind}'")
    labels = list(spec.labels)
    if UNKNOWN_LABEL not in labels or SILENCE_LABEL not in labels:
        raise SpecError(f"spec {spec.name}: augment.stream_windows needs the labels {SILENCE_LABEL} and "
                        f"{UNKNOWN_LABEL}")  # fmt: skip
    clips = training_voice_clips(ds, tuple(w.lower() for w in spec.dataset.wanted_words))
    if not clips or not ds.background_paths:
        raise SpecError(f"{ds.data_dir}: augment.stream_windows needs non-keyword clips of training voices and "
                        f"background noise")  # fmt: skip
    share = spec.augment.stream_keywords if spec.augment else 0.0
    keywords = training_voice_clips(ds, tuple(w.lower() for w in spec.dataset.wanted_words), True) if share else {}
    seconds = max(60.0, count * SECONDS_PER_WINDOW)
    audio, voiced, spans = training_stream(clips, ds.background_audio(), seconds, fe.sample_rate, seed,
                                           bed_dbfs(spec), keywords, share)  # fmt: skip
    frames = (backend or get_backend()).uint16(np.round(audio * 32767).astype(np.int16), fe)
    width, step = fe.num_frames, fe.step_samples
    candidates, y = window_labels(voiced, len(frames), spec)
    rng = np.random.default_rng([seed, 42])
    first = (candidates - width + 1) * step  # the samples a window's frames cover
    last = candidates * step + fe.window_samples
    drawable = np.ones(len(candidates), bool)
    for word, start, end in spans:
        whole = (first <= start) & (end <= last)
        y[whole] = labels.index(word)
        drawable &= whole | (last <= start) | (end <= first)  # never a window with part of a keyword
    pick = rng.choice(np.nonzero(drawable)[0], size=min(count, int(drawable.sum())), replace=False)
    ends, y = candidates[pick], y[pick]
    x = np.stack([frames[e - width + 1 : e + 1] for e in ends])
    return x, y


def bed_dbfs(spec: ModelSpec) -> tuple[float, float]:
    """The level range of a training negative stream's noise bed: the spec's augment.floor_dbfs, else BED_DBFS."""
    floor = spec.augment.floor_dbfs if spec.augment and spec.augment.floor_dbfs else BED_DBFS
    return floor[0], floor[-1]


def window_labels(voiced: np.ndarray, hops: int, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Every window of a stream of `hops` frames, as the index of its last frame, and its label (int32):
    `_unknown_` when it holds at least MIN_VOICED_MS of a word (`voiced`, per sample), else `_silence_`."""
    fe, labels = spec.frontend, list(spec.labels)
    width, step = fe.num_frames, fe.step_samples
    # voiced samples per frame hop, summed over a window's frames: how much of a word the window holds
    per_hop = np.add.reduceat(np.pad(voiced, (0, max(0, hops * step - len(voiced))))[: hops * step],
                              np.arange(0, hops * step, step))  # fmt: skip
    csum = np.concatenate([[0], np.cumsum(per_hop)])
    ends = np.arange(width - 1, hops)
    held = csum[ends + 1] - csum[ends + 1 - width]
    min_voiced = MIN_VOICED_MS * fe.sample_rate // 1000
    y = np.where(held >= min_voiced, labels.index(UNKNOWN_LABEL), labels.index(SILENCE_LABEL)).astype(np.int32)
    return ends, y


def windows_per_pass(ds: KeywordDataset, spec: ModelSpec, split: str) -> int:
    """`augment.stream_windows` percent of the split's keyword entries."""
    if spec.augment is None or spec.augment.stream_windows <= 0:
        return 0
    known = sum(1 for _, i in ds.split(split) if spec.labels[i] not in (SILENCE_LABEL, UNKNOWN_LABEL))
    return math.ceil(known * spec.augment.stream_windows / 100)
