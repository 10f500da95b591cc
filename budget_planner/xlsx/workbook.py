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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..core.version import __version__
from ..core.files import shown_path
from ..core.model import AllocationResult, Finding, Period, Plan, mark
from ..core.money import ZERO
from ..planfile.writer import plan_toml
from ..engine.allocation import funding_findings
from ..engine.phasing import Phasing, phasing
from ..engine.reconcile import reconcile
from .document import (FIXED_EPOCH, deterministic_book, document_time, finished_bytes,
                       written_number)
from .figures import WorkbookFigures, workbook_figures
from .phasing_sheet import phasing_sheet
from .layout import (ABOUT, ACTIVITY_COL, ACTIVITY_HEADER, ALLOCATED_COL, ALLOCATION, AMOUNT_COL,
                     CAP_COL, COMPUTED_COL, DIFFERENCE_COL, FINDINGS, FINDINGS_HEADER_ROW,
                     FIRST_SOURCE_COL, ID_COL, ID_HEADER, NOTES_HEADER, PERIOD_COL,
                     PERIOD_HEADER, PERIOD_HEADER_ROW, PLAN_CELL_CHARACTERS, PLAN_FORMAT,
                     PLAN_MARKER, PLAN_MARKER_ROW, PLAN_SHEET, PLAN_TEXT_ROW, PROGRAMME_LABEL,
                     REMAINING_COL, SOURCES, SOURCES_HEADER_ROW, STATED_COL, STATED_HEADER,
                     STATUS_COL, SUMMARY, SUMMARY_HEADER_ROW, TOTAL_LABEL, UTILISATION_COL,
                     WorkbookLayout, amount_header, cell_name, sheet_ref, workbook_layout)

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: Text that a spreadsheet would run as a formula if typed; such plan text is stored as text.
FORMULA_START = ("=", "+", "-", "@")


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


