"""Where everything sits in the budget workbook: sheet names, header labels, rows, columns and
defined names, shared by the writer (`workbook`) and the reader (`reader`).

`workbook_layout` computes every sheet's rows and columns and every defined name from the plan
(and the shape of its allocation) before a cell is written, so no sheet depends on another
having been written first. Rows and columns are zero-based, as XlsxWriter counts them; the
reader, which counts from one as openpyxl does, adds one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..core.model import AllocationResult, Plan
from ..engine.phasing import Phasing, phasing

SUMMARY, RULES, ALLOCATION, SOURCES, PHASING, FINDINGS, ABOUT, PLAN_SHEET = (
    "Summary", "Funding rules", "Allocation", "Sources", "Phasing", "Findings", "About", "_plan")
FIXED_SHEETS = (SUMMARY, RULES, ALLOCATION, SOURCES, PHASING, FINDINGS, ABOUT, PLAN_SHEET)
#: Sheets a build may add (`sheets=` of `build_workbook`): no period sheet takes their names.
PROGRESS = "Progress"
OPTIONAL_SHEETS = (PROGRESS,)
#: The first cell of the `_plan` sheet and the layout version beside it.
PLAN_MARKER, PLAN_FORMAT = "budget-planner plan", "1"
#: Header labels of a period sheet's table; source columns sit between Amount and Notes.
ID_HEADER, ACTIVITY_HEADER, AMOUNT_HEADER, NOTES_HEADER = "Id", "Activity", "Amount", "Notes"
TOTAL_LABEL = "Total"
#: Header labels of the Summary's period table.
PERIOD_HEADER, STATED_HEADER = "Period", "Stated total"
PROGRAMME_LABEL = "Programme total"

#: A period sheet's columns: Id, Activity, Amount, one column a source, then Notes.
#: The bounds of a worksheet.
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
ID_COL, ACTIVITY_COL, AMOUNT_COL, FIRST_SOURCE_COL = 0, 1, 2, 3
#: The header rows of the sheets' tables.
PERIOD_HEADER_ROW, SUMMARY_HEADER_ROW, SOURCES_HEADER_ROW, FINDINGS_HEADER_ROW = 3, 4, 3, 3
#: The Summary's period table: Period, Stated total, Computed total, Difference, Status, Title.
PERIOD_COL, STATED_COL, COMPUTED_COL, DIFFERENCE_COL, STATUS_COL, TITLE_COL = 0, 1, 2, 3, 4, 5
#: The Sources sheet: Source, Scope, Cap, Allocated, Remaining, Utilisation (its percentage and
#: its bar), Binding, Shadow price.
CAP_COL, ALLOCATED_COL, REMAINING_COL, UTILISATION_COL, UTILISATION_BAR_COL = 2, 3, 4, 5, 6
BINDING_COL, SHADOW_COL = 7, 8
#: The Allocation sheet's first column, the activity; its sources follow.
ALLOCATION_ACTIVITY_COL = 0
#: The Phasing sheet: Period, Id, Activity, then one column a year of the programme, then
#: Total, Amount and Check; its tables start below its header row.
PHASING_HEADER_ROW, FIRST_YEAR_COL = 3, 3
#: The `_plan` sheet: marker, layout version and plan name on the first row, the plan's TOML
#: from PLAN_TEXT_ROW on, one line a row, split over cells of at most PLAN_CELL_CHARACTERS
#: (a cell holds at most 32,767).
PLAN_MARKER_ROW, PLAN_TEXT_ROW, PLAN_CELL_CHARACTERS = 0, 3, 32_000

#: Defined names of formula blocks besides the per-period and per-source totals, and what their
#: cells hold. Every build defines all of them but SourceUse (absent when there is no source
#: row).
GRAND_TOTAL, GAP_TOTAL, SUMMARY_CHECKS = "GrandTotal", "GapTotal", "SummaryChecks"
FUNDING_BY_SOURCE, ALLOCATION_CHECKS, SOURCE_USE = (
    "FundingBySource", "AllocationChecks", "SourceUse")
FORMULA_BLOCKS = {
    GRAND_TOTAL: "the programme's computed total",
    GAP_TOTAL: "the total not funded",
    SUMMARY_CHECKS: "a computed total, difference or status on the Summary",
    FUNDING_BY_SOURCE: "a sum in the Summary's funding table",
    ALLOCATION_CHECKS: "an amount, subtotal or check on the Allocation sheet",
    SOURCE_USE: "an allocated, remaining or utilisation cell on the Sources sheet",
}

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def period_sheet_names(plan: Plan) -> dict[str, str]:
    """The worksheet name of each period: its id, shortened and made unique when it must be."""
    taken = {name.casefold() for name in (*FIXED_SHEETS, *OPTIONAL_SHEETS)} | {"history"}
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


def column_name(col: int) -> str:
    """The letters of a zero-based column: A, B, ..., Z, AA, ..."""
    letters = ""
    number = col + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """A1-style name of a zero-based (row, col)."""
    letters = column_name(col)
    return f"${letters}${row + 1}" if absolute else f"{letters}{row + 1}"




def amount_header(currency: str) -> str:
    return f"{AMOUNT_HEADER} ({currency})"


# --- the layout of one workbook -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PeriodSheet:
    """A period's sheet: its lines from `first` to `last`, then the Total row."""

    period: str
    name: str
    total_name: str
    line_rows: Mapping[str, int]
    first: int
    last: int
    total_row: int
    source_cols: Mapping[str, int]
    notes_col: int

    def amount_ref(self, line: str) -> str:
        """A line's amount cell, as another sheet's formula names it."""
        return f"{sheet_ref(self.name)}!{cell_name(self.line_rows[line], AMOUNT_COL)}"


