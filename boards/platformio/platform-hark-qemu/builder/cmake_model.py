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
    cmd = ["cmake", "-S", str(source_dir), "-B", str(build_dir), f"-DCMAKE_TOOLCHAIN_FILE={toolchain}",
           "-DCMAKE_BUILD_TYPE=Release", *cmake_args]  # fmt: skip
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
    return Target(name=data["name"], kind=data["type"], groups=tuple(groups), artifact=artifact), data


def load_image(source_dir: Path, build_dir: Path, image: str, config: str = "Release") -> Image:
    """The build description of executable `image` from a configured build folder."""
    reply, codemodel = _reply(build_dir)
    configs = {c["name"]: c for c in codemodel["configurations"]}
    if config not in configs:
        raise CMakeModelError(f"CMake configuration '{config}' is missing; have {sorted(configs)}")
    refs = {t["name"]: t for t in configs[config]["targets"]}
    if image not in refs:
        images = sorted(n for n, t in refs.items() if not n.startswith("hark_board"))
        raise CMakeModelError(f"no image '{image}' in the CMake description; its targets: {', '.join(images)}")
    program, data = _target(reply, refs[image], source_dir, build_dir)
    if program.kind != "EXECUTABLE":
        raise CMakeModelError(f"'{image}' is a {program.kind}, not a firmware image")

    targets = {}
    for ref in refs.values():
        target, _ = _target(reply, ref, source_dir, build_dir)
        if target.artifact:
            targets[target.artifact] = target

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
