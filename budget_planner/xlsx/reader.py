"""Reading a budget workbook back into a plan: `import`, and `check` / `diff` on a workbook.

The hidden `_plan` sheet holds the exact plan the workbook was built from. A person edits the
visible sheets, so those win: each period sheet's lines (ids, activities, amounts, marks, notes,
lines added or removed) and the stated totals on the Summary. A cell still showing what the
build wrote keeps the stored value exactly (amounts beyond a double's precision, notes with odd
spacing), so plan -> workbook -> plan gives the same plan.

Every mistake is a Problem located as `Sheet!C7`. A total whose formula was replaced by a typed
number is not a mistake in the input but a finding about the workbook (`total-overwritten`).

A workbook may come from anyone, so it is opened by `safe_open` first.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..planfile.loader import LINE_ID, load_plan
from ..core.model import Finding, Line, Period, Plan, Problem, mark
from ..core.limits import STORED_PLAN_CHARACTERS
from ..core.money import CENT, MAX_AMOUNT, MoneyError, display, parse_money
from ..planfile.writer import plan_toml
from ..engine.allocation import funding_findings
from ..engine.reconcile import Reconciliation, reconcile
from .document import cell_number
from .layout import (ACTIVITY_COL, ACTIVITY_HEADER, AMOUNT_COL, AMOUNT_HEADER, FORMULA_BLOCKS,
                     ID_COL, ID_HEADER, NOTES_HEADER, PERIOD_COL, PERIOD_HEADER, PLAN_FORMAT,
                     PLAN_MARKER, PLAN_MARKER_ROW, PLAN_SHEET, PLAN_TEXT_ROW, PROGRAMME_LABEL,
                     SOURCE_USE, STATED_HEADER, SUMMARY, TOTAL_LABEL, period_sheet_names,
                     period_total_names, source_total_names)
from .safe_open import MAX_COLUMN, MAX_ROW, Cell, Grid, Refused, open_workbook

#: Where the layout puts things, counted from one as the grids count: columns of a period
#: sheet and of the Summary's period table, and the `_plan` sheet's first row and plan text.
ID, ACTIVITY, AMOUNT, PERIOD = ID_COL + 1, ACTIVITY_COL + 1, AMOUNT_COL + 1, PERIOD_COL + 1
MARKER_ROW, TEXT_ROW = PLAN_MARKER_ROW + 1, PLAN_TEXT_ROW + 1
#: How far down a sheet its table's header is looked for (rows may be inserted above it).
HEADER_SEARCH_ROWS = 40
_XLSX_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XLSX_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f]|FFF[EF])_", re.IGNORECASE)
_SUM_RANGE = re.compile(r"=SUM\(\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)\)", re.IGNORECASE)


def as_read(written: str) -> str:
    """What openpyxl gives back for text the build wrote: XlsxWriter stores control characters
    as `_xHHHH_` (and a literal `_xHHHH_` as `_x005F_xHHHH_`); openpyxl removes each `x005F_`
    and leaves the other escapes. A cell equal to this still shows what the build wrote."""
    text = _XLSX_ESCAPE.sub(lambda found: "_x005F" + found.group(0), written)
    text = _XLSX_CONTROL.sub(lambda found: f"_x{ord(found.group(0)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("x005F_", "")


def typed_text(value: str) -> str:
    """Text a person typed, with the control characters a client escaped turned back."""
    return _ESCAPED_CONTROL.sub(lambda found: chr(int(found.group(1), 16)), value)


@dataclass(frozen=True, slots=True)
class WorkbookRead:
    """What a workbook gives: the plan (None when it cannot be read), every problem, and
    findings about the workbook itself (totals overwritten by typed numbers)."""

    plan: Plan | None
    problems: tuple[Problem, ...] = ()
    findings: tuple[Finding, ...] = ()


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.file = str(path)
        self.problems: list[Problem] = []
        self.findings: dict[str, Finding] = {}
        #: Defined names of the workbook: name -> [(sheet, reference)].
        self.names: dict[str, list[tuple[str, str]]] = {}

    def problem(self, where: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, where, code, message))


def _open(reader: _Reader) -> dict[str, Grid] | None:
    """Every sheet as a Grid, or None (with a problem) when the file is not a workbook."""
    try:
        opened = open_workbook(reader.path)
    except Refused as refused:
        reader.problem("", refused.code, refused.message)
        return None
    reader.names = opened.names
    return opened.grids


def _stored_plan(reader: _Reader, grids: dict[str, Grid]) -> Plan | None:
    """The plan kept in the hidden `_plan` sheet."""
    grid = grids.get(PLAN_SHEET)
    if grid is None or grid.text(MARKER_ROW, 1) != PLAN_MARKER:
        reader.problem("", "not-a-plan-workbook",
                       "is not a workbook made by budget-planner build (it has no _plan sheet); "
                       "build one with `budget-planner build PLAN`")
        return None
    version = grid.text(MARKER_ROW, 2)
    if version != PLAN_FORMAT:
        reader.problem(grid.where(MARKER_ROW, 2), "workbook-format",
                       f"layout version {version!r}; this version reads {PLAN_FORMAT!r}")
        return None
    name = grid.text(MARKER_ROW, 3) or reader.path.stem
    by_row: dict[int, list[tuple[int, Any]]] = {}
    for (row, col), cell in grid.cells.items():
        if row >= TEXT_ROW:
            by_row.setdefault(row, []).append((col, cell.value))
    text = "\n".join("".join(str(value or "") for _, value in sorted(by_row.get(row, ())))
                     for row in range(TEXT_ROW, grid.max_row + 1)) + "\n"
    if len(text) > STORED_PLAN_CHARACTERS:
        reader.problem(PLAN_SHEET, "workbook-too-large",
                       f"the stored plan has {len(text):,} characters, more than any budget plan")
        return None
    plan, problems = _load_text(text, name, includes=False)
    for problem in problems:
        where = grid.where(TEXT_ROW + problem.lineno - 1, 1) if problem.lineno else PLAN_SHEET
        reader.problem(where, problem.code, f"the stored plan ({problem.path}): {problem.message}")
    return plan


def _load_text(text: str, name: str, *,
               includes: bool = True) -> tuple[Plan | None, list[Problem]]:
    """Load plan TOML text through the one loader, so a workbook obeys every plan rule.
    A plan stored in a workbook may not include files: it would read files of this machine."""
    with tempfile.TemporaryDirectory(prefix="budget-planner-") as folder:
        path = Path(folder) / "plan.toml"
        path.write_text(text, encoding="utf-8")
        plan, problems = load_plan(path, includes=includes)
    return (None if plan is None else replace(plan, name=name)), problems


# --- cell values -----------------------------------------------------------------------------

def _same_text(value: Any, written: str) -> bool:
    """Whether a cell still shows the text the build wrote."""
    return ("" if value is None else value) == as_read(written)


def _text(cell: Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return typed_text(str(value))


def _amount(reader: _Reader, grid: Grid, row: int, col: int,
            stored: Decimal | None) -> tuple[bool, Decimal | None]:
    """An amount cell: (ok, amount or None when blank). Unchanged cells keep `stored` exactly."""
    cell, where = grid[row, col], grid.where(row, col)
    value = cell.value
    if not _formula_input(reader, grid, row, col):
        return False, None
    if value is None or (isinstance(value, str) and not value.strip()):
        return True, None
    if isinstance(value, bool):
        reader.problem(where, "wrong-type", f"expected an amount, found {value}")
        return False, None
    if isinstance(value, (int, float)):
        if stored is not None and float(value) == cell_number(stored):
            return True, stored  # unchanged: keep the exact amount, digits beyond a double too
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if exact.is_finite() and abs(exact) <= MAX_AMOUNT:  # else parse_money says what is wrong
            cents = exact.quantize(CENT)
            if abs(exact - cents) <= Decimal("0.000001"):  # a binary float's noise, not a decimal
                exact = cents
        text = format(exact, "f")
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("€", "").strip()
    else:
        reader.problem(where, "wrong-type", f"expected an amount, found {value!r}")
        return False, None
    try:
        return True, parse_money(text)
    except MoneyError as error:
        reader.problem(where, error.code, error.message)
        return False, None


def _mark(reader: _Reader, grid: Grid, row: int, col: int) -> tuple[bool, bool, str]:
    """A funding cell: (ok, marked, note). `x` marks; text after it is the note."""
    cell, where = grid[row, col], grid.where(row, col)
    if cell.blank:
        return True, False, ""
    text = _text(cell).strip()
    if text[:1] in ("x", "X") and (len(text) == 1 or text[1].isspace()):
        return True, True, text[1:].strip()
    reader.problem(where, "mark-invalid",
                   f"{text!r} is not a funding mark; write x, or x and a note such as x (NCM?), "
                   "or leave the cell empty")
    return False, False, ""


def _formula_input(reader: _Reader, grid: Grid, row: int, col: int) -> bool:
    """An input cell holding a formula gives its stored result, with a warning: the plan keeps
    the value, not the formula. Without a stored result it is a problem (False)."""
    cell, where = grid[row, col], grid.where(row, col)
    if cell.formula is None:
        return True
    if cell.value is None:
        reader.problem(where, "formula-without-value",
                       f"holds the formula {cell.formula} with no stored result; open and save "
                       "the workbook in a spreadsheet program, or type the value")
        return False
    reader.findings[where] = Finding(
        "warning", "formula-in-cell",
        f"{where} holds the formula {cell.formula}; its result {cell.value!r} is read, and the "
        "plan keeps that value, not the formula")
    return True


class _Ids:
    """The line ids of a period, to give a line a person added without one a new id."""

    def __init__(self, taken: set[str]):
        self.taken = taken
        self.next: dict[str, int] = {}  # per base, the number to try next: no quadratic search

    def new(self, activity: str) -> str:
        """An id from the activity, unique in its period."""
        base = re.sub(r"[^a-z0-9]+", "-", activity.lower()).strip("-")[:40].strip("-") or "line"
        number = self.next.get(base, 1)
        candidate = base if number == 1 else f"{base}-{number}"
        while candidate in self.taken:
            number += 1
            candidate = f"{base}-{number}"
        self.next[base] = number + 1
        self.taken.add(candidate)
        return candidate


# --- sheets ----------------------------------------------------------------------------------

@dataclass
class _Columns:
    header: int
    amount: int
    notes: int | None
    sources: dict[str, int]


def _columns(reader: _Reader, grid: Grid, plan: Plan) -> _Columns | None:
    header = next((row for row in range(1, min(grid.max_row, HEADER_SEARCH_ROWS) + 1)
                   if grid.text(row, ID) == ID_HEADER
                   and grid.text(row, ACTIVITY) == ACTIVITY_HEADER), None)
    if header is None:
        reader.problem(grid.name, "missing-header",
                       f"no table header (a row starting {ID_HEADER!r}, {ACTIVITY_HEADER!r})")
        return None
    texts = {col: grid.text(header, col) for (row, col) in grid.cells if row == header}
    amount = next((col for col, text in sorted(texts.items()) if text.startswith(AMOUNT_HEADER)),
                  None)
    if amount is None:
        reader.problem(grid.where(header, AMOUNT), "missing-column",
                       f"no {AMOUNT_HEADER!r} column")
        return None
    notes = next((col for col, text in sorted(texts.items()) if text == NOTES_HEADER), None)
    sources: dict[str, int] = {}
    for col, text in sorted(texts.items()):
        if col <= amount or col == notes:
            continue
        source = next((s for s in plan.sources if s.id not in sources
                       and text in (as_read(s.name).strip(), s.id)), None)
        if source is not None:
            sources[source.id] = col
    missing = [source.name for source in plan.sources if source.id not in sources]
    if missing:
        reader.problem(grid.where(header, amount), "missing-column",
                       f"no column for source(s) {', '.join(missing)} in the header row")
        return None
    return _Columns(header, amount, notes, sources)


def _period(reader: _Reader, grid: Grid, stored: Period, plan: Plan,
            stated: Decimal) -> Period | None:
    """A period's lines as the sheet shows them now."""
    columns = _columns(reader, grid, plan)
    if columns is None:
        return None
    total_row = next((row for row in grid.rows(columns.header + 1)
                      if grid.text(row, ACTIVITY) == TOTAL_LABEL and grid[row, ID].blank), None)
    if total_row is None:
        reader.problem(grid.name, "missing-total",
                       f"no {TOTAL_LABEL!r} row under the lines (Activity column {TOTAL_LABEL!r}, "
                       "Id empty)")
        return None
    used = [ID, ACTIVITY, columns.amount, *columns.sources.values()] + (
        [columns.notes] if columns.notes else [])
    rows = [row for row in grid.rows(columns.header + 1, total_row - 1)
            if not all(grid[row, col].blank for col in used)]
    for row in grid.rows(total_row + 1):
        if any(not grid[row, col].blank for col in (columns.amount, *columns.sources.values())):
            reader.problem(grid.where(row, ID), "line-below-total",
                           f"row {row} is below the {TOTAL_LABEL} row, so the total leaves it out; "
                           "insert lines above the Total row")
    stored_lines = {line.id: line for line in stored.lines}
    explicit = {_text(grid[row, ID]).strip() for row in rows} - {""}
    taken = _Ids(set(explicit))
    seen: dict[str, str] = {}
    lines: list[Line] = []
    ok = True
    for row in rows:
        line = _line(reader, grid, row, columns, plan, stored_lines, taken)
        if line is None:
            ok = False
            continue
        if line.id in seen:
            reader.problem(grid.where(row, ID), "duplicate-id",
                           f"line id {line.id!r} is already used at {seen[line.id]}")
            ok = False
            continue
        seen[line.id] = grid.where(row, ID)
        lines.append(line)
    _check_total(reader, grid, stored, total_row, columns, rows)
    if not ok:
        return None
    if not lines:
        reader.problem(grid.name, "empty-period", "the period has no budget lines")
        return None
    return replace(stored, lines=tuple(lines), total=stated)


