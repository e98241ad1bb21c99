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