@dataclass(frozen=True, slots=True)
class AllocationSheet:
    """The Allocation sheet: conflicts and notes above the table, then each period in plan
    order (a heading row, one row a line, a subtotal row), then the Total row. Columns: the
    activity, the sources, not funded, amount, check, the reason a line is not funded."""

    header: int
    line_rows: Mapping[tuple[str, str], int]
    #: Each period's heading row, its first and last line rows, and its subtotal row.
    heading_rows: Mapping[str, int]
    period_rows: Mapping[str, tuple[int, int]]
    subtotal_rows: Mapping[str, int]
    first: int
    last: int
    total_row: int
    source_cols: Mapping[str, int]
    gap_col: int
    amount_col: int
    check_col: int
    reason_col: int


@dataclass(frozen=True, slots=True)
class SummarySheet:
    """The Summary: the period table and programme row, then the funding-by-source table (one
    row a source, Not funded, Total; one column a period, then Total) and its charts."""

    period_rows: Mapping[str, int]
    first: int
    last: int
    programme_row: int
    funding_header: int
    source_rows: Mapping[str, int]
    gap_row: int
    funding_total_row: int
    total_col: int


@dataclass(frozen=True, slots=True)
class SourcesSheet:
    """The Sources sheet: one row a (source, period) with a cap, period None for the
    programme, in plan order of sources, then periods, then the programme."""

    rows: tuple[tuple[str, str | None], ...]

    @property
    def first(self) -> int:
        return SOURCES_HEADER_ROW + 1

    @property
    def last(self) -> int:
        return SOURCES_HEADER_ROW + len(self.rows)


@dataclass(frozen=True, slots=True)
class DeadlineTable:
    """One source's N+n table on the Phasing sheet: its title row, the lag and pre-financing
    cells below it, the header, one row a year from `first` to `last`, then Most at risk."""

    source: str
    top: int
    years: tuple[int, ...]
    name: str

    @property
    def lag_row(self) -> int:
        return self.top + 1

    @property
    def prefinancing_row(self) -> int:
        return self.top + 2

    @property
    def header(self) -> int:
        return self.top + 3

    @property
    def first(self) -> int:
        return self.header + 1

    @property
    def last(self) -> int:
        return self.header + len(self.years)

    @property
    def most_row(self) -> int:
        return self.last + 1


@dataclass(frozen=True, slots=True)
class PhasingSheet:
    """The Phasing sheet: the lines by year (each period's lines, then its total row), the
    programme row; the sources' forecast by year (one row a source, Not funded, Total, and a
    row checking each year against the programme row); then one N+n table a source with
    commitments. `year_cols` maps each programme year to its column."""

    year_cols: Mapping[int, int]
    total_col: int
    line_rows: Mapping[tuple[str, str], int]
    period_rows: Mapping[str, tuple[int, int, int]]
    programme_row: int
    sources_header: int
    source_rows: Mapping[str, int]
    unfunded_row: int
    sources_total_row: int
    sources_check_row: int
    deadlines: tuple[DeadlineTable, ...]

    @property
    def amount_col(self) -> int:
        return self.total_col + 1

    @property
    def check_col(self) -> int:
        return self.total_col + 2


