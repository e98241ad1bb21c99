"""`pip install .` gives a working package: every third-party import under host/ is a declared dependency in
pyproject.toml, and what tests/ and tools/ import besides is in the `test` or `dev` extra."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from hark import paths

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = paths.REPO_ROOT
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# first-party modules and the test helpers
LOCAL = {"hark", "__future__", "reference", "reference_clips", "runtime_oracle", "board_oracle", "conftest"}


def _name(requirement: str) -> str:
    """The normalized distribution name of a requirement string (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0]).lower()


def third_party_imports(folder: Path) -> dict[str, list[str]]:
    """Top-level module -> the files importing it, for every non-stdlib, non-local import under `folder`."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in LOCAL:
                    found.setdefault(top, []).append(str(path))
    return found


def _undeclared(folder: Path, declared: set[str]) -> list[str]:
    dists = packages_distributions()
    out = []
    for module, files in sorted(third_party_imports(folder).items()):
        names = {_name(d) for d in dists.get(module, [module])}
        if not names & declared:
            out.append(f"{module} (distribution {sorted(names)}; imported by {files[0]})")
    return out


def test_every_import_under_host_is_a_declared_dependency() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"]}
    assert not _undeclared(ROOT / "host", declared), "declare these in pyproject.toml [project] dependencies"


def test_tests_and_tools_need_only_the_dependencies_and_extras() -> None:
    extras = PROJECT["optional-dependencies"]
    declared = {_name(r) for r in PROJECT["dependencies"]} | {_name(r) for group in extras.values() for r in group}
    missing = _undeclared(ROOT / "tests", declared) + _undeclared(ROOT / "tools", declared)
    assert not missing, "declare these in pyproject.toml [project.optional-dependencies]"


def test_the_check_sees_an_undeclared_import(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import numpy\nfrom tqdm import tqdm\nimport os\nfrom hark import spec\n")
    assert set(third_party_imports(tmp_path)) == {"numpy", "tqdm"}
    assert _undeclared(tmp_path, {"numpy"}) and not _undeclared(tmp_path, {"numpy", "tqdm"})
