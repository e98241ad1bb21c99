"""PlatformIO builds the same firmware as CMake, offline, and the image boots under QEMU.

Oracles: CMake's own build of the image (the flash bytes must be identical), the toolchain file's CPU
flags (every compile line carries them), and the firmware itself answering over the serial line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hark import paths
from hark.device import emulated_link
from hark.device.identity import BoardIdentity

# A setup script, not a package module: loaded from its file.
_setup = importlib.util.spec_from_file_location("pio_offline_setup", paths.REPO_ROOT / "tools" / "pio_offline_setup.py")
pio_offline_setup = importlib.util.module_from_spec(_setup)
_setup.loader.exec_module(pio_offline_setup)

ROOT = paths.REPO_ROOT
ENV = "mps2-an386"
# Any attempt to reach a registry fails at once instead of hanging: the build must not need one.
OFFLINE = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": "",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
           "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no", "PLATFORMIO_NO_ANSI": "true"}  # fmt: skip


def identify(image: Path) -> BoardIdentity:
    """Boots an image under QEMU (hark.device.Emulator inside the link) and asks who it is, in the app's
    current protocol: the one place to update when the protocol changes."""
    with emulated_link(image) as link:
        assert link.hello is not None
        return link.identity()


@dataclass(frozen=True)
class PioBuild:
    build_dir: Path  # PlatformIO's build folder for the env
    log: str
    seconds: float

    @property
    def elf(self) -> Path:
        return self.build_dir / "firmware.elf"


def pio(
    *args: str, build_root: Path, timeout: float = 300.0, conf: Path | None = None, project: Path = ROOT
) -> subprocess.CompletedProcess:
    env = {**os.environ, **OFFLINE, "PLATFORMIO_BUILD_DIR": str(build_root)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project / "host"), os.environ.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "platformio", "run", "-d", str(project), "-e", ENV, *args]
    if conf is not None:
        cmd += ["-c", str(conf)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def pio_build(tmp_path_factory: pytest.TempPathFactory) -> PioBuild:
    pio_offline_setup.prepare(ROOT)
    root = tmp_path_factory.mktemp("pio-build")
    start = time.monotonic()
    out = pio("-v", "-j", "2", build_root=root)
    seconds = time.monotonic() - start
    assert out.returncode == 0, f"pio run failed:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return PioBuild(build_dir=root / ENV, log=out.stdout, seconds=seconds)


def test_offline_setup_is_idempotent_and_pins_scons() -> None:
    from platformio.dependencies import get_core_dependencies

    core = pio_offline_setup.prepare(ROOT)
    scons = core / "packages" / "tool-scons" / "package.json"
    toolchain = core / "packages" / pio_offline_setup.TOOLCHAIN_PACKAGE / "package.json"
    before = (scons.stat().st_mtime_ns, toolchain.stat().st_mtime_ns)
    assert pio_offline_setup.prepare(ROOT) == core
    assert (scons.stat().st_mtime_ns, toolchain.stat().st_mtime_ns) == before, "a second run rewrote the packages"
    wanted = get_core_dependencies()["tool-scons"]
    assert wanted.lstrip("~^=") == json.loads(scons.read_text())["version"]
    assert (toolchain.parent / "bin" / "arm-none-eabi-gcc").resolve().is_file()


def test_pio_builds_offline_with_the_toolchain_file_flags(pio_build: PioBuild) -> None:
    assert pio_build.elf.is_file() and (pio_build.build_dir / "firmware.bin").is_file()
    toolchain = (ROOT / "cmake" / "arm-none-eabi.cmake").read_text()
    cpu_flags = re.search(r'set\(HARK_CPU_FLAGS "([^"]+)"\)', toolchain).group(1).split()
    compiles = [line for line in pio_build.log.splitlines() if "arm-none-eabi-gcc" in line and " -c " in line]
    sources = {line.split()[-1] for line in compiles}
    assert any(s.endswith("firmware/app/main.c") for s in sources)
    assert any(s.endswith("boards/mps2-an386/startup.c") for s in sources)
    for line in compiles:
        args = line.split()
        for flag in [*cpu_flags, "-std=c11", "-Wall", "-Wextra", "-Werror"]:
            assert flag in args, f"{flag} missing from: {line}"
    print(f"pio run -e {ENV} (clean, offline): {pio_build.seconds:.1f} s")


def assert_same_image_as_cmake(build_dir: Path, image: str = "hark_app") -> None:
    # CMake builds the image from the very configure step PlatformIO read, so both carry the same build id.
    cmake_dir = build_dir / "cmake"
    out = subprocess.run(["cmake", "--build", str(cmake_dir), "--target", image, "-j", "2"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    cmake_bin = (cmake_dir / "firmware" / "app" / f"{image}.bin").read_bytes()
    pio_bin = (build_dir / "firmware.bin").read_bytes()
    assert len(pio_bin) > 1000
    assert pio_bin == cmake_bin, "PlatformIO and CMake built different flash images"


def test_pio_image_is_byte_identical_to_cmake_build(pio_build: PioBuild) -> None:
    assert_same_image_as_cmake(pio_build.build_dir)


GENERATOR = """import pathlib, sys
out = pathlib.Path(sys.argv[1])
(out / "answer.h").write_text("#include <stdint.h>\\nextern const uint32_t hark_generated_answer;\\n")
(out / "answer.c").write_text('#include "answer.h"\\nconst uint32_t hark_generated_answer = 42u;\\n')
"""
GENERATED_RULE = """
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/answer.c ${CMAKE_CURRENT_BINARY_DIR}/answer.h
  COMMAND ${HARK_PYTHON} ${CMAKE_SOURCE_DIR}/tools/gen_answer.py ${CMAKE_CURRENT_BINARY_DIR}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen_answer.py)
