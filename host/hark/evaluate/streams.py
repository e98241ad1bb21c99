"""Long test streams for false alarms per hour and false rejects, as in Picovoice's wake-word benchmark.

- **Negative stream:** non-keyword material only, from held-out voices: single unknown words (clips of the held-out
  folders' non-keyword words), continuous phrases (strings of non-keyword words spoken in one breath by a held-out
  voice), babble, noise (white, pink, brown, hum) and near-silence, in random segments over a low noise bed.
  Every detection of a keyword on it is a false alarm.
- **Keyword stream:** the held-out folders' keyword clips every few seconds, each mixed over background noise at a
  stated SNR (speech power over the word's voiced span against the noise's power), with non-keyword words between
  them as distractors.

Both are written as int16 WAVs at the corpus' rate (16 kHz) with a `.txt` ground truth (`label,time_ms` per word, as
`hark.evaluate.stream_test.save_truth`), and are seeded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hark.data.split import speaker_id
from hark.data.synth import BACKGROUND_DIR, SynthConfig, Voice, available_voices, resample, tts, voiced_span
from hark.data.wav import read_wav, write_wav
from hark.evaluate.stream_test import Utterance, save_truth

SAMPLE_RATE = SynthConfig().sample_rate  # the rate `hark corpus` synthesizes at: the streams' default
NOISES = ("white_noise", "pink_noise", "brown_noise", "hum")


@dataclass(frozen=True)
class StreamInfo:
    path: Path
    seconds: float
    words: int
    segments: dict[str, int]


def _clips(folders: list[Path], words: set[str] | None, exclude: set[str]) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for folder in folders:
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != BACKGROUND_DIR):
            if (words is not None and sub.name not in words) or sub.name in exclude:
                continue
            out.setdefault(sub.name, []).extend(sorted(sub.glob("*.wav")))
    return {k: v for k, v in out.items() if v}


def _backgrounds(folders: list[Path], rate: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for folder in folders:
        for path in sorted((folder / BACKGROUND_DIR).glob("*.wav")):
            out.setdefault(path.stem, read_wav(path, rate).astype(np.float32) / 32768.0)
    return out


def _slice(noise: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if len(noise) >= n:
        start = int(rng.integers(0, len(noise) - n + 1))
        return noise[start : start + n]
    return np.tile(noise, n // len(noise) + 1)[:n]


def clip_source(path: Path) -> str:
    """A held-out clip's origin: "<held-out folder>:<voice id>" (the folder names the engine or accent)."""
    return f"{path.parent.parent.name}:{speaker_id(path)}"


def voice_source(voice: Voice) -> str:
    return f"{voice.engine}:{voice.name}"


def _speech(path: Path, rate: int) -> np.ndarray:
    clip = read_wav(path, rate).astype(np.float64) / 32768.0
    start, end = voiced_span(clip, rate)
    return clip[start:end]


def _phrase(voice: Voice, words: list[str], rng: np.random.Generator, rate: int) -> np.ndarray:
    jitter = rng.uniform(0.9, 1.1)
    pitch = voice.pitch * jitter if voice.engine == "flite" else voice.pitch + rng.uniform(-8, 8)
    samples, tts_rate = tts(voice, " ".join(words), pitch, voice.speed * rng.uniform(0.9, 1.15))
    audio = resample(samples.astype(np.float64), tts_rate, rate)
    peak = max(np.abs(audio).max(), 1e-9)
    return audio / peak * 10 ** (rng.uniform(-20, -3) / 20)


