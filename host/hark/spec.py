"""Model specs: the one source of truth for a model's labels, data, frontend, architecture, training,
quantization and recognition settings.

A spec is a Python file in `models/` that defines `SPEC`, a plain dict. `load_spec` validates it into
frozen dataclasses, refusing unknown or misspelled keys with a suggestion. The spec's hash travels in the
exported `.tflite` metadata, so a device can tell which spec its model came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hark.paths import REPO_ROOT

MODELS_DIR = REPO_ROOT / "models"
SILENCE_LABEL = "_silence_"
UNKNOWN_LABEL = "_unknown_"
# float feature = uint16 microfrontend output * FEATURE_SCALE, as TF speech_commands' "micro" preprocessing does.
# The one place this constant is written; the exporter writes it to the metadata as `features.scale`.
FEATURE_SCALE = 10.0 / 256.0


def feature_scale(fe: FrontendSpec) -> float:
    """float feature = raw microfrontend output * this (`features.scale` in the metadata): FEATURE_SCALE for
    uint16 features, 1 for MLTK's dynamically quantized int8 codes (`dynamic_range_db` > 0)."""
    return 1.0 if fe.kind == "microfrontend" and fe.dynamic_range_db > 0.0 else FEATURE_SCALE


FRONTEND_KINDS = ("microfrontend", "mfcc", "logmel", "raw")


class SpecError(ValueError):
    """A model spec is missing, malformed, or names something that does not exist."""


