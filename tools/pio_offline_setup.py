"""Makes PlatformIO build this project offline, with the system's toolchain and SCons.

PlatformIO normally downloads two things before it builds anything: its `tool-scons` core package
and the platform's toolchain package. Neither registry is reachable from CI, and both are already on
the machine (SCons in the venv, gcc-arm-none-eabi from Debian). This script writes two small wrapper
packages into the project's PlatformIO core folder (`core_dir` in platformio.ini, `.pio-core/`):

- `tool-scons`, at the exact version this PlatformIO release asks for, whose `scons.py` starts the
  venv's SCons (linked into the package, as the registry's package bundles its own copy);
- `toolchain-gccarmnoneeabi-system`, whose `bin/` links to the system's `arm-none-eabi-*` programs.

Nothing is downloaded. Running it again redoes nothing unless the venv's PlatformIO, its SCons or
the system compiler changed.

    python tools/pio_offline_setup.py [--project-dir DIR]   # prints the core folder it prepared
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLCHAIN_PACKAGE = "toolchain-gccarmnoneeabi-system"
TOOLCHAIN_PREFIX = "arm-none-eabi-"
TOOLCHAIN_PROGRAMS = ("gcc", "g++", "cpp", "as", "ar", "ld", "nm", "objcopy", "objdump", "ranlib", "size",
                      "strip", "readelf", "gcc-ar", "gcc-nm", "gcc-ranlib", "addr2line")  # fmt: skip

SCONS_LAUNCHER = '''\
"""PlatformIO runs this file with its own Python. The SCons folder next to it links to the venv's SCons
package, and a script's own folder comes first on sys.path, so that SCons is the one imported."""
import sys

from SCons.Script.Main import main

if __name__ == "__main__":
    sys.exit(main())
'''


class SetupError(RuntimeError):
    """A prerequisite (PlatformIO, SCons, the ARM compiler) is missing."""


def core_dir(project_dir: Path) -> Path:
    """The core folder PlatformIO uses for this project (PLATFORMIO_CORE_DIR, else platformio.ini)."""
    from platformio import fs
    from platformio.project.config import ProjectConfig

    # PlatformIO resolves a relative core_dir against the folder it runs in, the project folder.
    with fs.cd(str(project_dir)):
        config = ProjectConfig.get_instance(str(project_dir / "platformio.ini"))
        return Path(config.get("platformio", "core_dir")).resolve()


def _write_package(path: Path, manifest: dict[str, object], owner: str | None) -> None:
    from platformio.package.meta import PackageItem, PackageMetadata, PackageSpec, PackageType

    path.mkdir(parents=True, exist_ok=True)
    (path / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    # The metadata file tells PlatformIO which registry spec this folder satisfies: the owner must
    # match ("platformio" for core packages) or PlatformIO goes looking for the real one.
    spec = PackageSpec(owner=owner, name=str(manifest["name"]))
    meta = PackageMetadata(PackageType.TOOL, str(manifest["name"]), str(manifest["version"]), spec)
    meta.dump(str(path / PackageItem.METAFILE_NAME))


def _stamp(path: Path) -> str | None:
    manifest = path / "package.json"
    return json.loads(manifest.read_text()).get("hark") if manifest.is_file() else None


def scons_package(core: Path) -> Path:
    """`tool-scons` at the version this PlatformIO wants, starting the venv's SCons."""
    from platformio.dependencies import get_core_dependencies

    try:
        import SCons
    except ImportError as err:
        raise SetupError(f"SCons is not installed in {sys.executable}; install the pinned requirements.lock") from err
    wanted = get_core_dependencies()["tool-scons"]  # e.g. "~4.41101.0" for PlatformIO 6.2.0
    version = wanted.lstrip("~^=<> ")
    path = core / "packages" / "tool-scons"
    stamp = f"scons {SCons.__version__} for {wanted} via {sys.executable}"
    if _stamp(path) == stamp and (path / "scons.py").is_file() and (path / "SCons").is_dir():
        return path
    if path.exists():
        shutil.rmtree(path)
    manifest = {
        "name": "tool-scons",
        "version": version,
        "description": f"Wrapper: starts SCons {SCons.__version__} from the Python environment PlatformIO runs in",
        "hark": stamp,
    }
    _write_package(path, manifest, owner="platformio")
    (path / "scons.py").write_text(SCONS_LAUNCHER)
    os.symlink(Path(SCons.__file__).resolve().parent, path / "SCons")
    return path


def toolchain_package(core: Path) -> Path:
    """The system's gcc-arm-none-eabi as a PlatformIO toolchain package."""
    gcc = shutil.which(TOOLCHAIN_PREFIX + "gcc")
    if gcc is None:
        raise SetupError("arm-none-eabi-gcc is not on PATH: install the Debian packages gcc-arm-none-eabi "
                         "and libnewlib-arm-none-eabi (./hark test installs them)")  # fmt: skip
    version = subprocess.run([gcc, "-dumpfullversion"], capture_output=True, text=True, check=True).stdout.strip()
    bindir = Path(gcc).resolve().parent
    path = core / "packages" / TOOLCHAIN_PACKAGE
    stamp = f"{gcc} {version}"
    if _stamp(path) == stamp and (path / "bin" / (TOOLCHAIN_PREFIX + "gcc")).exists():
        return path
    if path.exists():
        shutil.rmtree(path)
    manifest = {
        "name": TOOLCHAIN_PACKAGE,
        "version": version,
        "description": f"Wrapper: the system's GNU Arm Embedded toolchain ({bindir})",
        "system": "*",
        "hark": stamp,
    }
    _write_package(path, manifest, owner=None)
    # Only the ARM programs are linked, so PlatformIO's PATH change does not shadow the host's tools.
    (path / "bin").mkdir()
    for program in TOOLCHAIN_PROGRAMS:
        target = bindir / (TOOLCHAIN_PREFIX + program)
        if target.exists():
            os.symlink(target, path / "bin" / target.name)
    return path


def prepare(project_dir: Path = REPO_ROOT) -> Path:
    """Writes both wrapper packages if needed; returns the core folder."""
    try:
        import platformio  # noqa: F401
    except ImportError as err:
        raise SetupError(f"PlatformIO is not installed in {sys.executable}; install requirements.lock") from err
    core = core_dir(project_dir)
    scons_package(core)
    toolchain_package(core)
    return core


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project-dir", type=Path, default=REPO_ROOT, help="folder holding platformio.ini")
    args = ap.parse_args(argv)
    try:
        print(prepare(args.project_dir.resolve()))
    except SetupError as err:
        print(f"pio_offline_setup: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
