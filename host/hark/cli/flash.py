"""Build a real board's image with a model built in and upload it through PlatformIO (the board's env in
platformio.ini: ststm32, bare, the part's linker script, ST-LINK upload). The model is checked against the
board's arena first. Needs PlatformIO's ststm32 platform, which `pio` fetches from its registry on first use.

    hark flash --board nucleo-f446re --model runs/x/export/x.tflite [--port /dev/ttyACM0]
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

from hark import paths
from hark.cli import fit


def board_envs() -> dict[str, dict[str, str]]:
    """The real boards' envs of platformio.ini (those built on the ststm32 platform)."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(paths.REPO_ROOT / "platformio.ini")
    return {s.split(":", 1)[1]: dict(ini[s]) for s in ini.sections()
            if s.startswith("env:") and ini[s].get("platform") == "ststm32"}  # fmt: skip


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--board", required=True, help="a real board's env: " + ", ".join(board_envs()))
    p.add_argument("--model", type=Path, help=".tflite with hark metadata to build in (default: none, upload later)")
    p.add_argument("--port", help="upload port or probe, passed to pio as --upload-port")
    p.add_argument("--build-only", action="store_true", help="build the image, do not upload it")


def run(a: argparse.Namespace) -> int:
    envs = board_envs()
    if a.board not in envs:
        print(f"{a.prog}: unknown board '{a.board}'; boards with a PlatformIO env: {', '.join(envs)}", file=sys.stderr)
        return 2
    environ = dict(os.environ)
    if a.model is not None:
        if not a.model.is_file():
            print(f"{a.prog}: model not found: {a.model}", file=sys.stderr)
            return 2
        arena = re.search(r"-D HARK_ARENA_BYTES=(\d+)", envs[a.board]["build_flags"])
        rc = fit.run(argparse.Namespace(model=a.model, arena=int(arena.group(1)), board=a.board, stamp=None))
        if rc:
            return rc
        environ["HARK_APP_MODEL"] = str(a.model.resolve())
    cmd = [sys.executable, "-m", "platformio", "run", "-d", str(paths.REPO_ROOT), "-e", a.board]
    if not a.build_only:
        cmd += ["-t", "upload"] + (["--upload-port", a.port] if a.port else [])
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=environ).returncode
