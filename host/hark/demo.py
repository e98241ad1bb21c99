"""The main job, end to end on the emulated board (grown by later stages into train → deploy → detect)."""

from __future__ import annotations

import argparse
import sys

from hark import paths
from hark.device import Emulator, EmulatorError
from hark.identity import BoardIdentity


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hark demo", description=__doc__)
    ap.add_argument("--image", default=str(paths.firmware_image()), help="firmware ELF to boot")
    ap.add_argument("--transport", choices=("tcp", "pty"), default="tcp", help="how the host reaches the UART")
    args = ap.parse_args(argv)
    try:
        with Emulator(args.image, transport=args.transport) as emu:
            print(f"booted {args.image} under QEMU ({emu.ready_line.decode()})")
            ident = BoardIdentity.parse(emu.request("ID", b"ID "))
    except EmulatorError as err:
        print(f"hark demo: {err}", file=sys.stderr)
        return 1
    print(f"board      {ident.board} ({ident.cpu}), clock {ident.clock_hz / 1e6:g} MHz")
    print(f"firmware   {ident.firmware}, build {ident.build}")
    print(f"counter    {ident.counter}")
    print(f"memory     flash {ident.flash_bytes} B, static RAM {ident.static_ram_bytes} B, "
          f"stack {ident.stack_peak_bytes}/{ident.stack_bytes} B used")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
