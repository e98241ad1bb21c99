"""Shared fixtures: the build products the test suite runs against."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark import paths


@pytest.fixture(scope="session")
def app_image() -> Path:
    image = paths.firmware_image("hark_app")
    if not image.is_file():
        pytest.fail(f"{image} is missing: run ./hark test, which builds it before pytest")
    return image


@pytest.fixture(scope="session")
def selftest_image() -> Path:
    image = paths.firmware_image("hark_counter_selftest")
    if not image.is_file():
        pytest.fail(f"{image} is missing: run ./hark test, which builds it before pytest")
    return image


@pytest.fixture(scope="session")
def kws_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthesized keyword dataset (every Speech Commands word plus unknown words) shared by the
    training and export tests: enough clips that every split has some, few enough to synthesize in seconds."""
    from hark.data.synth import SynthConfig, synthesize

    out = tmp_path_factory.mktemp("kws_dataset")
    synthesize(out, SynthConfig(clips_per_word=12, background_seconds=5, max_voices=40, seed=0), workers=2,
               progress=False)
    return out
