"""The generalization corpus: a training set from one TTS engine and held-out sets from voices it never heard.

    <root>/train/        espeak-ng voices of every accent but the held-out one: keywords, the Speech Commands
                         auxiliary words, a large unknown vocabulary, near-miss words and cropped partial keywords
                         (word folders symlinked from the synthesis folders below), with background noise; and
                         the extra engines' voices (SVOX Pico, espeak-ng's MBROLA diphone voices; RHVoice if
                         asked) saying the keywords, auxiliary words, near misses and part of the vocabulary
    <root>/flite/        flite's voices (the held-out engine): keywords and unknown words
    <root>/accent/       espeak-ng's held-out accent: keywords and unknown words
    <root>/synth_*/      the synthesis folders themselves (resumable)

`build_corpus` with `train_engine="flite"` swaps the roles (train on flite, hold out espeak-ng): the reverse
direction of the leave-one-engine-out evaluation.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hark.data.negatives import crop_partial, near_misses, unknown_vocabulary
from hark.data.synth import (
    BACKGROUND_DIR,
    SPEECH_COMMANDS_WORDS,
    UNKNOWN_WORDS,
    SynthConfig,
    Voice,
    available_voices,
    synthesize,
    voiced_span,
    write_partition_lists,
)
from hark.data.wav import read_wav, write_wav

log = logging.getLogger(__name__)

HELD_OUT_ACCENT = "en-029"  # espeak-ng's Caribbean English: never in the training voices
PARTIAL_FOLDER = "partial_keyword"


@dataclass(frozen=True)
class CorpusConfig:
    keywords: tuple[str, ...] = SPEECH_COMMANDS_WORDS
    keyword_clips: int = 1500  # per keyword, training engine
    aux_clips: int = 200  # per Speech Commands auxiliary word
    vocabulary_words: int = 1500  # unknown words from the dictionary
    vocabulary_clips: int = 8  # per vocabulary word
    near_miss_words: int = 8  # per keyword
    near_miss_clips: int = 30  # per near-miss word
    partial_per_keyword: int = 200  # cropped partial keywords, from the keyword clips
    heldout_keyword_clips: int = 100  # per keyword, held-out engine and accent
    heldout_aux_clips: int = 20
    heldout_vocabulary_words: int = 200
    heldout_vocabulary_clips: int = 3
    background_seconds: float = 120.0
    train_engine: str = "espeak"
    # engines whose voices join the training engine's (tools/install_voices.sh); MBROLA speaks espeak-ng's
    # phonemes, so it joins only when espeak-ng trains. "rhvoice" is not in the default: it moved flite for ds_cnn
    # but not the streams, and micro_speech not at all (docs/generalization.md, "RHVoice")
    extra_engines: tuple[str, ...] = ("pico", "mbrola")
    extra_keyword_clips: int = 400  # per keyword, over all the extra engines' voices
    extra_aux_clips: int = 40
    extra_vocabulary_words: int = 1500  # one take each, of the training vocabulary
    extra_near_miss_clips: int = 4
    seed: int = 0


def voice_sets(seed: int = 0, extra: tuple[str, ...] = ()) -> dict[str, list[Voice]]:
    """espeak-ng voices without the held-out accent, the held-out accent's, flite's, and each extra engine's."""
    voices = available_voices(seed, flite=True, extra=extra)
    espeak = [v for v in voices if v.engine == "espeak"]
    return {
        "espeak": [v for v in espeak if v.name.partition("+")[0] != HELD_OUT_ACCENT],
        "accent": [v for v in espeak if v.name.partition("+")[0] == HELD_OUT_ACCENT],
        "flite": [v for v in voices if v.engine == "flite"],
    } | {e: [v for v in voices if v.engine == e] for e in extra}


def extra_training_voices(config: CorpusConfig, sets: dict[str, list[Voice]]) -> list[Voice]:
    """The extra engines' voices that train beside `config.train_engine`'s, sorted by id as `available_voices`."""
    engines = [e for e in config.extra_engines if not (e == "mbrola" and config.train_engine != "espeak")]
    return sorted((v for e in engines for v in sets[e]), key=lambda v: v.id)