@dataclass(frozen=True)
class FrontendSpec:
    """Audio frontend settings, named as TensorFlow's audio_microfrontend op names them."""

    # "microfrontend" (runs on the device), "mfcc" or "logmel" (host only), or "raw": the model takes the audio
    # itself, cut into hops of `step_samples` float samples (sample / 32768) and extracts its own features
    kind: str = "microfrontend"
    sample_rate: int = 16000
    clip_duration_ms: int = 1000
    window_size_ms: int = 30
    window_step_ms: int = 20
    num_channels: int = 40
    lower_band_limit: float = 125.0
    upper_band_limit: float = 7500.0
    enable_noise_reduction: bool = True
    smoothing_bits: int = 10
    even_smoothing: float = 0.025
    odd_smoothing: float = 0.06
    min_signal_remaining: float = 0.05
    enable_pcan: bool = True
    pcan_strength: float = 0.95
    pcan_offset: float = 80.0
    gain_bits: int = 21
    enable_log: bool = True
    scale_shift: int = 6
    enable_dc_notch: bool = False  # MLTK's extra; off keeps the TF op bit-exact
    dc_notch_coefficient: float = 0.95  # MLTK's y[n] = x[n] - x[n-1] + c y[n-1], used when enable_dc_notch
    # MLTK's dynamic int8 quantization: the window's largest value maps to 127 and this many dB below it to -128;
    # the model then sees int8 codes (features.scale 1). 0: off (uint16 * features.scale, TF's "micro" features).
    dynamic_range_db: float = 0.0

    @property
    def window_samples(self) -> int:
        return self.sample_rate * self.window_size_ms // 1000

    @property
    def step_samples(self) -> int:
        return self.sample_rate * self.window_step_ms // 1000

    @property
    def clip_samples(self) -> int:
        return self.sample_rate * self.clip_duration_ms // 1000

    def frames_for(self, num_samples: int) -> int:
        """Frames the microfrontend emits for `num_samples` of audio: one per whole window, stepping by the hop
        (no padding); for the raw kind, whole hops of samples. The one place this formula is written."""
        if self.kind == "raw":
            return num_samples // self.step_samples
        return max(0, 1 + (num_samples - self.window_samples) // self.step_samples)

    @property
    def frame_width(self) -> int:
        """Values per frame of the model's input: the channels, or for the raw kind the samples of one hop."""
        return self.step_samples if self.kind == "raw" else self.num_channels

    @property
    def num_frames(self) -> int:
        """Frames per clip."""
        return self.frames_for(self.clip_samples)


# FrontendSpec fields added after models had been exported without them (frontend.h marks them in_spec 2): a
# reader of the metadata takes the default, the feature off, when the key is absent.
OPTIONAL_FRONTEND_FIELDS = ("dc_notch_coefficient", "dynamic_range_db")


@dataclass(frozen=True)
class DatasetSpec:
    """Dataset and augmentation settings with TF speech_commands semantics."""

    data_dir: str = "data/synth"
    wanted_words: tuple[str, ...] = ("yes", "no")
    silence_percentage: float = 10.0
    unknown_percentage: float = 10.0
    validation_percentage: float = 10.0
    testing_percentage: float = 10.0
    time_shift_ms: float = 100.0
    background_volume: float = 0.1
    background_frequency: float = 0.8
    split: str = "hash"  # "hash", "lists" or "folders"
    # MLTK's warm-up padding: augmented clips are preceded by this much of their background noise, run through
    # the frontend and dropped, so noise reduction has settled as it has on a device's continuous stream.
    warmup_ms: int = 0


@dataclass(frozen=True)
class AugmentSpec:
    """The generalizing recipe's acoustic augmentation (hark.data.augment). A spec without an `augment` section
    keeps TF speech_commands' augmentation, and its hash is unchanged."""

    speed_range: tuple[float, ...] = (0.9, 1.1)
    gain_db: tuple[float, ...] = (-10.0, 3.0)
    eq_probability: float = 0.5
    reverb_probability: float = 0.5
    impulse_responses: int = 64
    noise_probability: float = 0.8
    snr_db: tuple[float, ...] = (0.0, 30.0)
    time_masks: int = 2
    time_mask_frames: int = 5
    freq_masks: int = 2
    freq_mask_channels: int = 5
    precomputed_passes: int = 2  # > 0: augment this many passes once, train on them and the clean pass (+ masks)
    seed: int = 0
    # Stream-like windows (what a device's window holds; all off by default). floor_dbfs: a noise bed at a level
    # uniform in this range (dBFS RMS) under every augmented clip, as a microphone never gives digital silence;
    # clean_pass: whether the pool keeps the un-augmented pass; edge_probability: the share of clips whose voiced
    # span is moved to a uniform place that may run past the window's edges by up to edge_fraction of its length,
    # keeping its label, as a word passing through a sliding window. The frontend's warm-up before each clip is
    # dataset.warmup_ms.
    floor_dbfs: tuple[float, ...] = ()
    clean_pass: bool = True
    edge_probability: float = 0.0
    edge_fraction: float = 0.25
    silence_dbfs: tuple[float, ...] = ()  # `_silence_` entries: noise at an RMS level uniform in this range (dBFS)
    # Windows cut from continuous negative streams of training voices (hark.train.stream_windows), this percent of
    # the keyword entries per precomputed pass, labelled `_unknown_` (a word in it) or `_silence_`.
    stream_windows: float = 0.0
    # The share of augmented clips whose dataset.warmup_ms of noise starts at a uniform later point (digital silence
    # before it), so that the frontend has adapted for anything from none of the warm-up to all of it, as for a
    # recording scored from a fresh frontend (TFLM's real clips) or the start of a stream.
    warmup_cut_probability: float = 0.0
    # > 0: those streams hold single words only, this share of them keywords of training voices; a window holding a
    # keyword's whole voiced span takes the keyword's label, one holding part of it is not drawn.
    stream_keywords: float = 0.0
    # Vocal tract length perturbation on the features (hark.data.augment.freq_warp): every element's channels are
    # resampled as if its spectrum were stretched by a factor uniform in this range (formants move, pitch and tempo
    # stay), drawn afresh each time the element is used. () is off.
    freq_warp: tuple[float, ...] = ()
    # Tempo on the features (hark.data.augment.time_stretch): with time_stretch_probability, an element's frames are
    # resampled about its energy centroid as if the word were spoken slower or faster by a factor log-uniform in
    # this range (> 1: longer), drawn afresh each time the element is used. Engines' renderings of a word differ in
    # duration far more than one engine's speed setting spans. () is off.
    time_stretch: tuple[float, ...] = ()
    time_stretch_probability: float = 0.5
    # The share of clips made narrowband, as 8 kHz audio played at 16 kHz is (telephone-band recordings, 8 kHz
    # voices): a brick-wall low-pass at a cutoff uniform in narrowband_hz, over the whole mix (noise included).
    narrowband_probability: float = 0.0
    narrowband_hz: tuple[float, ...] = (3400.0, 4000.0)
    # The share of `_silence_` entries that are a converter's idle noise instead of background noise: a few LSB of
    # violet noise (rising 6 dB per octave, as noise-shaped dither and a sigma-delta ADC's quantization noise rise),
    # at an RMS level uniform in dither_dbfs. TFLM's real silence clip is such: +-7 LSB, its power mostly above 4 kHz.
    dither_probability: float = 0.0
    dither_dbfs: tuple[float, ...] = (-95.0, -75.0)


LATER_AUGMENT_FIELDS = ("floor_dbfs", "clean_pass", "edge_probability", "edge_fraction", "silence_dbfs",
                        "stream_windows", "warmup_cut_probability", "stream_keywords", "freq_warp",
                        "time_stretch", "time_stretch_probability",
                        "narrowband_probability", "narrowband_hz", "dither_probability", "dither_dbfs")


@dataclass(frozen=True)
class SelectionSpec:
    """Model selection by false alarms per hour on validation streams (microWakeWord's way), an optional section:
    at every evaluation the float model scores a negative stream and keyword streams window by window (as the
    device runs it), RecognizeCommands is replayed over a threshold sweep at the spec's other recognition settings,
    and the checkpoint detecting the most keywords at or under `target_fa_per_hour` is kept (ties: validation
    accuracy). Without the section the checkpoint with the best validation accuracy is kept, and the hash is
    unchanged (hark.train.selection)."""

    streams: str = "data/streams_val"  # a `hark streams` folder, relative to the repository (or absolute)
    negatives: str = "negatives"  # the negative stream's name in it (<name>.wav)
    keywords: tuple[str, ...] = ("keywords_20db", "keywords_10db")  # keyword streams (<name>.wav + <name>.txt)
    target_fa_per_hour: float = 2.0
    negative_minutes: float = 0.0  # 0: the whole negative stream; else its first minutes (a cheaper estimate)


@dataclass(frozen=True)
class HardNegativesSpec:
    """Hard-negative mining, an optional section (hark.train.hard_negatives): after the schedule, the kept model scores
    every window of a negative stream of training voices (`minutes` long, as `augment.stream_windows` builds them),
    keeps the windows where a keyword's score is a local peak of at least `min_score` (at most `max_keep`, highest
    first, labelled `_unknown_` or `_silence_` by how much of a word they hold), and is fine-tuned for `steps`
    steps at `learning_rate` on batches that draw `share` of their entries from those windows and the rest from the
    training pool. This is how wake-word trainers (microWakeWord, openWakeWord) keep false alarms down: the windows
    a model wrongly likes, not random ones. Without the section the hash is unchanged."""

    minutes: float = 60.0
    min_score: float = 0.5
    max_keep: int = 6000
    share: float = 0.08
    steps: int = 1000
    learning_rate: float = 0.0002
    seed: int = 77


@dataclass(frozen=True)
class ArchitectureSpec:
    name: str = "tiny_conv"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingSpec:
    """A stepped schedule as in kws_streaming: steps[i] steps at learning_rates[i]."""

    steps: tuple[int, ...] = (12000, 3000)
    learning_rates: tuple[float, ...] = (0.001, 0.0001)
    batch_size: int = 100
    optimizer: str = "adam"
    eval_every_steps: int = 400
    checkpoint_every_steps: int = 400
    early_stopping_evals: int = 0  # 0: never stop early
    class_weights: bool = False  # true: scikit-learn's / MLTK's 'balanced' weights
    label_smoothing: float = 0.0
    check_nans: bool = False  # stop with an error at the first non-finite loss or weight (TF's --check_nans)
    reduce_lr_patience_evals: int = 0  # MLTK's ReduceLROnPlateau on validation accuracy; 0: off
    reduce_lr_factor: float = 0.5
    min_learning_rate: float = 0.0
    seed: int = 1


@dataclass(frozen=True)
class QuantizationSpec:
    mode: str = "int8"  # "int8" (full integer), "dynamic" or "float16"
    representative_samples: int = 500
    qat: bool = False
    qat_steps: int = 0


@dataclass(frozen=True)
class StreamingSpec:
    """How the device runs the model: `stream` calls it once per hop with state; `window` runs the
    non-streaming model on the last `window_frames` frames every `every_hops` hops."""

    mode: str = "window"  # "window", "stream_external" or "stream_internal"
    every_hops: int = 1


@dataclass(frozen=True)
class RecognitionSpec:
    """RecognizeCommands parameters, as in TF speech_commands."""

    average_window_ms: int = 1000
    detection_threshold: float = 0.7  # on the averaged score in [0, 1]
    suppression_ms: int = 1500
    minimum_count: int = 3


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str = ""
    labels: tuple[str, ...] = (SILENCE_LABEL, UNKNOWN_LABEL, "yes", "no")
    frontend: FrontendSpec = field(default_factory=FrontendSpec)
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    architecture: ArchitectureSpec = field(default_factory=ArchitectureSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    quantization: QuantizationSpec = field(default_factory=QuantizationSpec)
    streaming: StreamingSpec = field(default_factory=StreamingSpec)
    recognition: RecognitionSpec = field(default_factory=RecognitionSpec)
    augment: AugmentSpec | None = None  # None: TF speech_commands' augmentation only
    selection: SelectionSpec | None = None  # None: the checkpoint with the best validation accuracy is kept
    hard_negatives: HardNegativesSpec | None = None  # None: no mining after the schedule
    source: str = ""  # the file it was loaded from; not part of the hash

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("source")
        for optional in ("augment", "selection", "hard_negatives"):
            if d[optional] is None:
                d.pop(optional)  # specs without the section keep their hash
        if "augment" in d:  # the stream-like window settings, added later: at their defaults, the hash is unchanged
            defaults = AugmentSpec()
            for key in LATER_AUGMENT_FIELDS:
                if d["augment"][key] == getattr(defaults, key):
                    d["augment"].pop(key)
        return d

    @property
    def hash(self) -> str:
        """SHA-256 (hex, first 16 digits) of the canonical JSON of every setting."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def replace(self, **sections: dict[str, Any]) -> ModelSpec:
        """A copy with some keys of some sections changed, e.g. replace(training={"steps": (10,)})."""
        d = self.to_dict()
        for section, changes in sections.items():
            if changes is None:  # drops an optional section (augment)
                d.pop(section, None)
            elif isinstance(d.get(section), dict):
                d[section] = {**d[section], **changes}
            else:
                d[section] = changes
        return spec_from_dict(d, source=self.source)


_SECTIONS: dict[str, type] = {
    "frontend": FrontendSpec,
    "dataset": DatasetSpec,
    "architecture": ArchitectureSpec,
    "training": TrainingSpec,
    "quantization": QuantizationSpec,
    "streaming": StreamingSpec,
    "recognition": RecognitionSpec,
    "augment": AugmentSpec,
    "selection": SelectionSpec,
    "hard_negatives": HardNegativesSpec,
}
_TOP_KEYS = {"name", "description", "labels", *_SECTIONS}


def _check_keys(where: str, given: dict[str, Any], allowed: set[str]) -> None:
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(sorted(allowed))}"
            raise SpecError(f"{where}: unknown key '{key}'{hint}")


def _coerce(cls: type, where: str, values: dict[str, Any]) -> Any:
    if not isinstance(values, dict):
        raise SpecError(f"{where}: expected a dict of settings, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _check_keys(where, values, set(fields))
    out: dict[str, Any] = {}
    for key, value in values.items():
        default = getattr(cls(), key) if key != "params" else {}
        if isinstance(default, tuple):
            if not isinstance(value, (list, tuple)):
                raise SpecError(f"{where}.{key}: expected a list, got {value!r}")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise SpecError(f"{where}.{key}: expected true or false, got {value!r}")
        elif isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(f"{where}.{key}: expected an integer, got {value!r}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(f"{where}.{key}: expected a number, got {value!r}")
            value = float(value)
        out[key] = value
    return cls(**out)


def spec_from_dict(d: dict[str, Any], *, source: str = "") -> ModelSpec:
    where = source or "spec"
    if not isinstance(d, dict):
        raise SpecError(f"{where}: SPEC must be a dict")
    _check_keys(where, d, _TOP_KEYS)
    if "name" not in d:
        raise SpecError(f"{where}: the spec has no 'name'")
    kwargs: dict[str, Any] = {"name": d["name"], "source": source}
    if "description" in d:
        kwargs["description"] = d["description"]
    if "labels" in d:
        kwargs["labels"] = tuple(d["labels"])
    for section, cls in _SECTIONS.items():
        if section in d:
            kwargs[section] = _coerce(cls, f"{where}: {section}", d[section])
    spec = ModelSpec(**kwargs)
    _validate(spec, where)
    return spec


def _validate(spec: ModelSpec, where: str) -> None:
    if len(set(spec.labels)) != len(spec.labels) or len(spec.labels) < 2:
        raise SpecError(f"{where}: labels must be at least two distinct names, got {list(spec.labels)}")
    words = [w for w in spec.labels if w not in (SILENCE_LABEL, UNKNOWN_LABEL)]
    if set(words) != set(spec.dataset.wanted_words):
        raise SpecError(
            f"{where}: labels {list(spec.labels)} and dataset.wanted_words {list(spec.dataset.wanted_words)} "
            "must name the same words"
        )
    t = spec.training
    if len(t.steps) != len(t.learning_rates) or not t.steps:
        raise SpecError(f"{where}: training.steps and training.learning_rates must be non-empty lists of one length")
    if spec.frontend.kind not in FRONTEND_KINDS:
        raise SpecError(f"{where}: frontend.kind must be one of {', '.join(FRONTEND_KINDS)}, not "
                        f"'{spec.frontend.kind}'")  # fmt: skip
    fe = spec.frontend
    if fe.kind == "raw" and (fe.step_samples < 1 or fe.window_samples % fe.step_samples):
        raise SpecError(f"{where}: frontend.kind 'raw' frames the audio inside the model from whole hops, so "
                        f"frontend.window_size_ms ({fe.window_size_ms}) must be a multiple of "
                        f"frontend.window_step_ms ({fe.window_step_ms})")  # fmt: skip
    if spec.dataset.warmup_ms < 0 or spec.dataset.warmup_ms % max(fe.window_step_ms, 1):
        raise SpecError(f"{where}: dataset.warmup_ms must be a non-negative multiple of frontend.window_step_ms")
    if fe.enable_dc_notch and not 0.0 <= fe.dc_notch_coefficient < 1.0:
        raise SpecError(f"{where}: frontend.dc_notch_coefficient must be in [0, 1), got {fe.dc_notch_coefficient}")
    if fe.dynamic_range_db < 0.0 or (fe.dynamic_range_db > 0.0 and fe.kind != "microfrontend"):
        raise SpecError(f"{where}: frontend.dynamic_range_db must be 0 (off) or positive, and only with the "
                        "microfrontend")  # fmt: skip
    if fe.dynamic_range_db > 0.0 and spec.streaming.mode != "window":
        raise SpecError(f"{where}: frontend.dynamic_range_db scales the whole feature window at once, so it needs "
                        f"streaming.mode 'window', not '{spec.streaming.mode}'")  # fmt: skip
    if spec.streaming.mode not in ("window", "stream_external", "stream_internal"):
        raise SpecError(f"{where}: streaming.mode must be window, stream_external or stream_internal")
    if spec.quantization.mode not in ("int8", "dynamic", "float16"):
        raise SpecError(f"{where}: quantization.mode must be int8, dynamic or float16")
    if not 0.0 < spec.recognition.detection_threshold <= 1.0:
        raise SpecError(f"{where}: recognition.detection_threshold must be in (0, 1]")
    aug = spec.augment
    if aug is not None and aug.time_stretch and not (
            len(aug.time_stretch) == 2 and 0.0 < aug.time_stretch[0] <= aug.time_stretch[1]
            and 0.0 <= aug.time_stretch_probability <= 1.0):
        raise SpecError(f"{where}: augment.time_stretch must be [low, high] with 0 < low <= high, and "
                        f"time_stretch_probability in [0, 1]; got {list(aug.time_stretch)}, "
                        f"{aug.time_stretch_probability}")  # fmt: skip
    sel = spec.selection
    if sel is not None:
        if not sel.keywords or sel.target_fa_per_hour < 0.0 or sel.negative_minutes < 0.0:
            raise SpecError(f"{where}: selection needs at least one keyword stream, and a non-negative "
                            "target_fa_per_hour and negative_minutes")  # fmt: skip
    hn = spec.hard_negatives
    if hn is not None:
        if fe.kind != "microfrontend":
            raise SpecError(f"{where}: hard_negatives needs the microfrontend, not '{fe.kind}'")
        if SILENCE_LABEL not in spec.labels or UNKNOWN_LABEL not in spec.labels:
            raise SpecError(f"{where}: hard_negatives needs the labels {SILENCE_LABEL} and {UNKNOWN_LABEL}")
        if not (hn.minutes > 0.0 and 0.0 < hn.min_score < 1.0 and hn.max_keep > 0 and 0.0 < hn.share < 1.0
                and hn.steps > 0 and hn.learning_rate > 0.0):
            raise SpecError(f"{where}: hard_negatives needs minutes > 0, min_score and share in (0, 1), and "
                            "max_keep, steps and learning_rate > 0")  # fmt: skip


def available_specs() -> list[str]:
    return sorted(p.stem for p in MODELS_DIR.glob("*.py") if not p.name.startswith("_"))


def load_spec(name_or_path: str | Path) -> ModelSpec:
    """Loads `models/<name>.py`, or a spec file given by path."""
    path = Path(name_or_path)
    if path.suffix != ".py":
        path = MODELS_DIR / f"{name_or_path}.py"
    if not path.is_file():
        known = ", ".join(available_specs()) or "none"
        raise SpecError(f"unknown model '{name_or_path}': no spec at {path}; known models: {known}")
    mod_spec = importlib.util.spec_from_file_location(f"hark_spec_{path.stem}", path)
    assert mod_spec is not None and mod_spec.loader is not None
    module = importlib.util.module_from_spec(mod_spec)
    try:
        mod_spec.loader.exec_module(module)
    except Exception as err:
        raise SpecError(f"{path}: the spec file fails to run: {err}") from err
    if not hasattr(module, "SPEC"):
        raise SpecError(f"{path}: the spec file defines no SPEC dict")
    return spec_from_dict(module.SPEC, source=str(path))
