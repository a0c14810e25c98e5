"""The package's import graph: no circles, and every import points down the layers.

The layers, from the ground up (docs/architecture.md draws them):

0. ``errors``
1. process-wide helpers and leaf data: ``_options``, ``_optional``, ``_checks``, ``_memory``,
   ``_files``, ``_cache``, ``filters``, ``layouts``
2. arithmetic: ``coords`` (output index -> source coordinate), ``shapes`` (conv sizes)
3. descriptions: ``spec`` (ResizeSpec), ``axis_plan`` and ``plan`` (per-axis plans), ``interpolate``
4. ``kernels`` (fast paths) and ``reference`` (readable paths)
5. the engines: ``resizing``, ``argmax``, ``conv_transpose``
6. ``frameworks`` (the twins: argument translation onto the engines)
7. ``port``, ``explain``, ``torch``, ``models``, ``data``, ``dask``
8. ``cli``, ``demo``

A module may import its own layer or any layer below it, never one above; the graph has no
circle.  Imports are read with ``ast`` (every ``import`` statement, also inside functions), so
a lazy import that points up is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "upsampling"

LAYERS: list[tuple[str, ...]] = [
    ("errors",),
    ("_options", "_optional", "_checks", "_memory", "_files", "_cache", "filters", "layouts"),
    ("coords", "shapes"),
    ("spec", "axis_plan", "plan", "interpolate"),
    ("kernels", "reference"),
    ("resizing", "argmax", "conv_transpose"),
    ("frameworks",),
    ("port", "explain", "torch", "models", "data", "dask"),
    ("cli", "demo", "raster_cli"),
]

#: Import edges allowed to break the rules for now, each with the issue that removes it.
KNOWN: set[tuple[str, str]] = set()

#: Compiled extension modules (built by ``pip install``, no ``.py`` in the tree): leaves, not
#: an import of the package that holds them.
COMPILED: set[str] = {"upsampling.kernels._native"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py")}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that ``name`` refers to (``upsampling.plan.AxisPlan`` -> ``upsampling.plan``)."""
    if name in COMPILED:
        return None
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import sub`` names the module ``pkg.sub``; ``from mod import f`` names ``mod``.
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("upsampling"):
                target = _resolve(name, modules)
                if target and target != module and target != "upsampling":
                    found.add(target)
    return found


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer: add its top-level name to LAYERS in {__file__}")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items() if m != "upsampling"}


def test_every_module_has_a_layer():
    for module in _graph():
        _layer(module)


def test_imports_point_down_the_layers():
    upward = []
    for module, targets in sorted(_graph().items()):
        for target in sorted(targets):
            if target == "upsampling" or (module, target) in KNOWN:
                continue
            if _layer(target) > _layer(module):
                upward.append(f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})")
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_no_import_circles():
    graph = {m: {t for t in ts if (m, t) not in KNOWN} for m, ts in _graph().items()}
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        circles.append(sorted(component))
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize("module", ["upsampling"])
def test_root_package_imports_only_the_engine_layers(module):
    targets = _imports(module, SRC / "__init__.py", _modules())
    for target in targets:
        assert _layer(target) <= 5, f"upsampling/__init__.py imports {target}"