def _line(reader: _Reader, grid: Grid, row: int, columns: _Columns, plan: Plan,
          stored_lines: dict[str, Line], taken: _Ids) -> Line | None:
    text_columns = [ID, ACTIVITY, *columns.sources.values()] + (
        [columns.notes] if columns.notes else [])
    unread = {col for col in text_columns if not _formula_input(reader, grid, row, col)}
    ok = not unread
    activity_cell = grid[row, ACTIVITY]
    line_id = _text(grid[row, ID]).strip()
    stored = stored_lines.get(line_id)
    if stored is not None and _same_text(activity_cell.value, stored.activity):
        activity = stored.activity
    else:
        activity = _text(activity_cell)
    if not activity.strip() and ACTIVITY not in unread:
        reader.problem(grid.where(row, ACTIVITY), "missing-field", "the line has no activity")
        ok = False
    if not line_id:
        line_id = taken.new(activity)
    elif not LINE_ID.fullmatch(line_id):
        reader.problem(grid.where(row, ID), "invalid-id",
                       f"{line_id!r} is not a valid line id: letters, digits, '.', '-' or '_', "
                       "no spaces (or leave it empty for a new line)")
        ok = False
    amount_ok, amount = _amount(reader, grid, row, columns.amount,
                                stored.amount if stored else None)
    ok = ok and amount_ok
    marked: list[str] = []
    notes: dict[str, str] = {}
    stored_notes = dict(stored.source_notes) if stored else {}
    for source in plan.sources:
        cell = grid[row, columns.sources[source.id]]
        if stored is not None and _same_text(cell.value or "", mark(
                stored.sources, stored.note_for(source.id), source.id)):
            if source.id in stored.sources:
                marked.append(source.id)
            if source.id in stored_notes:
                notes[source.id] = stored_notes[source.id]
            continue
        if columns.sources[source.id] in unread:
            continue
        mark_ok, is_marked, note = _mark(reader, grid, row, columns.sources[source.id])
        ok = ok and mark_ok
        if is_marked:
            marked.append(source.id)
            if note:
                notes[source.id] = note
    line_notes = ""
    if columns.notes is not None:
        notes_cell = grid[row, columns.notes]
        if stored is not None and _same_text(notes_cell.value or "", stored.notes):
            line_notes = stored.notes
        else:
            line_notes = _text(notes_cell)
    if not ok:
        return None
    line = Line(line_id, activity, amount, tuple(marked), line_notes,
                tuple((source, notes[source]) for source in plan.source_ids if source in notes))
    if stored is None or not stored.years:
        return line
    # The years come from the _plan sheet; an edited amount moves them with it.
    years = stored.years if amount == stored.amount else stored.with_amount(amount).years
    return replace(line, years=years)


