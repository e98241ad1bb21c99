"""extra_scripts step of hark's real-board PlatformIO envs (platform ststm32 with `framework` omitted).

Every source is compiled with the flags CMake gives it (boards/platformio/envs/<env>.json, generated with
the env by tools/gen_pio_envs.py: optimisation levels and float options differ per module). A bare build
gets no CPU/FPU flags and no C runtime settings from the platform, so this step adds the ones
the CMake toolchain file uses (cmake/arm-none-eabi.cmake: HARK_CPU_FLAGS and the link flags), to compiling
and to linking; defines the build id from git; and, when HARK_APP_MODEL names a .tflite (`hark flash` sets
it), writes its C array (hark.format.c_array, as CMake does) and builds it in as the default model.
"""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

Import("env")  # noqa: F821 - SCons provides it

CPU_FLAGS = "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"  # = HARK_CPU_FLAGS
LINK_FLAGS = "-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs"

project = Path(env.subst("$PROJECT_DIR"))  # noqa: F821
cpu = shlex.split(CPU_FLAGS)
env.Append(CCFLAGS=cpu, ASFLAGS=cpu, LINKFLAGS=cpu + shlex.split(LINK_FLAGS))  # noqa: F821
env.Append(LINKFLAGS=["-L" + str(project / "boards" / "common")])  # noqa: F821 - cortexm_sections.ld
build_id = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=10"], cwd=project,
                          capture_output=True, text=True).stdout.strip() or "unknown"
env.Append(CPPDEFINES=[("HARK_BUILD_ID", env.StringifyMacro(build_id))])  # noqa: F821

flag_file = project / "boards" / "platformio" / "envs" / (env.subst("$PIOENV") + ".json")  # noqa: F821
per_source = {src: group["flags"] for group in json.loads(flag_file.read_text())["groups"] for src in group["sources"]}


def cmake_flags(node):  # noqa: ANN001, ANN201 - an SCons build middleware
    rel = os.path.relpath(node.srcnode().get_abspath(), project)
    if rel not in per_source:
        return node
    return env.Object(node, CCFLAGS=cpu + per_source[rel])  # noqa: F821


env.AddBuildMiddleware(cmake_flags)  # noqa: F821

model = os.environ.get("HARK_APP_MODEL")
if model:
    gen = Path(env.subst("$BUILD_DIR")) / "hark_model"  # noqa: F821
    subprocess.run([sys.executable, "-m", "hark.format.c_array", model, "--name", "default", "--out", str(gen)],
                   check=True)
    env.Append(CPPDEFINES=["HARK_APP_DEFAULT_MODEL"], CPPPATH=[str(gen)])  # noqa: F821
    env.BuildSources(str(gen / "obj"), str(gen))  # noqa: F821
