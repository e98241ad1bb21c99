"""The real boards' PlatformIO envs. CI cannot fetch the ststm32 platform from PlatformIO's registry, so this
checks what a user's `pio run -e <board>` will use: every env names a linker script, sources, include
folders and an extra script that exist; its sources, includes, defines and per-source flags equal the CMake
build's (tools/gen_pio_envs.py --check regenerates them from CMake); the CPU/FPU and link flags that
hark_bare.py adds are the toolchain file's; and `hark flash` refuses an unknown board or a model too big."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hark import paths
from hark.cli.flash import board_envs
from hark.cli.main import main as hark_main

ROOT = paths.REPO_ROOT
BOARDS = ["nucleo-f446re", "stm32f4-discovery", "b-l475e-iot01a"]


def test_every_real_board_has_an_env() -> None:
    envs = board_envs()
    assert sorted(envs) == sorted(BOARDS)
    for name, env in envs.items():
        assert env["board"] and env["upload_protocol"] == "stlink" and "framework" not in env
        assert (ROOT / env["board_build.ldscript"]).is_file(), name
        assert (ROOT / env["extra_scripts"].removeprefix("pre:")).is_file(), name
        sources = re.findall(r"\+<([^>]+)>", env["build_src_filter"])
        assert any(s.endswith("firmware/app/main.c") for s in sources) and len(sources) > 40
        assert all((ROOT / s).is_file() for s in sources), [s for s in sources if not (ROOT / s).is_file()]
        includes = re.findall(r"-I (\S+)", env["build_flags"])
        assert includes and all((ROOT / i).is_dir() for i in includes)
        flags = json.loads((ROOT / "boards" / "platformio" / "envs" / f"{name}.json").read_text())
        assert {s for g in flags["groups"] for s in g["sources"]} == set(sources)


def test_envs_equal_the_cmake_build() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_pio_envs.py"), "--check"], capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr


def test_cpu_and_link_flags_are_the_toolchain_files() -> None:
    toolchain = (ROOT / "cmake" / "arm-none-eabi.cmake").read_text()
    cpu = re.search(r'set\(HARK_CPU_FLAGS "([^"]+)"\)', toolchain).group(1)
    link = re.search(r'CMAKE_EXE_LINKER_FLAGS_INIT "\$\{HARK_CPU_FLAGS\} ([^"]+)"', toolchain).group(1)
    script = (ROOT / "boards" / "platformio" / "hark_bare.py").read_text()
    assert f'CPU_FLAGS = "{cpu}"' in script and f'LINK_FLAGS = "{link}"' in script


def test_flash_refuses_unknown_board_and_a_model_too_big(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert hark_main(["flash", "--board", "nope"]) == 2
    assert "unknown board 'nope'" in capsys.readouterr().err
    bogus = tmp_path / "bogus.tflite"
    bogus.write_bytes(b"\0" * 64)
    assert hark_main(["flash", "--board", "nucleo-f446re", "--model", str(bogus), "--build-only"]) == 1
    assert "does not fit board nucleo-f446re" in capsys.readouterr().err