target_sources(hark_counter_selftest PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/answer.c)
target_include_directories(hark_counter_selftest PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
"""


def test_sources_generated_at_build_time_are_built_too(pio_build: PioBuild, tmp_path: Path) -> None:
    # A copy of the project whose (small, self-test) image compiles a C file and includes a header that a
    # CMake custom command writes, as the app does with a built-in model: PlatformIO must run the generator
    # before compiling anything that needs it, and build the same image as CMake.
    project = tmp_path / "project"
    skip = shutil.ignore_patterns(".git", "build", ".pio", ".pio-core", ".venv", "data", "runs", "__pycache__",
                                  ".pytest_cache", ".ruff_cache", "*.egg-info")  # fmt: skip
    shutil.copytree(ROOT, project, ignore=skip, symlinks=True)
    (project / "tools" / "gen_answer.py").write_text(GENERATOR)
    with (project / "firmware" / "app" / "CMakeLists.txt").open("a") as f:
        f.write(GENERATED_RULE)
    # A hand-written source includes the generated header, as the app includes default_model.h.
    selftest = project / "firmware" / "app" / "counter_selftest.c"
    selftest.write_text('#include "answer.h"\n' + selftest.read_text())
    with (project / "platformio.ini").open("a") as f:
        f.write("\ncustom_hark_image = hark_counter_selftest\n")
    pio_offline_setup.prepare(project)
    out = pio(build_root=tmp_path / "build", project=project, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "Generating answer.c" in out.stdout
    obj = next((tmp_path / "build" / ENV / "hark_counter_selftest").rglob("answer.c.o"))
    symbols = subprocess.run(["arm-none-eabi-nm", str(obj)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"\bR hark_generated_answer\b", symbols), symbols
    assert_same_image_as_cmake(tmp_path / "build" / ENV, "hark_counter_selftest")


@pytest.mark.emulator
def test_pio_image_boots_and_identifies(pio_build: PioBuild) -> None:
    ident = identify(pio_build.elf)
    assert ident.board == ENV
    assert ident.counter == "instructions"
    assert ident.flash_bytes == len((pio_build.build_dir / "firmware.bin").read_bytes())


@pytest.mark.emulator
def test_pio_upload_boots_under_qemu(pio_build: PioBuild) -> None:
    out = pio("-t", "upload", build_root=pio_build.build_dir.parent, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert re.search(r"mps2-an386 is up under QEMU: firmware \S+ \(build \S+\), protocol \d+", out.stdout), out.stdout[
        -3000:
    ]
    assert "-icount shift=7,align=off,sleep=off" in out.stdout


def test_unknown_image_is_named(pio_build: PioBuild, tmp_path: Path) -> None:
    conf = tmp_path / "platformio.ini"
    conf.write_text((ROOT / "platformio.ini").read_text() + "\ncustom_hark_image = no_such_image\n")
    out = pio(build_root=tmp_path / "build", conf=conf, timeout=120)
    assert out.returncode != 0
    m = re.search(r"no firmware image 'no_such_image' .*; its images: (.+)", out.stdout + out.stderr)
    assert m, out.stdout[-2000:] + out.stderr[-2000:]
    assert {"hark_app", "hark_counter_selftest"} <= set(m.group(1).split(", "))
