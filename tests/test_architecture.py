"""The package's shape: layers that only import downwards, no import cycles, no private reach-ins.

Read from the source with `ast`, so imports inside functions count as much as those at the top.
docs/architecture.md describes the layers this test holds the code to.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "budget_planner"

#: Lowest first; a module may import its own layer and the ones before it.
LAYERS = ("core", "planfile", "engine", "views", "xlsx", "api", "serve", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of the package in a file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "budget_planner":
                found.append((target, [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names
                      if alias.name.split(".")[0] == "budget_planner"]
    return found


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import loads: `from pkg import mod` names a module, else the package."""
    found = [f"{target}.{name}" for name in names if f"{target}.{name}" in known]
    return found or [target]


def layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the package itself: the library's front door, imported by no module
    return parts[1] if parts[1] in LAYERS else None


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {module for target, names, _ in imports(name, path)
                   for module in resolve(target, names, known)}
            for name, path in known.items()}


def test_every_module_belongs_to_a_layer():
    assert [name for name in modules() if name != "budget_planner" and layer(name) is None
            and name != "budget_planner.__main__"] == []


def test_no_module_imports_an_upper_layer():
    upward = []
    for name, targets in graph().items():
        for target in targets:
            mine, theirs = layer(name), layer(target)
            if target == "budget_planner" and name not in ("budget_planner.__main__",):
                upward.append(f"{name} imports the package root")
            elif mine and theirs and LAYERS.index(theirs) > LAYERS.index(mine):
                upward.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target in edges and target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_no_module_takes_a_private_name_of_another():
    reach = []
    for name, path in modules().items():
        for target, names, lineno in imports(name, path):
            private = [item for item in names if item.startswith("_") and not item.startswith("__")]
            if private and target != name:
                reach.append(f"{path.name}:{lineno}: {', '.join(private)} from {target}")
    assert not reach, "\n".join(reach)


@pytest.mark.parametrize("probe", ["cycle", "upward", "private"])
def test_the_checks_catch_what_they_are_for(probe, tmp_path, monkeypatch):
    """Each check fails on a small package built with the defect it looks for."""
    root = tmp_path / "budget_planner"
    for folder in ("core", "engine"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "core" / "a.py").write_text("_hidden = 1\n")
    (root / "engine" / "b.py").write_text("from ..core import a\n")
    test = {"cycle": test_no_import_cycles, "upward": test_no_module_imports_an_upper_layer,
            "private": test_no_module_takes_a_private_name_of_another}[probe]
    monkeypatch.setitem(globals(), "PACKAGE", root)
    test()  # the clean package passes
    defect = {"cycle": "def later():\n    from ..engine import b\n",
              "upward": "from ..engine.b import a\n",
              "private": ""}[probe]
    (root / "core" / "a.py").write_text("_hidden = 1\n" + defect)
    if probe == "private":
        (root / "engine" / "b.py").write_text("from ..core.a import _hidden\n")
    with pytest.raises(AssertionError):
        test()
