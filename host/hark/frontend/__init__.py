"""The audio frontend: the firmware's C code on the host (default), and TF's op as the oracle."""

from hark.frontend.binding import (
    Frontend,
    FrontendError,
    build_library,
    compute_features,
    config_from_spec,
    to_int8_dynamic,
    to_int8_micro,
)

__all__ = [
    "Frontend",
    "FrontendError",
    "build_library",
    "compute_features",
    "config_from_spec",
    "to_int8_dynamic",
    "to_int8_micro",
]
