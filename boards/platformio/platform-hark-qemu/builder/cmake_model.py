"""Reads one firmware image's build description from CMake, so PlatformIO compiles what CMake compiles.

CMake's file API (`.cmake/api/v1`) answers, after a configure step only (nothing is built), with the
image's sources, each source's flags, include folders and defines, the static libraries it links in
link order (with their own sources and flags), and the link flags (CPU flags, linker script, specs).
The SCons builder turns that into its own compile and link steps. A module added to the image in
CMake is therefore in the PlatformIO build too, with no second list to keep in step.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class CMakeModelError(RuntimeError):
    """CMake failed to configure, or the image is not in its description."""


@dataclass(frozen=True)
class CompileGroup:
    language: str  # "C" or "ASM"
    flags: tuple[str, ...]
    includes: tuple[str, ...]
    defines: tuple[str, ...]  # NAME or NAME=VALUE, as CMake would pass them to -D
    sources: tuple[str, ...]  # absolute paths


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # EXECUTABLE, STATIC_LIBRARY, ...
    groups: tuple[CompileGroup, ...]
    artifact: str | None  # absolute path of what CMake would build
    build_path: str  # the target's folder relative to the build folder ("firmware/app")
    generated: tuple[str, ...] = ()  # compiled sources that a CMake custom command writes at build time


@dataclass(frozen=True)
class Image:
    program: Target
    libraries: tuple[Target, ...]  # static libraries in CMake's link order
    link_flags: tuple[str, ...]
    system_libs: tuple[str, ...] = field(default_factory=tuple)  # "-lm" style, in link order


def configure(source_dir: Path, build_dir: Path, toolchain: Path, cmake_args: tuple[str, ...] = ()) -> None:
    """Configures (never builds) the ARM tree with a file-API query in place."""
    query = build_dir / ".cmake" / "api" / "v1" / "query" / "codemodel-v2"
    query.parent.mkdir(parents=True, exist_ok=True)
    query.touch()
    # Makefiles, because generated sources are made through the target's own build.make (see generate_command).
    cmd = ["cmake", "-S", str(source_dir), "-B", str(build_dir), "-G", "Unix Makefiles",
           f"-DCMAKE_TOOLCHAIN_FILE={toolchain}", "-DCMAKE_BUILD_TYPE=Release", *cmake_args]  # fmt: skip
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as err:
        raise CMakeModelError("cmake is not on PATH: install the Debian package cmake (./hark test does)") from err
    if out.returncode != 0:
        raise CMakeModelError(f"CMake could not configure {source_dir} for the firmware:\n{out.stdout}{out.stderr}")


def _reply(build_dir: Path) -> tuple[Path, dict]:
    reply = build_dir / ".cmake" / "api" / "v1" / "reply"
    indexes = sorted(reply.glob("index-*.json"))
    if not indexes:
        raise CMakeModelError(f"CMake wrote no file-API reply in {reply}")
    index = json.loads(indexes[-1].read_text())
    codemodel = index["reply"]["codemodel-v2"]["jsonFile"]
    return reply, json.loads((reply / codemodel).read_text())


def _target(reply: Path, ref: dict, source_dir: Path, build_dir: Path) -> tuple[Target, dict]:
    data = json.loads((reply / ref["jsonFile"]).read_text())
    sources = data.get("sources", [])
    groups = []
    for group in data.get("compileGroups", []):
        flags: list[str] = []
        for frag in group.get("compileCommandFragments", []):
            flags += shlex.split(frag["fragment"])
        groups.append(
            CompileGroup(
                language=group["language"],
                flags=tuple(flags),
                includes=tuple(str((source_dir / i["path"]).resolve()) for i in group.get("includes", [])),
                defines=tuple(d["define"] for d in group.get("defines", [])),
                sources=tuple(str((source_dir / sources[i]["path"]).resolve()) for i in group["sourceIndexes"]),
            )
        )
    artifacts = data.get("artifacts", [])
    artifact = os.path.normpath(build_dir / artifacts[0]["path"]) if artifacts else None
    generated = tuple(str((source_dir / s["path"]).resolve()) for s in sources
                      if s.get("isGenerated") and "compileGroupIndex" in s)  # fmt: skip
    target = Target(name=data["name"], kind=data["type"], groups=tuple(groups), artifact=artifact,
                    build_path=data["paths"]["build"], generated=generated)  # fmt: skip
    return target, data


def load_image(source_dir: Path, build_dir: Path, image: str, config: str = "Release") -> Image:
    """The build description of executable `image` from a configured build folder."""
    reply, codemodel = _reply(build_dir)
    configs = {c["name"]: c for c in codemodel["configurations"]}
    if config not in configs:
        raise CMakeModelError(f"CMake configuration '{config}' is missing; have {sorted(configs)}")
    loaded = {t["name"]: _target(reply, t, source_dir, build_dir) for t in configs[config]["targets"]}
    images = sorted(name for name, (target, _) in loaded.items() if target.kind == "EXECUTABLE")
    if image not in images:
        raise CMakeModelError(f"no firmware image '{image}' in the CMake description; its images: {', '.join(images)}")
    program, data = loaded[image]
    targets = {target.artifact: target for target, _ in loaded.values() if target.artifact}

    link_dir = build_dir / data["paths"]["build"]
    flags: list[str] = []
    libraries: list[Target] = []
    system_libs: list[str] = []
    for frag in data.get("link", {}).get("commandFragments", []):
        if frag["role"] == "flags":
            flags += shlex.split(frag["fragment"])
        elif frag["role"] == "libraries":
            for token in shlex.split(frag["fragment"]):
                path = os.path.normpath(link_dir / token)
                if path in targets:
                    libraries.append(targets[path])
                elif token.startswith("-l"):
                    system_libs.append(token)
                elif token.startswith("-"):
                    flags.append(token)
                else:
                    raise CMakeModelError(f"'{image}' links {token}, which no CMake target of this tree builds")
    return Image(program=program, libraries=tuple(libraries), link_flags=tuple(flags), system_libs=tuple(system_libs))


def generate_command(build_dir: Path, target: Target, source: str) -> list[str]:
    """The command that makes one generated source of `target` the way CMake's own build would.

    The Makefiles generator writes each custom command as a rule in its target's build.make, with the
    output named relative to the build folder; make then reruns the generator only when an input changed.
    """
    makefile = Path(target.build_path) / "CMakeFiles" / f"{target.name}.dir" / "build.make"
    rule = os.path.relpath(source, build_dir)
    text = (build_dir / makefile).read_text() if (build_dir / makefile).is_file() else ""
    if not re.search(rf"^{re.escape(rule)}:", text, re.M):
        raise CMakeModelError(f"{source} is generated, but not by a custom command of {target.name} in its own folder; "
                              "attach the command to the target that compiles the file")  # fmt: skip
    return ["make", "-s", "-C", str(build_dir), "-f", str(makefile), rule]