def _check_total(reader: _Reader, grid: Grid, stored: Period, total_row: int,
                 columns: _Columns, rows: list[int]) -> None:
    """A period total must be a formula that covers every line."""
    cell = grid[total_row, columns.amount]
    where = grid.where(total_row, columns.amount)
    if cell.formula is None or detached_formula(cell.formula):
        _overwritten(reader, grid.name, where, cell, f"the total of period {stored.id}",
                     period=stored.id)
        return
    found = _SUM_RANGE.fullmatch(cell.formula.replace(" ", ""))
    amount_rows = [row for row in rows if not grid[row, columns.amount].blank]
    if found and amount_rows:
        first, last = int(found.group(2)), int(found.group(4))
        outside = [row for row in amount_rows if not first <= row <= last]
        if outside:
            reader.findings[where] = Finding(
                "error", "total-range",
                f"{where}, the total of period {stored.id}, sums rows {first}-{last} but leaves "
                f"out the amount(s) in row(s) {', '.join(map(str, outside))}; widen its SUM or "
                "insert lines inside the table", period=stored.id)


#: A string in a formula, a name or cell reference in it (not a function), and a number's
#: exponent (`1E3`), which is neither.
_FORMULA_STRING = re.compile(r'"[^"]*"')
_FORMULA_NAME = re.compile(r"(?<![A-Za-z0-9_.$])([A-Za-z_\\$][A-Za-z0-9_.$]*)(\s*\()?")


