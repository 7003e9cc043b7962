"""The import graph of the server's packages: no module imports itself back through others, and
each layer imports only the layers below it (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mirror", "replay")

# What each part may never import, by module-name prefix: the data flows from the edge (server)
# through the sessions to the render pages and frames, never back.
FORBIDDEN = {
    "mirror.frames": ("mirror.render", "mirror.session", "mirror.chat", "mirror.server"),
    "mirror.render": ("mirror.session", "mirror.chat", "mirror.server", "mirror.history"),
    "mirror.session": ("mirror.chat", "mirror.server", "mirror.testing", "mirror.cluster"),
    "mirror.cluster": ("mirror.server", "mirror.testing"),
    "mirror.chat": ("mirror.session", "mirror.server", "mirror.render", "mirror.testing"),
    "mirror.server": ("mirror.testing", "mirror.cli"),
    "mirror.history": ("mirror.session.hub", "mirror.chat.hub", "mirror.server"),
    "replay": ("mirror",),
}
CORE = (
    "mirror.assets",
    "mirror.clock",
    "mirror.config",
    "mirror.errors",
    "mirror.limits",
    "mirror.metrics",
    "mirror.tasks",
    "mirror.texts",
    "mirror.wire",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project's modules ``path`` imports, wherever in the file (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from mirror.server import api" imports the module mirror.server.api.
            module = node.module
            names = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


GRAPH = {name: imports_of(path, set(all_modules())) for name, path in all_modules().items()}


def cycle_from(start: str) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for target in GRAPH[name]:
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_the_graph_covers_the_packages() -> None:
    assert {"mirror.server.app", "mirror.session.hub", "mirror.render.page"} <= set(GRAPH)
    assert "mirror.session.hub" in GRAPH["mirror.server.app"]


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_module_imports_itself_back(name: str) -> None:
    cycle = cycle_from(name)
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_each_part_imports_only_the_layers_below_it(part: str) -> None:
    wrong = {
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if name == part or name.startswith(part + ".")
        for target in targets
        if target.startswith(FORBIDDEN[part])
    }
    assert not wrong, sorted(wrong)


def test_the_core_modules_import_only_the_core_and_replay() -> None:
    wrong = {
        f"{name} -> {target}"
        for name in CORE
        for target in GRAPH[name]
        if not target.startswith((*CORE, "replay"))
    }
    assert not wrong, sorted(wrong)
