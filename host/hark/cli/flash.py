"""Write a firmware image to a real board. Not available yet: the project has no real-board port (the only board
is the emulated mps2-an386, which `hark profile --device`, `hark monitor` and `hark demo` boot under QEMU)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", type=Path, nargs="?", help="firmware image (.elf or .bin)")
    p.add_argument("--port", help="serial port or probe of the board")


def run(a: argparse.Namespace) -> int:
    print(f"{a.prog}: not available yet: no real-board port (boards/ has only the emulated mps2-an386)",
          file=sys.stderr)
    return 2
