"""The one loader of the firmware's host libraries (build/host/lib/libhark_<module>.so).

Every library exports `hark_<module>_layout()`, a table of sizeof/offsetof for the structs its header shares
with Python (firmware/layout/layout.h). `load` checks each ctypes mirror against it, field by field, before
handing the library out, so a C header changed without its Python mirror (or a stale build) fails at load
with a message naming the struct and the field, instead of corrupting that field silently.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from pathlib import Path

from hark import paths

BUILD_HINT = "build the host libraries: cmake -S . -B build/host && cmake --build build/host (./hark test does)"


class NativeError(RuntimeError):
    """A host library is missing or cannot be loaded."""


class LayoutError(NativeError):
    """A ctypes mirror disagrees with the C struct its library was built with."""


class _LayoutRow(ctypes.Structure):
    _fields_ = [("type", ctypes.c_char_p), ("field", ctypes.c_char_p), ("offset", ctypes.c_uint32),
                ("size", ctypes.c_uint32)]  # fmt: skip


Mirrors = Mapping[str, type[ctypes.Structure]]  # C type name -> its ctypes mirror
_loaded: dict[Path, ctypes.CDLL] = {}


def layout_table(lib: ctypes.CDLL, module: str) -> dict[str, dict[str, tuple[int, int]]]:
    """{C type: {field ('' for the whole struct): (offset, size)}} as the library was compiled."""
    try:
        fn = getattr(lib, f"hark_{module}_layout")
    except AttributeError:
        raise LayoutError(f"{lib._name}: exports no hark_{module}_layout (a build older than its binding); "
                          f"{BUILD_HINT}") from None  # fmt: skip
    fn.restype = ctypes.POINTER(_LayoutRow)
    fn.argtypes = [ctypes.POINTER(ctypes.c_uint32)]
    count = ctypes.c_uint32()
    rows = fn(ctypes.byref(count))
    table: dict[str, dict[str, tuple[int, int]]] = {}
    for i in range(count.value):
        row = rows[i]
        table.setdefault(row.type.decode(), {})[row.field.decode()] = (int(row.offset), int(row.size))
    return table


def check_layout(table: Mapping[str, Mapping[str, tuple[int, int]]], mirrors: Mirrors, where: str) -> None:
    """Raises LayoutError naming the first struct and field whose offset or size differ, or that one side lacks."""
    for c_name, struct in mirrors.items():
        if c_name not in table:
            raise LayoutError(f"{where}: struct {c_name}: not in the library's layout table")
        c_fields = table[c_name]
        py_fields = [f[0] for f in struct._fields_]
        for name in py_fields:
            if name not in c_fields:
                raise LayoutError(f"{where}: struct {c_name}: field '{name}' of the Python mirror is not in C")
            desc = getattr(struct, name)
            if (desc.offset, desc.size) != c_fields[name]:
                off, size = c_fields[name]
                raise LayoutError(f"{where}: struct {c_name} field '{name}': C has offset {off} size {size}, "
                                  f"the Python mirror offset {desc.offset} size {desc.size}")  # fmt: skip
        for name in c_fields:
            if name and name not in py_fields:
                raise LayoutError(f"{where}: struct {c_name}: C field '{name}' is missing from the Python mirror")
        if ctypes.sizeof(struct) != c_fields.get("", (0, ctypes.sizeof(struct)))[1]:
            raise LayoutError(f"{where}: struct {c_name}: sizeof is {c_fields[''][1]} in C, "
                              f"{ctypes.sizeof(struct)} in the Python mirror")  # fmt: skip


def load(module: str, mirrors: Mirrors, path: Path | str | None = None) -> ctypes.CDLL:
    """The module's host library (default build/host/lib/libhark_<module>.so), its layouts checked; cached."""
    path = Path(path) if path is not None else paths.host_library(module)
    if path in _loaded:
        return _loaded[path]
    if not path.is_file():
        raise NativeError(f"the {module} library {path} is missing: {BUILD_HINT}")
    lib = ctypes.CDLL(str(path))
    check_layout(layout_table(lib, module), mirrors, f"{path.name} (firmware/{module})")
    _loaded[path] = lib
    return lib


def built(module: str) -> bool:
    """Whether the default build has this library; the bindings load (and check) it at import if so."""
    return paths.host_library(module).is_file()