def detached_formula(formula: str) -> str | None:
    """Why a formula no longer follows the workbook's cells, or None: it refers to another
    workbook (`[1]Sheet1!$A$1`), or to no cell and no name at all (`=600`), which is a typed
    number in a formula's clothes."""
    body = _FORMULA_STRING.sub("", formula)
    if "[" in body:
        return "refers to another workbook"
    if not any(not call and name.upper() not in ("TRUE", "FALSE")
               for name, call in _FORMULA_NAME.findall(body)):
        return "refers to no cell"
    return None


def _overwritten(reader: _Reader, sheet: str, where: str, cell: Cell, what: str,
                 period: str | None = None) -> None:
    value = cell.value
    if where in reader.findings:
        return
    if cell.formula is not None:
        reader.findings[where] = Finding(
            "error", "total-overwritten",
            f"{where}, {what}, holds the formula {cell.formula}, which "
            f"{detached_formula(cell.formula)}, instead of its formula, so it no longer follows "
            "the lines; restore the formula or rebuild the workbook", period=period)
        return
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value))
        fits = number.is_finite() and abs(number) <= MAX_AMOUNT  # 1e30 has no cents to show
        shown = display(number) if fits else repr(value)
        actual: Decimal | None = number.quantize(CENT) if fits else None
        kind = "number"
    else:
        shown, actual, kind = repr(str(value)), None, "value"
    reader.findings[where] = Finding(
        "error", "total-overwritten",
        f"{where}, {what}, holds the typed {kind} {shown} instead of its formula, so it no longer "
        "follows the lines; restore the formula or rebuild the workbook",
        period=period, actual=actual)


