"""The native-binding layer (hark/native): every ctypes mirror of a C struct is checked, field by field, against
the sizeof/offsetof table its library exports, and the frontend's settings have one list, frontend.h's
FRONTEND_SETTINGS, that the C struct, kws.c, the binding and FrontendSpec all agree with."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hark import paths
from hark.native import frontend, kws, loader, recognize, runtime
from hark.spec import OPTIONAL_FRONTEND_FIELDS, FrontendSpec

FIRMWARE = paths.REPO_ROOT / "firmware"
CC = shutil.which("cc") or shutil.which("gcc")


class _Pair(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int32), ("b", ctypes.c_int32)]


def test_check_layout_names_the_struct_and_field_that_differ() -> None:
    good = {"pair_t": {"": (0, 8), "a": (0, 4), "b": (4, 4)}}
    loader.check_layout(good, {"pair_t": _Pair}, "libx.so")
    cases = [
        ({"pair_t": {"": (0, 8), "a": (0, 4), "b": (4, 2)}}, "struct pair_t field 'b': C has offset 4 size 2"),
        ({"pair_t": {"": (0, 12), "a": (0, 4), "b": (4, 4), "c": (8, 4)}}, "C field 'c' is missing"),
        ({"pair_t": {"": (0, 4), "a": (0, 4)}}, "field 'b' of the Python mirror is not in C"),
        ({"pair_t": {"": (0, 16), "a": (0, 4), "b": (4, 4)}}, "struct pair_t: sizeof is 16 in C, 8 in the Python"),
        ({}, "struct pair_t: not in the library's layout table"),
    ]
    for table, message in cases:
        with pytest.raises(loader.LayoutError, match=message.replace("(", r"\(")):
            loader.check_layout(table, {"pair_t": _Pair}, "libx.so")


@pytest.mark.parametrize("module, mirrors", [("frontend", {"frontend_config_t": frontend.FrontendConfig}),
                                             ("recognize", recognize.MIRRORS), ("runtime", runtime.MIRRORS),
                                             ("kws", kws.MIRRORS)])  # fmt: skip
def test_every_binding_mirrors_every_field_its_library_exports(module: str, mirrors: dict) -> None:
    if not loader.built(module):
        pytest.skip(f"{paths.host_library(module)} is not built")
    table = loader.layout_table(ctypes.CDLL(str(paths.host_library(module))), module)
    assert set(mirrors) <= set(table)
    loader.check_layout(table, mirrors, module)


def _scratch_recognize(tmp_path: Path, old: str | None = None, new: str | None = None) -> Path:
    """A copy of firmware/recognize (header edited if asked) built as build/host/lib/libhark_recognize.so."""
    src = tmp_path / "src"
    shutil.copytree(FIRMWARE / "recognize", src / "recognize")
    shutil.copytree(FIRMWARE / "layout", src / "layout")
    header = src / "recognize" / "recognize.h"
    if old is not None:
        text = header.read_text()
        assert old in text, f"recognize.h no longer has '{old}': update this test"
        header.write_text(text.replace(old, new))
    lib = tmp_path / "build" / "host" / "lib" / "libhark_recognize.so"
    lib.parent.mkdir(parents=True)
    cmd = [CC, "-std=c11", "-shared", "-fPIC", "-O1", f"-I{src / 'layout'}", f"-I{src / 'recognize'}",
           str(src / "recognize" / "recognize.c"), str(src / "recognize" / "recognize_layout.c"), "-o", str(lib)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
    return tmp_path / "build"


def _import_recognize(build_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARK_BUILD_ROOT": str(build_root)}
    return subprocess.run([sys.executable, "-c", "import hark.native.recognize"], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.skipif(CC is None, reason="no C compiler")
def test_a_header_changed_without_its_binding_fails_at_import_naming_struct_and_field(tmp_path: Path) -> None:
    untouched = _import_recognize(_scratch_recognize(tmp_path / "same"))
    assert untouched.returncode == 0, untouched.stderr
    changed = _import_recognize(_scratch_recognize(tmp_path / "changed", "int32_t minimum_count;",
                                                   "int16_t minimum_count;"))  # fmt: skip
    assert changed.returncode != 0
    last = changed.stderr.strip().splitlines()[-1]
    assert "LayoutError" in last and "struct hark_recognize_config_t field 'minimum_count'" in last, last


def test_frontend_settings_table_is_frontend_spec() -> None:
    """frontend.h's FRONTEND_SETTINGS holds FrontendSpec's fields (bar `kind`, a host-only choice), in order,
    with the same defaults; what it adds (in_spec 0) is not a FrontendSpec field."""
    spec_fields = [f for f in dataclasses.fields(FrontendSpec) if f.name != "kind"]
    in_spec = [s for s in frontend.SETTINGS if s.in_spec]
    assert [s.name for s in in_spec] == [f.name for f in spec_fields]
    for s, f in zip(in_spec, spec_fields, strict=True):
        assert s.default == pytest.approx(float(f.default), rel=1e-6), s.name
        assert (s.ctype == "float") == (f.type in ("float", float)), s.name
    assert not {s.name for s in frontend.SETTINGS if not s.in_spec} & {f.name for f in spec_fields}
    assert [name for name, _ in frontend.FrontendConfig._fields_] == [s.name for s in frontend.SETTINGS]
    assert tuple(s.name for s in frontend.SETTINGS if s.optional) == OPTIONAL_FRONTEND_FIELDS


def test_kws_reads_the_frontend_settings_from_the_table_not_a_list_of_its_own() -> None:
    text = (FIRMWARE / "kws" / "kws.c").read_text()
    assert "FRONTEND_SETTINGS(FE_FIELD)" in text
    for s in frontend.SETTINGS:  # no field is typed by hand again
        assert f"({s.name})" not in text, s.name