@dataclass(frozen=True, slots=True)
class WorkbookLayout:
    summary: SummarySheet
    periods: Mapping[str, PeriodSheet]
    allocation: AllocationSheet
    sources: SourcesSheet
    #: The defined total of each source on the Allocation sheet.
    source_total_names: Mapping[str, str]
    #: Every defined name the build writes, with the cells it refers to.
    names: Mapping[str, str]
    phasing: PhasingSheet | None = None


def _frozen(mapping: dict) -> Mapping:  # type: ignore[type-arg]
    return MappingProxyType(mapping)


def _period_sheets(plan: Plan) -> dict[str, PeriodSheet]:
    sheet_names, total_names = period_sheet_names(plan), period_total_names(plan)
    notes_col = FIRST_SOURCE_COL + len(plan.sources)
    source_cols = _frozen({source: FIRST_SOURCE_COL + number
                           for number, source in enumerate(plan.source_ids)})
    sheets = {}
    for period in plan.periods:
        first = PERIOD_HEADER_ROW + 1
        rows = {line.id: first + number for number, line in enumerate(period.lines)}
        last = PERIOD_HEADER_ROW + len(period.lines)
        sheets[period.id] = PeriodSheet(period.id, sheet_names[period.id], total_names[period.id],
                                        _frozen(rows), first, last, last + 1, source_cols,
                                        notes_col)
    return sheets


def _allocation_sheet(plan: Plan, allocation: AllocationResult | None) -> AllocationSheet:
    above = len(allocation.conflicts) + len(allocation.notes) if allocation else 0
    header = 2 + above + 1  # title, subtitle, conflicts and notes, a blank row
    first_source = ALLOCATION_ACTIVITY_COL + 1
    gap_col = first_source + len(plan.sources)
    line_rows: dict[tuple[str, str], int] = {}
    heading_rows: dict[str, int] = {}
    period_rows: dict[str, tuple[int, int]] = {}
    subtotal_rows: dict[str, int] = {}
    row = header
    for period in plan.periods:
        row += 1
        heading_rows[period.id] = row
        first = row + 1
        for line in period.lines:
            row += 1
            line_rows[period.id, line.id] = row
        period_rows[period.id] = (first, row)
        row += 1
        subtotal_rows[period.id] = row
    source_cols = {source: first_source + number
                   for number, source in enumerate(plan.source_ids)}
    return AllocationSheet(header, _frozen(line_rows), _frozen(heading_rows),
                           _frozen(period_rows), _frozen(subtotal_rows), header + 1, row, row + 1,
                           _frozen(source_cols), gap_col, gap_col + 1, gap_col + 2, gap_col + 3)


def _summary_sheet(plan: Plan) -> SummarySheet:
    first = SUMMARY_HEADER_ROW + 1
    period_rows = {period.id: first + number for number, period in enumerate(plan.periods)}
    last = SUMMARY_HEADER_ROW + len(plan.periods)
    programme_row = last + 1
    funding_header = programme_row + 3  # a blank row, the funding table's title, its header
    source_rows = {source: funding_header + 1 + number
                   for number, source in enumerate(plan.source_ids)}
    gap_row = funding_header + len(plan.sources) + 1
    return SummarySheet(_frozen(period_rows), first, last, programme_row, funding_header,
                        _frozen(source_rows), gap_row, gap_row + 1, 1 + len(plan.periods))


def source_rows(plan: Plan,
                allocation: AllocationResult | None) -> tuple[tuple[str, str | None], ...]:
    """The Sources sheet's (source, period) rows: for each source in plan order, each period
    in which it has a cap, then the whole programme. A period without a cap has no row: its
    allocation by source is on the Summary."""
    capped = {(use.source, use.period) for use in (allocation.sources if allocation else ())
              if use.cap is not None and use.period is not None}
    return tuple((source, period) for source in plan.source_ids
                 for period in (*(period.id for period in plan.periods
                                  if (source, period.id) in capped), None))


def at_risk_names(plan: Plan) -> dict[str, str]:
    """Defined name of each committed source's most at risk: `AtRisk_EC`."""
    return _unique_names("AtRisk", tuple(commitment.source for commitment in plan.commitments))


