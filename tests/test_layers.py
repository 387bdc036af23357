"""The apps are floors of one building: each imports only the floors below it, and no module
imports itself back through others.

    practice_center  <  volunteers  <  activities  <  points  <  reports

The organisation app (the ground floor) learns what the upper apps contribute through
`practice_center.registry`, filled from their AppConfig.ready(). Imports are read with `ast`,
function-level imports included (a hidden import is still a dependency); imports under
`if TYPE_CHECKING:` are for annotations only and do not count.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["practice_center", "volunteers", "activities", "points", "reports"]
FLOOR = {app: floor for floor, app in enumerate(LAYERS)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every Python module of the apps (migrations included), by dotted name."""
    modules = {}
    for app in LAYERS:
        if not (ROOT / app).is_dir():
            continue
        for path in sorted((ROOT / app).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(imported module, line) for every import of `tree`, at any depth, but not those under
    `if TYPE_CHECKING:`."""
    package = module if is_package else module.rpartition(".")[0]
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from pkg import submodule`
                yield f"{target}.{alias.name}", node.lineno
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, dict[str, int]]:
    """{module: {project module it imports: line}}, with the packages whose __init__ an import
    runs (except the importer's own packages, which are already running)."""
    modules = project_modules()
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        own_packages = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
        for target, line in _imports(tree, module, path.name == "__init__.py"):
            parts = target.split(".")
            for n in range(1, len(parts) + 1):
                name = ".".join(parts[:n])
                if name in modules and name != module and name not in own_packages:
                    edges.setdefault(name, line)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
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
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


@pytest.mark.parametrize("module", sorted(project_modules()))
def test_every_project_module_imports(module):
    importlib.import_module(module)


def test_no_app_imports_an_app_above_it():
    upward = [
        f"{module} (line {line}) imports {target}"
        for module, edges in import_graph().items()
        for target, line in edges.items()
        if FLOOR[target.split(".")[0]] > FLOOR[module.split(".")[0]]
    ]
    assert upward == []


def test_no_module_imports_itself_back_through_others():
    assert _cycles(import_graph()) == []


def test_the_checks_see_function_level_and_relative_imports():
    source = "from .b import c\n\ndef f():\n    import pkg.d\n\nif TYPE_CHECKING:\n    import pkg.e\n"
    found = {target for target, _line in _imports(ast.parse(source), "pkg.a", False)}
    assert {"pkg.b", "pkg.b.c", "pkg.d"} <= found and "pkg.e" not in found
    assert _cycles({"a": {"b": 1}, "b": {"a": 1}, "c": {}}) == [["a", "b"]]