def negative_stream(
    out: str | Path, seconds: float, folders: list[Path], voices: list[Voice], *, keywords: set[str],
    seed: int = 0, phrase_fraction: float = 0.3, bed_db: float = -50.0, sample_rate: int = SAMPLE_RATE,
) -> StreamInfo:
    """`seconds` of non-keyword audio from held-out `folders` (word clips, backgrounds) and `voices` (phrases)."""
    rng = np.random.default_rng([seed, 31])
    total = int(seconds * sample_rate)
    backgrounds = _backgrounds(folders, sample_rate)
    words = _clips(folders, None, keywords)
    vocab = sorted(words)
    if not words or not backgrounds:
        raise ValueError(f"{folders}: no non-keyword clips or no background noise to build a negative stream from")
    bed = _slice(backgrounds.get("pink_noise", next(iter(backgrounds.values()))), total, rng)
    audio = bed / max(np.sqrt(np.mean(bed**2)), 1e-9) * 10 ** (bed_db / 20)
    counts = {"words": 0, "phrases": 0, "babble": 0, "noise": 0, "silence": 0}
    log = []  # [start ms, end ms, kind, source]: what a false alarm fired on
    t = int(0.5 * sample_rate)
    while t < total:
        shares = [0.45 - phrase_fraction / 2, phrase_fraction, 0.1, 0.1, 0.35 - phrase_fraction / 2]
        kind = rng.choice(["words", "phrases", "babble", "noise", "silence"], p=shares)
        if kind == "words":
            label = vocab[int(rng.integers(len(vocab)))]
            path = words[label][int(rng.integers(len(words[label])))]
            seg, source = _speech(path, sample_rate), clip_source(path)
        elif kind == "phrases":
            voice = voices[int(rng.integers(len(voices)))]
            said = rng.integers(0, len(vocab), size=int(rng.integers(3, 12)))
            seg, source = _phrase(voice, [vocab[int(i)] for i in said], rng, sample_rate), voice_source(voice)
        elif kind in ("babble", "noise"):
            name = "babble" if kind == "babble" else NOISES[int(rng.integers(len(NOISES)))]
            src = backgrounds.get(name, next(iter(backgrounds.values())))
            seg = _slice(src, int(rng.uniform(1.0, 6.0) * sample_rate), rng)
            seg = seg / max(np.sqrt(np.mean(seg**2)), 1e-9) * 10 ** (rng.uniform(-45, -20) / 20)
            source = name
        else:
            seg, source = np.zeros(int(rng.uniform(0.5, 4.0) * sample_rate)), ""
        seg = seg[: total - t]
        audio[t : t + len(seg)] += seg
        counts[str(kind)] += 1
        log.append([round(t * 1000 / sample_rate, 1), round((t + len(seg)) * 1000 / sample_rate, 1), str(kind), source])
        t += len(seg) + int(rng.uniform(0.2, 1.5) * sample_rate)
    out = Path(out)
    write_wav(out, np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16), sample_rate)
    save_truth(out.with_suffix(".txt"), [])
    info = StreamInfo(out, seconds, 0, counts)
    meta = {"seconds": seconds, "segments": counts, "seed": seed, "folders": [str(f) for f in folders]}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    out.with_suffix(".log.json").write_text(json.dumps(log) + "\n")
    return info


def keyword_stream(
    out: str | Path, seconds: float, folders: list[Path], *, keywords: tuple[str, ...], snr_db: float,
    seed: int = 0, gap_s: float = 4.0, distractor_rate: float = 0.3, sample_rate: int = SAMPLE_RATE,
) -> StreamInfo:
    """Keyword clips from held-out `folders` every ~`gap_s` seconds at `snr_db` over their background noise, with
    non-keyword words between some of them."""
    rng = np.random.default_rng([seed, 32, int(snr_db * 10) & 0xFFFF])
    total = int(seconds * sample_rate)
    kw_clips = _clips(folders, set(keywords), set())
    others = _clips(folders, None, set(keywords))
    backgrounds = _backgrounds(folders, sample_rate)
    names = sorted(backgrounds)
    noise = np.concatenate([backgrounds[n] / max(np.sqrt(np.mean(backgrounds[n] ** 2)), 1e-9) for n in names])
    noise = _slice(noise[rng.permutation(len(noise) // sample_rate)[:, None] * sample_rate
                         + np.arange(sample_rate)].reshape(-1), total, rng)  # fmt: skip
    level = 10 ** (-30 / 20)  # speech is placed at -30 dB RMS below full scale + its SNR above the noise
    audio = noise * level / 10 ** (snr_db / 20)
    truth: list[Utterance] = []
    sources: list[list] = []  # [time ms, label, source] per word of the truth
    labels = sorted(kw_clips)
    t = 1.0
    while True:
        label = labels[int(rng.integers(len(labels)))]
        path = kw_clips[label][int(rng.integers(len(kw_clips[label])))]
        speech = _speech(path, sample_rate)
        start = int((t + rng.uniform(-0.3, 0.3)) * sample_rate)
        if start + len(speech) + sample_rate > total:
            break
        audio[start : start + len(speech)] += speech / max(np.sqrt(np.mean(speech**2)), 1e-9) * level
        truth.append(Utterance(label, round(start * 1000 / sample_rate, 1)))
        sources.append([truth[-1].time_ms, label, clip_source(path)])
        if others and rng.uniform() < distractor_rate:
            word = sorted(others)[int(rng.integers(len(others)))]
            d_path = others[word][int(rng.integers(len(others[word])))]
            d = _speech(d_path, sample_rate)
            d_start = start + int((gap_s / 2) * sample_rate)
            if d_start + len(d) < total:
                audio[d_start : d_start + len(d)] += d / max(np.sqrt(np.mean(d**2)), 1e-9) * level
                truth.append(Utterance("_unknown_", round(d_start * 1000 / sample_rate, 1)))
                sources.append([truth[-1].time_ms, "_unknown_", clip_source(d_path)])
        t += gap_s
    out = Path(out)
    peak = max(np.abs(audio).max(), 1e-9)
    audio = audio * min(1.0, 0.9 / peak)
    write_wav(out, np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16), sample_rate)
    save_truth(out.with_suffix(".txt"), truth)
    n_kw = sum(1 for u in truth if u.label != "_unknown_")
    out.with_suffix(".json").write_text(json.dumps({"seconds": seconds, "snr_db": snr_db, "keywords": n_kw,
                                                    "seed": seed, "folders": [str(f) for f in folders]},
                                                   indent=1) + "\n")  # fmt: skip
    out.with_suffix(".log.json").write_text(json.dumps(sources) + "\n")
    return StreamInfo(out, seconds, n_kw, {"keywords": n_kw})


