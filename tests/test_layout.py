"""The host package's layout, measured from its imports (the AST, nothing is imported): no import cycle between
modules, no upward import across the declared layers, and no import of the package inside a function.

Run as a script to print the figures of any tree: `python tests/test_layout.py [host/hark]`.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "host" / "hark"
# Bottom to top: a module may import from its own layer and the layers below. Within one layer, packages may
# import each other only without forming a cycle (checked module by module).
LAYERS: list[set[str]] = [
    {"hark", "hark.paths", "hark.spec", "hark.logs"},
    {"hark.format"},  # .tflite reading, metadata, C arrays, the tflite-micro oracle
    {"hark.native"},  # the firmware's C modules through ctypes, layouts checked
    {"hark.data"},
    {"hark.features"},
    {"hark.layers"},
    {"hark.streaming"},
    {"hark.zoo"},
    {"hark.train"},
    {"hark.export"},
    {"hark.evaluate"},
    {"hark.device"},
    {"hark.profiling"},
    {"hark.twin"},
    {"hark.cli"},
]
# Third-party modules a function may import on first use, because importing them costs seconds and some callers
# never need them; everything else (and every hark module) is imported at the top.
# pyroomacoustics: 1.1-1.4 s to import (measured: `python -X importtime -c "import pyroomacoustics"`), needed
# only to simulate the rooms of a recipe's impulse responses (hark.data.augment.impulse_responses).
LAZY_ALLOWED = {"tensorflow", "matplotlib", "pyroomacoustics"}
# Measured on the tree before issue 16 (commit 2014bdd) with `python tests/test_layout.py`.
BEFORE = {"modules": 86, "cross_module_imports": 240, "imports_in_functions": 60, "package_imports_in_functions": 47,
          "module_cycles": 1, "upward_imports": 9}  # fmt: skip


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: set[tuple[str, str]] = field(default_factory=set)
    in_functions: list[tuple[str, int, str]] = field(default_factory=list)  # (module, line, imported name)

    def figures(self) -> dict[str, int]:
        return {
            "modules": len(self.modules),
            "cross_module_imports": len(self.edges),
            "imports_in_functions": len(self.in_functions),
            "package_imports_in_functions": sum(1 for _, _, n in self.in_functions if n.split(".")[0] == "hark"),
            "module_cycles": len(cycles(self)),
            "upward_imports": len(upward_imports(self)),
        }


def _module_name(package: Path, path: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(modules: dict[str, Path], name: str) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def read_graph(package: Path = PACKAGE) -> Graph:
    g = Graph({_module_name(package, p): p for p in sorted(package.rglob("*.py"))})
    for module, path in g.modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node, in_function in _imports(tree, False):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the package holding this module
                    pkg = module if path.name == "__init__.py" else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                # `from a import b` names module a.b if there is one, else module a
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in g.modules else base for a in node.names]
            if in_function:  # one entry per import statement
                g.in_functions.append((module, node.lineno, names[0]))
            for name in names:
                target = _resolve(g.modules, name) if name.split(".")[0] == "hark" else None
                if target and target != module:
                    g.edges.add((module, target))
    return g


def _imports(node: ast.AST, in_function: bool):  # noqa: ANN202 - a generator of (node, in_function)
    for child in ast.iter_child_nodes(node):
        inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        yield from _imports(child, inner)


def cycles(g: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    succ: dict[str, set[str]] = {m: set() for m in g.modules}
    for a, b in g.edges:
        succ[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(g.modules)))
    for v in sorted(succ):
        if v not in index:
            visit(v)
    return out


def layer_of(module: str) -> int:
    unit = ".".join(module.split(".")[:2])
    for i, layer in enumerate(LAYERS):
        if unit in layer or module in layer:
            return i
    raise KeyError(f"{module} is in no layer of tests/test_layout.py: add its package to LAYERS")


def upward_imports(g: Graph) -> list[str]:
    out = []
    for a, b in sorted(g.edges):
        try:
            la, lb = layer_of(a), layer_of(b)
        except KeyError:
            continue
        if lb > la:
            out.append(f"{a} (layer {la}) imports {b} (layer {lb})")
    return out


def test_no_import_cycle() -> None:
    assert cycles(read_graph()) == []


def test_every_module_has_a_layer_and_no_import_goes_up() -> None:
    g = read_graph()
    for module in g.modules:
        layer_of(module)
    assert upward_imports(g) == []


def test_imports_are_at_the_top_unless_a_heavy_dependency_is_lazy() -> None:
    lazy = [f"{m}:{line} imports {name}" for m, line, name in read_graph().in_functions
            if name.split(".")[0] not in LAZY_ALLOWED]  # fmt: skip
    assert lazy == []


def test_the_checks_find_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "hark"
    (pkg / "format").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "format" / "__init__.py").write_text("")
    (pkg / "format" / "a.py").write_text("from hark.format import b\n")
    (pkg / "format" / "b.py").write_text("def f():\n    from hark.format.a import x\n    from hark.cli import main\n")
    (pkg / "cli.py").write_text("")
    g = read_graph(pkg)
    assert cycles(g) == [["hark.format.a", "hark.format.b"]]
    assert upward_imports(g) == ["hark.format.b (layer 1) imports hark.cli (layer 14)"]
    assert len(g.in_functions) == 2


def test_print_the_figures_before_and_after() -> None:
    after = read_graph().figures()
    for key, before in BEFORE.items():
        print(f"{key}: {before} before issue 16, {after[key]} now")
    assert after["module_cycles"] == after["upward_imports"] == 0


if __name__ == "__main__":
    graph = read_graph(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else PACKAGE)
    for key, value in graph.figures().items():
        print(f"{key}: {value}")
    for comp in cycles(graph):
        print("cycle:", " -> ".join(comp))
    for line in upward_imports(graph):
        print("upward:", line)
