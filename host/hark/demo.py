"""The main job, end to end on the emulated board (grown by later stages into train → deploy → detect)."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from hark import paths
from hark.device import DeviceError, EmulatorError, emulated_link


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hark demo", description=__doc__)
    ap.add_argument("--image", default=str(paths.firmware_image()), help="firmware ELF to boot")
    ap.add_argument("--transport", choices=("tcp", "pty"), default="tcp", help="how the host reaches the UART")
    args = ap.parse_args(argv)
    try:
        with emulated_link(args.image, transport=args.transport) as link:
            assert link.hello is not None
            print(f"booted {args.image} under QEMU (firmware {link.hello.firmware}, protocol {link.hello.protocol})")
            ident = link.identity()
            rtt = link.ping(b"hark")
            # One second of a 440 Hz tone through the audio path, under the device's flow control.
            tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.int16)
            link.set_param("audio.loopback", 1)
            stream = link.stream_audio(tone)
            stats = link.stats()
    except (EmulatorError, DeviceError) as err:
        print(f"hark demo: {err}", file=sys.stderr)
        return 1
    print(f"board      {ident.board} ({ident.cpu}), clock {ident.clock_hz / 1e6:g} MHz")
    print(f"firmware   {ident.firmware}, build {ident.build}, protocol {ident.protocol}")
    print(f"counter    {ident.counter}")
    print(f"memory     flash {ident.flash_bytes} B, static RAM {ident.static_ram_bytes} B, "
          f"stack {ident.stack_peak_bytes}/{ident.stack_bytes} B used, "
          f"model upload buffer {ident.upload_capacity_bytes} B")  # fmt: skip
    print(f"serial     ping {rtt * 1e3:.1f} ms; 1 s of audio in {stream.chunks} chunks, "
          f"echo {'exact' if np.array_equal(stream.echo, tone) else 'WRONG'}, "
          f"at most {stream.max_in_flight}/{stream.granted} in flight, {stats['rx_overruns']} overruns")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
