"""The shape of the package: no import circles, the CLI's commands the same however it is started."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "cleaner"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports, at any depth (functions included), but not for type
    checking only: those never run, so they make no circle at run time."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    found.add(candidate if candidate in modules else base)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_in_the_package():
    graph = _graph()
    assert "cleaner.run.pipeline" in graph and "cleaner.dedup.index" in graph["cleaner.run.pipeline"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_stages_do_not_reach_back_up_the_flow():
    # read -> strip -> dedup -> run: an earlier stage never imports a later one.
    later = {"cleaner.io": ("cleaner.strip", "cleaner.dedup", "cleaner.index", "cleaner.run", "cleaner.review"),
             "cleaner.strip": ("cleaner.dedup", "cleaner.index", "cleaner.run", "cleaner.review"),
             "cleaner.dedup": ("cleaner.run", "cleaner.review", "cleaner.index.sqlite", "cleaner.index.redis")}
    for module, imported in _graph().items():
        for stage, forbidden in later.items():
            if module.startswith(stage + "."):
                bad = sorted(m for m in imported if m.startswith(forbidden))
                assert not bad, f"{module} imports {bad}"


def _commands(*invocation: str) -> list[str]:
    out = subprocess.run([*invocation, "--help"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    lines = out.split("Commands:", 1)[1].splitlines()
    return sorted(line.split()[0] for line in lines if line.startswith("  ") and line.split())


def test_module_and_console_script_list_the_same_commands():
    as_module = _commands(sys.executable, "-m", "cleaner.cli")
    assert "index" in as_module and "run" in as_module
    assert _commands(sys.executable, "-m", "cleaner") == as_module
