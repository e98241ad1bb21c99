"""Quiet by default: TensorFlow's C++ and absl logging and the converter's warnings stay out of the tools' output
unless they run with -v. Progress bars and errors are the tools' own output and stay.

TensorFlow 2.21 logs its oneDNN banner through absl before any Python setting applies, and the TFLite converter
logs from C++ too, so besides the log levels, `native_stderr_filtered` runs a block (the TF import, a
conversion) with file descriptor 2 captured and replays what it caught minus absl INFO/WARNING lines.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# absl's "before InitializeLog" notice and its INFO/WARNING lines ("I0000 00:00:17.. 1234 port.cc:153] ...");
# ERROR and FATAL lines are kept.
_NOISE = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\)"
                    r"|[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]")
_verbose = True  # library use shows everything; the CLI calls configure()


def configure(verbose: bool) -> None:
    """Call before TensorFlow is imported: its C++ log level is read once, at import."""
    global _verbose
    _verbose = verbose
    # 0 shows everything; 3 leaves only fatal errors (oneDNN and CPU-feature banners are INFO/WARNING).
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if verbose else "3"
    if verbose:
        return
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(tensorflow|keras|absl|tflite_micro)(\.|$)")


def is_noise(line: str) -> bool:
    return bool(_NOISE.match(line))


@contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Runs the block with fd 2 captured, then writes what it caught back to stderr without absl's INFO and
    WARNING lines. A no-op when verbose (and for library use)."""
    if _verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            lines = caught.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not is_noise(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()
