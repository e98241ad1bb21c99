#!/usr/bin/env python3
"""Fetches TFLM's reference models and test clips, checks them against tools/reference/SHA256SUMS, and stores them
where the tests look for them (`reference/` in the checkout, see hark.paths.reference_dir).

The tflite-micro files come from the public TensorFlow Lite Micro repository at the commit they were taken from
(raw files on GitHub, Apache-2.0; tools/reference/tflite-micro/SOURCE.md); the DS-CNN benchmark model and its
input are not public and live in this repository (tools/reference/benchmarks). Every file is checked against its
SHA-256 sum before it is written, so a changed upstream file or a broken download is refused, naming the file.

    tools/fetch_reference.py                          # download into reference/
    tools/fetch_reference.py --verify ../shared/reference
    tools/fetch_reference.py --dest /tmp/ref --source file:///mirror/tflite-micro/   # any mirror of the repo
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tools" / "reference"
SUMS = HERE / "SHA256SUMS"
TFLM_COMMIT = "90b983c2b3f1480642e040bbd2ddb37b998f3424"
SOURCE = f"https://raw.githubusercontent.com/tensorflow/tflite-micro/{TFLM_COMMIT}/"
DEFAULT_DEST = ROOT / "reference"
# reference file -> its path in the tflite-micro repository (the table of tools/reference/tflite-micro/SOURCE.md)
UPSTREAM = {
    "tflite-micro/models/micro_speech_quantized.tflite":
        "tensorflow/lite/micro/examples/micro_speech/models/micro_speech_quantized.tflite",
    "tflite-micro/models/audio_preprocessor_int8.tflite":
        "tensorflow/lite/micro/examples/micro_speech/models/audio_preprocessor_int8.tflite",
    "tflite-micro/models/audio_preprocessor_float.tflite":
        "tensorflow/lite/micro/examples/micro_speech/models/audio_preprocessor_float.tflite",
    "tflite-micro/models/keyword_scrambled.tflite": "tensorflow/lite/micro/models/keyword_scrambled.tflite",
    "tflite-micro/models/micro_speech_lstm.tflite":
        "third_party/xtensa/examples/micro_speech_lstm/micro_speech_lstm.tflite",
    **{f"tflite-micro/testdata/{n}.wav": f"tensorflow/lite/micro/examples/micro_speech/testdata/{n}.wav"
       for n in ("yes_1000ms", "no_1000ms", "noise_1000ms", "silence_1000ms", "yes_30ms", "no_30ms")},
}  # fmt: skip


class FetchError(RuntimeError):
    """A file is missing, or its bytes are not the ones the sums name."""


def read_sums(path: Path = SUMS) -> dict[str, str]:
    """{relative path: sha256 hex} from a `sha256sum` listing."""
    sums = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise FetchError(f"{path}:{n}: not a 'sha256  path' line: {line!r}")
        sums[name] = digest
    return sums


def check(name: str, data: bytes, sums: dict[str, str]) -> bytes:
    got = hashlib.sha256(data).hexdigest()
    if got != sums[name]:
        raise FetchError(f"{name}: SHA-256 {got} is not the expected {sums[name]} (tools/reference/SHA256SUMS)")
    return data


def verify(folder: Path, sums: dict[str, str]) -> list[str]:
    """Checks every listed file under `folder`; returns the names checked, raises naming the first bad one."""
    for name in sums:
        path = folder / name
        if not path.is_file():
            raise FetchError(f"{path} is missing")
        check(name, path.read_bytes(), sums)
    return sorted(sums)


def fetch(name: str, source: str, timeout: float) -> bytes:
    if name not in UPSTREAM:  # kept in this repository: no public source
        return (HERE / name).read_bytes()
    url = source + UPSTREAM[name]
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as err:
        raise FetchError(f"{name}: cannot download {url}: {err}") from err


def install(dest: Path, source: str = SOURCE, *, timeout: float = 60.0, sums: dict[str, str] | None = None) -> int:
    """Fetches every file not already in `dest` with the right sum; returns how many it wrote."""
    sums = sums or read_sums()
    written = 0
    for name in sorted(sums):
        path = dest / name
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sums[name]:
            continue
        data = check(name, fetch(name, source, timeout), sums)  # checked before anything is written
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="where to store them (default: reference/)")
    p.add_argument("--source", default=SOURCE, help="base URL of the tflite-micro repository's raw files "
                   "(default: GitHub at the pinned commit); file:// mirrors work too")  # fmt: skip
    p.add_argument("--verify", type=Path, metavar="DIR", help="only check an existing folder against the sums")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args(argv)
    try:
        sums = read_sums()
        if args.verify:
            names = verify(args.verify, sums)
            print(f"{args.verify}: {len(names)} files match tools/reference/SHA256SUMS")
            return 0
        source = args.source if args.source.endswith("/") else args.source + "/"
        written = install(args.dest, source, timeout=args.timeout, sums=sums)
        verify(args.dest, sums)
    except FetchError as err:
        print(f"fetch_reference: {err}", file=sys.stderr)
        return 1
    print(f"{args.dest}: {written} files fetched, {len(sums)} checked against tools/reference/SHA256SUMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