def _formula_cells(reader: _Reader, grids: dict[str, Grid], plan: Plan) -> None:
    """Every defined name of the build must still point into the workbook, and every cell
    under it must still hold a formula."""
    from openpyxl.utils.cell import range_boundaries

    labels = dict(FORMULA_BLOCKS)
    periods: dict[str, str] = {}
    for period_id, name in period_total_names(plan).items():
        labels[name] = f"the total of period {period_id}"
        periods[name] = period_id
    for source_id, name in source_total_names(plan).items():
        labels[name] = f"the allocated total of source {source_id}"
    for name in sorted(labels):
        destinations = reader.names.get(name)
        if destinations is None:
            if name != SOURCE_USE:
                reader.findings[name] = Finding(
                    "error", "name-missing",
                    f"the defined name {name} ({labels[name]}) is missing, so the formulas that "
                    "use it show #NAME?; rebuild the workbook with budget-planner build",
                    period=periods.get(name))
            continue
        for sheet, reference in destinations[:64] or [("", "")]:
            grid = grids.get(sheet)
            try:
                bounds = range_boundaries(reference.replace("$", ""))
            except (ValueError, TypeError):
                bounds = None
            if grid is None or bounds is None or len(destinations) > 64:
                shown = f"{sheet}!{reference}" if sheet else "no cell"
                reader.findings[name] = Finding(
                    "error", "name-broken",
                    f"the defined name {name} ({labels[name]}) points to {shown}, not to cells "
                    "of this workbook (a sheet or row deleted?); rebuild the workbook",
                    period=periods.get(name))
                break
            for row, col in _cells_in(grid, bounds):
                cell = grid[row, col]
                if cell.formula is None or detached_formula(cell.formula):
                    _overwritten(reader, sheet, grid.where(row, col), cell, labels[name],
                                 period=periods.get(name))


