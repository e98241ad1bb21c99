"""The model zoo's registry: architecture name -> builder, with each builder's default hyper-parameters."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from hark.layers.modes import Modes
from hark.spec import ModelSpec, SpecError
from hark.streaming import to_streaming as model_to_streaming
from hark.streaming.convert import convert

Builder = Callable[[Any, dict[str, Any], ModelSpec], Any]


@dataclass(frozen=True)
class Architecture:
    name: str
    build: Builder
    defaults: dict[str, Any]
    streamable: bool
    description: str


_REGISTRY: dict[str, Architecture] = {}


def register(
    name: str, defaults: dict[str, Any], *, streamable: bool, description: str
) -> Callable[[Builder], Builder]:
    """Registers `build(features, params, spec) -> probabilities tensor` under `name`."""

    def wrap(build: Builder) -> Builder:
        if name in _REGISTRY:
            raise ValueError(f"architecture '{name}' is registered twice")
        _REGISTRY[name] = Architecture(name, build, dict(defaults), streamable, description)
        return build

    return wrap


def known_models() -> list[str]:
    return sorted(_REGISTRY)


def architecture(name: str) -> Architecture:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, known_models(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(f"unknown architecture '{name}'{hint}; known architectures: {', '.join(known_models())}")
    return _REGISTRY[name]


def resolve_params(spec: ModelSpec) -> dict[str, Any]:
    """The architecture's defaults overlaid with the spec's params; a misspelled key is an error."""
    arch = architecture(spec.architecture.name)
    params = dict(arch.defaults)
    for key, value in spec.architecture.params.items():
        if key not in arch.defaults:
            close = difflib.get_close_matches(key, sorted(arch.defaults), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(sorted(arch.defaults))}"
            raise SpecError(
                f"{spec.source or spec.name}: architecture.params: unknown key '{key}' for '{arch.name}'{hint}"
            )
        params[key] = value
    return params


def build_model(spec: ModelSpec, mode: Modes | str = Modes.TRAINING, **convert_kwargs: Any) -> keras.Model:
    """The spec's architecture as a Keras 3 model.

    Input: float features `[batch, spec.frontend.num_frames, spec.frontend.frame_width]` named `features`;
    output: softmax probabilities over `spec.labels`. Streaming modes convert the freshly built (untrained)
    model; to stream trained weights use `to_streaming`.
    """
    mode = Modes.parse(mode)
    arch = architecture(spec.architecture.name)
    params = resolve_params(spec)
    frames, channels = spec.frontend.num_frames, spec.frontend.frame_width
    features = keras.Input(shape=(frames, channels), name="features")
    probabilities = arch.build(features, params, spec)
    if probabilities.shape[-1] != len(spec.labels):
        raise AssertionError(f"{arch.name} built {probabilities.shape[-1]} outputs for {len(spec.labels)} labels")
    model = keras.Model(features, probabilities, name=spec.name)
    if mode is Modes.TRAINING:
        return model
    return convert(model, mode, **convert_kwargs)


def to_streaming(
    spec: ModelSpec, mode: Modes | str, *, weights: str | Path | list[np.ndarray] | keras.Model, **kwargs: Any
) -> keras.Model:
    """The spec's model with trained `weights` (a path, a list of arrays or a model), in `mode` (see
    `hark.streaming.to_streaming`)."""
    return model_to_streaming(build_model(spec), mode, weights=weights, **kwargs)
