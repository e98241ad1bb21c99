"""Each STM32 part's linker script against the part's datasheet: the image below the model flash region, the
region at the top of flash, and clear build-time errors when code + built-in model overflow the image's flash or
static RAM overflows the part's RAM (the linker script's own `hark:` messages). Plus a compile check of the
STM32F411 code paths, a part the family supports without a board variant in CI. About 2 s, no emulator."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hark import paths

ROOT = paths.REPO_ROOT
COMMON = ROOT / "boards" / "common"
KB = 1024
# script -> (flash of the part, the image's share, model flash region origin, RAM of the part incl. what the
# script calls RAM: the 128 KB SRAM; CCM is separate). From the reference manuals (sector maps, bank 2 pages).
PARTS = {
    "stm32f4/ld/stm32f405.ld": (1024 * KB, 768 * KB, 0x080C0000, 128 * KB),
    "stm32f4/ld/stm32f407.ld": (1024 * KB, 768 * KB, 0x080C0000, 128 * KB),
    "stm32f4/ld/stm32f411.ld": (512 * KB, 256 * KB, 0x08040000, 128 * KB),
    "stm32f4/ld/stm32f446.ld": (512 * KB, 256 * KB, 0x08040000, 128 * KB),
    "b-l475e-iot01a/stm32l475.ld": (1024 * KB, 768 * KB, 0x080C0000, 128 * KB),
}
BLOB_C = """
#include <stdint.h>
const uint8_t model_blob[BLOB] = {1};
uint8_t ram_blob[BSS];
void Reset_Handler(void) { for (;;) { } }
"""
GCC = shutil.which("arm-none-eabi-gcc")
pytestmark = pytest.mark.skipif(GCC is None, reason="arm-none-eabi-gcc is not installed")


def _link(script: str, tmp: Path, blob: int, bss: int = 4) -> subprocess.CompletedProcess:
    src = tmp / "blob.c"
    src.write_text(BLOB_C)
    cmd = [GCC, "-mcpu=cortex-m4", "-mthumb", "-O1", "-nostdlib", f"-DBLOB={blob}", f"-DBSS={bss}",
           f"-T{ROOT / 'boards' / script}", f"-L{COMMON}", str(src), "-o", str(tmp / "blob.elf")]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _symbols(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {name: int(addr, 16) for addr, _, name in re.findall(r"^([0-9a-f]+) (\w) (\S+)$", out, re.M)}


@pytest.mark.parametrize("script", list(PARTS))
def test_model_flash_region_is_the_top_of_flash_and_overflows_fail_clearly(script: str, tmp_path: Path) -> None:
    flash, image, origin, ram = PARTS[script]
    fits = _link(script, tmp_path, blob=image - 4 * KB)
    assert fits.returncode == 0, fits.stderr
    sym = _symbols(tmp_path / "blob.elf")
    assert (sym["__model_flash_start"], sym["__model_flash_end"]) == (origin, 0x08000000 + flash)
    assert sym["__model_flash_start"] == 0x08000000 + image and sym["__flash_end"] <= sym["__model_flash_start"]
    too_big = _link(script, tmp_path, blob=image + 1)
    assert too_big.returncode != 0
    assert "hark: the image (code + built-in model) does not fit the part's flash below the model flash region" in (
        too_big.stderr
    )
    ram_full = _link(script, tmp_path, blob=4, bss=ram)
    assert ram_full.returncode != 0 and "hark: static RAM (upload buffer + buffers + stack) does not fit" in (
        ram_full.stderr
    )


def test_stm32f411_code_paths_compile(tmp_path: Path) -> None:
    """The F411's clock settings (100 MHz, its APB dividers) and the family's drivers, as a NUCLEO-F411RE would
    build them: C11, every warning an error, as the CMake build compiles them."""
    defines = ["HARK_PART_F411", 'HARK_BOARD_NAME="f411"', "HARK_CONSOLE_USART=2", "HARK_HSE_HZ=8000000u",
               "HARK_HSE_BYPASS=1", "HARK_SYSCLK_HZ=100000000u",
               'HARK_CLOCK_TEXT="PLL 100 MHz from HSE 8 MHz"']  # fmt: skip
    f4 = ROOT / "boards" / "stm32f4"
    for source in [f4 / "clock.c", f4 / "board.c", f4 / "usart.c", f4 / "flash.c", f4 / "vectors.c",
                   COMMON / "stm32_flash.c"]:  # fmt: skip
        cmd = [GCC, "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-std=c11", "-O2",
               "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes",
               *[f"-D{d}" for d in defines], f"-I{ROOT / 'boards'}", f"-I{COMMON}",
               f"-I{f4}", "-c", str(source), "-o", str(tmp_path / (source.stem + ".o"))]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"{source.name}: {out.stderr}"
