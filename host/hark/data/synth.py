"""Offline keyword dataset synthesis with espeak-ng and flite (and, where installed, SVOX Pico, espeak-ng's
MBROLA voices and RHVoice), in the Speech Commands layout.

Output folder:
    <word>/<voiceid>_nohash_<n>.wav      1 s, 16 kHz, mono int16 clips
    _background_noise_/*.wav             long noise: white, pink, brown, hum, babble (mixed TTS speech)
    validation_list.txt, testing_list.txt  by the Speech Commands hash rule, so a voice stays in one partition
    synth.json                           the settings and voices, checked when a run resumes

Every clip draws its pitch, speed, amplitude and placement from a generator seeded by (seed, word, voice, n), so the
result does not depend on worker count or order, and a re-run skips clips already on disk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import json
import logging
import math
import multiprocessing
import os
import resource
import shutil
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from hark.data.split import which_set
from hark.data.wav import DatasetError, decode_wav_bytes, write_wav

log = logging.getLogger(__name__)

SPEECH_COMMANDS_WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
# Speech Commands v1's auxiliary words: the digits, some names and some nouns.
UNKNOWN_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
)  # fmt: skip
DEFAULT_WORDS = SPEECH_COMMANDS_WORDS + UNKNOWN_WORDS
BACKGROUND_DIR = "_background_noise_"
MANIFEST = "synth.json"
_FORMAT_VERSION = 1
_TIMEOUT_S = 30.0  # one TTS command; a hung synthesizer must not hang the run
_GROUP_TIMEOUT_S = 120.0  # one group of clips in a worker (~1 s of CPU when idle)
_POOL_ATTEMPTS = 3
# flite's general-purpose voices (awb_time only speaks clock times); kal is an 8 kHz diphone voice.
FLITE_VOICES = {"kal": (85.0, 130.0), "kal16": (85.0, 130.0), "awb": (85.0, 130.0), "rms": (80.0, 125.0),
                "slt": (150.0, 230.0)}  # fmt: skip
# SVOX Pico's two English voices (pico2wave): base pitch and speed are its <pitch>/<speed> levels in percent.
PICO_VOICES = {"en-US": (85.0, 125.0), "en-GB": (85.0, 125.0)}
# espeak-ng's MBROLA voices: espeak-ng's phonemes spoken with diphones recorded from four people.
MBROLA_VOICES = ("mb-us1", "mb-us2", "mb-us3", "mb-en1")
MBROLA_DIR = Path("/usr/share/mbrola")
# RHVoice's English voices (statistical parametric, HTS-trained on recorded speakers; pitch and speed in percent of
# the voice's own). Its `slt` is left out: it is the CMU ARCTIC speaker of flite's `slt`, which the held-out
# engine's set holds, so training on it would put a held-out speaker in training.
RHVOICE_VOICES = {"alan": (85.0, 120.0), "bdl": (85.0, 120.0), "clb": (85.0, 120.0), "evgeniy-eng": (85.0, 120.0),
                  "lyubov": (85.0, 120.0)}  # fmt: skip
RHVOICE_DIR = Path("/usr/share/RHVoice/voices")
# A few-voice engine's voice is spoken as this many personas ("mb-us1~07"): each a fixed vocal-tract warp
# (resampling before the clip is cut, so formants, pitch and duration move together, as VTLP does) with its own
# base pitch and speed. The hash split then spreads each engine over the partitions as it does espeak-ng's
# hundreds of voices, instead of sending one of four voices to the test partition whole.
PERSONAS = 24
PERSONA_WARP = (0.88, 1.12)
# engines that need more than `apt-get install espeak-ng flite` (Debian contrib/non-free, Ubuntu multiverse):
# tools/install_voices.sh installs them
EXTRA_ENGINES = ("pico", "mbrola", "rhvoice")
_EXTRA_VOICES: dict[str, Any] = {"pico": PICO_VOICES, "mbrola": MBROLA_VOICES, "rhvoice": RHVOICE_VOICES}
# Babble talkers say these as well as the dataset words, so the noise is not made of keywords alone.
_BABBLE_EXTRA = (
    "the weather today is fine and we will walk to the market after lunch",
    "please remember to bring the blue folder and the red notebook tomorrow",
    "it is important that everybody reads the instructions before starting",
    "my brother bought a new bicycle and rode it across the river bridge",
)


class SynthError(RuntimeError):
    """A text-to-speech engine is missing or failed."""


@dataclass(frozen=True)
class Voice:
    engine: str  # "espeak", "flite", "pico", "mbrola" or "rhvoice"
    name: str  # espeak "<accent>+<variant>", a flite voice name, a Pico language or an MBROLA voice ("mb-us1")
    pitch: float  # espeak and mbrola: 0..99; flite: mean F0 in Hz; pico and rhvoice: percent of the voice's own
    speed: float  # espeak and mbrola: words per minute; flite: 175 / duration_stretch; pico, rhvoice: 1.75 x percent

    @property
    def id(self) -> str:
        """Eight hex digits like a Speech Commands speaker id; stable across runs and seeds."""
        return hashlib.sha1(f"{self.engine}:{self.name}".encode()).hexdigest()[:8]


@dataclass(frozen=True)
class SynthConfig:
    words: tuple[str, ...] = DEFAULT_WORDS
    clips_per_word: int = 100
    seed: int = 0
    max_voices: int = 0  # 0: every voice found
    sample_rate: int = 16000
    clip_ms: int = 1000
    background_seconds: float = 60.0
    validation_percentage: float = 10.0
    testing_percentage: float = 10.0


@dataclass
class SynthReport:
    out_dir: Path
    clips_total: int = 0
    clips_written: int = 0
    clips_resumed: int = 0  # already on disk from an earlier run
    clips_dropped: list[str] = field(default_factory=list)  # still longer than a clip at the fastest retry
    voices: int = 0
    seconds: float = 0.0
    worker_cpu_seconds: float = 0.0  # CPU time of the clip workers: the cost without other load on the machine

    @property
    def clips_per_second(self) -> float:
        return self.clips_written / self.seconds if self.seconds > 0 else 0.0


def _run(cmd: list[str], what: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError as err:
        raise SynthError(f"{cmd[0]} is not installed (apt-get install espeak-ng flite)") from err
    except subprocess.TimeoutExpired as err:
        raise SynthError(f"{what}: {cmd[0]} did not finish in {_TIMEOUT_S:g} s") from err
    if done.returncode != 0:
        raise SynthError(f"{what}: {cmd[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:300]}")
    return done.stdout


@functools.lru_cache(maxsize=1)
def _espeak_names() -> tuple[dict[str, str], tuple[str, ...]]:
    """English accents -> voice file (MBROLA voices excluded: their databases are not installed), and the voice
    variants."""
    accents: dict[str, str] = {}
    for line in _run(["espeak-ng", "--voices=en"], "listing voices").decode().splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5 and cols[1].startswith("en") and not cols[4].startswith("mb/"):
            accents.setdefault(cols[1], cols[4])
    variants = []
    for line in _run(["espeak-ng", "--voices=variant"], "listing variants").decode().splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5 and cols[4].startswith("!v/"):
            variants.append(cols[4][3:])
    return accents, tuple(dict.fromkeys(variants))


class EspeakLibrary:
    """libespeak-ng loaded into this process: about ten times faster than starting espeak-ng per clip.

    The engine keeps state from one utterance to the next (its pitch flutter, for one), so a clip depends on the
    clips spoken before it in the same process. Determinism therefore comes from speaking fixed groups of clips,
    each in a fresh process (see `synthesize`)."""

    _CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        lib = ctypes.CDLL(name)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]  # fmt: skip
        # AUDIO_OUTPUT_SYNCHRONOUS (2): synthesize in the calling thread; espeakINITIALIZE_DONT_EXIT (0x8000)
        self.rate = lib.espeak_Initialize(2, 0, None, 0x8000)
        if self.rate <= 0:
            raise OSError(f"espeak_Initialize failed ({self.rate})")
        self._chunks: list[np.ndarray] = []
        self._callback = self._CALLBACK(self._collect)  # referenced here so it outlives every call
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib

    def _collect(self, wav: Any, n: int, _events: Any) -> int:
        if n > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).astype(np.int16))
        return 0

    def say(self, voice: str, text: str, pitch: int, speed: int) -> np.ndarray:
        accent, _, variant = voice.partition("+")
        ident = _espeak_names()[0].get(accent, accent) + (f"+{variant}" if variant else "")
        if self._lib.espeak_SetVoiceByName(ident.encode()) != 0:
            raise SynthError(f"libespeak-ng has no voice '{ident}' (for {voice})")
        self._lib.espeak_SetParameter(1, speed, 0)  # espeakRATE
        self._lib.espeak_SetParameter(3, pitch, 0)  # espeakPITCH
        self._chunks = []
        blob = text.encode() + b"\0"
        code = self._lib.espeak_Synth(blob, len(blob), 0, 1, 0, 0, None, None)  # POS_CHARACTER, espeakCHARS_AUTO
        if code != 0 or self._lib.espeak_Synchronize() != 0:
            raise SynthError(f"libespeak-ng failed ({code}) on voice {voice} saying {text[:40]!r}")
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)

    @staticmethod
    def try_open() -> EspeakLibrary | None:
        try:
            return EspeakLibrary()
        except OSError:
            return None


def extra_engines_installed() -> tuple[str, ...]:
    """Which of `EXTRA_ENGINES` this machine can speak with."""
    found = []
    if shutil.which("pico2wave"):
        found.append("pico")
    if shutil.which("mbrola") and all((MBROLA_DIR / v[3:] / v[3:]).is_file() for v in MBROLA_VOICES):
        found.append("mbrola")
    if shutil.which("RHVoice-test") and all((RHVOICE_DIR / v).is_dir() for v in RHVOICE_VOICES):
        found.append("rhvoice")
    return tuple(found)


def engine_voice(voice: Voice) -> str:
    """The name the engine knows the voice by: a persona ("mb-us1~07") is its engine voice ("mb-us1")."""
    return voice.name.partition("~")[0]


def persona_warp(voice: Voice) -> float:
    """The fixed vocal-tract warp of a persona voice ("mb-us1~07"); 1.0 for every other voice."""
    if "~" not in voice.name:
        return 1.0
    rng = np.random.default_rng(zlib.crc32(f"{voice.engine}:{voice.name}".encode()))
    return float(rng.uniform(*PERSONA_WARP))


def available_voices(seed: int = 0, *, flite: bool | None = None, extra: tuple[str, ...] = ()) -> list[Voice]:
    """Every espeak-ng accent x variant and every flite voice (and the voices of the `extra` engines asked
    for), each with a base pitch and speed drawn from a generator seeded by (seed, voice), sorted by id."""
    accents, variants = _espeak_names()
    names = [("espeak", f"{a}+{v}") for a in accents for v in variants]
    if flite is None:
        flite = shutil.which("flite") is not None
    if flite:
        names += [("flite", v) for v in FLITE_VOICES]
    missing = set(extra) - set(extra_engines_installed())
    if missing:
        unknown = missing - set(EXTRA_ENGINES)
        raise SynthError(f"unknown TTS engine(s) {sorted(unknown)}; known: {list(EXTRA_ENGINES)}" if unknown else
                         f"TTS engine(s) {sorted(missing)} not installed: run tools/install_voices.sh")  # fmt: skip
    for engine, engine_voices in _EXTRA_VOICES.items():
        if engine in extra:
            names += [(engine, f"{v}~{k:02d}") for v in engine_voices for k in range(PERSONAS)]
    voices = []
    for engine, name in names:
        rng = np.random.default_rng([seed, zlib.crc32(f"{engine}:{name}".encode())])
        if engine in ("espeak", "mbrola"):
            voices.append(Voice(engine, name, float(rng.uniform(25, 75)), float(rng.uniform(130, 200))))
        elif engine in ("pico", "rhvoice"):
            lo, hi = _EXTRA_VOICES[engine][name.partition("~")[0]]
            voices.append(Voice(engine, name, float(rng.uniform(lo, hi)), float(rng.uniform(140, 200))))
        else:
            lo, hi = FLITE_VOICES[name]
            voices.append(Voice(engine, name, float(rng.uniform(lo, hi)), float(rng.uniform(140, 200))))
    return sorted(voices, key=lambda v: v.id)


def tts(
    voice: Voice, text: str, pitch: float, speed: float, lib: EspeakLibrary | None = None
) -> tuple[np.ndarray, int]:
    """Speaks `text` (espeak voices through `lib` if given, else the espeak-ng command); returns (int16 samples,
    sample rate)."""
    what = f"{voice.engine} voice {voice.name} saying {text[:40]!r}"
    if voice.engine == "espeak" and lib is not None:
        return lib.say(voice.name, text, round(pitch), round(speed)), lib.rate
    if voice.engine in ("espeak", "mbrola"):
        cmd = ["espeak-ng", "-v", engine_voice(voice), "-p", str(round(pitch)), "-s", str(round(speed)), "--stdout",
               text]  # fmt: skip
        return decode_wav_bytes(_run(cmd, what), what)
    if voice.engine == "pico":
        # pico2wave reads its text as markup: the tags set speed and pitch (percent of the voice's own)
        markup = f'<speed level="{round(speed / 1.75)}"><pitch level="{round(pitch)}">{text}</pitch></speed>'
        return _spoken_to_file(voice.engine, what, lambda out: ["pico2wave", "-l", engine_voice(voice), "-w", out,
                                                                 markup])  # fmt: skip
    if voice.engine == "rhvoice":  # it reads the text from its standard input
        rate, tone = str(round(speed / 1.75)), str(round(pitch))
        return _spoken_to_file(voice.engine, what, lambda out: ["RHVoice-test", "-p", engine_voice(voice), "-r", rate,
                                                                 "-t", tone, "-o", out], text.encode())  # fmt: skip
    return _spoken_to_file(voice.engine, what, lambda out: ["flite", "-voice", voice.name, "--setf",
                           f"duration_stretch={175.0 / speed:.3f}", "--setf", f"int_f0_target_mean={pitch:.1f}",
                           "-t", text, "-o", out])  # fmt: skip


def _spoken_to_file(
    engine: str, what: str, command: Callable[[str], list[str]], stdin: bytes | None = None
) -> tuple[np.ndarray, int]:
    """Runs an engine that writes its WAV to a file (`command(path)`) in a scratch folder, and decodes it."""
    with tempfile.TemporaryDirectory(prefix=f"hark-{engine}-", dir=_scratch_dir()) as tmp:
        out = os.path.join(tmp, "out.wav")
        _run(command(out), what, stdin)
        return decode_wav_bytes(Path(out).read_bytes(), what)


def _scratch_dir() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited resampling in the frequency domain (the input is zero-padded to a whole number of rate
    periods, so the ratio is exact). TTS output starts and ends in silence, so the FFT's wrap-around is harmless."""
    if src == dst:
        return x.astype(np.float64)
    g = math.gcd(src, dst)
    up, down = dst // g, src // g
    n_in = -(-len(x) // down) * down
    n_out = n_in // down * up
    spec = np.fft.rfft(x.astype(np.float64), n_in)
    out = np.zeros(n_out // 2 + 1, dtype=complex)
    keep = min(len(spec), len(out))
    out[:keep] = spec[:keep]
    if n_out < n_in and n_out % 2 == 0:
        out[-1] = out[-1].real  # the new Nyquist bin of a real signal is real
    return np.fft.irfft(out, n_out)[: len(x) * up // down] * (n_out / n_in)


def voiced_span(x: np.ndarray, sample_rate: int, floor_db: float = 40.0) -> tuple[int, int]:
    """[start, end) covering every 10 ms frame within `floor_db` of the loudest frame, plus 30 ms either side:
    everything outside is silence the TTS engine padded the word with."""
    frame = sample_rate // 100
    n = len(x) // frame
    if n == 0:
        return 0, len(x)
    energy = (x[: n * frame].reshape(n, frame).astype(np.float64) ** 2).mean(axis=1)
    loud = np.nonzero(energy >= energy.max() * 10 ** (-floor_db / 10))[0]
    pad = 3 * frame
    return max(0, int(loud[0]) * frame - pad), min(len(x), (int(loud[-1]) + 1) * frame + pad)


def render_clip(
    voice: Voice, word: str, n: int, config: SynthConfig, lib: EspeakLibrary | None = None
) -> np.ndarray | None:
    """One clip, or None if the word does not fit in the clip even spoken fast (it is never cut mid-word)."""
    rng = np.random.default_rng([config.seed, zlib.crc32(word.encode()), int(voice.id, 16), n])
    additive = voice.engine in ("espeak", "mbrola")  # espeak-ng's 0..99 pitch scale
    pitch = voice.pitch + rng.uniform(-8, 8) if additive else voice.pitch * rng.uniform(0.9, 1.1)
    speed = voice.speed * rng.uniform(0.85, 1.2)
    peak_db = rng.uniform(-24.0, -1.0)
    place = rng.uniform()
    clip_len = config.sample_rate * config.clip_ms // 1000
    # a persona's warp: resampled to sample_rate / warp and read at sample_rate
    target_rate = round(config.sample_rate / persona_warp(voice))
    for _ in range(4):
        pitch = float(np.clip(pitch, 0, 99)) if additive else pitch
        samples, rate = tts(voice, word, pitch, speed, lib)
        audio = resample(samples.astype(np.float64), rate, target_rate)
        start, end = voiced_span(audio, config.sample_rate)
        audio = audio[start:end]
        if len(audio) <= clip_len:
            break
        speed *= 1.1 * len(audio) / clip_len  # say it faster rather than cut it
    else:
        return None
    peak = np.abs(audio).max()
    if peak > 0:
        audio = audio * (32767 * 10 ** (peak_db / 20) / peak)
    out = np.zeros(clip_len)
    offset = int(place * (clip_len - len(audio)))
    out[offset : offset + len(audio)] = audio
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


GROUP_SIZE = 50  # clips spoken in one fresh worker process, in plan order


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the flite commands)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _group_job(args: tuple[str, list[tuple[dict, str, int]], dict, bool]) -> tuple[list[tuple[str, str]], float]:
    """Renders one group of clips in order in a fresh process. If any clip of the group is missing, the whole
    group is spoken again (the engine's state makes a clip depend on the ones before it) and only missing clips
    are written; the others would come out byte-identical."""
    out_dir, group, config_d, use_lib = args
    config = SynthConfig(**{**config_d, "words": tuple(config_d["words"])})
    size = 44 + 2 * config.sample_rate * config.clip_ms // 1000
    todo = []
    for voice_d, word, n in group:
        voice = Voice(**voice_d)
        rel = f"{word}/{voice.id}_nohash_{n}.wav"
        path = Path(out_dir) / rel
        todo.append((voice, word, n, rel, path, path.is_file() and path.stat().st_size == size))
    if all(done for *_, done in todo):
        return [(rel, "resumed") for _, _, _, rel, _, _ in todo], _cpu_seconds()
    lib = EspeakLibrary() if use_lib else None
    out = []
    for voice, word, n, rel, path, done in todo:
        clip = render_clip(voice, word, n, config, lib)
        if done:
            out.append((rel, "resumed"))
        elif clip is None:
            out.append((rel, "dropped"))
        else:
            write_wav(path, clip, config.sample_rate)
            out.append((rel, "written"))
    return out, _cpu_seconds()


def plan(config: SynthConfig, voices: list[Voice]) -> list[tuple[str, Voice, int]]:
    """(word, voice, n) for every clip: clip k of a word goes to voice perm[k % V], take n = k // V, where perm
    is a seeded shuffle per word, so small sets still spread over many voices."""
    jobs = []
    for word in config.words:
        rng = np.random.default_rng([config.seed, zlib.crc32(word.encode()), 1])
        perm = rng.permutation(len(voices))
        for k in range(config.clips_per_word):
            jobs.append((word, voices[perm[k % len(voices)]], k // len(voices)))
    return jobs


def choose_voices(config: SynthConfig) -> list[Voice]:
    voices = available_voices(config.seed)
    if not voices:
        raise SynthError("no usable espeak-ng or flite voice found")
    if config.max_voices and config.max_voices < len(voices):
        rng = np.random.default_rng([config.seed, 2])
        keep = sorted(rng.choice(len(voices), size=config.max_voices, replace=False))
        voices = [voices[i] for i in keep]
    return voices


def _check_manifest(out_dir: Path, manifest: dict) -> None:
    path = out_dir / MANIFEST
    if path.is_file():
        old = json.loads(path.read_text())
        if old != manifest:
            extra = ("voices", "format", "espeak")
            flat_old = {**old.get("config", {}), **{k: old.get(k) for k in extra}}
            flat_new = {**manifest["config"], **{k: manifest.get(k) for k in extra}}
            changed = sorted(k for k in set(flat_old) | set(flat_new) if flat_old.get(k) != flat_new.get(k))
            raise DatasetError(
                f"{path}: this folder was synthesized with other settings ({', '.join(changed)} differ); "
                "resume with the same settings or use a new folder"
            )
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=1) + "\n")



class _PoolStalled(RuntimeError):
    pass


def _run_pool(groups: list, total: int, workers: int, progress: bool, report: SynthReport) -> None:
    # A fresh process per group, forked from a clean fork server that has this module loaded: the engine's
    # state never leaks from one group into another, nor do TensorFlow's threads if the caller has it loaded.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    pool = ctx.Pool(workers or os.cpu_count() or 1, maxtasksperchild=1)
    try:
        results = pool.imap_unordered(_group_job, groups, chunksize=1)
        bar = _progress(total, progress)
        for _ in groups:
            try:
                done, cpu = results.next(timeout=_GROUP_TIMEOUT_S)
                report.worker_cpu_seconds += cpu
            except multiprocessing.TimeoutError as err:
                raise _PoolStalled(f"a synthesis worker produced nothing for {_GROUP_TIMEOUT_S:g} s") from err
            for rel, status in done:
                if status == "written":
                    report.clips_written += 1
                elif status == "resumed":
                    report.clips_resumed += 1
                else:
                    report.clips_dropped.append(rel)
            bar.update(len(done))
        bar.close()
    finally:
        pool.terminate()
        pool.join()

def synthesize(
    out_dir: str | Path, config: SynthConfig = SynthConfig(), *, workers: int = 0, progress: bool = True,
    voices: list[Voice] | None = None,
) -> SynthReport:
    """Synthesizes (or resumes) a dataset; `workers` 0 means one per core; `voices` (default: `choose_voices`)
    picks the speakers, e.g. one engine only for a held-out evaluation."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    bad = [w for w in config.words if not w or not w.replace("_", "").isalnum() or w.startswith("_")]
    if bad:
        raise DatasetError(f"words must be letters, digits and inner underscores: {bad}")
    voices = voices if voices is not None else choose_voices(config)
    if not voices:
        raise SynthError("no voice to synthesize with")
    use_lib = EspeakLibrary.try_open() is not None
    manifest = {"format": _FORMAT_VERSION, "config": asdict(config) | {"words": list(config.words)},
                "espeak": "library" if use_lib else "command", "voices": {v.id: asdict(v) for v in voices}}  # fmt: skip
    _check_manifest(out_dir, manifest)
    for word in config.words:
        (out_dir / word).mkdir(parents=True, exist_ok=True)
    jobs = plan(config, voices)
    groups = [
        (str(out_dir), [(asdict(v), w, n) for w, v, n in jobs[i : i + GROUP_SIZE]], manifest["config"], use_lib)
        for i in range(0, len(jobs), GROUP_SIZE)
    ]
    report = SynthReport(out_dir, clips_total=len(jobs), voices=len(voices))
    # A stalled pool (a worker that never reports, e.g. a Pool replacing maxtasksperchild workers) is ended
    # and the run resumes in a fresh pool: finished clips are kept on disk and count as resumed.
    for attempt in range(1, _POOL_ATTEMPTS + 1):
        report.clips_written = report.clips_resumed = 0
        report.clips_dropped = []
        try:
            _run_pool(groups, len(jobs), workers, progress, report)
            break
        except _PoolStalled as err:
            if attempt == _POOL_ATTEMPTS:
                hint = ""
                if not any(out_dir.glob("*/*.wav")):
                    # What a script calling synthesize() without a main guard looks like: spawned workers
                    # re-import it and die before their first clip.
                    hint = ("; no clip was written at all: if you call synthesize() from a script, put the call "
                            "under `if __name__ == \"__main__\":` (workers are spawned and import the script)")
                raise SynthError(f"{err}; gave up after {attempt} attempts (re-run to resume){hint}") from err
            log.warning("%s; resuming in a fresh pool (attempt %d of %d)", err, attempt + 1, _POOL_ATTEMPTS)
    write_background(out_dir, config, voices)
    write_partition_lists(out_dir, config)
    report.seconds = time.perf_counter() - t0
    return report


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> _NoBar:
    if not enabled:
        return _NoBar()
    return tqdm(total=total, unit="clip", smoothing=0.1)


def write_partition_lists(out_dir: Path, config: SynthConfig) -> dict[str, list[str]]:
    """validation_list.txt and testing_list.txt over the clips on disk, by the hash rule."""
    lists: dict[str, list[str]] = {"validation": [], "testing": []}
    for word in config.words:
        for wav in sorted((out_dir / word).glob("*.wav")):
            part = which_set(wav.name, config.validation_percentage, config.testing_percentage)
            if part in lists:
                lists[part].append(f"{word}/{wav.name}")
    for part, names in lists.items():
        # replaced, not written through: a list that is a link to another folder's must not change that one
        tmp = out_dir / f".{part}_list.txt.{os.getpid()}.tmp"
        tmp.write_text("".join(f"{n}\n" for n in sorted(names)))
        os.replace(tmp, out_dir / f"{part}_list.txt")
    return lists


# ---- background noise -------------------------------------------------------------------------------------------


def _normalize(x: np.ndarray, rms_db: float = -20.0) -> np.ndarray:
    x = x - x.mean()
    x = x * (10 ** (rms_db / 20) / max(np.sqrt(np.mean(x**2)), 1e-12))
    return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)


def _colored(rng: np.random.Generator, n: int, exponent: float, sample_rate: int) -> np.ndarray:
    """Noise whose power falls as 1/f**exponent (0 white, 1 pink, 2 brown), shaped in the frequency domain,
    with a 20 Hz high-pass so brown noise does not drift."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sample_rate)
    gain = np.where(f >= 20.0, 1.0 / np.maximum(f, 20.0) ** (exponent / 2), 0.0)
    return np.fft.irfft(spec * gain, n)


def _hum(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    mains = rng.choice([50.0, 60.0])
    t = np.arange(n) / sample_rate
    wobble = 0.2 * np.sin(2 * np.pi * 0.1 * t)  # mains frequency drifts slightly
    phase = 2 * np.pi * np.cumsum(mains + wobble) / sample_rate
    x = sum((0.6**k) * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in range(1, 8))
    noise = _colored(rng, n, 1.0, sample_rate)
    return x + 0.02 * noise / np.std(noise)


def _babble(rng: np.random.Generator, n: int, config: SynthConfig, voices: list[Voice], talkers: int = 6) -> np.ndarray:
    vocab = list(config.words) + " ".join(_BABBLE_EXTRA).split()
    mix = np.zeros(n)
    for _ in range(talkers):
        voice = voices[int(rng.integers(len(voices)))]
        track: list[np.ndarray] = []
        length = 0
        while length < n:
            text = " ".join(rng.choice(vocab, size=40))
            samples, rate = tts(voice, text, voice.pitch, voice.speed * 1.1)
            audio = resample(samples.astype(np.float64), rate, config.sample_rate)
            audio /= max(np.abs(audio).max(), 1.0)
            track.append(audio)
            length += len(audio)
        talk = np.concatenate(track)
        start = int(rng.integers(0, len(talk) - n + 1))
        mix += rng.uniform(0.5, 1.0) * talk[start : start + n]
    return mix


def write_background(out_dir: Path, config: SynthConfig, voices: list[Voice]) -> list[Path]:
    """The five long noise files (skipped if already there)."""
    folder = out_dir / BACKGROUND_DIR
    folder.mkdir(parents=True, exist_ok=True)
    n = int(config.background_seconds * config.sample_rate)
    sr = config.sample_rate
    makers = {
        "white_noise": lambda rng: _colored(rng, n, 0.0, sr),
        "pink_noise": lambda rng: _colored(rng, n, 1.0, sr),
        "brown_noise": lambda rng: _colored(rng, n, 2.0, sr),
        "hum": lambda rng: _hum(rng, n, sr),
        "babble": lambda rng: _babble(rng, n, config, voices),
    }
    paths = []
    for i, (name, make) in enumerate(makers.items()):
        path = folder / f"{name}.wav"
        if not path.is_file():
            write_wav(path, _normalize(make(np.random.default_rng([config.seed, 3, i]))), sr)
        paths.append(path)
    return paths
