"""The tests' own layering: shared helpers live in tests/support, so no test module imports
another test module or conftest, and the support modules import no test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(text: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in a module of `package`, at module level and inside
    functions alike; `from x import y` counts as importing x and x.y (y may be a module)."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def is_test_module(module: str) -> bool:
    """tests.conftest or tests.test_*, or anything inside them."""
    parts = module.split(".")
    return parts[0] == "tests" and len(parts) > 1 and (
        parts[1] == "conftest" or parts[1].startswith("test_"))


def test_no_test_module_imports_another_or_conftest():
    offending = []
    for path in sorted(TESTS.rglob("*.py")):
        package = ".".join(path.relative_to(TESTS.parent).parts[:-1])
        offending += [f"{path.relative_to(TESTS.parent)}:{line}: imports {module}"
                      for line, module in imported_modules(path.read_text("utf-8"), package)
                      if is_test_module(module)]
    assert offending == []


def test_the_check_finds_the_forms_the_tests_once_used():
    text = ("from . import test_hostile_workbooks as hostile\n"
            "from .conftest import ROOT\n"
            "from tests.support.plans import SMALL_PLAN\n"
            "def helper():\n"
            "    from tests.test_allocation import plan_text\n")
    found = [(line, module) for line, module in imported_modules(text, "tests")
             if is_test_module(module)]
    assert found == [(1, "tests.test_hostile_workbooks"), (2, "tests.conftest"),
                     (2, "tests.conftest.ROOT"), (5, "tests.test_allocation"),
                     (5, "tests.test_allocation.plan_text")]
    assert [module for _, module in imported_modules("from ..conftest import x\n",
                                                     "tests.support")] == [
        "tests.conftest", "tests.conftest.x"]
