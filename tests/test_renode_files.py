"""The shipped Renode files describe the board the firmware is built for (Renode itself is not in CI).

Oracles: the linker script's memory map, the register header of the board port, and the firmware's
own ready message; a board change that forgets the Renode files fails here.
"""

from __future__ import annotations

import re

from hark import paths

BOARD = paths.REPO_ROOT / "boards" / "mps2-an386"
RENODE = BOARD / "renode"
SIZES = {"K": 1 << 10, "M": 1 << 20}


def _repl_entries(text: str) -> dict[str, tuple[str, int | None, list[str]]]:
    """name -> (type, sysbus address, attribute lines) for each creating entry of a .repl file."""
    text = re.sub(r"//.*", "", text)
    entries: dict[str, tuple[str, int | None, list[str]]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            m = re.match(r"(\w+):\s*([\w.]+)?\s*(?:@\s*sysbus\s+(0x[0-9A-Fa-f]+))?", line)
            assert m, f"unparsed repl line: {line!r}"
            current = m.group(1)
            entries.setdefault(current, (m.group(2) or "", int(m.group(3), 16) if m.group(3) else None, []))
        else:
            assert current is not None
            entries[current][2].append(line.strip())
    return entries


def _attr(entry: tuple[str, int | None, list[str]], name: str) -> str:
    for line in entry[2]:
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in {entry}")


def _header_value(name: str) -> int:
    text = (BOARD / "mps2_an386.h").read_text()
    m = re.search(rf"#define {name}\s+(?:REG32\()?(0x[0-9A-Fa-f]+|\d+)u", text)
    assert m, f"{name} not in mps2_an386.h"
    return int(m.group(1), 0)


def _memory_regions() -> dict[str, tuple[int, int]]:
    text = (BOARD / "mps2-an386.ld").read_text()
    regions = {}
    for name, origin, length, unit in re.findall(
        r"(\w+)\s*\([rwx]+\)\s*:\s*ORIGIN\s*=\s*(0x[0-9A-Fa-f]+)\s*,\s*LENGTH\s*=\s*(\d+)([KM]?)", text
    ):
        regions[name] = (int(origin, 16), int(length) * SIZES.get(unit, 1))
    return regions


def test_repl_memory_matches_linker_script() -> None:
    entries = _repl_entries((RENODE / "mps2-an386.repl").read_text())
    regions = _memory_regions()
    assert set(regions) == {"FLASH", "RAM", "MODEL_FLASH"}
    for repl_name, region in (("flash", "FLASH"), ("sram", "RAM"), ("psram", "MODEL_FLASH")):
        kind, base, _ = entries[repl_name]
        assert kind == "Memory.MappedMemory"
        assert (base, int(_attr(entries[repl_name], "size"), 0)) == regions[region]


def test_repl_peripherals_match_board_port() -> None:
    entries = _repl_entries((RENODE / "mps2-an386.repl").read_text())
    uart = entries["uart0"]
    assert uart[0] == "UART.CMSDK_APB_UART" and uart[1] == _header_value("UART0_BASE")
    wiring = next(line for line in uart[2] if "->" in line)
    sources, targets = re.match(r"\[(.+)\]\s*->\s*nvic@\[(.+)\]", wiring).groups()
    irq = dict(zip([s.strip() for s in sources.split(",")], [int(t) for t in targets.split(",")], strict=True))
    assert irq["RxInterrupt"] == _header_value("UART0_RX_IRQ")
    assert entries["cpu"][0] == "CPU.CortexM" and _attr(entries["cpu"], "cpuType") == '"cortex-m4f"'
    nvic_base = entries["nvic"][1]
    assert nvic_base is not None and nvic_base <= 0xE000E100 < nvic_base + 0x1000  # NVIC_ISER0 lives there
    # The counter register the board reads must sit inside the tagged FPGA IO block.
    lo, hi = (
        int(v, 16)
        for v in re.search(r"Tag <(0x\w+),\s*(0x\w+)> \"FPGAIO\"", (RENODE / "mps2-an386.repl").read_text()).groups()
    )
    assert lo <= _header_value("FPGAIO_COUNTER") <= hi


def test_script_and_robot_reference_real_files_and_messages() -> None:
    resc = (RENODE / "mps2-an386.resc").read_text()
    repl = re.search(r"LoadPlatformDescription \$ORIGIN/(\S+)", resc).group(1)
    assert (RENODE / repl).is_file()
    assert "showAnalyzer uart0" in resc and "sysbus LoadELF $elf" in resc
    default_elf = re.search(r"\$elf\?=\$ORIGIN/(\S+)", resc).group(1)
    assert (RENODE / default_elf).resolve() == paths.REPO_ROOT / "build" / "arm" / "firmware" / "app" / "hark_app.elf"

    robot = (RENODE / "mps2-an386.robot").read_text()
    assert re.search(r"\$\{SCRIPT\}\s+\$\{CURDIR\}/mps2-an386\.resc", robot)
    assert "sysbus.uart0" in robot


def _robot_variable(robot: str, name: str) -> list[str]:
    m = re.search(rf"^[$@]\{{{name}\}}\s+(.+)$", robot, re.M)
    assert m, f"no {name} in the Robot test"
    return m.group(1).split()


def test_robot_expectations_match_firmware_and_protocol() -> None:
    robot = (RENODE / "mps2-an386.robot").read_text()
    # HELLO carries the firmware version CMake compiles in; IDENTITY carries the board's name.
    cmake = (paths.REPO_ROOT / "CMakeLists.txt").read_text()
    assert _robot_variable(robot, "FIRMWARE_VERSION") == [re.search(r'set\(HARK_VERSION "([^"]+)"\)', cmake).group(1)]
    board_c = (BOARD / "board.c").read_text()
    assert _robot_variable(robot, "BOARD") == [re.search(r'\.name = "([^"]+)"', board_c).group(1)]
    # The request bytes are one valid IDENTITY_GET frame for the host's codec (which reads protocol.h).
    from hark.device.protocol import PROTO, Frame, FrameDecoder

    data = bytes(int(b, 16) for b in _robot_variable(robot, "IDENTITY_GET"))
    frames = FrameDecoder().feed(data)
    assert len(frames) == 1 and isinstance(frames[0], Frame), frames
    assert frames[0].type == PROTO.messages["IDENTITY_GET"].type and frames[0].payload == b""
    assert "Wait For Prompt On Uart     ${BOARD}" in robot and "Send Bytes To Uart          @{IDENTITY_GET}" in robot


def test_stm32f4_discovery_files_name_the_variants_console_and_image() -> None:
    """The Discovery's Renode files open the UART the variant prints on and boot the variant's CMake image."""
    renode = paths.REPO_ROOT / "boards" / "stm32f4" / "renode"
    variant = (paths.REPO_ROOT / "boards" / "stm32f4" / "variants" / "stm32f4-discovery.cmake").read_text()
    console = int(re.search(r"HARK_CONSOLE_USART=(\d)", variant).group(1))
    resc = (renode / "stm32f4-discovery.resc").read_text()
    robot = (renode / "stm32f4-discovery.robot").read_text()
    assert f"showAnalyzer usart{console}" in resc and f"sysbus.usart{console}" in robot
    assert "build/arm-stm32f4-discovery/firmware/app/hark_app.elf" in resc
    assert 'HARK_BOARD_NAME="stm32f4-discovery"' in variant
    assert re.search(r"\$\{BOARD\}\s+stm32f4-discovery", robot)
    assert "@platforms/boards/stm32f4_discovery-kit.repl" in resc