def heldout_voices(corpus_manifest: dict) -> list[Voice]:
    """The held-out voices a corpus names (corpus.json's `held_out`)."""
    names = {(k, n) for k, ns in corpus_manifest["held_out"].items() for n in ns}
    out = []
    for v in available_voices(corpus_manifest["config"]["seed"], flite=True):
        kind = "flite" if v.engine == "flite" else ("accent" if ("accent", v.name) in names else "espeak")
        if (kind, v.name) in names or ("espeak", v.name) in names:
            out.append(v)
    return out


def heldout_clips(data_dir: str | Path, words: tuple[str, ...], held_out: tuple[str, ...] = ("flite", "en-029")
                  ) -> dict[str, list[Path]]:  # fmt: skip
    """A synthesized dataset's clips of `words` whose voices are held out of the pre-trained models' training (flite,
    espeak-ng's held-out accent), found through its synth.json."""
    data_dir = Path(data_dir)
    keep = _held_out_ids(data_dir, held_out)
    out: dict[str, list[Path]] = {}
    for word in words:
        clips = [p for p in sorted((data_dir / word).glob("*.wav")) if speaker_id(p) in keep]
        if clips:
            out[word] = clips
    return out


def validation_clips(data_dir: str | Path, words: tuple[str, ...], held_out: tuple[str, ...] = ("flite", "en-029")
                     ) -> dict[str, list[Path]]:  # fmt: skip
    """A synthesized dataset's clips of `words` in its validation split (validation_list.txt: the hash rule keeps a
    voice in one split, so no training voice) whose voices are not held out: material for a tuning stream that
    shares no voice with the training split or with `heldout_clips`."""
    data_dir = Path(data_dir)
    skip = _held_out_ids(data_dir, held_out)
    out: dict[str, list[Path]] = {}
    for rel in (data_dir / "validation_list.txt").read_text().split():
        word, _, name = rel.partition("/")
        if word in words and speaker_id(name) not in skip:
            out.setdefault(word, []).append(data_dir / rel)
    return {w: sorted(ps) for w, ps in out.items()}


def _held_out_ids(data_dir: Path, held_out: tuple[str, ...]) -> set[str]:
    manifest = json.loads((data_dir / "synth.json").read_text())
    return {vid for vid, v in manifest["voices"].items()
            if v["engine"] in held_out or v["name"].partition("+")[0] in held_out}  # fmt: skip


def write_streams(
    corpus: Path, out_dir: Path, *, negative_minutes: float = 60.0, keyword_minutes: float = 10.0,
    snrs: Sequence[float] = (20.0, 10.0), seed: int = 0, words: tuple[str, ...] | None = None,
    prefix: str = "keywords", negatives: bool = True,
) -> dict:
    """The held-out test streams of a corpus (`hark corpus`) in `out_dir`: a negative stream (unless not
    `negatives`) and a keyword stream of `words` (default: the corpus' keywords) per SNR. Returns what was written."""
    manifest_path = corpus / "corpus.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path}: missing (synthesize the corpus first)")
    manifest = json.loads(manifest_path.read_text())
    held = [corpus / name for name in manifest["held_out"]]
    keywords = tuple(manifest["config"]["keywords"])
    out_dir.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    if negatives:
        neg = negative_stream(out_dir / "negatives.wav", negative_minutes * 60, held, heldout_voices(manifest),
                              keywords=set(keywords), seed=seed)  # fmt: skip
        out["negatives"] = {"path": str(neg.path), "segments": neg.segments}
    for snr in snrs:
        name = f"{prefix}_{snr:g}db"
        kw = keyword_stream(out_dir / f"{name}.wav", keyword_minutes * 60, held, keywords=words or keywords,
                            snr_db=snr, seed=seed)  # fmt: skip
        out[name] = {"path": str(kw.path), "keywords": kw.words}
    return out
