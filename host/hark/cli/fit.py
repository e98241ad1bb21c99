"""Check that a model fits a board's arena. The build asks before it links a model in (firmware/app/CMakeLists.txt),
so a model too big for the board's arena fails the build with a message naming the board and both sizes:

    hark fit MODEL.tflite --arena BYTES --board NAME

The plan is the host twin's: the same C code, built for the 64-bit host, whose runtime records hold 64-bit
pointers, so its figure is an upper bound of the 32-bit board's (a few hundred bytes to a little over 1 KB above
it for the shipped models). A model this check passes fits the board.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hark import paths
from hark.twin import Twin, TwinError

# An arena no MCU has: a model that does not fit the board's is planned in it to learn what it needs.
PROBE_ARENA_BYTES = 1 << 24


class ModelDoesNotFit(ValueError):
    """The model needs more arena than the board has."""


def arena_needed(model: bytes, arena_bytes: int) -> int:
    """Arena bytes the firmware's pipeline (frontend, buffers, state, tensors) takes for `model`, planned by
    the very C code the board runs (the host twin); ModelDoesNotFit when `arena_bytes` is too small, naming what
    the model needs (the runtime's own message counts only the bytes left for its tensors)."""
    try:
        return Twin(model, arena_bytes=arena_bytes).arena_used
    except TwinError as err:
        if "ARENA" not in str(err).upper():
            raise ModelDoesNotFit(f"the pipeline refuses it: {err}") from err
        try:
            total = Twin(model, arena_bytes=max(PROBE_ARENA_BYTES, 2 * arena_bytes)).arena_used
        except TwinError:
            raise ModelDoesNotFit(str(err)) from err
        raise ModelDoesNotFit(f"it needs {total} B, {total - arena_bytes} B more ({err})") from err


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("model", type=Path)
    ap.add_argument("--arena", type=int, required=True, help="the board's arena in bytes (HARK_ARENA_BYTES)")
    ap.add_argument("--board", required=True)
    ap.add_argument("--stamp", type=Path, help="file to write when the model fits (for the build)")


def run(args: argparse.Namespace) -> int:
    if not paths.host_library("kws").is_file():
        print(f"hark: {args.model.name}: arena not checked before linking ({paths.host_library('kws')} is not built); "
              "the board checks it at boot", file=sys.stderr)  # fmt: skip
    else:
        try:
            need = arena_needed(args.model.read_bytes(), args.arena)
        except ModelDoesNotFit as err:
            print(f"hark: model {args.model} does not fit board {args.board} (arena {args.arena} B, "
                  f"HARK_ARENA_BYTES): {err}", file=sys.stderr)  # fmt: skip
            return 1
        print(f"hark: {args.model.name} needs {need} B of the {args.arena} B arena on {args.board}")
    if args.stamp:
        args.stamp.parent.mkdir(parents=True, exist_ok=True)
        args.stamp.write_text("ok\n")
    return 0