def _cells_in(grid: Grid, bounds: tuple[Any, ...]) -> list[tuple[int, int]]:
    """The filled cells of a range: by the range's cells when it is small, else by the grid's
    (a name may claim a whole sheet)."""
    min_col, min_row, max_col, max_row = bounds
    min_col, min_row = min_col or 1, min_row or 1
    max_col, max_row = max_col or MAX_COLUMN, max_row or MAX_ROW
    if (max_row - min_row + 1) * (max_col - min_col + 1) <= len(grid.cells):
        return [(row, col) for row in range(min_row, max_row + 1)
                for col in range(min_col, max_col + 1) if (row, col) in grid.cells]
    return sorted(key for key in grid.cells
                  if min_row <= key[0] <= max_row and min_col <= key[1] <= max_col)


def _summary(reader: _Reader, grid: Grid | None,
             plan: Plan) -> tuple[dict[str, Decimal], Decimal] | None:
    """Stated totals of each period and of the programme, as the Summary shows them."""
    if grid is None:
        reader.problem("", "missing-sheet", f"the workbook has no {SUMMARY!r} sheet")
        return None
    # The header row has both labels: a programme reference reading "Period" is not it.
    stated_cols = {row: col for (row, col) in sorted(grid.cells, reverse=True)
                   if grid.text(row, col) == STATED_HEADER}
    header = next((row for row in range(1, min(grid.max_row, HEADER_SEARCH_ROWS) + 1)
                   if grid.text(row, PERIOD) == PERIOD_HEADER and row in stated_cols), None)
    stated_col = None if header is None else stated_cols[header]
    if header is None or stated_col is None:
        reader.problem(SUMMARY, "missing-header",
                       f"no period table (a row starting {PERIOD_HEADER!r} with a "
                       f"{STATED_HEADER!r} column)")
        return None
    stated: dict[str, Decimal] = {}
    programme: Decimal | None = None
    ok = True
    by_id = {period.id: period for period in plan.periods}
    for row in grid.rows(header + 1):
        label = grid.text(row, PERIOD)
        if label == PROGRAMME_LABEL:
            amount_ok, programme = _amount(reader, grid, row, stated_col, plan.programme.total)
            if amount_ok and programme is None:
                reader.problem(grid.where(row, stated_col), "missing-field",
                               "the stated programme total is empty")
                amount_ok = False
            ok = ok and amount_ok
            break
        if label in by_id and label not in stated:
            amount_ok, amount = _amount(reader, grid, row, stated_col, by_id[label].total)
            if amount_ok and amount is None:
                reader.problem(grid.where(row, stated_col), "missing-field",
                               f"the stated total of period {label} is empty")
                amount_ok = False
            ok = ok and amount_ok
            if amount is not None:
                stated[label] = amount
    for period in plan.periods:
        if period.id not in stated and ok:
            reader.problem(SUMMARY, "missing-row",
                           f"the period table has no row for period {period.id}")
            ok = False
    if programme is None and ok:
        reader.problem(SUMMARY, "missing-row", f"the period table has no {PROGRAMME_LABEL!r} row")
        ok = False
    return (stated, programme) if ok and programme is not None else None


