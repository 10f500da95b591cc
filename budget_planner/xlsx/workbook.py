"""The Excel budget workbook: a plan, its reconciliation and its allocation as one .xlsx file.

Every total is a live formula that also carries the engine's exact value as its cached result,
so readers that never recalculate (previews, pandas, openpyxl) show the right numbers, and a
person who edits an amount sees the totals follow. The workbook is written by XlsxWriter in
memory, with fixed document properties and zip timestamps, so one plan always gives the same
bytes; the hidden `_plan` sheet keeps the exact plan, so `import` can give it back.

Where things sit is in `layout`, shared with `reader`, which reads what this writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.version import __version__
from ..core.files import shown_path
from ..core.model import AllocationResult, Finding, Period, Plan, mark
from ..core.money import ZERO, display
from ..planfile.writer import plan_toml
from ..engine.allocation import funding_findings
from ..engine.phasing import Phasing, phasing
from ..engine.reconcile import reconcile
from ..views.dates import DocumentDate, document_date
from ..views.funding_rules import funding_rules
from ..views.palette import UNFUNDED_COLOUR, source_colours
from .document import WorkbookError, deterministic_book, finished_bytes
from .figures import WorkbookFigures, workbook_figures
from .phasing_sheet import phasing_sheet
from .layout import (MAX_COLUMN, ABOUT, ACTIVITY_COL, ACTIVITY_HEADER, ALLOCATED_COL, ALLOCATION,
                     ALLOCATION_ACTIVITY_COL, AMOUNT_COL, BINDING_COL, CAP_COL, COMPUTED_COL,
                     DIFFERENCE_COL, FINDINGS, FINDINGS_HEADER_ROW, FIRST_SOURCE_COL, ID_COL,
                     ID_HEADER, NOTES_HEADER, PERIOD_COL, PERIOD_HEADER, PERIOD_HEADER_ROW,
                     PLAN_CELL_CHARACTERS, PLAN_FORMAT, PLAN_MARKER, PLAN_MARKER_ROW,
                     PLAN_SHEET, PLAN_TEXT_ROW, PROGRAMME_LABEL, REMAINING_COL, RULES,
                     SHADOW_COL, SOURCES, SOURCES_HEADER_ROW, STATED_COL, STATED_HEADER,
                     STATUS_COL, SUMMARY, SUMMARY_HEADER_ROW, TITLE_COL, TOTAL_LABEL,
                     UTILISATION_BAR_COL, UTILISATION_COL, WorkbookLayout, amount_header,
                     cell_name, sheet_ref, workbook_layout)
from .measure import FONT_NAME, column_px, text_px
from .sheet import (BAND_FILL, ERROR, INFO, MUTED, SECTION_SIZE, SMALL_SIZE, SYMBOLS,
                    WARNING, Book, Sheet, chart_rows)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

# --- inputs ----------------------------------------------------------------------------------

def content_hash(plan: Plan) -> str:
    """sha256 of the plan's canonical TOML: equal plans, equal hashes, whatever the layout."""
    return "sha256:" + hashlib.sha256(plan_toml(plan).encode("utf-8")).hexdigest()


def file_hash(path: str) -> str:
    try:
        return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "(not readable)"


# --- building ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BuildInfo:
    """What the About sheet records besides the plan: inputs and how the allocation was made."""

    plan_files: tuple[str, ...] = ()
    scenario_files: tuple[str, ...] = ()


def _status(difference: Decimal) -> str:
    return "OK" if difference == 0 else "MISMATCH"


def _sum(sheet: str | None, first: int, last: int, col: int) -> str:
    """`=SUM(C5:C12)` over rows of one column, on another sheet when `sheet` is given."""
    where = f"{sheet_ref(sheet)}!" if sheet else ""
    return f"=SUM({where}{cell_name(first, col)}:{cell_name(last, col)})"


def _row_sum(row: int, first_col: int, last_col: int) -> str:
    return f"=SUM({cell_name(row, first_col)}:{cell_name(row, last_col)})"


def _subtotal(first: int, last: int, col: int) -> str:
    """A sum that the sums around it leave out: a period's subtotal, or the total of every
    line (SUBTOTAL skips the subtotals inside its range)."""
    return f"=SUBTOTAL(9,{cell_name(first, col)}:{cell_name(last, col)})"


def _allocated_formula(layout: WorkbookLayout, source: str, period: str | None) -> str:
    """The formula of a source's allocation in a period (None: the programme)."""
    if period is None:
        return f"={layout.source_total_names[source]}"
    col = layout.allocation.source_cols[source]
    return f"={sheet_ref(ALLOCATION)}!{cell_name(layout.allocation.subtotal_rows[period], col)}"


