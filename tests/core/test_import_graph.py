"""The package's import graph: no cycles (imports inside functions and type-checking blocks count too),
and the Qt-free core never imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import capsviz

ROOT = Path(capsviz.__file__).parent
QT_FREE = ("model", "data", "training", "analysis")


def module_name(path: Path) -> str:
    parts = ["capsviz", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every capsviz module and the capsviz modules it imports anywhere in its text."""
    files = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("capsviz"):
                subs = {f"{node.module}.{alias.name}" for alias in node.names} & files.keys()
                found |= subs or {node.module}
                if len(subs) < len(node.names):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("capsviz")}
        graph[name] = {target for target in found if target in files and target != name}
    return graph


def cycle_from(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_itself_through_others() -> None:
    graph = imports()
    assert "capsviz.app.insight.panels" in graph and len(graph) > 60
    assert cycle_from(graph) is None, " → ".join(cycle_from(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_core_never_imports_qt() -> None:
    for package in QT_FREE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                assert not any(n.startswith(("PySide6", "pyqtgraph", "capsviz.app")) for n in names), path