class _Styles:
    """The workbook's cell formats, created once each."""

    def __init__(self, book: "Workbook", currency: str):
        self._book = book
        self._cache: dict[tuple[tuple[str, Any], ...], "Format"] = {}
        symbol = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥"}.get(currency,
                                                                                   currency)
        self.money_format = f'#,##0.00 "{symbol}";[Red]-#,##0.00 "{symbol}"'
        self.base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}

    def get(self, **props: Any) -> "Format":
        merged = {**self.base, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self._book.add_format(merged)
        return self._cache[key]

    # Named looks, so that every sheet uses the same ones.
    def title(self) -> "Format":
        return self.get(bold=True, font_size=14, valign="vcenter")

    def subtitle(self) -> "Format":
        return self.get(italic=True, font_color="#595959")

    def header(self) -> "Format":
        return self.get(bold=True, bg_color="#DDE4EE", bottom=1, text_wrap=True, valign="vcenter")

    def header_right(self) -> "Format":
        return self.get(bold=True, bg_color="#DDE4EE", bottom=1, text_wrap=True, valign="vcenter",
                        align="right")

    def text(self, *, quote: bool = False, **props: Any) -> "Format":
        return self.get(**{"text_wrap": True, **props, **({"quote_prefix": True} if quote else {})})

    def money(self, **props: Any) -> "Format":
        return self.get(num_format=self.money_format, **props)

    def money_dash(self) -> "Format":
        """Money that shows a zero as a dash: a source marked on a line that gives nothing."""
        return self.get(num_format=self.money_format + ';"–"')

    def money_input(self) -> "Format":
        return self.get(num_format=self.money_format, locked=False, bg_color="#FFFBEA")

    def total_money(self) -> "Format":
        return self.get(num_format=self.money_format, bold=True, top=1, bottom=6)

    def total_text(self) -> "Format":
        return self.get(bold=True, top=1, bottom=6)


class _Book:
    """The workbook being written, its cell formats, and the programme name every printed page
    carries."""

    def __init__(self, book: "Workbook", plan: Plan):
        self.book = book
        self.styles = _Styles(book, plan.programme.currency)
        self.programme = plan.programme.name

    def sheet(self, name: str, widths: dict[int, float]) -> "_Sheet":
        return _Sheet(self, name, widths)


class _Sheet:
    """One worksheet with the helpers every sheet needs: safe text, money, formulas."""

    def __init__(self, out: _Book, name: str, widths: dict[int, float]):
        self.out = out
        self.name = name
        self.ws: "Worksheet" = out.book.add_worksheet(name)
        self.styles = out.styles
        self.widths = widths
        for col, width in widths.items():
            self.ws.set_column(col, col, width)
        #: Text lines of the tallest wrapped cell in each row (clients do not size rows on load).
        self.lines: dict[int, int] = {}

    def text(self, row: int, col: int, value: str, **props: Any) -> None:
        """Plan text is always a string cell; formula-looking text gets a quote prefix too."""
        value = value or ""
        quote = value.startswith(FORMULA_START)
        if not value and not props:
            return
        self.ws.write_string(row, col, value, self.styles.text(quote=quote, **props))
        if props.get("text_wrap", True) and value:
            per_line = max(1, int(self.widths.get(col, 8.43) * 1.15))
            lines = sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
            self.lines[row] = max(self.lines.get(row, 1), lines)

    def finish(self, header_row: int | None = None) -> None:
        """Row heights for wrapped text; a taller header row."""
        for row, lines in sorted(self.lines.items()):
            if lines > 1 and row != header_row:
                self.ws.set_row(row, 13 * lines)
        if header_row is not None:
            self.ws.set_row(header_row, 30)

    def money(self, row: int, col: int, amount: Decimal | None, fmt: "Format") -> None:
        if amount is None:
            self.ws.write_blank(row, col, None, fmt)
        else:
            self.ws.write_number(row, col, written_number(amount), fmt)

    def formula(self, row: int, col: int, formula: str, value: Decimal | str | None,
                fmt: "Format | None" = None) -> None:
        """A formula with the engine's value cached, for readers that do not recalculate."""
        cached: Any = "" if value is None else (
            value if isinstance(value, str) else written_number(value))
        self.ws.write_formula(row, col, formula, fmt, cached)

    def status_colours(self, first_row: int, first_col: int, last_row: int,
                       last_col: int) -> None:
        """OK in green, MISMATCH in red, over a block of status cells."""
        _status_colours(self.ws, first_row, first_col, last_row, last_col, self.styles)

    def print_setup(self, header_row: int, *, columns: str | None = None) -> None:
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        ws.repeat_rows(header_row)
        if columns:
            ws.repeat_columns(columns)
        # "&" starts a header code and digits after "&8" would extend the font size.
        name = "".join(char for char in self.out.programme if char.isprintable())
        title = name.replace("&", "&&")[:100]
        ws.set_header(f"&L&8 {title}&R&8 &A")
        ws.set_footer("&L&8 budget-planner&R&8 Page &P of &N")


def _sum(sheet: str | None, first: int, last: int, col: int) -> str:
    """`=SUM(C5:C12)` over rows of one column, on another sheet when `sheet` is given."""
    where = f"{sheet_ref(sheet)}!" if sheet else ""
    return f"=SUM({where}{cell_name(first, col)}:{cell_name(last, col)})"


def _row_sum(row: int, first_col: int, last_col: int) -> str:
    return f"=SUM({cell_name(row, first_col)}:{cell_name(row, last_col)})"


def _allocated_formula(layout: WorkbookLayout, source: str, period: str | None) -> str:
    """The formula of a source's allocation in a period (None: the programme)."""
    if period is None:
        return f"={layout.source_total_names[source]}"
    first, last = layout.allocation.period_rows[period]
    return _sum(ALLOCATION, first, last, layout.allocation.source_cols[source])


# --- period sheets ---------------------------------------------------------------------------

def _period_sheet(out: _Book, figures: WorkbookFigures, layout: WorkbookLayout,
                  period: Period) -> None:
    plan, styles = figures.plan, out.styles
    place = layout.periods[period.id]
    sources, notes_col = plan.sources, place.notes_col
    sheet = out.sheet(place.name, {
        ID_COL: 16, ACTIVITY_COL: 58, AMOUNT_COL: 17,
        **{place.source_cols[source.id]: 12 for source in sources}, notes_col: 34})
    ws = sheet.ws
    sheet.text(0, 0, f"{period.id}: {period.title}" if period.title else period.id,
               **{"bold": True, "font_size": 14, "text_wrap": False})
    ws.write_string(1, 0, f"{plan.programme.name}. Years {period.first_year}-"
                          f"{period.last_year}; amounts in {plan.programme.currency}. Edit "
                          "amounts, marks (x) and notes; insert new lines above the Total row.",
                    styles.subtitle())
    header = PERIOD_HEADER_ROW
    ws.write_string(header, ID_COL, ID_HEADER, styles.header())
    ws.write_string(header, ACTIVITY_COL, ACTIVITY_HEADER, styles.header())
    ws.write_string(header, AMOUNT_COL, amount_header(plan.programme.currency),
                    styles.header_right())
    for source in sources:
        sheet.text(header, place.source_cols[source.id], source.name, bold=True,
                   bg_color="#DDE4EE", bottom=1, align="center", valign="vcenter")
    ws.write_string(header, notes_col, NOTES_HEADER, styles.header())
    for line in period.lines:
        row = place.line_rows[line.id]
        sheet.text(row, ID_COL, line.id, font_color="#7F7F7F", font_size=9)
        sheet.text(row, ACTIVITY_COL, line.activity)
        sheet.money(row, AMOUNT_COL, line.amount, styles.money_input())
        for source in sources:
            sheet.text(row, place.source_cols[source.id],
                       mark(line.sources, line.note_for(source.id), source.id),
                       align="center", locked=False)
        sheet.text(row, notes_col, line.notes, locked=False)
    total_row = place.total_row
    ws.write_blank(total_row, ID_COL, None, styles.total_text())
    ws.write_string(total_row, ACTIVITY_COL, TOTAL_LABEL, styles.total_text())
    sheet.formula(total_row, AMOUNT_COL, _sum(None, place.first, place.last, AMOUNT_COL),
                  period.computed_total, styles.total_money())
    for col in range(FIRST_SOURCE_COL, notes_col + 1):
        ws.write_blank(total_row, col, None, styles.total_text())
    ws.data_validation(place.first, AMOUNT_COL, place.last, AMOUNT_COL, _AMOUNT_VALIDATION)
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header)
    sheet.finish(header)


