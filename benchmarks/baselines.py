"""Baselines the benchmarks are measured against, run in the same session as the subject.

Each is the straightforward way to do the same job without budget_planner's design:
parsing the TOML alone, a plain pulp model solved by CBC, the same cells written with bare
openpyxl, importing click.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path


def parse_toml(path: Path) -> None:
    with path.open("rb") as stream:
        tomllib.load(stream)


def naive_allocation(path: Path) -> tuple[Decimal, float]:
    """One pulp variable per (line, eligible source) and a gap per line, CBC, no grouping.

    Minimises the total gap under the plan's caps and share rules; returns the total gap and
    the seconds spent building and solving the model (the TOML is read before the clock starts).
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    import pulp

    funding = data.get("funding", {})
    caps = {(cap["source"], cap.get("period")): Decimal(str(cap["amount"]))
            for cap in funding.get("caps", [])}
    max_share = {rule["source"]: Decimal(rule["max"].rstrip("%")) / 100
                 for rule in funding.get("shares", []) if "max" in rule and "line" not in rule}
    problem = pulp.LpProblem("naive", pulp.LpMinimize)
    gaps = []
    by_cap: dict[tuple[str, str | None], list] = {key: [] for key in caps}
    for period in data["periods"]:
        for number, line in enumerate(period["lines"]):
            if "amount" not in line:
                continue
            amount = float(Decimal(str(line["amount"])))
            gap = pulp.LpVariable(f"g_{period['id']}_{number}", lowBound=0)
            gaps.append(gap)
            cells = []
            for source in line.get("sources", []):
                upper = amount * float(max_share[source]) if source in max_share else None
                cell = pulp.LpVariable(f"x_{period['id']}_{number}_{source}", lowBound=0,
                                       upBound=upper)
                cells.append(cell)
                for key in ((source, period["id"]), (source, None)):
                    if key in by_cap:
                        by_cap[key].append(cell)
            problem += pulp.lpSum(cells) + gap == amount
    for key, cells in by_cap.items():
        if cells:
            problem += pulp.lpSum(cells) <= float(caps[key])
    problem += pulp.lpSum(gaps)
    problem.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - started
    return Decimal(str(pulp.value(problem.objective))).quantize(Decimal("0.01")), seconds


def engine_allocation(path: Path) -> tuple[Decimal, float]:
    """budget-planner's allocation of a loaded plan, timed like `naive_allocation`."""
    from budget_planner import load_plan
    from budget_planner.allocation import allocate

    plan, problems = load_plan(path)
    assert plan is not None, problems
    started = time.perf_counter()
    result = allocate(plan)
    return result.objective, time.perf_counter() - started


def dump_cells(workbook: Path, out: Path) -> None:
    """Every sheet's cell values (formulas as text) of a built workbook, for `write_cells`."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    sheets = [(sheet.title, [[cell.value for cell in row] for row in sheet.iter_rows()])
              for sheet in book.worksheets]
    out.write_bytes(pickle.dumps(sheets))


def write_cells(cells: Path, out: Path) -> float:
    """Write the same cells with bare openpyxl; the time of the writing alone."""
    sheets = pickle.loads(cells.read_bytes())
    started = time.perf_counter()
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(out)
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    command, *args = argv
    if command in ("naive", "engine"):
        solve = naive_allocation if command == "naive" else engine_allocation
        objective, seconds = solve(Path(args[0]))
        print(json.dumps({"objective": str(objective)}))
        print(json.dumps({"seconds": seconds}))
    elif command == "dump-cells":
        dump_cells(Path(args[0]), Path(args[1]))
    elif command == "openpyxl":
        print(json.dumps({"seconds": write_cells(Path(args[0]), Path(args[1]))}))
    else:
        raise SystemExit(f"unknown baseline {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