def _check(row: int, first_col: int, last_col: int, amount_col: int, *,
           blank_without_amount: bool) -> str:
    """OK when the sources and the part not funded add up to the amount."""
    amount = cell_name(row, amount_col)
    test = (f'IF(ROUND(SUM({cell_name(row, first_col)}:{cell_name(row, last_col)})-{amount},2)'
            f'=0,"OK","MISMATCH")')
    return f'=IF({amount}="","",{test})' if blank_without_amount else f"={test}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_AMOUNT_VALIDATION = {
    "validate": "decimal", "criteria": ">=", "value": 0,
    "input_title": "Amount",
    "input_message": "An amount of 0 or more, in whole cents.",
    "error_title": "Not an amount",
    "error_message": "Enter a number of 0 or more (at most two decimals).",
}


# --- summary ---------------------------------------------------------------------------------

def _summary_sheet(sheet: Sheet, figures: WorkbookFigures, layout: WorkbookLayout,
                   date: DocumentDate) -> None:
    plan, styles, reconciliation = figures.plan, sheet.styles, figures.reconciliation
    place = layout.summary
    ws = sheet.ws
    last_col = max(TITLE_COL, place.total_col)
    sheet.title(plan.programme.name, last_col)
    if plan.programme.reference:
        sheet.note(1, plan.programme.reference, 0, last_col)
    sheet.note(2, f"Amounts in {plan.programme.currency}, as of {date.text}. Stated totals are "
                  "the plan's; computed totals are formulas over the period sheets.", 0, last_col)
    header = SUMMARY_HEADER_ROW
    for col, label, align in ((PERIOD_COL, PERIOD_HEADER, "left"),
                              (STATED_COL, STATED_HEADER, "right"),
                              (COMPUTED_COL, "Computed total", "right"),
                              (DIFFERENCE_COL, "Difference", "right"),
                              (STATUS_COL, "Status", "center"), (TITLE_COL, "Title", "left")):
        sheet.header(header, col, label, align)
    status_format = styles.get(align="center", bold=True)
    for period, check in zip(plan.periods, reconciliation.periods):
        row = place.period_rows[period.id]
        sheet.text(row, PERIOD_COL, period.id)
        sheet.money(row, STATED_COL, period.total, styles.money_input())
        sheet.formula(row, COMPUTED_COL, f"={layout.periods[period.id].total_name}",
                      check.computed, styles.money())
        sheet.formula(row, DIFFERENCE_COL, f"=ROUND({cell_name(row, COMPUTED_COL)}-"
                                           f"{cell_name(row, STATED_COL)},2)",
                      check.difference, styles.money())
        sheet.formula(row, STATUS_COL, f'=IF({cell_name(row, DIFFERENCE_COL)}=0,"OK","MISMATCH")',
                      _status(check.difference), status_format, bold=True)
        years = f"{period.first_year}–{period.last_year}"
        shown_years = period.id != f"{period.first_year}-{period.last_year}"
        title = f"{years}: {period.title}" if shown_years and period.title else (
            years if shown_years else period.title)
        sheet.text(row, TITLE_COL, title)
    first, last, programme_row = place.first, place.last, place.programme_row
    check = reconciliation.programme
    sheet.text(programme_row, PERIOD_COL, PROGRAMME_LABEL, bold=True, top=1, bottom=6)
    sheet.money(programme_row, STATED_COL, plan.programme.total,
                styles.money_input(bold=True, top=1, bottom=6), bold=True)
    sheet.formula(programme_row, COMPUTED_COL, _sum(None, first, last, COMPUTED_COL),
                  check.computed, styles.total_money(), bold=True)
    sheet.formula(programme_row, DIFFERENCE_COL,
                  f"=ROUND({cell_name(programme_row, COMPUTED_COL)}-"
                  f"{cell_name(programme_row, STATED_COL)},2)",
                  check.difference, styles.total_money(), bold=True)
    sheet.formula(programme_row, STATUS_COL,
                  f'=IF({cell_name(programme_row, DIFFERENCE_COL)}=0,"OK","MISMATCH")',
                  _status(check.difference), styles.total_text(align="center"), bold=True)
    sheet.blank(programme_row, TITLE_COL, styles.total_text())
    ws.data_validation(first, STATED_COL, programme_row, STATED_COL, _AMOUNT_VALIDATION)
    sheet.status_colours(first, STATUS_COL, programme_row, STATUS_COL)
    bottom = _funding_table(sheet, figures, layout)
    ws.freeze_panes(header + 1, 1)
    sheet.print_setup(header, bottom, last_col, one_page=True)
    sheet.finish()


def _axis_format(currency: str, largest: Decimal) -> str:
    """An axis of money in the currency's symbol, in millions or thousands when they are big."""
    symbol = SYMBOLS.get(currency, currency)
    if largest >= 1_000_000:
        return f'#,##0.0,,"\u00a0M\u00a0{symbol}"'
    if largest >= 10_000:
        return f'#,##0,"\u00a0k\u00a0{symbol}"'
    return f'#,##0"\u00a0{symbol}"'