def _phasing_sheet(plan: Plan, phased: Phasing) -> PhasingSheet:
    """Rows and columns of the Phasing sheet; each N+n table has the years of the engine's
    (from the first year committed or claimed to the last deadline)."""
    year_cols = {year: FIRST_YEAR_COL + number for number, year in enumerate(phased.years)}
    line_rows: dict[tuple[str, str], int] = {}
    period_rows: dict[str, tuple[int, int, int]] = {}
    row = PHASING_HEADER_ROW
    for period in plan.periods:
        first = row + 1
        for line in period.lines:
            row += 1
            line_rows[period.id, line.id] = row
        row += 1
        period_rows[period.id] = (first, row - 1, row)
    programme_row = row + 1
    sources_header = programme_row + 4  # a blank row, the table's title and note, its header
    source_rows = {source: sources_header + 1 + number
                   for number, source in enumerate(plan.source_ids)}
    unfunded_row = sources_header + len(plan.sources) + 1
    names = at_risk_names(plan)
    deadlines = []
    top = unfunded_row + 5
    for source in phased.committed:
        table = DeadlineTable(source.id, top, tuple(row.year for row in source.decommitment),
                              names[source.id])
        deadlines.append(table)
        top = max(table.most_row, table.top + 15) + 3  # room for the chart beside it
    return PhasingSheet(_frozen(year_cols), FIRST_YEAR_COL + len(year_cols), _frozen(line_rows),
                        _frozen(period_rows), programme_row, sources_header,
                        _frozen(source_rows), unfunded_row, unfunded_row + 1, unfunded_row + 2,
                        tuple(deadlines))


def workbook_layout(plan: Plan, allocation: AllocationResult | None,
                    phased: Phasing | None = None) -> WorkbookLayout:
    """Every sheet's rows and columns and every defined name, before anything is written.
    The Phasing sheet's N+n tables take their years from `phased` (computed when not given)."""
    periods = _period_sheets(plan)
    allocation_sheet = _allocation_sheet(plan, allocation)
    summary = _summary_sheet(plan)
    sources = SourcesSheet(source_rows(plan, allocation))
    source_names = source_total_names(plan)
    names: dict[str, str] = {}
    for sheet in periods.values():
        names[sheet.total_name] = (f"={sheet_ref(sheet.name)}!"
                                   f"{cell_name(sheet.total_row, AMOUNT_COL, absolute=True)}")
    on_allocation, total_row = sheet_ref(ALLOCATION), allocation_sheet.total_row
    for source, col in allocation_sheet.source_cols.items():
        names[source_names[source]] = f"={on_allocation}!{cell_name(total_row, col, True)}"
    names[GAP_TOTAL] = f"={on_allocation}!{cell_name(total_row, allocation_sheet.gap_col, True)}"
    names[ALLOCATION_CHECKS] = (
        f"={on_allocation}!{cell_name(allocation_sheet.first, allocation_sheet.amount_col, True)}:"
        f"{cell_name(total_row, allocation_sheet.check_col, True)}")
    if sources.rows:
        names[SOURCE_USE] = (
            f"={sheet_ref(SOURCES)}!{cell_name(sources.first, ALLOCATED_COL, True)}:"
            f"{cell_name(sources.last, UTILISATION_BAR_COL, True)}")
    on_summary = sheet_ref(SUMMARY)
    names[GRAND_TOTAL] = f"={on_summary}!{cell_name(summary.programme_row, COMPUTED_COL, True)}"
    names[SUMMARY_CHECKS] = (f"={on_summary}!{cell_name(summary.first, COMPUTED_COL, True)}:"
                             f"{cell_name(summary.programme_row, STATUS_COL, True)}")
    names[FUNDING_BY_SOURCE] = (
        f"={on_summary}!{cell_name(summary.funding_header + 1, 1, True)}:"
        f"{cell_name(summary.funding_total_row, summary.total_col, True)}")
    phasing_sheet = _phasing_sheet(plan, phased or phasing(plan, allocation))
    for table in phasing_sheet.deadlines:
        names[table.name] = f"={sheet_ref(PHASING)}!{cell_name(table.most_row, 5, True)}"
    return WorkbookLayout(summary, _frozen(periods), allocation_sheet, sources,
                          _frozen(source_names), _frozen(names), phasing_sheet)