def corpus_words(config: CorpusConfig) -> dict[str, tuple[str, ...]]:
    """The word lists, from the dictionary: training vocabulary and held-out vocabulary do not overlap."""
    taken = set(config.keywords) | set(UNKNOWN_WORDS)
    misses: list[str] = []
    for kw in config.keywords:
        misses += near_misses(kw, config.near_miss_words, exclude=taken | set(misses), seed=config.seed)
    vocab = unknown_vocabulary(config.vocabulary_words + config.heldout_vocabulary_words,
                               exclude=taken | set(config.keywords) | set(misses), seed=config.seed)  # fmt: skip
    rng = np.random.default_rng([config.seed, 12])
    order = rng.permutation(len(vocab))
    train_vocab = tuple(sorted(vocab[i] for i in order[: config.vocabulary_words]))
    heldout_vocab = tuple(sorted(vocab[i] for i in order[config.vocabulary_words :]))
    return {"near_miss": tuple(misses), "vocabulary": train_vocab, "heldout_vocabulary": heldout_vocab}


def _synth(out: Path, words: tuple[str, ...], clips: int, voices: list[Voice], config: CorpusConfig,
           workers: int, background: float = 5.0) -> None:  # fmt: skip
    cfg = SynthConfig(words=words, clips_per_word=clips, seed=config.seed, background_seconds=background)
    report = synthesize(out, cfg, workers=workers, progress=False, voices=voices)
    log.info("%s: %d clips (%d written), %d dropped", out, report.clips_total, report.clips_written,
             len(report.clips_dropped))  # fmt: skip


def write_partials(keyword_dir: Path, out: Path, config: CorpusConfig) -> int:
    """Cropped partial keywords from a keyword synthesis folder, named by their voice so the hash split keeps
    them with their voice."""
    folder = out / PARTIAL_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for kw in config.keywords:
        clips = sorted((keyword_dir / kw).glob("*.wav"))
        rng = np.random.default_rng([config.seed, 13, len(kw), sum(map(ord, kw))])
        for path in [clips[i] for i in rng.permutation(len(clips))[: config.partial_per_keyword]]:
            dest = folder / f"{path.stem.split('_nohash_')[0]}_nohash_{kw}{path.stem.split('_nohash_')[1]}.wav"
            if not dest.is_file():
                clip = read_wav(path, 16000)
                write_wav(dest, crop_partial(clip, rng, voiced_span(clip.astype(np.float64), 16000)), 16000)
            n += 1
    return n


def _link_words(dest: Path, sources: list[Path], background_from: Path) -> None:
    """A dataset folder made of word folders of several synthesis folders, with one background. A word that one
    synthesis folder holds is a symlink to its folder; a word that several hold (the training engine's and the
    extra engines' takes of a keyword) is a folder of symlinks to their clips."""
    dest.mkdir(parents=True, exist_ok=True)
    holders: dict[str, list[Path]] = {}
    for src in sources:
        for sub in sorted(p for p in src.iterdir() if p.is_dir() and p.name != BACKGROUND_DIR):
            holders.setdefault(sub.name, []).append(sub.resolve())
    for word, subs in holders.items():
        link = dest / word
        if len(subs) == 1:
            if link.is_dir() and not link.is_symlink() and all(p.is_symlink() for p in link.iterdir()):
                shutil.rmtree(link)  # merged by a build with more engines: back to one link (rmtree keeps targets)
            if link.is_symlink() or link.exists():
                if not link.is_symlink() or link.resolve() != subs[0]:
                    raise FileExistsError(f"{link}: the word '{word}' comes from another synthesis folder")
                continue
            os.symlink(subs[0], link)
            continue
        if link.is_symlink():  # a corpus built before the extra engines: the word gains their clips
            link.unlink()
        link.mkdir(exist_ok=True)
        wanted = {clip.name: clip for sub in subs for clip in sorted(sub.glob("*.wav"))}
        for stale in [p for p in link.iterdir() if p.name not in wanted or p.resolve() != wanted[p.name]]:
            stale.unlink()  # a clip its synthesis folder no longer holds (e.g. that folder was synthesized again)
        for name, clip in wanted.items():
            if not (link / name).is_symlink():
                os.symlink(clip, link / name)
    bg = dest / BACKGROUND_DIR
    if not bg.exists():
        shutil.copytree(background_from / BACKGROUND_DIR, bg)
    words = tuple(sorted(p.name for p in dest.iterdir() if p.is_dir() and p.name != BACKGROUND_DIR))
    write_partition_lists(dest, SynthConfig(words=words))