def _funding_table(sheet: Sheet, figures: WorkbookFigures, layout: WorkbookLayout) -> int:
    """Funding by source per period (the Allocation sheet's subtotals) and two charts of it:
    the amounts, and each period's split in shares, which a small period's bar is too short
    to show. Returns the last row the charts cover."""
    plan, styles = figures.plan, sheet.styles
    place = layout.summary
    header, total_col = place.funding_header, place.total_col
    sheet.text(header - 1, 0, "Funding by source", spill=True, bold=True,
               font_size=SECTION_SIZE)
    periods = plan.periods
    sheet.header(header, 0, "Source")
    for number, period in enumerate(periods):
        sheet.header(header, 1 + number, period.id, "right")
    sheet.header(header, total_col, TOTAL_LABEL, "right")
    for source in plan.sources:
        row = place.source_rows[source.id]
        sheet.text(row, 0, source.name)
        for number, period in enumerate(periods):
            sheet.formula(row, 1 + number, _allocated_formula(layout, source.id, period.id),
                          figures.by_source[source.id, period.id], styles.money())
        sheet.formula(row, total_col, _row_sum(row, 1, total_col - 1),
                      figures.by_source[source.id, None], styles.money(bold=True), bold=True)
    row = gap_row = place.gap_row
    sheet.text(row, 0, "Not funded", italic=True)
    for number, period in enumerate(periods):
        subtotal = cell_name(layout.allocation.subtotal_rows[period.id], layout.allocation.gap_col)
        sheet.formula(row, 1 + number, f"={sheet_ref(ALLOCATION)}!{subtotal}",
                      figures.gap_by_period[period.id], styles.money(italic=True))
    sheet.formula(row, total_col, _row_sum(row, 1, total_col - 1), figures.gap_by_period[None],
                  styles.money(bold=True, italic=True), bold=True)
    row = place.funding_total_row
    sheet.text(row, 0, TOTAL_LABEL, bold=True, top=1, bottom=6)
    for number, period in enumerate(periods):
        sheet.formula(row, 1 + number, _sum(None, header + 1, row - 1, 1 + number),
                      figures.funding_by_period[period.id], styles.total_money(), bold=True)
    sheet.formula(row, total_col, _sum(None, header + 1, row - 1, total_col),
                  figures.funding_by_period[None], styles.total_money(), bold=True)

    colours = source_colours(plan.source_ids)
    font = {"name": FONT_NAME, "size": 8}
    categories = [SUMMARY, header, 1, header, total_col - 1]
    largest = max((figures.funding_by_period[period.id] for period in periods), default=ZERO)
    charts = []
    for subtype, title, axis in (
            ("stacked", f"Funding by source per period ({plan.programme.currency})",
             {"num_format": _axis_format(plan.programme.currency, largest), "min": 0}),
            ("percent_stacked", "Each period's funding by source",
             {"num_format": "0%", "min": 0, "max": 1})):
        chart = sheet.out.book.add_chart({"type": "column", "subtype": subtype})
        for source in plan.sources:
            series_row = place.source_rows[source.id]
            chart.add_series({
                "name": [SUMMARY, series_row, 0], "categories": categories,
                "values": [SUMMARY, series_row, 1, series_row, total_col - 1],
                "fill": {"color": colours[source.id]},
                "border": {"color": "#FFFFFF", "width": 0.5}, "gap": 80})
        chart.add_series({
            "name": [SUMMARY, gap_row, 0], "categories": categories,
            "values": [SUMMARY, gap_row, 1, gap_row, total_col - 1],
            "fill": {"color": UNFUNDED_COLOUR}, "border": {"color": "#FFFFFF", "width": 0.5},
            "gap": 80})
        chart.set_title({"name": title, "name_font": {**font, "size": 10, "bold": True}})
        chart.set_y_axis({**axis, "num_font": font, "line": {"none": True},
                          "major_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}}})
        chart.set_x_axis({"num_font": font})
        chart.set_legend({"position": "bottom", "font": font})
        chart.set_chartarea({"border": {"none": True}})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        charts.append(chart)
    top = row + 2
    sheet.ws.insert_chart(top, 0, charts[0], {"object_position": 2})
    sheet.ws.insert_chart(top, 0, charts[1], {"object_position": 2,
                                              "x_offset": CHART_WIDTH + 16})
    return top + chart_rows(CHART_HEIGHT)


#: The Summary's two charts, side by side, in pixels.
CHART_WIDTH, CHART_HEIGHT = 470, 300


# --- period sheets ---------------------------------------------------------------------------

def _period_sheet(out: Book, figures: WorkbookFigures, layout: WorkbookLayout,
                  period: Period) -> None:
    plan, styles = figures.plan, out.styles
    place = layout.periods[period.id]
    sources, notes_col = plan.sources, place.notes_col
    # A source's column is as wide as its marks, up to MARK_WIDTH; longer notes wrap in it.
    marks = {source.id: [mark(line.sources, line.note_for(source.id), source.id)
                         for line in period.lines] for source in sources}
    wide = {place.source_cols[source]: MARK_WIDTH for source, shown in marks.items()
            if max(map(text_px, shown), default=0.0) > column_px(MARK_WIDTH)}
    sheet = out.sheet(place.name, {ID_COL: 8, ACTIVITY_COL: 50, AMOUNT_COL: 12, notes_col: 30,
                                   **{place.source_cols[source.id]: 6 for source in sources},
                                   **wide},
                      wrapped={ACTIVITY_COL, notes_col, *wide})
    ws = sheet.ws
    sheet.title(f"{period.id}: {period.title}" if period.title else period.id, notes_col)
    sheet.note(1, f"{plan.programme.name}. Years {period.first_year}–{period.last_year}; "
                  f"amounts in {plan.programme.currency}. Edit amounts, marks (x) and notes; "
                  "insert new lines above the Total row.", 0, notes_col)
    header = PERIOD_HEADER_ROW
    sheet.header(header, ID_COL, ID_HEADER)
    sheet.header(header, ACTIVITY_COL, ACTIVITY_HEADER)
    sheet.header(header, AMOUNT_COL, amount_header(plan.programme.currency), "right")
    for source in sources:
        sheet.header(header, place.source_cols[source.id], source.name, "center")
    sheet.header(header, notes_col, NOTES_HEADER)
    for line in period.lines:
        row = place.line_rows[line.id]
        sheet.text(row, ID_COL, line.id, font_color="#7F7F7F", font_size=SMALL_SIZE)
        sheet.text(row, ACTIVITY_COL, line.activity)
        sheet.money(row, AMOUNT_COL, line.amount, styles.money_input())
        for source in sources:
            sheet.text(row, place.source_cols[source.id],
                       mark(line.sources, line.note_for(source.id), source.id),
                       align="center", locked=False)
        sheet.text(row, notes_col, line.notes, locked=False)
    total_row = place.total_row
    sheet.blank(total_row, ID_COL, styles.total_text())
    sheet.text(total_row, ACTIVITY_COL, TOTAL_LABEL, wrap=False, bold=True, top=1, bottom=6)
    sheet.formula(total_row, AMOUNT_COL, _sum(None, place.first, place.last, AMOUNT_COL),
                  period.computed_total, styles.total_money(), bold=True)
    for col in range(FIRST_SOURCE_COL, notes_col + 1):
        sheet.blank(total_row, col, styles.total_text())
    ws.data_validation(place.first, AMOUNT_COL, place.last, AMOUNT_COL, _AMOUNT_VALIDATION)
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header, total_row, notes_col)
    sheet.finish()


#: The widest a source's column grows for marks with notes; wider notes wrap.
MARK_WIDTH = 16


# --- funding rules ---------------------------------------------------------------------------

def _rules_sheet(out: Book, plan: Plan) -> None:
    styles = out.styles
    sheet = out.sheet(RULES, {0: 10, 1: 80, 2: 24}, wrapped={1})
    sheet.title("Funding rules", 2)
    sheet.note(1, "The rules the allocation keeps: caps, co-financing shares, pledges and the "
                  "preference, in words, each with the file and the place it is set in.", 0, 2)
    header = 3
    for col, label in enumerate(("Rule", "In words", "Set in")):
        sheet.header(header, col, label)
    rules = funding_rules(plan)
    for row, rule in enumerate(rules, start=header + 1):
        sheet.text(row, 0, rule.kind, bold=True)
        sheet.text(row, 1, rule.words)
        sheet.text(row, 2, rule.origin, font_color=MUTED)
    last = header + len(rules)
    if len(rules) == 1:  # the preference alone: say so
        last += 2
        sheet.note(last, "The plan sets no cap, share or pledge: every source marked on a line "
                         "may pay any part of it.", 0, 2, italic=True)
    sheet.ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header, last, 2)
    sheet.finish()


