"""Where everything sits in the budget workbook: sheet names, header labels, defined names and
cell references, shared by the writer (`workbook`) and the reader (`reader`).
"""

from __future__ import annotations

import re

from ..core.model import Plan

SUMMARY, ALLOCATION, SOURCES, FINDINGS, ABOUT, PLAN_SHEET = (
    "Summary", "Allocation", "Sources", "Findings", "About", "_plan")
FIXED_SHEETS = (SUMMARY, ALLOCATION, SOURCES, FINDINGS, ABOUT, PLAN_SHEET)
#: The first cell of the `_plan` sheet and the layout version beside it.
PLAN_MARKER, PLAN_FORMAT = "budget-planner plan", "1"
#: Header labels of a period sheet's table; source columns sit between Amount and Notes.
ID_HEADER, ACTIVITY_HEADER, AMOUNT_HEADER, NOTES_HEADER = "Id", "Activity", "Amount", "Notes"
TOTAL_LABEL = "Total"
#: Header labels of the Summary's period table.
PERIOD_HEADER, STATED_HEADER = "Period", "Stated total"
PROGRAMME_LABEL = "Programme total"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def period_sheet_names(plan: Plan) -> dict[str, str]:
    """The worksheet name of each period: its id, shortened and made unique when it must be."""
    taken = {name.casefold() for name in FIXED_SHEETS} | {"history"}
    names: dict[str, str] = {}
    for period in plan.periods:
        base = _SHEET_FORBIDDEN.sub("_", period.id)[:31]
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base[:31 - len(str(number)) - 1]}~{number}"
        taken.add(name.casefold())
        names[period.id] = name
    return names


def _unique_names(prefix: str, ids: tuple[str, ...]) -> dict[str, str]:
    taken: set[str] = set()
    names: dict[str, str] = {}
    for item in ids:
        base = f"{prefix}_{_NAME_UNSAFE.sub('_', item)}"[:200]  # a name has 255 characters
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name.casefold())
        names[item] = name
    return names


def period_total_names(plan: Plan) -> dict[str, str]:
    """Defined name of each period's total: `PeriodTotal_2010_2011` for period 2010-2011."""
    return _unique_names("PeriodTotal", tuple(period.id for period in plan.periods))


def source_total_names(plan: Plan) -> dict[str, str]:
    """Defined name of each source's allocated total: `SourceTotal_EC`."""
    return _unique_names("SourceTotal", plan.source_ids)


def sheet_ref(sheet: str) -> str:
    """A sheet name as formulas quote it: '2010-2011'."""
    return "'" + sheet.replace("'", "''") + "'"


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """A1-style name of a zero-based (row, col)."""
    letters = ""
    number = col + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"${letters}${row + 1}" if absolute else f"{letters}{row + 1}"


def amount_header(currency: str) -> str:
    return f"{AMOUNT_HEADER} ({currency})"
