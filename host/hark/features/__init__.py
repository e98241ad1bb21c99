"""Audio features: TF speech_commands "micro" features (the audio microfrontend), and host-only MFCC / log-mel.

The microfrontend runs through a pluggable backend (`hark.features.backend`): the project's C frontend binding
when it is built, else TensorFlow's `audio_microfrontend` op, which stays the oracle either way.
"""

from __future__ import annotations

from hark.features.backend import FeatureError, FrontendBackend, get_backend
from hark.features.extract import FEATURE_SCALE, compute_features, feature_shape, settings_key

__all__ = [
    "FEATURE_SCALE",
    "FeatureError",
    "FrontendBackend",
    "compute_features",
    "feature_shape",
    "get_backend",
    "settings_key",
]
