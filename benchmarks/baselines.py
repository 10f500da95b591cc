"""Baselines the benchmarks are measured against, run in the same session as the subject.

Each is the straightforward way to do the same job without budget_planner's design:
parsing the TOML alone, a plain pulp model solved by CBC, the same cells written with bare
openpyxl, importing click. `exact` is no baseline: the plain model's optimum computed exactly,
against which both allocations' objectives are judged.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
import time
import tomllib
from decimal import Decimal
from pathlib import Path


def parse_toml(path: Path) -> None:
    with path.open("rb") as stream:
        tomllib.load(stream)


def naive_allocation(path: Path, solver: str = "cbc") -> tuple[Decimal, float, float]:
    """The straightforward script: read the TOML with tomllib, one pulp variable per (line,
    eligible source) and a gap per line, no grouping, CBC (or HiGHS), print the total gap.

    Minimises the total gap under the plan's caps, maximum shares and pledges. With CBC,
    returns the optimum as CBC writes it on the first line of its solution file (`%.8f`: full
    double precision); with HiGHS, as HiGHS reports it. Also the seconds spent after the TOML
    is read (for the engine row; the allocate row times the whole process) and
    `pulp.value(problem.objective)`, for comparison: pulp sums the variables' values, which
    CBC writes with 8 significant digits, so on a large plan that sum is off.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    import pulp

    funding = data.get("funding", {})
    caps = {(cap["source"], cap.get("period")): Decimal(str(cap["amount"]))
            for cap in funding.get("caps", [])}
    max_share = {rule["source"]: Decimal(rule["max"].rstrip("%")) / 100
                 for rule in funding.get("shares", []) if "max" in rule and "line" not in rule}
    pledges = {(pledge["source"], pledge.get("period"), pledge["line"]):
               float(Decimal(str(pledge["amount"]))) for pledge in funding.get("pledges", [])}
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
                pledged = pledges.get((source, period["id"], line["id"]))
                lower, upper = (0, upper) if pledged is None else (pledged, pledged)
                cell = pulp.LpVariable(f"x_{period['id']}_{number}_{source}", lowBound=lower,
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
    if solver == "highs":
        problem.solve(pulp.HiGHS(msg=False))
        seconds = time.perf_counter() - started
        assert pulp.LpStatus[problem.status] == "Optimal", pulp.LpStatus[problem.status]
        objective = pulp.value(problem.objective)
        return Decimal(repr(objective)), seconds, objective
    # keepFiles leaves the model and CBC's solution file in the working directory.
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="naive-") as folder:
        os.chdir(folder)
        try:
            problem.solve(pulp.PULP_CBC_CMD(msg=False, keepFiles=True))
            with open(f"{problem.name}-pulp.sol", encoding="ascii") as solution:
                first = solution.readline().split()
        finally:
            os.chdir(here)
    seconds = time.perf_counter() - started
    # e.g. "Optimal - objective value 7338494482.10986614"
    assert pulp.LpStatus[problem.status] == "Optimal" and first[:4] == [
        "Optimal", "-", "objective", "value"], first
    objective, rounded = Decimal(first[4]), pulp.value(problem.objective)
    assert abs(float(objective) - rounded) <= 1e-6 * float(objective) + 1, (objective, rounded)
    return objective, seconds, rounded


def exact_optimum(path: Path) -> Decimal:
    """The plain model's optimum in exact decimal arithmetic, to judge the solvers' figures by.

    Least total gap is greatest flow from each period's caps through the lines' bounds per
    source to the lines' amounts. By max-flow min-cut, a period's greatest flow is the least,
    over every set T of its sources, of the caps of the sources outside T plus, per line, the
    lesser of its amount and its bounds from sources in T. Assumes caps per source and period,
    as `make_plan` writes them.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    funding = data.get("funding", {})
    assert all(cap.get("period") for cap in funding.get("caps", [])), "caps per period only"
    max_share = {rule["source"]: Decimal(rule["max"].rstrip("%")) / 100
                 for rule in funding.get("shares", []) if "max" in rule and "line" not in rule}
    gap = Decimal(0)
    for period in data["periods"]:
        caps = {cap["source"]: Decimal(str(cap["amount"])) for cap in funding.get("caps", [])
                if cap["period"] == period["id"]}
        lines = [(amount, {source: amount * max_share.get(source, 1)
                           for source in line.get("sources", [])})
                 for line in period["lines"] if "amount" in line
                 for amount in [Decimal(str(line["amount"]))]]
        sources = sorted({source for _, bounds in lines for source in bounds})
        flow = None
        for mask in range(1 << len(sources)):
            inside = {source for bit, source in enumerate(sources) if mask >> bit & 1}
            if any(source not in caps for source in sources if source not in inside):
                continue  # an uncapped source outside T: no finite cut
            cut = sum((caps[source] for source in sources if source not in inside), Decimal(0))
            cut += sum(min(amount, sum((bound for source, bound in bounds.items()
                                        if source in inside), Decimal(0)))
                       for amount, bounds in lines)
            flow = cut if flow is None else min(flow, cut)
        gap += sum((amount for amount, _ in lines), Decimal(0)) - (flow or 0)
    return gap


def engine_allocation(path: Path) -> tuple[Decimal, float]:
    """budget-planner's allocation of a loaded plan, timed like `naive_allocation`, without
    the cyclic garbage collector, as the command runs (see `budget_planner.cli.main`)."""
    import gc

    from budget_planner import load_plan

    gc.disable()
    from budget_planner.engine.allocation import allocate

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
    if command in ("naive", "naive-highs"):
        objective, seconds, rounded = naive_allocation(
            Path(args[0]), "highs" if command == "naive-highs" else "cbc")
        print(json.dumps({"objective": str(objective), "pulp_value": rounded}))
        print(json.dumps({"seconds": seconds}))
    elif command == "exact":
        print(json.dumps({"objective": str(exact_optimum(Path(args[0])))}))
    elif command == "engine":
        objective, seconds = engine_allocation(Path(args[0]))
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