def build_corpus(root: str | Path, config: CorpusConfig = CorpusConfig(), *, workers: int = 0) -> dict:
    """Synthesizes (or resumes) the whole corpus; returns its manifest (also written to corpus.json)."""
    root = Path(root)
    sets = voice_sets(config.seed, config.extra_engines)
    train_voices = sets[config.train_engine]
    extra_voices = extra_training_voices(config, sets)
    held = {"flite": sets["flite"], "accent": sets["accent"]}
    if config.train_engine == "flite":
        held = {"espeak": sets["espeak"] + sets["accent"]}
    words = corpus_words(config)
    kw_dir = root / "synth_keywords"
    _synth(kw_dir, config.keywords, config.keyword_clips, train_voices, config, workers, config.background_seconds)
    _synth(root / "synth_aux", UNKNOWN_WORDS, config.aux_clips, train_voices, config, workers)
    _synth(root / "synth_vocab", words["vocabulary"], config.vocabulary_clips, train_voices, config, workers)
    _synth(root / "synth_near", words["near_miss"], config.near_miss_clips, train_voices, config, workers)
    write_partials(kw_dir, root / "synth_partial", config)
    extra: list[Path] = []
    if extra_voices:  # their own synthesis folders: the training engine's folders stay as they were
        _synth(root / "synth_extra_keywords", config.keywords, config.extra_keyword_clips, extra_voices, config,
               workers)  # fmt: skip
        _synth(root / "synth_extra_aux", UNKNOWN_WORDS, config.extra_aux_clips, extra_voices, config, workers)
        _synth(root / "synth_extra_vocab", words["vocabulary"][: config.extra_vocabulary_words], 1, extra_voices,
               config, workers)  # fmt: skip
        _synth(root / "synth_extra_near", words["near_miss"], config.extra_near_miss_clips, extra_voices, config,
               workers)  # fmt: skip
        extra = [root / f"synth_extra_{k}" for k in ("keywords", "aux", "vocab", "near")]
    common = [kw_dir, root / "synth_aux", root / "synth_vocab", root / "synth_near", *extra]
    _link_words(root / "train", [*common, root / "synth_partial"], kw_dir)
    # the same without the cropped partial keywords: on a stream they teach the model to call a word that the
    # sliding window holds only in part `_unknown_`, which costs detections (docs/generalization.md)
    _link_words(root / "train_nopartial", common, kw_dir)
    for name, voices in held.items():
        base = root / f"synth_{name}"
        _synth(base / "keywords", config.keywords, config.heldout_keyword_clips, voices, config, workers, 60.0)
        _synth(base / "aux", UNKNOWN_WORDS, config.heldout_aux_clips, voices, config, workers)
        _synth(base / "vocab", words["heldout_vocabulary"], config.heldout_vocabulary_clips, voices, config, workers)
        _link_words(root / name, [base / "keywords", base / "aux", base / "vocab"], base / "keywords")
    manifest = {"config": asdict(config), "words": words, "train_voices": len(train_voices) + len(extra_voices),
                "held_out": {k: [v.name for v in vs] for k, vs in held.items()}}  # fmt: skip
    (root / "corpus.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest
