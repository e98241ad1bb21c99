"""Negatives that sound almost like a keyword, generated rather than listed by hand (MLTK's alexa recipe).

- **Near-miss words.** Every spelling one letter edit away from the keyword (substitute, delete, insert, swap) is
  a candidate; espeak-ng's phoneme output (`espeak-ng -q -x`) gives its pronunciation, and a phoneme-level edit
  distance to the keyword's ranks it. Candidates that sound the same or differ in one vowel only are dropped, as
  are ones espeak spells out letter by letter (far away); the nearest `count` remain, ties broken by a seeded
  draw. They are real spellings, so espeak-ng and flite can both say them.
- **Cropped partial keywords.** A keyword clip's voiced span cut to its first or last part (40-70 %), so "alex"
  or "lexa" alone is `_unknown_`. Written beside the dataset's words as `<keyword>_partial/`, with the source
  clip's file name, so a partial lands in the same split as the clip it came from.
"""

from __future__ import annotations

import functools
import subprocess
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hark.data.synth import voiced_span
from hark.data.wav import read_wav, write_wav

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = set("aeiouAEIOU@3VQ")
_STRESS = "',%=_"


class NearMissError(RuntimeError):
    """espeak-ng is missing or gave no phonemes."""


@functools.lru_cache(maxsize=4096)
def phonemes(word: str, voice: str = "en-us") -> tuple[str, ...]:
    """espeak-ng's phoneme mnemonics for `word`, stress marks dropped, one token per phoneme (a letter with the
    digits, ':' and '#' that modify it)."""
    try:
        out = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, word], capture_output=True, timeout=10,
                             check=True).stdout.decode("utf-8", errors="replace")  # fmt: skip
    except (OSError, subprocess.SubprocessError) as err:
        raise NearMissError(f"espeak-ng could not transcribe {word!r}: {err}") from err
    tokens: list[str] = []
    for ch in out.strip():
        if ch in _STRESS or ch.isspace():
            continue
        if tokens and (ch.isdigit() or ch in ":#"):
            tokens[-1] += ch
        else:
            tokens.append(ch)
    if not tokens:
        raise NearMissError(f"espeak-ng gave no phonemes for {word!r}")
    return tuple(tokens)


def _is_vowel(token: str) -> bool:
    return token[0] in _VOWELS


def phoneme_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Levenshtein distance over phonemes; substituting a vowel for a vowel (or a consonant for a consonant with
    the same base letter) costs 0.5, any other edit 1."""
    prev = [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        cur = [float(i)]
        for j, y in enumerate(b, 1):
            if x == y:
                sub = 0.0
            elif _is_vowel(x) == _is_vowel(y) and (_is_vowel(x) or x[0].lower() == y[0].lower()):
                sub = 0.5
            else:
                sub = 1.0
            cur.append(min(prev[j] + 1.0, cur[j - 1] + 1.0, prev[j - 1] + sub))
        prev = cur
    return prev[-1]


def spelling_edits(word: str) -> list[str]:
    """Every spelling one letter edit away from `word` (lowercase letters only), without `word` itself."""
    w = word.lower()
    out = set()
    for i in range(len(w) + 1):
        for c in _ALPHABET:
            out.add(w[:i] + c + w[i:])  # insert
            if i < len(w):
                out.add(w[:i] + c + w[i + 1 :])  # substitute
        if i < len(w):
            out.add(w[:i] + w[i + 1 :])  # delete
        if i + 1 < len(w):
            out.add(w[:i] + w[i + 1] + w[i] + w[i + 2 :])  # swap
    out.discard(w)
    return sorted(x for x in out if len(x) >= 2)


@dataclass(frozen=True)
class NearMiss:
    word: str
    phonemes: str
    distance: float


def near_misses(keyword: str, count: int, *, seed: int = 0, min_distance: float = 1.0, max_distance: float = 2.0,
                exclude: Iterable[str] = ()) -> list[NearMiss]:  # fmt: skip
    """`count` generated words that sound close to `keyword` (min_distance <= phoneme distance <= max_distance),
    nearest first within a seeded spread; sorted by (distance, word). The default minimum of 1 skips a single
    vowel's change (0.5), which is how many speakers say the keyword itself ("elexa")."""
    target = phonemes(keyword)
    skip = {keyword.lower(), *(e.lower() for e in exclude)}
    scored: list[NearMiss] = []
    seen_sounds = {target}
    for cand in spelling_edits(keyword):
        if cand in skip:
            continue
        ph = phonemes(cand)
        if ph in seen_sounds:  # a homophone of the keyword or of a word already chosen
            continue
        d = phoneme_distance(target, ph)
        if min_distance <= d <= max_distance:
            seen_sounds.add(ph)
            scored.append(NearMiss(cand, "".join(ph), d))
    rng = np.random.default_rng([seed, zlib.crc32(keyword.encode())])
    # nearest first; ties broken by a seeded draw so the choice does not favour early letters of the alphabet
    order = sorted(range(len(scored)), key=lambda i: (scored[i].distance, rng.uniform()))
    chosen = [scored[i] for i in order[:count]]
    return sorted(chosen, key=lambda m: (m.distance, m.word))


def crop_partial(audio: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray | None:
    """The first or last 40-70 % of a clip's voiced span, at the same place in an otherwise silent clip."""
    start, end = voiced_span(audio.astype(np.float64), sample_rate)
    span = end - start
    if span < sample_rate // 10:
        return None
    keep = int(span * rng.uniform(0.4, 0.7))
    out = np.zeros_like(audio)
    if rng.uniform() < 0.5:
        out[start : start + keep] = audio[start : start + keep]
    else:
        out[end - keep : end] = audio[end - keep : end]
    return out


def write_partials(data_dir: str | Path, keyword: str, *, seed: int = 0, sample_rate: int = 16000) -> int:
    """Writes `<keyword>_partial/` from every clip in `<keyword>/`; returns the number written (resumes)."""
    src = Path(data_dir) / keyword
    if not src.is_dir():
        raise NearMissError(f"{src}: no such keyword folder to crop partials from")
    dst = Path(data_dir) / f"{keyword}_partial"
    dst.mkdir(exist_ok=True)
    written = 0
    for wav in sorted(src.glob("*.wav")):
        out = dst / wav.name
        if out.exists():
            continue
        rng = np.random.default_rng([seed, zlib.crc32(wav.name.encode())])
        part = crop_partial(read_wav(wav, sample_rate), sample_rate, rng)
        if part is not None:
            write_wav(out, part, sample_rate)
            written += 1
    return written
