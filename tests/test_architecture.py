"""The layers of docs/architecture.md, checked on the source: imports run downward only.

Every import is counted, those inside functions included, so a cycle cannot hide
behind a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "algoeff"

# Rank of each layer, bottom first (docs/architecture.md). A module may import from
# its own rank or below; core is two layers: files and errors, then units and fields.
LAYERS: dict[str, int] = {
    "algoeff.core.errors": 0,
    "algoeff.core.text": 0,
    "algoeff.core.files": 0,
    "algoeff.core.parsing": 0,
    "algoeff.core.units": 1,
    "algoeff.core.fields": 1,
    "algoeff.core": 1,
    "algoeff.model": 2,
    "algoeff.dataset": 3,
    "algoeff.outputs": 4,
    "algoeff.measure": 5,
    "algoeff.integrations": 5,
    "algoeff.cli": 6,
    "algoeff": 7,  # the package's public API re-exports from every layer below the CLI
}
# Optional extras a function may import late, so that the core never needs them; and scipy,
# a core dependency imported late for start-up time (0.6 s measured, dataset/trend.py).
EXTRAS = ("torch", "matplotlib", "plotly", "sklearn", "transformers", "lightning", "numpy", "scipy")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def rank(module: str) -> int:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[best]


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """(module imported, inside a function, line) for every algoeff or extra import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    # `from algoeff.outputs import site` imports the module algoeff.outputs.site
                    sub = f"{child.module}.{alias.name}"
                    found.append(
                        (sub if sub in MODULES else child.module, in_function, child.lineno)
                    )
            visit(child, nested)

    visit(tree, False)
    return found


def graph() -> dict[str, set[str]]:
    return {
        name: {m for m, _, _ in imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }


def test_every_module_has_a_layer() -> None:
    assert all(name.startswith("algoeff") for name in MODULES)
    assert {rank(name) for name in MODULES} == set(LAYERS.values())


def test_imports_run_downward() -> None:
    """No module imports from a layer above its own."""
    upward = [
        f"{name} (layer {rank(name)}) imports {target} (layer {rank(target)}) on line {line}"
        for name, path in MODULES.items()
        for target, _, line in imports(path)
        if target in MODULES and rank(target) > rank(name)
    ]
    assert upward == []


def test_no_import_cycle() -> None:
    """The import graph, late imports included, is acyclic (depth-first search)."""
    edges = graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node, [node])
    assert cycles == []


def test_late_imports_are_of_optional_extras_only() -> None:
    """An import inside a function is of torch, matplotlib, plotly ... or of a module that needs
    one of them; never a way around the layer order."""
    needs_extra = {name for name, path in MODULES.items() if _imports_extra_at_top(path)}
    late = [
        f"{name}:{line} imports {target} inside a function"
        for name, path in MODULES.items()
        for target, in_function, line in imports(path)
        if in_function and not target.startswith(EXTRAS) and target not in needs_extra
    ]
    assert late == []


def _imports_extra_at_top(path: Path) -> bool:
    return any(not inner and m.startswith(EXTRAS) for m, inner, _ in imports(path))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


def test_no_speed_machinery_in_dataset_or_outputs() -> None:
    """The dataset and site code is plain sequential code: no forked workers, no GC switches."""
    banned = ("gc", "multiprocessing", "concurrent.futures", "threading")
    found = [
        f"{name} imports {target}"
        for name, path in MODULES.items()
        if rank(name) <= LAYERS["algoeff.outputs"]
        for target, _, _ in imports(path)
        if target.split(".")[0] in banned or target in banned
    ]
    assert found == []
