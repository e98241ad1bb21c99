"""TFLM's reference models and clips for the tests: skipped with one line saying how to fetch them when they are
not on this machine (a plain clone), a failure where they must exist (CI sets HARK_REQUIRE_REFERENCE=1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark import paths


def reference_dir() -> Path:
    try:
        return paths.reference_dir()
    except paths.ReferenceMissing as err:
        if paths.reference_required():
            pytest.fail(f"{err} (HARK_REQUIRE_REFERENCE=1)")
        pytest.skip(f"TFLM reference data not found: {paths.FETCH_HINT}")


def reference_file(relative: str) -> Path:
    """A file of the reference folder, e.g. 'tflite-micro/models/micro_speech_quantized.tflite'."""
    return reference_dir() / relative
