"""tools/fetch_reference.py: every file is checked against the SHA-256 sums in the repository before it is written.
The download path runs here against a file:// mirror of the tflite-micro repository layout (CI has no internet)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reference import reference_dir

from hark import paths

_spec = importlib.util.spec_from_file_location("fetch_reference", paths.REPO_ROOT / "tools" / "fetch_reference.py")
fetch_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_reference)
SUMS = fetch_reference.read_sums()


def _mirror(tmp_path: Path) -> Path:
    """The reference files laid out as in the tflite-micro repository."""
    src = reference_dir()
    mirror = tmp_path / "mirror"
    for name, upstream in fetch_reference.UPSTREAM.items():
        (mirror / upstream).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, mirror / upstream)
    return mirror


def test_every_file_has_a_source_and_a_sum() -> None:
    assert set(fetch_reference.UPSTREAM) <= set(SUMS)
    for name in set(SUMS) - set(fetch_reference.UPSTREAM):  # not public: kept in the repository
        assert (fetch_reference.HERE / name).is_file(), name


def test_fetch_from_a_mirror_stores_every_file_checked(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path)
    dest = tmp_path / "reference"
    assert fetch_reference.install(dest, mirror.as_uri() + "/") == len(SUMS)
    assert fetch_reference.verify(dest, SUMS) == sorted(SUMS)
    assert fetch_reference.install(dest, mirror.as_uri() + "/") == 0  # a second run fetches nothing


def test_a_changed_upstream_file_is_refused_naming_it(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path)
    bad = mirror / fetch_reference.UPSTREAM["tflite-micro/models/keyword_scrambled.tflite"]
    data = bytearray(bad.read_bytes())
    data[100] ^= 1
    bad.write_bytes(bytes(data))
    dest = tmp_path / "reference"
    with pytest.raises(fetch_reference.FetchError, match="keyword_scrambled.tflite: SHA-256"):
        fetch_reference.install(dest, mirror.as_uri() + "/")
    assert not (dest / "tflite-micro/models/keyword_scrambled.tflite").exists()
    assert not list(dest.rglob("*.part"))


def test_verify_names_a_corrupted_file(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(reference_dir(), copy)
    tool = [sys.executable, str(paths.REPO_ROOT / "tools" / "fetch_reference.py"), "--verify", str(copy)]
    assert subprocess.run(tool, capture_output=True, text=True, timeout=60).returncode == 0
    wav = copy / "tflite-micro/testdata/yes_1000ms.wav"
    wav.write_bytes(wav.read_bytes()[:-2])
    out = subprocess.run(tool, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "yes_1000ms.wav: SHA-256" in out.stderr


def test_a_missing_reference_skips_with_how_to_fetch(tmp_path: Path) -> None:
    """A plain clone (no ../shared): reference tests skip naming tools/fetch_reference.py; with
    HARK_REQUIRE_REFERENCE=1 (CI) they fail instead."""
    test = tmp_path / "test_needs_reference.py"
    test.write_text("from reference import reference_dir\n\ndef test_it():\n    reference_dir()\n")
    env_base = {k: v for k, v in os.environ.items() if not k.startswith("HARK_REQUIRE")}
    env = {**env_base, "HARK_REFERENCE_DIR": str(tmp_path / "nowhere"),
           "PYTHONPATH": str(paths.REPO_ROOT / "tests")}  # fmt: skip
    cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0 and "1 skipped" in out.stdout and "tools/fetch_reference.py" in out.stdout
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**env, "HARK_REQUIRE_REFERENCE": "1"},
                         cwd=tmp_path)  # fmt: skip
    assert out.returncode == 1 and "HARK_REQUIRE_REFERENCE=1" in out.stdout
