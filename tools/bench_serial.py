"""Serial link figures on the emulated board, as JSON: request round trip, host-to-device and
device-to-host throughput, and audio streaming speed under credit flow control.

    python tools/bench_serial.py [--image build/arm/firmware/app/hark_app.elf] [--transport tcp|pty]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

from hark import paths
from hark.device import emulated_link, protocol


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", default=str(paths.firmware_image()))
    ap.add_argument("--transport", choices=("tcp", "pty"), default="tcp")
    ap.add_argument("--seconds", type=float, default=2.0, help="audio to stream")
    args = ap.parse_args(argv)
    big = bytes([1]) * 1000
    with emulated_link(args.image, transport=args.transport) as link:
        rtt = statistics.median(link.ping() for _ in range(20))
        t0 = time.monotonic()
        for i in range(5):  # 1000 bytes in, a short error reply out
            link.write_raw(protocol.encode_frame(0x7E, 100 + i, big))
            try:
                link.reply(100 + i, "bulk", "none")
            except Exception:  # noqa: BLE001 - the UNKNOWN_TYPE reply is the point
                pass
        h2d = 5 * len(big) / (time.monotonic() - t0)
        audio = np.zeros(int(16000 * args.seconds), np.int16)
        t0 = time.monotonic()
        result = link.stream_audio(audio, chunk_samples=320)
        stream_s = time.monotonic() - t0
        stats = link.stats()
    print(
        json.dumps(
            {
                "transport": args.transport,
                "ping_rtt_ms": round(rtt * 1e3, 2),
                "host_to_device_bytes_per_s": round(h2d),
                "audio_seconds": args.seconds,
                "audio_stream_wall_s": round(stream_s, 2),
                "audio_realtime_factor": round(args.seconds / stream_s, 3),
                "audio_max_in_flight": result.max_in_flight,
                "audio_window": result.granted,
                "rx_overruns": stats["rx_overruns"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