# --- allocation ------------------------------------------------------------------------------

def _allocation_sheet(out: _Book, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    plan, styles, result = figures.plan, out.styles, figures.allocation
    place = layout.allocation
    sources = plan.sources
    gap_col, sum_col, amount_col = place.gap_col, place.sum_col, place.amount_col
    check_col, reason_col = place.check_col, place.reason_col
    first_source = FIRST_SOURCE_COL
    sheet = out.sheet(ALLOCATION, {
        0: 11, 1: 16, 2: 46, **{col: 15 for col in range(first_source, amount_col + 1)},
        check_col: 11, reason_col: 40})
    ws = sheet.ws
    ws.write_string(0, 0, "Allocation: who pays for what", styles.title())
    if result is None:
        status = "No allocation was computed for this workbook."
    else:
        status = (f"Solver {result.solver}, status {result.status}; amounts in "
                  f"{plan.programme.currency}. Each line's sources plus the part not funded "
                  "equal its amount (Check column).")
    ws.write_string(1, 0, status, styles.subtitle())
    row = 2
    for conflict in (result.conflicts if result else ()):
        sheet.text(row, 0, conflict.message, text_wrap=False, font_color="#C00000")
        row += 1
    for note in (result.notes if result else ()):
        sheet.text(row, 0, note.message, text_wrap=False, font_color="#7F6000")
        row += 1
    header = place.header
    for col, label in enumerate([PERIOD_HEADER, ID_HEADER, ACTIVITY_HEADER]):
        ws.write_string(header, col, label, styles.header())
    for source in sources:
        sheet.text(header, place.source_cols[source.id], source.name, bold=True,
                   bg_color="#DDE4EE", bottom=1, align="right", valign="vcenter")
    for col, label in ((gap_col, "Not funded"), (sum_col, "Sources + not funded"),
                       (amount_col, amount_header(plan.programme.currency))):
        ws.write_string(header, col, label, styles.header_right())
    ws.write_string(header, check_col, "Check", styles.header())
    ws.write_string(header, reason_col, "Why not funded", styles.header())
    not_eligible = styles.get(bg_color="#F2F2F2")
    for period in plan.periods:
        for line in period.lines:
            key = (period.id, line.id)
            row = place.line_rows[key]
            sheet.text(row, 0, period.id, text_wrap=False)
            sheet.text(row, 1, line.id, font_color="#7F7F7F", font_size=9, text_wrap=False)
            sheet.text(row, 2, line.activity)
            for source in sources:
                col = place.source_cols[source.id]
                amount = figures.allocated.get((period.id, line.id, source.id))
                if amount is not None:
                    sheet.money(row, col, amount, styles.money_dash())
                elif source.id not in line.sources:
                    ws.write_blank(row, col, None, not_eligible)
            gap = figures.gaps.get(key)
            if gap is not None:
                sheet.money(row, gap_col, gap, styles.money())
            line_sum = figures.line_funding[key]
            sheet.formula(row, sum_col, _row_sum(row, first_source, gap_col), line_sum,
                          styles.money())
            ref = layout.periods[period.id].amount_ref(line.id)
            sheet.formula(row, amount_col, f"=IF(ISNUMBER({ref}),{ref},\"\")", line.amount,
                          styles.money())
            here_sum, here_amount = cell_name(row, sum_col), cell_name(row, amount_col)
            sheet.formula(row, check_col,
                          f'=IF({here_amount}="","",IF(ROUND({here_sum}-{here_amount},2)=0,'
                          f'"OK","MISMATCH"))',
                          "" if line.amount is None else _status(line_sum - line.amount),
                          styles.get(align="center", bold=True))
            sheet.text(row, reason_col, "; ".join(figures.gap_reasons.get(key, ())))
    first_line, last_line, total_row = place.first, place.last, place.total_row
    ws.write_string(total_row, 0, TOTAL_LABEL, styles.total_text())
    ws.write_blank(total_row, 1, None, styles.total_text())
    ws.write_blank(total_row, 2, None, styles.total_text())
    for source in sources:
        col = place.source_cols[source.id]
        sheet.formula(total_row, col, _sum(None, first_line, last_line, col),
                      figures.by_source[source.id, None], styles.total_money())
    sheet.formula(total_row, gap_col, _sum(None, first_line, last_line, gap_col),
                  figures.gap_by_period[None], styles.total_money())
    for col, value in ((sum_col, figures.funding_total), (amount_col, figures.amount_total)):
        sheet.formula(total_row, col, _sum(None, first_line, last_line, col), value,
                      styles.total_money())
    sheet.formula(total_row, check_col,
                  f'=IF(ROUND({cell_name(total_row, sum_col)}-'
                  f'{cell_name(total_row, amount_col)},2)=0,"OK","MISMATCH")',
                  _status(figures.funding_total - figures.amount_total),
                  styles.get(align="center", bold=True, top=1, bottom=6))
    ws.write_blank(total_row, reason_col, None, styles.total_text())
    _status_colours(ws, first_line, check_col, total_row, check_col, styles)
    ws.freeze_panes(header + 1, 3)
    sheet.print_setup(header, columns="A:C")
    sheet.finish(header)


# --- sources ---------------------------------------------------------------------------------

def _sources_sheet(out: _Book, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    plan, styles = figures.plan, out.styles
    sheet = out.sheet(SOURCES, {0: 16, 1: 16, 2: 17, 3: 17, 4: 17, 5: 12, 6: 12, 7: 14})
    ws = sheet.ws
    ws.write_string(0, 0, "Funding sources: caps and use", styles.title())
    ws.write_string(1, 0, f"Amounts in {plan.programme.currency}. Allocated sums the "
                          "Allocation sheet; a binding cap limits the allocation (its shadow "
                          "price is what one more unit of cap would save).", styles.subtitle())
    header = SOURCES_HEADER_ROW
    labels = ["Source", "Scope", "Cap", "Allocated", "Remaining", "Utilisation", "Binding",
              "Shadow price"]
    for col, label in enumerate(labels):
        ws.write_string(header, col, label,
                        styles.header_right() if 2 <= col <= 5 or col == 7 else styles.header())
    place = layout.sources
    for row, (source_id, period_id) in enumerate(place.rows, start=place.first):
        use = figures.source_uses[source_id, period_id]
        whole = {"bold": True} if period_id is None else {}  # the programme-wide row
        sheet.text(row, 0, plan.source(source_id).name if source_id in plan.source_ids
                   else source_id, text_wrap=False, **whole)
        sheet.text(row, 1, "Programme" if period_id is None else period_id, text_wrap=False,
                   **whole)
        sheet.money(row, CAP_COL, use.cap, styles.money(**whole))
        if source_id in layout.allocation.source_cols and (
                period_id is None or period_id in layout.allocation.period_rows):
            sheet.formula(row, ALLOCATED_COL, _allocated_formula(layout, source_id, period_id),
                          use.allocated, styles.money(**whole))
        else:
            sheet.money(row, ALLOCATED_COL, ZERO, styles.money())
        cap_cell, allocated_cell = cell_name(row, CAP_COL), cell_name(row, ALLOCATED_COL)
        sheet.formula(row, REMAINING_COL, f'=IF(ISNUMBER({cap_cell}),'
                                          f'ROUND({cap_cell}-{allocated_cell},2),"")',
                      use.remaining, styles.money())
        sheet.formula(row, UTILISATION_COL, f'=IF(ISNUMBER({cap_cell}),IF({cap_cell}>0,'
                                            f'{allocated_cell}/{cap_cell},""),"")',
                      "" if use.utilisation is None else Decimal(float(use.utilisation)),
                      styles.get(num_format="0.0%"))
        ws.write_string(row, 6, "" if use.binding is None else ("yes" if use.binding else "no"),
                        styles.get(align="center"))
        if use.shadow_price is not None:
            ws.write_number(row, 7, float(use.shadow_price), styles.get(num_format="#,##0.0000"))
    first, last = place.first, place.last
    if last >= first:
        ws.conditional_format(first, ALLOCATED_COL, last, ALLOCATED_COL, {
            "type": "data_bar", "bar_color": "#8EA9DB", "bar_solid": True})
        ws.conditional_format(first, UTILISATION_COL, last, UTILISATION_COL, {
            "type": "data_bar", "bar_color": "#F4B183", "bar_solid": True,
            "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
        ws.conditional_format(first, 6, last, 6, {
            "type": "cell", "criteria": "==", "value": '"yes"',
            "format": styles.get(bold=True, font_color="#C00000")})
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header)
    sheet.finish(header)


# --- findings --------------------------------------------------------------------------------

def _findings_sheet(out: _Book, figures: WorkbookFigures) -> None:
    styles, reconciliation = out.styles, figures.reconciliation
    sheet = out.sheet(FINDINGS, {0: 10, 1: 24, 2: 16, 3: 16, 4: 70, 5: 17, 6: 17, 7: 17})
    ws = sheet.ws
    ws.write_string(0, 0, "Findings: reconciliation of the plan", styles.title())
    counts = {severity: reconciliation.count(severity)
              for severity in ("error", "warning", "info")}
    ws.write_string(1, 0, f"{counts['error']} error(s), {counts['warning']} warning(s), "
                          f"{counts['info']} info, as `budget-planner check` reports them when "
                          "the workbook was built.", styles.subtitle())
    header = FINDINGS_HEADER_ROW
    labels = ["Severity", "Code", "Period", "Line", "Message", "Expected", "Actual",
              "Difference"]
    for col, label in enumerate(labels):
        ws.write_string(header, col, label, styles.header_right() if col >= 5 else
                        styles.header())
    row = header
    findings: tuple[Finding, ...] = reconciliation.findings
    for finding in findings:
        row += 1
        ws.write_string(row, 0, finding.severity, styles.get(bold=True))
        sheet.text(row, 1, finding.code, text_wrap=False)
        sheet.text(row, 2, finding.period or "", text_wrap=False)
        sheet.text(row, 3, finding.line or "", text_wrap=False)
        sheet.text(row, 4, finding.message)
        for col, amount in ((5, finding.expected), (6, finding.actual),
                            (7, finding.difference)):
            if amount is not None:
                sheet.money(row, col, amount, styles.money())
    if not findings:
        ws.write_string(header + 1, 0, "No findings: every total reconciles.", styles.get())
    else:
        for severity, colour in (("error", "#C00000"), ("warning", "#9C5700"),
                                 ("info", "#1F4E79")):
            ws.conditional_format(header + 1, 0, row, 0, {
                "type": "cell", "criteria": "==", "value": f'"{severity}"',
                "format": out.book.add_format({"font_color": colour})})
    ws.freeze_panes(header + 1, 0)
    sheet.print_setup(header)
    sheet.finish()


# --- about -----------------------------------------------------------------------------------

def _about_sheet(out: _Book, figures: WorkbookFigures, info: BuildInfo, when: datetime) -> None:
    plan, styles, result = figures.plan, out.styles, figures.allocation
    sheet = out.sheet(ABOUT, {0: 20, 1: 100})
    ws = sheet.ws
    ws.write_string(0, 0, "About this workbook", styles.title())
    rows: list[tuple[str, str]] = [
        ("Programme", plan.programme.name),
        ("Reference", plan.programme.reference),
        ("Description", plan.programme.description),
        ("Currency", plan.programme.currency),
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
        ("Document date", when.strftime("%Y-%m-%dT%H:%M:%SZ")
         + ("" if when != FIXED_EPOCH else " (fixed; set SOURCE_DATE_EPOCH to choose)")),
        ("Round trip", "budget-planner import WORKBOOK -o PLAN.toml reads the period sheets "
                       "(amounts, marks, notes, added lines) and the stated totals on the "
                       "Summary back into a plan file; budget-planner check WORKBOOK "
                       "reconciles it."),
    ]
    for number, (key, value) in enumerate(rows, start=2):
        ws.write_string(number, 0, key, styles.get(bold=True))
        sheet.text(number, 1, value)
    row = len(rows) + 3
    ws.write_string(row, 0, "Sources", styles.header())
    ws.write_string(row, 1, "Name and description", styles.header())
    for source in plan.sources:
        row += 1
        sheet.text(row, 0, source.id, text_wrap=False)
        sheet.text(row, 1, f"{source.name}: {source.description}" if source.description
                   else source.name)
    sheet.print_setup(0)
    sheet.finish()


# --- the exact plan, for import --------------------------------------------------------------

def _plan_sheet(out: _Book, plan: Plan) -> None:
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


# --- summary ---------------------------------------------------------------------------------

def _summary_sheet(sheet: _Sheet, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    plan, styles, reconciliation = figures.plan, sheet.styles, figures.reconciliation
    place = layout.summary
    ws = sheet.ws
    sheet.text(0, 0, plan.programme.name, bold=True, font_size=14, text_wrap=False)
    if plan.programme.reference:
        sheet.text(1, 0, plan.programme.reference, italic=True, font_color="#595959",
                   text_wrap=False)
    ws.write_string(2, 0, f"Amounts in {plan.programme.currency}. Stated totals are the plan's; "
                          "computed totals are formulas over the period sheets.",
                    styles.subtitle())
    header = SUMMARY_HEADER_ROW
    labels = [PERIOD_HEADER, "Years", STATED_HEADER, "Computed total", "Difference", "Status",
              "Title"]
    for col, label in enumerate(labels):
        ws.write_string(header, col, label,
                        styles.header_right() if 2 <= col <= 4 else styles.header())
    status_format = styles.get(align="center", bold=True)
    for period, check in zip(plan.periods, reconciliation.periods):
        row = place.period_rows[period.id]
        sheet.text(row, PERIOD_COL, period.id, text_wrap=False)
        ws.write_string(row, 1, f"{period.first_year}-{period.last_year}", styles.get())
        sheet.money(row, STATED_COL, period.total, styles.money_input())
        sheet.formula(row, COMPUTED_COL, f"={layout.periods[period.id].total_name}",
                      check.computed, styles.money())
        sheet.formula(row, DIFFERENCE_COL, f"=ROUND({cell_name(row, COMPUTED_COL)}-"
                                           f"{cell_name(row, STATED_COL)},2)",
                      check.difference, styles.money())
        sheet.formula(row, STATUS_COL, f'=IF({cell_name(row, DIFFERENCE_COL)}=0,"OK","MISMATCH")',
                      _status(check.difference), status_format)
        sheet.text(row, 6, period.title)
    first, last, programme_row = place.first, place.last, place.programme_row
    check = reconciliation.programme
    ws.write_string(programme_row, PERIOD_COL, PROGRAMME_LABEL, styles.total_text())
    years = (f"{min(p.first_year for p in plan.periods)}-"
             f"{max(p.last_year for p in plan.periods)}")
    ws.write_string(programme_row, 1, years, styles.total_text())
    sheet.money(programme_row, STATED_COL, plan.programme.total,
                styles.get(num_format=styles.money_format, bold=True, top=1, bottom=6,
                           locked=False, bg_color="#FFFBEA"))
    sheet.formula(programme_row, COMPUTED_COL, _sum(None, first, last, COMPUTED_COL),
                  check.computed, styles.total_money())
    sheet.formula(programme_row, DIFFERENCE_COL,
                  f"=ROUND({cell_name(programme_row, COMPUTED_COL)}-"
                  f"{cell_name(programme_row, STATED_COL)},2)",
                  check.difference, styles.total_money())
    sheet.formula(programme_row, STATUS_COL,
                  f'=IF({cell_name(programme_row, DIFFERENCE_COL)}=0,"OK","MISMATCH")',
                  _status(check.difference),
                  styles.get(align="center", bold=True, top=1, bottom=6))
    ws.write_blank(programme_row, 6, None, styles.total_text())
    ws.data_validation(first, STATED_COL, programme_row, STATED_COL, _AMOUNT_VALIDATION)
    _status_colours(ws, first, STATUS_COL, programme_row, STATUS_COL, styles)
    _funding_table(sheet, figures, layout)
    ws.freeze_panes(header + 1, 1)
    sheet.print_setup(header)
    sheet.finish(header)


def _funding_table(sheet: _Sheet, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    """Funding by source per period (sums of the Allocation sheet) and its chart."""
    plan, styles, ws = figures.plan, sheet.styles, sheet.ws
    place = layout.summary
    header, total_col = place.funding_header, place.total_col
    ws.write_string(header - 1, 0, "Funding by source", styles.get(bold=True, font_size=12))
    periods = plan.periods
    ws.write_string(header, 0, "Source", styles.header())
    for number, period in enumerate(periods):
        sheet.text(header, 1 + number, period.id, bold=True, bg_color="#DDE4EE", bottom=1,
                   align="right", text_wrap=False)
    ws.write_string(header, total_col, TOTAL_LABEL, styles.header_right())
    for source in plan.sources:
        row = place.source_rows[source.id]
        sheet.text(row, 0, source.name, text_wrap=False)
        for number, period in enumerate(periods):
            sheet.formula(row, 1 + number, _allocated_formula(layout, source.id, period.id),
                          figures.by_source[source.id, period.id], styles.money())
        sheet.formula(row, total_col, _row_sum(row, 1, total_col - 1),
                      figures.by_source[source.id, None], styles.money(bold=True))
    row = gap_row = place.gap_row
    ws.write_string(row, 0, "Not funded", styles.get(italic=True))
    for number, period in enumerate(periods):
        first, last = layout.allocation.period_rows[period.id]
        sheet.formula(row, 1 + number, _sum(ALLOCATION, first, last, layout.allocation.gap_col),
                      figures.gap_by_period[period.id], styles.money(italic=True))
    sheet.formula(row, total_col, _row_sum(row, 1, total_col - 1), figures.gap_by_period[None],
                  styles.money(bold=True, italic=True))
    row = place.funding_total_row
    ws.write_string(row, 0, TOTAL_LABEL, styles.total_text())
    for number, period in enumerate(periods):
        sheet.formula(row, 1 + number, _sum(None, header + 1, row - 1, 1 + number),
                      figures.funding_by_period[period.id], styles.total_money())
    sheet.formula(row, total_col, _sum(None, header + 1, row - 1, total_col),
                  figures.funding_by_period[None], styles.total_money())
    chart = sheet.out.book.add_chart({"type": "column", "subtype": "stacked"})
    palette = ["#1F4E79", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#BF9000", "#FFD966",
               "#7030A0", "#C55A11", "#F4B183"]
    categories = [SUMMARY, header, 1, header, total_col - 1]
    series_rows = [place.source_rows[source.id] for source in plan.sources]
    for number, series_row in enumerate(series_rows + [gap_row]):
        is_gap = series_row == gap_row
        chart.add_series({
            "name": [SUMMARY, series_row, 0],
            "categories": categories,
            "values": [SUMMARY, series_row, 1, series_row, total_col - 1],
            "fill": {"color": "#D9D9D9" if is_gap else palette[number % len(palette)]},
            "border": {"none": True},
        })
    chart.set_title({"name": "Funding by source per period", "name_font": {"size": 12}})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {
        "visible": True, "line": {"color": "#E7E6E6"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 340})
    ws.insert_chart(row + 2, 0, chart, {"object_position": 2})


_AMOUNT_VALIDATION = {
    "validate": "decimal", "criteria": ">=", "value": 0,
    "input_title": "Amount",
    "input_message": "An amount of 0 or more, in whole cents.",
    "error_title": "Not an amount",
    "error_message": "Enter a number of 0 or more (at most two decimals).",
}


def _status_colours(ws: "Worksheet", first_row: int, first_col: int, last_row: int,
                    last_col: int, styles: _Styles) -> None:
    ws.conditional_format(first_row, first_col, last_row, last_col, {
        "type": "cell", "criteria": "==", "value": '"OK"',
        "format": styles.get(font_color="#006100", bg_color="#C6EFCE")})
    ws.conditional_format(first_row, first_col, last_row, last_col, {
        "type": "cell", "criteria": "==", "value": '"MISMATCH"',
        "format": styles.get(font_color="#9C0006", bg_color="#FFC7CE")})


# --- the whole workbook ----------------------------------------------------------------------

#: Writes one more sheet (such as Progress) with the workbook's helpers (`out.sheet(name,
#: widths)` gives a sheet with text, money and formula writers) and the layout of the others.
SheetWriter = Callable[[Any, WorkbookLayout], None]


def _write(book: "Workbook", figures: WorkbookFigures, layout: WorkbookLayout, info: BuildInfo,
           when: datetime, sheets: Sequence[SheetWriter] = ()) -> None:
    """Every sheet, each from the figures and the layout alone. The Summary is the first tab
    but is filled last: XlsxWriter numbers shared strings in the order they are written, so
    this order keeps the bytes of earlier builds (the content does not depend on it)."""
    out = _Book(book, figures.plan)
    summary = out.sheet(SUMMARY, {0: 24, 1: 17, 2: 17, 3: 17, 4: 17, 5: 17, 6: 60})
    for period in figures.plan.periods:
        _period_sheet(out, figures, layout, period)
    _allocation_sheet(out, figures, layout)
    _sources_sheet(out, figures, layout)
    phasing_sheet(out, figures, layout)
    _findings_sheet(out, figures)
    for write in sheets:
        write(out, layout)
    _about_sheet(out, figures, info, when)
    _plan_sheet(out, figures.plan)
    _summary_sheet(summary, figures, layout)
    for name, reference in layout.names.items():
        book.define_name(name, reference)
    summary.ws.activate()


def build_workbook(plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None, when: datetime | None = None,
                   sheets: Sequence[SheetWriter] = (), phased: Phasing | None = None) -> bytes:
    """The workbook's bytes: the same plan, allocation and inputs always give the same bytes.
    `sheets` write further sheets (such as Progress) after Findings; `phased` is the plan by
    year with its N+n check at a date (computed without one when not given)."""
    when = document_time() if when is None else when
    phased = phased or phasing(plan, allocation)
    reconciliation = reconcile(plan, funding=(*funding_findings(plan), *phased.n_plus_n_findings))
    figures = workbook_figures(plan, reconciliation, allocation, phased)
    layout = workbook_layout(plan, allocation, phased)
    book, buffer = deterministic_book(
        f"{plan.programme.name}: budget", "Programme budget and co-financing",
        f"Built by budget-planner {__version__} from plan {plan.name}", when)
    _write(book, figures, layout, info or BuildInfo(), when, sheets)
    return finished_bytes(book, buffer, when)


def write_workbook(path: Path | str, plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None) -> Path:
    """Build in memory, then replace `path` atomically: a failed build leaves it untouched."""
    from ..core.files import write_atomic

    return write_atomic(path, build_workbook(plan, allocation, info=info))

