#!/usr/bin/env python3
"""cppcheck and clang-tidy over firmware/ and boards/ (issue 17); exits non-zero on any finding.

cppcheck reads every C file with the build's defines, the STM32F4 family's once per variant
(boards/stm32f4/variants/*.cmake). clang-tidy uses the checks in .clang-tidy: host sources through the
compile database of build/tidy (configured here), the ARM-only board files (each board with boards/common,
the STM32F4 family per variant) with the arm-none-eabi target and newlib's headers.
Suppressions live in the code, one per finding, each with its
reason (`cppcheck-suppress` / `NOLINT`).

    python tools/static_analysis.py            # both tools
    python tools/static_analysis.py --tool cppcheck"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The app's build-time sizes (firmware/app/CMakeLists.txt) so cppcheck sees the configuration that is built, and
# the flash stand-in's geometry as mps2-an386 builds it (boards/mps2-an386/board.cmake).
RAM_FLASH = ["-DHARK_RAM_FLASH_SECTOR_BYTES=65536u", "-DHARK_RAM_FLASH_UNIT_BYTES=4u"]
DEFINES = ["-DHARK_MODEL_UPLOAD_BYTES=262144", "-DHARK_ARENA_BYTES=131072", '-DHARK_VERSION="0"', '-DHARK_BUILD_ID="0"',
           *RAM_FLASH]  # fmt: skip
ARM_BOARD = ["--target=arm-none-eabi", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16",
             "-std=c11", "-isystem", "/usr/lib/arm-none-eabi/include", "-I", str(ROOT / "boards"),
             "-I", str(ROOT / "boards" / "common"), "-I", str(ROOT / "firmware" / "pdm"), *RAM_FLASH]  # fmt: skip
STM32F4 = ROOT / "boards" / "stm32f4"
# Boards built for one configuration only; the STM32F4 family is analyzed once per variant (its #errors
# demand a variant's defines).
PLAIN_BOARDS = ("mps2-an386", "b-l475e-iot01a")


def stm32f4_variants() -> dict[str, list[str]]:
    """variant name -> its -D flags, read from boards/stm32f4/variants/*.cmake as boards/stm32f4/board.cmake does."""
    out = {}
    for f in sorted((STM32F4 / "variants").glob("*.cmake")):
        text = f.read_text()
        part = re.search(r"set\(HARK_STM32F4_PART\s+(\w+)\)", text)
        defs = re.search(r"set\(HARK_STM32F4_DEFINES\s+((?:[^()\"]|\"[^\"]*\")*)\)", text)
        if not part or not defs:
            raise SystemExit(f"{f}: no HARK_STM32F4_PART / HARK_STM32F4_DEFINES")
        tokens = re.findall(r'[^\s"]+(?:"[^"]*")?', defs.group(1))
        out[f.stem] = [f"-DHARK_PART_{part.group(1).upper()}", *(f"-D{t}" for t in tokens)]
    return out


def stm32f4_sources(flags: list[str]) -> list[str]:
    """The family's files a variant builds (boards/stm32f4/board.cmake): the microphone driver only with its define."""
    pdm = "-DHARK_MIC_PDM_I2S2" in flags
    return [str(p) for p in sorted(STM32F4.glob("*.c")) if pdm or p.name != "pdm_mic.c"]


def sources() -> list[Path]:
    return sorted(p for d in ("firmware", "boards") for p in (ROOT / d).rglob("*.c") if "platformio" not in p.parts)


def run_cppcheck() -> tuple[int, str]:
    includes = sorted({str(p.parent) for p in (ROOT / "firmware").rglob("*.h")}
                      | {str(ROOT / "boards"), str(ROOT / "boards" / "common")})  # fmt: skip
    base = ["cppcheck", "--quiet", "--std=c11", "--enable=warning,portability,performance", "--inline-suppr",
            "--error-exitcode=1", "--suppress=missingIncludeSystem", "-j", "2", *DEFINES,
            *(f"-I{i}" for i in includes)]  # fmt: skip
    rest = [str(p) for p in sources() if STM32F4 not in p.parents]
    runs = [[*base, *rest]] + [[*base, *flags, *stm32f4_sources(flags)] for flags in stm32f4_variants().values()]
    rc, out = 0, []
    for cmd in runs:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        rc |= proc.returncode
        out.append(proc.stderr)
    return rc, "".join(out)


def run_clang_tidy() -> tuple[int, str]:
    build = ROOT / "build" / "tidy"
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                    "-DCMAKE_BUILD_TYPE=Debug"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    db = json.loads((build / "compile_commands.json").read_text())
    in_db = {str(Path(e["file"]).resolve()) for e in db}
    host = [str(p) for p in sources() if str(p) in in_db]
    common = [str(p) for p in sorted((ROOT / "boards" / "common").glob("*.c"))]
    arm_runs = [[*(str(p) for p in sorted((ROOT / "boards" / b).glob("*.c"))), *common, "--", *ARM_BOARD,
                 "-I", str(ROOT / "boards" / b)] for b in PLAIN_BOARDS]  # fmt: skip
    arm_runs += [[*stm32f4_sources(flags), "--", *ARM_BOARD, "-I", str(STM32F4), *flags]
                 for flags in stm32f4_variants().values()]  # fmt: skip
    out = []
    rc = 0
    runner = shutil.which("run-clang-tidy") or shutil.which("run-clang-tidy-14")
    if runner:
        proc = subprocess.run([runner, "-quiet", "-j", "2", "-p", str(build), *host], capture_output=True, text=True)
    else:
        proc = subprocess.run(["clang-tidy", "--quiet", "-p", str(build), *host], capture_output=True, text=True)
    rc |= proc.returncode
    out.append(proc.stdout + proc.stderr)
    for args in arm_runs:
        proc = subprocess.run(["clang-tidy", "--quiet", *args], capture_output=True, text=True)
        rc |= proc.returncode
        out.append(proc.stdout + proc.stderr)
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out))  # run-clang-tidy colours its output
    findings = [line for line in text.splitlines() if ": error: " in line or ": warning: " in line]
    return (1 if findings or rc else 0), "\n".join(findings) or (text if rc else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", choices=("cppcheck", "clang-tidy", "both"), default="both")
    args = ap.parse_args()
    status = 0
    for name, fn in (("cppcheck", run_cppcheck), ("clang-tidy", run_clang_tidy)):
        if args.tool not in (name, "both"):
            continue
        if not shutil.which(name):
            print(f"{name}: not installed (tools/bootstrap.sh installs it)", file=sys.stderr)
            return 2
        t0 = time.monotonic()
        rc, text = fn()
        print(f"{name}: {'clean' if rc == 0 else 'FINDINGS'} in {time.monotonic() - t0:.0f} s over "
              f"{len(sources())} files")  # fmt: skip
        if rc:
            print(text)
        status |= rc
    return status


if __name__ == "__main__":
    sys.exit(main())
