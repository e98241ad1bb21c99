"""Quiet by default: TensorFlow's C++ and absl logging and the converter's warnings stay out of the tools' output
unless they run with -v. Progress bars are the tools' own output and stay."""

from __future__ import annotations

import logging
import os
import warnings

_verbose = False


def configure(verbose: bool) -> None:
    """Call before TensorFlow is imported: its C++ log level is read once, at import."""
    global _verbose
    _verbose = verbose
    # 0 shows everything; 3 leaves only fatal errors (oneDNN and CPU-feature banners are INFO/WARNING).
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if verbose else "3"
    if verbose:
        return
    os.environ.setdefault("GLOG_minloglevel", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(tensorflow|keras|absl)(\.|$)")


def verbose() -> bool:
    return _verbose
