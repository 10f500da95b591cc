"""Helpers for the workbook tests: a hand-made allocation, editing a workbook as a person would,
and reading every formula cell with its cached value."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from budget_planner.core.model import Allocation, AllocationResult, Gap, Plan, SourceUse

ZERO = Decimal(0)


def hand_allocation(plan: Plan, caps: dict[str, Decimal] | None = None) -> AllocationResult:
    """Each line paid in full by its first marked source; unmarked lines are gaps.

    Independent of the LP: enough to test how a result is laid out.
    """
    allocations, gaps = [], []
    for period in plan.periods:
        for line in period.lines:
            if line.amount is None:
                continue
            if line.sources:
                allocations.append(Allocation(period.id, line.id, line.sources[0], line.amount))
            else:
                gaps.append(Gap(period.id, line.id, line.amount, "no source marked"))
    uses = []
    for source in plan.sources:
        allocated = sum((item.amount for item in allocations if item.source == source.id), ZERO)
        cap = (caps or {}).get(source.id)
        uses.append(SourceUse(source.id, None, cap, allocated,
                              None if cap is None else cap - allocated,
                              cap is not None and cap == allocated, None))
    return AllocationResult("optimal", "by hand", ZERO, tuple(allocations), tuple(gaps),
                            tuple(uses))


def openpyxl_workbook(path: Path, **options: Any) -> Any:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # data bars: openpyxl does not model them
        return openpyxl.load_workbook(path, **options)


def edit_workbook(path: Path, change: Callable[[Any], None]) -> None:
    """Open with openpyxl, let `change` edit the workbook, save it in place."""
    book = openpyxl_workbook(path)
    change(book)
    book.save(path)


def insert_line(book: Any, sheet: str, row: int, cells: dict[str, Any], period_name: str) -> None:
    """Insert a row above `row` as a spreadsheet program does: the rows below move down and the
    period total's SUM and defined name follow (openpyxl does not adjust them itself)."""
    ws = book[sheet]
    ws.insert_rows(row)
    for column, value in cells.items():
        ws[f"{column}{row}"] = value
    total_row = row + 1
    found = re.fullmatch(r"=SUM\(C(\d+):C(\d+)\)", ws[f"C{total_row}"].value)
    assert found, ws[f"C{total_row}"].value
    ws[f"C{total_row}"] = f"=SUM(C{found.group(1)}:C{int(found.group(2)) + 1})"
    book.defined_names[period_name].attr_text = f"'{sheet}'!$C${total_row}"


def formula_cells(path: Path) -> dict[tuple[str, str], tuple[str, Any]]:
    """(sheet, cell) -> (formula, cached value) for every formula cell of a workbook."""
    formulas = openpyxl_workbook(path)
    values = openpyxl_workbook(path, data_only=True)
    cells = {}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cells[(ws.title, cell.coordinate)] = (
                        cell.value, values[ws.title][cell.coordinate].value)
    return cells


def name_values(path: Path) -> dict[str, Any]:
    """The cached value of every single-cell defined name."""
    book = openpyxl_workbook(path, data_only=True)
    found = {}
    for name in book.defined_names:
        for sheet, reference in book.defined_names[name].destinations:
            if ":" not in reference:
                found[name] = book[sheet][reference.replace("$", "")].value
    return found


def poison_cached_values(source: Path, target: Path) -> int:
    """A copy whose formulas all cache a wrong value (-1 or STALE): a client that shows the
    right values afterwards must have recalculated them. Returns how many were poisoned."""
    count = 0

    def poison(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match.group(1) + ("<v>STALE</v>" if 't="str"' in match.group(0) else "<v>-1</v>")

    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = re.sub(r'(<c [^>]*>(?:<f>[^<]*</f>))<v>[^<]*</v>', poison,
                              data.decode("utf-8"))
                text = re.sub(r'(<c [^>]*>(?:<f>[^<]*</f>))(?=</c>)', poison, text)
                data = text.encode("utf-8")
            new.writestr(info, data)
    target.write_bytes(out.getvalue())
    return count
