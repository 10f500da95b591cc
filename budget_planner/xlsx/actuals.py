"""Actuals files of either kind: CSV (read by `planfile.actuals`) or an Excel workbook, whose
first sheet holds the same header and rows. A workbook may come from anywhere, so it is opened
with the reader's defences (size, zip bomb and DTD checks) before a cell is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.actuals import Actuals, join_actuals
from ..core.model import AllocationResult, Plan, Problem
from ..planfile.actuals import ActualsPlan, actuals_from_cells, read_actuals_csv
from .safe_open import Refused, open_workbook

if TYPE_CHECKING:
    from ..engine.actuals import Progress

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_actuals(paths: Sequence[Path | str], plan: Plan) -> tuple[Actuals | None,
                                                                   list[Problem]]:
    """Every file's rows as one set of columns, or None and every problem in every file."""
    known = ActualsPlan(plan)
    parts: list[Actuals] = []
    problems: list[Problem] = []
    for path in paths:
        if Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
            part, found = read_actuals_workbook(path, known)
        else:
            part, found = read_actuals_csv(path, known)
        problems += found
        if part is not None:
            parts.append(part)
    if problems:
        return None, problems
    return (join_actuals(parts) if parts else known.empty()), []


def read_actuals_workbook(path: Path | str, plan: ActualsPlan) -> tuple[Actuals | None,
                                                                         list[Problem]]:
    """The first sheet of a workbook: `#` notes in column A, then the header row, then rows."""
    shown = str(path)
    try:
        grids = open_workbook(Path(path)).grids
    except Refused as refused:
        return None, [Problem(shown, "", refused.code, refused.message)]
    if not grids:
        return None, [Problem(shown, "", "file-empty", "has no sheet")]
    grid = next(iter(grids.values()))
    rows = grid.rows(1)
    notes: list[str] = []
    header_row = None
    for row in rows:
        first = grid[row, 1].value
        if isinstance(first, str) and first.startswith("#"):
            notes.append(first[1:].strip())
            continue
        header_row = row
        break
    if header_row is None:
        return None, [Problem(shown, "", "file-empty",
                              f"its first sheet {grid.name!r} has no header row "
                              "(date, line, amount, ...)")]
    width = max((col for _, col in grid.cells), default=0)

    def cells(row: int) -> list[Any]:
        return [grid[row, col].value for col in range(1, width + 1)]

    body: Iterable[tuple[int, list[Any]]] = ((row, cells(row)) for row in rows
                                              if row > header_row)
    return actuals_from_cells(shown, cells(header_row), body, plan, header_row,
                              tuple((shown, note) for note in notes))


def progress_of(plan: Plan, paths: Sequence[Path | str], *, as_of: date | None = None,
                allocation: AllocationResult | None = None,
                solver: str = "highs") -> tuple[Progress | None, list[Problem]]:
    """`progress` of the plan against its actuals files: what the `progress` command prints.

    Without an allocation the plan is allocated in a second process (where processes can be
    forked) while this one reads the files: on a big plan the two take about as long, and a
    machine has two cores. Raises AllocationError when the solver fails.
    """
    from ..engine.actuals import progress

    if allocation is not None:
        actuals, problems = read_actuals(paths, plan)
        return (None, problems) if actuals is None else (
            progress(plan, actuals, allocation, as_of=as_of), [])
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        actuals, problems = read_actuals(paths, plan)
        return (None, problems) if actuals is None else (
            progress(plan, actuals, _allocate(plan, solver), as_of=as_of), [])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        shares = pool.submit(_shares, plan, solver)
        actuals, problems = read_actuals(paths, plan)
        if actuals is None:
            shares.cancel()
            return None, problems
        return progress(plan, actuals, shares.result, as_of=as_of), []


def _allocate(plan: Plan, solver: str) -> AllocationResult:
    from ..engine.allocation import allocate

    return allocate(plan, solver=solver)


def _shares(plan: Plan, solver: str) -> Any:
    from ..engine.actuals import allocated_shares

    return allocated_shares(plan, solver)
