"""The house as docs/architecture.md draws it: layers that only point down, and no import cycle.

Every import of every module of the package is read from its source (those inside functions
too: a lazy import is an arrow like any other) and checked against the layers:

    shells (cli, click_it, udf, excel/)  ->  app/ (the runs)  ->  core/ (pure rules) and io/ (read, write)
    ->  base (model, schema, settings, scoring, formulas, formulas_legacy, wording, numbers, readable, versions)

core and io do not import each other; base imports only base.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "perf_xl"
BASE = {"model", "schema", "settings", "findings", "scoring", "formulas", "formulas_legacy", "wording", "numbers", "evaluation",
        "readable", "versions", "collector", ""}
SHELLS = {"cli", "click_it", "udf", "excel"}

# what each layer may import (besides itself)
ALLOWED = {
    "base": {"base"},
    "core": {"core", "base"},
    "io": {"io", "base"},
    "app": {"app", "core", "io", "base"},
    "shell": {"shell", "app", "core", "io", "base"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in ("core", "io", "app"):
        return top
    if top in SHELLS:
        return "shell"
    if top in BASE:
        return "base"
    raise AssertionError(f"{module} is in no layer: add it to docs/architecture.md and this test")


def imports_of(path: Path) -> set[str]:
    """The perf_xl modules a file imports, anywhere in it (resolved; names imported from a package
    count as that package's modules when they are modules)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("perf_xl"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("perf_xl"):
                continue
            for alias in node.names:  # `from . import scoring` imports the module perf_xl.scoring
                candidate = f"{target}.{alias.name}"
                out.add(candidate if _is_module(candidate) else target)
    out.discard(me)
    return out


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_arrow_points_down():
    upward = [f"{m} ({layer(m)}) imports {t} ({layer(t)})"
              for m, targets in graph().items() for t in sorted(targets) if layer(t) not in ALLOWED[layer(m)]]
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    g = graph()
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    # a package's __init__ that hands on names of its own modules is not a cycle of behaviour
    cycles = [c for c in cycles if not all(m.endswith(("__init__",)) for m in c)]
    assert not cycles, cycles


@pytest.mark.parametrize("module, expected", [("perf_xl.app.run", "app"), ("perf_xl.io.reader", "io"),
                                              ("perf_xl.core.checks", "core"), ("perf_xl.model", "base"),
                                              ("perf_xl.excel.consolida", "shell"), ("perf_xl", "base")])
def test_the_layers_are_read_from_the_paths(module, expected):
    assert layer(module) == expected
