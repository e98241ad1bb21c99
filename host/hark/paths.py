"""Where the project's build products live, so every tool finds the same images and libraries."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_dir(kind: str) -> Path:
    """The CMake build folder of one build kind: 'host', 'host-asan' or 'arm'."""
    base = Path(os.environ.get("HARK_BUILD_ROOT", REPO_ROOT / "build"))
    return base / kind


def firmware_image(name: str = "hark_app") -> Path:
    """An ARM image from the default board build."""
    return build_dir("arm") / "firmware" / "app" / f"{name}.elf"


def host_library(module: str) -> Path:
    """The shared library of one firmware module, built for the host (lib/libhark_<module>.so)."""
    return build_dir("host") / "lib" / f"libhark_{module}.so"


FETCHED_REFERENCE = REPO_ROOT / "reference"  # where tools/fetch_reference.py puts it (git-ignored)
FETCH_HINT = "run tools/fetch_reference.py (downloads and checks them), or set HARK_REFERENCE_DIR"


class ReferenceMissing(FileNotFoundError):
    """TFLM's reference models and clips are not on this machine."""


def reference_candidates() -> list[Path]:
    env = os.environ.get("HARK_REFERENCE_DIR")
    if env:
        return [Path(env)]
    return [FETCHED_REFERENCE, REPO_ROOT.parent / "shared" / "reference", REPO_ROOT.parents[1] / "shared" / "reference"]


def reference_dir() -> Path:
    """TFLM's reference models and test clips (docs/reference.md): HARK_REFERENCE_DIR if set, else `reference/`
    in the checkout (tools/fetch_reference.py), else `shared/reference` next to the checkout or next to the folder
    holding it (CI, and git worktrees)."""
    candidates = reference_candidates()
    for c in candidates:
        if (c / "tflite-micro" / "models").is_dir():
            return c
    raise ReferenceMissing(f"TFLM reference models not found in {', '.join(map(str, candidates))}: {FETCH_HINT}")


def reference_required() -> bool:
    """CI sets HARK_REQUIRE_REFERENCE=1: there, a missing reference folder fails the tests instead of skipping them."""
    return os.environ.get("HARK_REQUIRE_REFERENCE") == "1"
