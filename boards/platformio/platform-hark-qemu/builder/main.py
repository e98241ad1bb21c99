"""SCons builder of the hark-qemu platform: the firmware image CMake describes, built by PlatformIO.

What to compile comes from CMake (see cmake_model.py): the image's sources and static libraries in
link order, each source's flags (CPU flags, C11, -Wall -Wextra -Werror, optimisation), include
folders and defines, and the link flags with the linker script. This builder compiles and links them
with SCons and the system toolchain, then adds the project's `build_flags`, so a change to the
firmware's CMake files reaches both builds at once. Sources that a CMake custom command writes at build
time (generated tables, model arrays) are made by that command first, through CMake's own makefile rule.

Targets: the default builds `firmware.elf` and `firmware.bin`; `upload` boots the image under QEMU
through the host harness (hark.device, the same QEMU flags the tests use), waits for its HELLO and
prints its identity; `exec` runs it until Ctrl-C with UART0 on a pseudo-terminal, as a real board's
serial port; `size` prints sizes.
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path

from SCons.Environment import Environment
from SCons.Script import AlwaysBuild, Default, DefaultEnvironment

env = DefaultEnvironment()
board = env.BoardConfig()

sys.path.insert(0, os.path.join(env.PioPlatform().get_dir(), "builder"))
from cmake_model import CMakeModelError, Target, configure, generate_command, load_image  # noqa: E402

PROJECT_DIR = Path(env.subst("$PROJECT_DIR"))
BUILD_DIR = Path(env.subst("$BUILD_DIR"))
HARK_BOARD = board.get("build.hark_board")
IMAGE = env.GetProjectOption("custom_hark_image", board.get("build.hark_image"))
# Extra CMake settings, e.g. custom_hark_cmake_args = -DHARK_APP_MODEL=/path/to/model.tflite
CMAKE_ARGS = tuple(shlex.split(env.GetProjectOption("custom_hark_cmake_args", "")))

env.Replace(
    AR="arm-none-eabi-ar",
    AS="arm-none-eabi-gcc",
    CC="arm-none-eabi-gcc",
    CXX="arm-none-eabi-g++",
    LINK="arm-none-eabi-gcc",
    OBJCOPY="arm-none-eabi-objcopy",
    RANLIB="arm-none-eabi-ranlib",
    SIZETOOL="arm-none-eabi-size",
    ARFLAGS=["rc"],
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    OBJSUFFIX=".o",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=r"^(?:\.isr_vector|\.text|\.ARM\.exidx|\.data)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.stack)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
)
env.PrintConfiguration()

# -- what CMake says the image is -------------------------------------------------------------------
cmake_dir = BUILD_DIR / "cmake"
try:
    # Generators (model arrays, tables) run with the Python that runs PlatformIO, the project's venv.
    configure(PROJECT_DIR, cmake_dir, PROJECT_DIR / board.get("build.hark_cmake_toolchain"),
              (f"-DHARK_BOARD={HARK_BOARD}", f"-DHARK_PYTHON={sys.executable}", *CMAKE_ARGS))  # fmt: skip
    image = load_image(PROJECT_DIR, cmake_dir, IMAGE)
except CMakeModelError as err:
    sys.stderr.write(f"Error: {err}\n")
    env.Exit(1)


def _define(text: str) -> str | tuple[str, str]:
    # SCons hands the command line to a shell: keep the quotes of string defines (HARK_VERSION="0.1.0").
    name, eq, value = text.partition("=")
    return (name, value.replace('"', '\\"')) if eq else name


def _object_path(target: Target, source: str) -> str:
    rel = os.path.relpath(source, PROJECT_DIR)
    if Path(source).is_relative_to(cmake_dir):  # written by a generator inside CMake's folder
        rel = os.path.join("_generated", os.path.relpath(source, cmake_dir))
    elif rel.startswith(".."):
        rel = os.path.join("_external", rel.replace("..", "_up"))
    return str(BUILD_DIR / target.name / rel) + "$OBJSUFFIX"


def _objects(target: Target) -> list:
    generated = []
    for source in target.generated:
        try:
            cmd = generate_command(cmake_dir, target, source)
        except CMakeModelError as err:
            sys.stderr.write(f"Error: {err}\n")
            env.Exit(1)
        # make decides whether the generator must run again (Precious: SCons must not delete the file first);
        # SCons then recompiles only when the content changed.
        node = env.Command(source, [], env.VerboseAction(shlex.join(cmd), f"Checking generated {source}"))
        env.Precious(node)
        AlwaysBuild(node)
        generated += node
    nodes = []
    for group in target.groups:
        genv = env.Clone()
        flags = list(group.flags)
        if group.language == "C":
            genv.Replace(CFLAGS=[], CCFLAGS=flags)
        elif group.language == "ASM":
            genv.Replace(ASPPFLAGS=flags, ASFLAGS=[*flags, "-c"])
        else:
            sys.stderr.write(f"Error: {target.name} has {group.language} sources; this builder compiles C and ASM\n")
            env.Exit(1)
        genv.Replace(CPPPATH=list(group.includes), CPPDEFINES=[_define(d) for d in group.defines])
        genv.ProcessFlags(env.get("BUILD_FLAGS"))  # the project's own flags come last and win
        genv.ProcessUnFlags(env.get("BUILD_UNFLAGS"))
        for source in group.sources:
            nodes += genv.Object(target=_object_path(target, source), source=source)
    # A generator may also write headers the target's other sources include (default_model.h): compile
    # nothing of this target before its generators ran.
    env.Depends(nodes, generated)
    return nodes


libraries = [env.StaticLibrary(str(BUILD_DIR / "lib" / lib.name), _objects(lib))[0] for lib in image.libraries]
map_file = BUILD_DIR / "firmware.map"
link_flags = [f"-Wl,-Map={map_file}" if f.startswith("-Wl,-Map=") else f for f in image.link_flags]

penv = env.Clone()
penv.Replace(LINKFLAGS=link_flags, LIBS=[*libraries, *(lib[2:] for lib in image.system_libs)], LIBPATH=[])
penv.ProcessFlags(env.get("BUILD_FLAGS"))
penv.ProcessUnFlags(env.get("BUILD_UNFLAGS"))
program = penv.Program(env.subst("$PROGPATH"), _objects(image.program))
penv.SideEffect(str(map_file), program)
penv.Depends(program, [f[2:] for f in link_flags if f.startswith("-T")])
env.Replace(PIOMAINPROG=program)
AlwaysBuild(env.Alias("checkprogsize", program, env.VerboseAction(env.CheckUploadSize, "Checking size $PIOMAINPROG")))
binary = env.Command(str(BUILD_DIR / "firmware.bin"), program,
                     env.VerboseAction("$OBJCOPY -O binary $SOURCE $TARGET", "Building $TARGET"))  # fmt: skip


# -- running it under QEMU ----------------------------------------------------------------------------
def _harness():
    # The project's own harness, so QEMU runs with exactly the flags the tests use.
    host = str(PROJECT_DIR / "host")
    if host not in sys.path:
        sys.path.insert(0, host)
    from hark import device
    from hark.device import emulator

    return device, emulator


def _boot_check(target: list, source: list, env: Environment) -> int:
    device, _ = _harness()
    try:
        with device.emulated_link(source[0].get_abspath()) as link:
            print("QEMU: " + shlex.join(link.emulator.proc.args))
            ident = link.identity()
    except (device.EmulatorError, device.DeviceError) as err:
        sys.stderr.write(f"Error: {err}\n")
        return 1
    print(f"{ident.board} is up under QEMU: firmware {ident.firmware} (build {ident.build}), protocol {ident.protocol}")
    print(f"{ident.cpu} at {ident.clock_hz / 1e6:g} MHz; its counter counts {ident.counter}")
    return 0


def _run_interactive(target: list, source: list, env: Environment) -> int:
    # Like a real board on a USB serial port: QEMU runs until Ctrl-C with UART0 on a pseudo-terminal,
    # which any serial tool or hark.device.DeviceLink.open("/dev/pts/N") can open.
    _, emulator = _harness()
    try:
        qemu = emulator.find_qemu()
    except emulator.EmulatorError as err:
        sys.stderr.write(f"Error: {err}\n")
        return 1
    elf = Path(source[0].get_abspath())
    cmd = [*emulator.qemu_command(elf, emulator.MACHINES[HARK_BOARD], "pty", qemu), "-monitor", "none"]
    print("QEMU: " + shlex.join(cmd))
    print("UART0 is on the pseudo-terminal QEMU names next; Ctrl-C stops the board.", flush=True)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


env.AddPlatformTarget("upload", program, env.VerboseAction(_boot_check, "Booting $SOURCE under QEMU"),
                      "Upload", "Boot the image under QEMU and ask for its identity")  # fmt: skip
env.AddPlatformTarget("exec", program, env.VerboseAction(_run_interactive, "Running $SOURCE under QEMU"),
                      "Run in QEMU", "Boot under QEMU with UART0 on a pseudo-terminal, until Ctrl-C")  # fmt: skip
env.AddPlatformTarget("size", program, env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE"),
                      "Program Size", "Calculate program size")  # fmt: skip

Default([program, binary])
