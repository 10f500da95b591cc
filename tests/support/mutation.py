"""The score of `make mutate`: mutmut's results, less the equivalent mutants docs/mutation.md
lists, per module and in all; exit 1 below 95 % of the non-equivalent mutants killed.

    python -m tests.support.mutation      # after `mutmut run`, in the project's folder

A mutant is equivalent when no input can tell it from the original (docs/mutation.md says
why for each); every other mutant that survives is a test the project lacks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "mutation.md"
TARGET = 0.95
MODULES = {"budget_planner.core.money": "core/money.py",
           "budget_planner.engine.reconcile": "engine/reconcile.py",
           "budget_planner.core.files": "core/files.py",
           "budget_planner.engine.allocation.split": "engine/allocation/split.py"}


def results() -> dict[str, str]:
    """Every mutant's status, by name, as `mutmut results --all true` prints them."""
    done = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(re.findall(r"^\s*(\S+): (.+)$", done.stdout, re.MULTILINE))


def equivalents() -> set[str]:
    """The mutants docs/mutation.md lists as equivalent: `- \\`name\\`: why`."""
    text = DOCS.read_text("utf-8")
    section = text[text.index("## Equivalent mutants"):]
    return set(re.findall(r"^- `([^`]+)`", section, re.MULTILINE))


def module(name: str) -> str:
    return next(shown for prefix, shown in MODULES.items() if name.startswith(prefix + "."))


def main() -> int:
    found, equivalent = results(), equivalents()
    counts: dict[str, Counter[str]] = {}
    survivors = []
    for name, status in sorted(found.items()):
        # A mutant that makes a test hang until mutmut's timeout is caught too: the guards
        # against hangs (a pipe, a lock) fail that way when they are removed.
        kind = "killed" if status == "timeout" else status
        kind = "equivalent" if name in equivalent and kind != "killed" else kind
        counts.setdefault(module(name), Counter())[kind] += 1
        if kind in ("survived", "no tests", "suspicious", "not checked"):
            survivors.append(f"{name}: {status}")
    total: Counter[str] = sum(counts.values(), Counter())
    print(f"{'module':<28} {'killed':>7} {'equivalent':>10} {'others':>7} {'score':>7}")
    for shown, count in [*sorted(counts.items()), ("all", total)]:
        killed, equal = count["killed"], count["equivalent"]
        rest = sum(count.values()) - killed - equal
        score = killed / max(1, killed + rest)
        print(f"{shown:<28} {killed:>7} {equal:>10} {rest:>7} {score:>7.1%}")
    for line in survivors:
        print("  not killed:", line)
    killed = total["killed"]
    score = killed / max(1, sum(total.values()) - total["equivalent"])
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