# --- allocation ------------------------------------------------------------------------------

def _allocation_sheet(out: Book, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    plan, styles, result = figures.plan, out.styles, figures.allocation
    place = layout.allocation
    sources = plan.sources
    gap_col, amount_col = place.gap_col, place.amount_col
    check_col, reason_col = place.check_col, place.reason_col
    first_source = ALLOCATION_ACTIVITY_COL + 1
    sheet = out.sheet(ALLOCATION, {ALLOCATION_ACTIVITY_COL: 34, reason_col: 38,
                                   **{col: 9 for col in range(first_source, check_col + 1)}},
                      wrapped={ALLOCATION_ACTIVITY_COL, reason_col})
    ws = sheet.ws
    sheet.title("Allocation: who pays for what", reason_col)
    if result is None:
        status = "No allocation was computed for this workbook."
    else:
        status = (f"Solver {result.solver}, status {result.status}; amounts in "
                  f"{plan.programme.currency}. Each line's sources and the part not funded add "
                  "up to its amount (Check). Grey: a source not marked for the line; –: a "
                  "marked source that gives nothing.")
    sheet.note(1, status, 0, reason_col)
    row = 2
    for conflict in (result.conflicts if result else ()):
        sheet.note(row, conflict.message, 0, reason_col, font_color=ERROR)
        row += 1
    for note in (result.notes if result else ()):
        sheet.note(row, note.message, 0, reason_col, font_color=WARNING)
        row += 1
    header = place.header
    sheet.header(header, ALLOCATION_ACTIVITY_COL, ACTIVITY_HEADER)
    for source in sources:
        sheet.header(header, place.source_cols[source.id], source.name, "right")
    sheet.header(header, gap_col, "Not funded", "right")
    sheet.header(header, amount_col, amount_header(plan.programme.currency), "right")
    sheet.header(header, check_col, "Check", "center")
    sheet.header(header, reason_col, "Why not funded")
    not_eligible = styles.get(bg_color="#E7E9EE")
    check_format = styles.get(align="center", bold=True)
    for period in plan.periods:
        heading_row = place.heading_rows[period.id]
        sheet.note(heading_row, f"{period.id}: {period.title}" if period.title else period.id,
                   ALLOCATION_ACTIVITY_COL, reason_col, bold=True, bg_color=BAND_FILL)
        for line in period.lines:
            key = (period.id, line.id)
            row = place.line_rows[key]
            sheet.text(row, ALLOCATION_ACTIVITY_COL, line.activity, indent=1)
            for source in sources:
                col = place.source_cols[source.id]
                amount = figures.allocated.get((period.id, line.id, source.id))
                if amount is not None:
                    sheet.money(row, col, amount, styles.money_dash())
                elif source.id not in line.sources:
                    sheet.blank(row, col, not_eligible)
            gap = figures.gaps.get(key)
            if gap is not None:
                sheet.money(row, gap_col, gap, styles.money())
            ref = layout.periods[period.id].amount_ref(line.id)
            sheet.formula(row, amount_col, f'=IF(ISNUMBER({ref}),{ref},"")', line.amount,
                          styles.money())
            sheet.formula(row, check_col,
                          _check(row, first_source, gap_col, amount_col,
                                 blank_without_amount=True),
                          "" if line.amount is None else
                          _status(figures.line_funding[key] - line.amount), check_format,
                          bold=True, shown="MISMATCH")
            sheet.text(row, reason_col, "; ".join(figures.gap_reasons.get(key, ())))
        first, last = place.period_rows[period.id]
        row = place.subtotal_rows[period.id]
        subtotal_text = styles.get(bold=True, top=1)
        sheet.text(row, ALLOCATION_ACTIVITY_COL, f"Subtotal {period.id}", wrap=False,
                   bold=True, top=1)
        for source in sources:
            col = place.source_cols[source.id]
            sheet.formula(row, col, _subtotal(first, last, col),
                          figures.by_source[source.id, period.id],
                          styles.money(bold=True, top=1), bold=True)
        sheet.formula(row, gap_col, _subtotal(first, last, gap_col),
                      figures.gap_by_period[period.id], styles.money(bold=True, top=1),
                      bold=True)
        sheet.formula(row, amount_col, _subtotal(first, last, amount_col),
                      period.computed_total, styles.money(bold=True, top=1), bold=True)
        sheet.formula(row, check_col, _check(row, first_source, gap_col, amount_col,
                                             blank_without_amount=False),
                      _status(figures.funding_by_period[period.id] - period.computed_total),
                      styles.get(align="center", bold=True, top=1), bold=True, shown="MISMATCH")
        sheet.blank(row, reason_col, subtotal_text)
    total_row = place.total_row
    sheet.text(total_row, ALLOCATION_ACTIVITY_COL, TOTAL_LABEL, wrap=False, bold=True, top=1,
               bottom=6)
    for source in sources:
        col = place.source_cols[source.id]
        sheet.formula(total_row, col, _subtotal(place.first, place.last, col),
                      figures.by_source[source.id, None], styles.total_money(), bold=True)
    sheet.formula(total_row, gap_col, _subtotal(place.first, place.last, gap_col),
                  figures.gap_by_period[None], styles.total_money(), bold=True)
    sheet.formula(total_row, amount_col, _subtotal(place.first, place.last, amount_col),
                  figures.amount_total, styles.total_money(), bold=True)
    sheet.formula(total_row, check_col, _check(total_row, first_source, gap_col, amount_col,
                                               blank_without_amount=False),
                  _status(figures.funding_total - figures.amount_total),
                  styles.total_text(align="center"), bold=True, shown="MISMATCH")
    sheet.blank(total_row, reason_col, styles.total_text())
    sheet.status_colours(place.first, check_col, total_row, check_col)
    ws.freeze_panes(header + 1, 1)
    sheet.print_setup(header, total_row, reason_col)
    sheet.finish()


# --- sources ---------------------------------------------------------------------------------

def _sources_sheet(out: Book, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    plan, styles = figures.plan, out.styles
    sheet = out.sheet(SOURCES, {UTILISATION_BAR_COL: 10})
    ws = sheet.ws
    sheet.title("Funding sources: caps and use", SHADOW_COL)
    sheet.note(1, f"Amounts in {plan.programme.currency}. Allocated sums the Allocation sheet. "
                  "A cap binds when the allocation uses all of it; its shadow price is how much "
                  "less would go unfunded for each extra unit of the cap. Funding per period of "
                  "sources without a cap is on the Summary.", 0, SHADOW_COL)
    header = SOURCES_HEADER_ROW
    for col, label, align in ((0, "Source", "left"), (1, "Scope", "left"),
                              (CAP_COL, "Cap", "right"), (ALLOCATED_COL, "Allocated", "right"),
                              (REMAINING_COL, "Remaining", "right"),
                              (UTILISATION_COL, "Utilisation", "right"),
                              (UTILISATION_BAR_COL, "", "left"),
                              (BINDING_COL, "Cap binds", "center"),
                              (SHADOW_COL, "Shadow price", "right")):
        sheet.header(header, col, label, align)
    place = layout.sources
    for row, (source_id, period_id) in enumerate(place.rows, start=place.first):
        use = figures.source_uses[source_id, period_id]
        whole = {"bold": True} if period_id is None else {}  # the programme-wide row
        sheet.text(row, 0, plan.source(source_id).name if source_id in plan.source_ids
                   else source_id, **whole)
        sheet.text(row, 1, "Programme" if period_id is None else period_id, **whole)
        if use.cap is None:
            sheet.text(row, CAP_COL, "no cap", align="right", italic=True, font_color=MUTED)
        else:
            sheet.money(row, CAP_COL, use.cap, styles.money(**whole), **whole)
        if source_id in layout.allocation.source_cols and (
                period_id is None or period_id in layout.allocation.period_rows):
            sheet.formula(row, ALLOCATED_COL, _allocated_formula(layout, source_id, period_id),
                          use.allocated, styles.money(**whole), **whole)
        else:
            sheet.money(row, ALLOCATED_COL, ZERO, styles.money())
        cap_cell, allocated_cell = cell_name(row, CAP_COL), cell_name(row, ALLOCATED_COL)
        sheet.formula(row, REMAINING_COL, f'=IF(ISNUMBER({cap_cell}),'
                                          f'ROUND({cap_cell}-{allocated_cell},2),"")',
                      use.remaining, styles.money())
        sheet.formula(row, UTILISATION_COL, f'=IF(ISNUMBER({cap_cell}),IF({cap_cell}>0,'
                                            f'{allocated_cell}/{cap_cell},""),"")',
                      "" if use.utilisation is None else Decimal(float(use.utilisation)),
                      styles.get(num_format="0.0%"), shown="100.0%")
        utilisation = cell_name(row, UTILISATION_COL)
        sheet.formula(row, UTILISATION_BAR_COL,
                      f'=IF(ISNUMBER({utilisation}),MIN({utilisation},1),"")',
                      "" if use.utilisation is None else
                      Decimal(float(min(use.utilisation, Decimal(1)))),
                      styles.get(num_format=";;;"), shown="")
        if use.cap is not None:
            sheet.text(row, BINDING_COL, "yes" if use.binding else "no", align="center")
        if use.binding and use.shadow_price is not None:
            sheet.number(row, SHADOW_COL, float(use.shadow_price),
                         styles.get(num_format="#,##0.00"), display(use.shadow_price))
    first, last = place.first, place.last
    if last >= first:
        ws.conditional_format(first, UTILISATION_BAR_COL, last, UTILISATION_BAR_COL, {
            "type": "data_bar", "bar_color": "#8EA9DB", "bar_solid": True, "bar_only": True,
            "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
        ws.conditional_format(first, BINDING_COL, last, BINDING_COL, {
            "type": "cell", "criteria": "==", "value": '"yes"',
            "format": styles.get(bold=True, font_color=ERROR)})
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header, max(last, header + 1), SHADOW_COL)
    sheet.finish()


# --- findings --------------------------------------------------------------------------------

def _findings_sheet(out: Book, figures: WorkbookFigures) -> None:
    styles, reconciliation, result = out.styles, figures.reconciliation, figures.allocation
    sheet = out.sheet(FINDINGS, {4: 60}, wrapped={4})
    ws = sheet.ws
    sheet.title("Findings: reconciliation of the plan", 7)
    counts = {severity: reconciliation.count(severity)
              for severity in ("error", "warning", "info")}
    sheet.note(1, f"{_plural(counts['error'], 'error', 'errors')}, "
                  f"{_plural(counts['warning'], 'warning', 'warnings')}, "
                  f"{counts['info']} info, as budget-planner check reports them when the "
                  "workbook was built.", 0, 7)
    header = FINDINGS_HEADER_ROW
    labels = ["Severity", "Code", "Period", "Line", "Message", "Expected", "Actual",
              "Difference"]
    for col, label in enumerate(labels):
        sheet.header(header, col, label, "right" if col >= 5 else "left")
    row = header
    findings: tuple[Finding, ...] = reconciliation.findings
    for finding in findings:
        row += 1
        sheet.text(row, 0, finding.severity, bold=True)
        sheet.text(row, 1, finding.code)
        sheet.text(row, 2, finding.period or "")
        sheet.text(row, 3, finding.line or "")
        sheet.text(row, 4, finding.message)
        for col, amount in ((5, finding.expected), (6, finding.actual),
                            (7, finding.difference)):
            if amount is not None:
                sheet.money(row, col, amount, styles.money())
    if not findings:
        row += 1
        sheet.note(row, "No findings: every line, period and programme total reconciles.", 0, 7,
                   italic=False)
    else:
        for severity, colour in (("error", ERROR), ("warning", WARNING), ("info", INFO)):
            ws.conditional_format(header + 1, 0, row, 0, {
                "type": "cell", "criteria": "==", "value": f'"{severity}"',
                "format": styles.get(bold=True, font_color=colour)})
    allocation_note = _allocation_note(figures)
    if allocation_note:
        row += 2
        sheet.note(row, allocation_note, 0, 7, bold=True, font_color=WARNING)
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header, row, 7)
    sheet.finish()


def _allocation_note(figures: WorkbookFigures) -> str:
    """What the allocation leaves undone, which reconciliation does not report."""
    result = figures.allocation
    if result is not None and result.status != "optimal":
        return (f"The funding rules conflict ({_plural(len(result.conflicts), 'conflict', 'conflicts')}"
                "): no allocation keeps them all, so every amount is shown as not funded; the "
                "Allocation sheet names each conflict.")
    total = figures.gap_by_period[None]
    if total <= 0:
        return ""
    lines = len(figures.gaps)
    return (f"The allocation leaves {display(total)} {figures.plan.programme.currency} not "
            f"funded on {_plural(lines, 'line', 'lines')}: the Allocation sheet says why for "
            "each.")


# --- about -----------------------------------------------------------------------------------

def _about_sheet(out: Book, figures: WorkbookFigures, info: BuildInfo,
                 date: DocumentDate) -> None:
    plan, styles, result = figures.plan, out.styles, figures.allocation
    sheet = out.sheet(ABOUT, {0: 18, 1: 90}, wrapped={1})
    sheet.title("About this workbook", 1)
    rows: list[tuple[str, str]] = [
        ("Programme", plan.programme.name),
        ("Reference", plan.programme.reference),
        ("Description", plan.programme.description),
        ("Currency", plan.programme.currency),
        ("Document date", date.explained),
        ("Plan", plan.name),
    ]
    files = info.plan_files or plan.files
    rows += [("Plan file", f"{shown_path(name)}  ({file_hash(name)})") for name in files] or [
        ("Plan file", "(none: the plan was not read from a file)")]
    rows.append(("Plan content hash", content_hash(plan)))
    rows += [("Scenario", f"{shown_path(name)}  ({file_hash(name)})")
             for name in info.scenario_files] or [("Scenario", "none")]
    if result is None:
        rows.append(("Solver", "no allocation computed"))
    else:
        rows.append(("Solver", f"{result.solver} (status {result.status}, objective "
                               f"{result.objective})"))
    rows += [
        ("Package", f"budget-planner {__version__}"),
        ("Round trip", "budget-planner import WORKBOOK -o PLAN.toml reads the period sheets "
                       "(amounts, marks, notes, added lines) and the stated totals on the "
                       "Summary back into a plan file; budget-planner check WORKBOOK "
                       "reconciles it."),
    ]
    header = 2
    sheet.header(header, 0, "Item")
    sheet.header(header, 1, "Value")
    row = header
    for key, value in rows:
        row += 1
        sheet.text(row, 0, key, bold=True)
        sheet.text(row, 1, value)
    row += 2
    sources_header = row
    sheet.header(row, 0, "Source")
    sheet.header(row, 1, "Name and description")
    for source in plan.sources:
        row += 1
        sheet.text(row, 0, source.id)
        sheet.text(row, 1, f"{source.name}: {source.description}" if source.description
                   else source.name)
    del sources_header
    sheet.print_setup(header, row, 1)
    sheet.finish()


# --- the exact plan, for import --------------------------------------------------------------

def _plan_sheet(out: Book, plan: Plan) -> None:
    ws = out.book.add_worksheet(PLAN_SHEET)
    ws.write_string(PLAN_MARKER_ROW, 0, PLAN_MARKER)
    ws.write_string(PLAN_MARKER_ROW, 1, PLAN_FORMAT)
    ws.write_string(PLAN_MARKER_ROW, 2, plan.name)
    ws.write_string(1, 0, "The plan this workbook was built from, as TOML, one line a row; "
                          "budget-planner import reads it. Edit the other sheets, not this "
                          "one.")
    limit = PLAN_CELL_CHARACTERS
    # openpyxl drops every "x005F_" it reads (the escape of a literal "_xHHHH_"); written
    # as a TOML escape inside strings, such text comes back whole.
    text = plan_toml(plan).replace("x005F_", "x005F\\u005F")
    for number, line in enumerate(text.split("\n"), start=PLAN_TEXT_ROW):
        for col, start in enumerate(range(0, len(line), limit)):
            ws.write_string(number, col, line[start:start + limit])
    ws.set_column(0, 0, 120)
    ws.hide()


# --- the whole workbook ----------------------------------------------------------------------

#: Writes one more sheet (such as Progress) with the workbook's helpers (`out.sheet(name,
#: widths)` gives a `sheet.Sheet` with text, money and formula writers and the print set-up)
#: and the layout of the others.
SheetWriter = Callable[[Any, WorkbookLayout], None]


def _write(book: "Workbook", figures: WorkbookFigures, layout: WorkbookLayout, info: BuildInfo,
           date: DocumentDate, sheets: Sequence[SheetWriter] = ()) -> None:
    """Every sheet, each from the figures and the layout alone."""
    out = Book(book, figures.plan.programme.name, date.text)
    summary = out.sheet(SUMMARY, {PERIOD_COL: 10, TITLE_COL: 46}, wrapped={TITLE_COL})
    _summary_sheet(summary, figures, layout, date)
    for period in figures.plan.periods:
        _period_sheet(out, figures, layout, period)
    _rules_sheet(out, figures.plan)
    _allocation_sheet(out, figures, layout)
    _sources_sheet(out, figures, layout)
    phasing_sheet(out, figures, layout)
    _findings_sheet(out, figures)
    for write in sheets:
        write(out, layout)
    _about_sheet(out, figures, info, date)
    _plan_sheet(out, figures.plan)
    for name, reference in layout.names.items():
        book.define_name(name, reference)
    summary.ws.activate()


def build_workbook(plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None, date: DocumentDate | None = None,
                   sheets: Sequence[SheetWriter] = (), phased: Phasing | None = None) -> bytes:
    """The workbook's bytes: the same plan, allocation, inputs and document date always give
    the same bytes. The date is the plan's, else SOURCE_DATE_EPOCH's, else today's. `sheets`
    write further sheets (such as Progress) after Findings; `phased` is the plan by year with
    its N+n check at a date (computed without one when not given)."""
    date = document_date(plan) if date is None else date
    phased = phased or phasing(plan, allocation)
    reconciliation = reconcile(plan, funding=(*funding_findings(plan), *phased.n_plus_n_findings))
    figures = workbook_figures(plan, reconciliation, allocation, phased)
    layout = workbook_layout(plan, allocation, phased)
    spare = MAX_COLUMN - 1 - layout.allocation.reason_col  # the widest sheet's last column
    if spare < 0:
        raise WorkbookError(f"the plan has {len(plan.sources):,} funding sources, a column each; "
                            f"a sheet has {MAX_COLUMN:,} columns, so a workbook holds "
                            f"{len(plan.sources) + spare:,} sources at most")
    book, buffer = deterministic_book(
        f"{plan.programme.name}: budget", "Programme budget and co-financing",
        f"Built by budget-planner {__version__} from plan {plan.name}", date.when)
    _write(book, figures, layout, info or BuildInfo(), date, sheets)
    return finished_bytes(book, buffer, date.when)


def write_workbook(path: Path | str, plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None) -> Path:
    """Build in memory, then replace `path` atomically: a failed build leaves it untouched."""
    from ..core.files import write_atomic

    return write_atomic(path, build_workbook(plan, allocation, info=info))