def read_workbook(path: Path | str) -> WorkbookRead:
    """Read a workbook made by `build` (and perhaps edited) into a plan, problems, findings."""
    reader = _Reader(Path(path))
    grids = _open(reader)
    if grids is None:
        return WorkbookRead(None, tuple(reader.problems))
    stored = _stored_plan(reader, grids)
    if stored is None:
        return WorkbookRead(None, tuple(reader.problems))
    totals = _summary(reader, grids.get(SUMMARY), stored)
    sheet_names = period_sheet_names(stored)
    periods: list[Period] = []
    for period in stored.periods:
        grid = grids.get(sheet_names[period.id])
        if grid is None:
            reader.problem("", "missing-sheet",
                           f"the workbook has no sheet {sheet_names[period.id]!r} for period "
                           f"{period.id}")
            continue
        read = _period(reader, grid, period, stored,
                       totals[0].get(period.id, period.total) if totals else period.total)
        if read is not None:
            periods.append(read)
    _formula_cells(reader, grids, stored)
    if reader.problems or totals is None:
        return WorkbookRead(None, tuple(reader.problems), tuple(reader.findings.values()))
    plan = replace(stored, programme=replace(stored.programme, total=totals[1]),
                   periods=tuple(periods), files=(reader.file,))
    # The result must be a valid plan file too (e.g. funding rules naming a removed line).
    checked, problems = _load_text(plan_toml(plan), plan.name)
    for problem in problems:
        reader.problem(problem.path, problem.code, problem.message)
    if checked is None:
        return WorkbookRead(None, tuple(reader.problems), tuple(reader.findings.values()))
    return WorkbookRead(plan, (), tuple(reader.findings.values()))


def load_workbook_plan(path: Path | str) -> tuple[Plan | None, list[Problem]]:
    """Like `load_plan`, for a workbook: the plan and no problems, or None and every problem."""
    read = read_workbook(path)
    return read.plan, list(read.problems)


def reconcile_workbook(path: Path | str) -> tuple[Reconciliation | None, list[Problem]]:
    """`check` on a workbook: the plan's reconciliation plus the workbook's own findings."""
    read = read_workbook(path)
    if read.plan is None:
        return None, list(read.problems)
    result = reconcile(read.plan, funding=funding_findings(read.plan))
    return replace(result, findings=result.findings + read.findings), []

