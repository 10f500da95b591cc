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
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.files import shown_path
from ..core.model import AllocationResult, Finding, Period, Plan, mark
from ..core.money import ZERO
from ..planfile.writer import plan_toml
from ..engine.allocation import funding_findings
from ..engine.reconcile import Reconciliation, reconcile
from .document import (FIXED_EPOCH, deterministic_book, document_time, finished_bytes,
                       written_number)
from .layout import (ABOUT, ACTIVITY_HEADER, ALLOCATION, FINDINGS, ID_HEADER, NOTES_HEADER,
                     PERIOD_HEADER, PLAN_FORMAT, PLAN_MARKER, PLAN_SHEET, PROGRAMME_LABEL, SOURCES,
                     STATED_HEADER, SUMMARY, TOTAL_LABEL, amount_header, cell_name,
                     period_sheet_names, period_total_names, source_total_names, sheet_ref)

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


class _Sheet:
    """One worksheet with the helpers every sheet needs: safe text, money, formulas."""

    def __init__(self, builder: "_Builder", name: str, widths: dict[int, float]):
        self.builder = builder
        self.name = name
        self.ws: "Worksheet" = builder.book.add_worksheet(name)
        self.styles = builder.styles
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
        name = "".join(char for char in self.builder.plan.programme.name if char.isprintable())
        title = name.replace("&", "&&")[:100]
        ws.set_header(f"&L&8 {title}&R&8 &A")
        ws.set_footer("&L&8 budget-planner&R&8 Page &P of &N")


class _Builder:
    """Lays out the sheets. Period sheets and the Allocation sheet are written first: the
    Summary and Sources formulas refer to the rows and columns they were given."""

    def __init__(self, book: "Workbook", plan: Plan, reconciliation: Reconciliation,
                 allocation: AllocationResult | None, info: BuildInfo, when: datetime):
        self.book, self.plan, self.reconciliation = book, plan, reconciliation
        self.allocation, self.info, self.when = allocation, info, when
        self.currency = plan.programme.currency
        self.styles = _Styles(book, self.currency)
        self.sheet_names = period_sheet_names(plan)
        self.total_names = period_total_names(plan)
        self.source_names = source_total_names(plan)
        #: (period, line) -> row of the line on its period sheet; amount column is fixed.
        self.line_rows: dict[tuple[str, str], int] = {}
        #: period -> (first, last) row of its lines on the Allocation sheet.
        self.allocation_rows: dict[str, tuple[int, int]] = {}
        self.allocation_source_cols: dict[str, int] = {}
        self.allocation_gap_col = 0
        self.allocated: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
        self.gaps: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        self.gap_reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
        if allocation is None or allocation.status != "optimal":
            # Nothing allocated: every amount is not funded, and the reason says why.
            reason = ("no allocation computed" if allocation is None
                      else "the funding rules conflict (see above)")
            for period in plan.periods:
                for line in period.lines:
                    if line.amount is not None:
                        self.gaps[(period.id, line.id)] = line.amount
                        self.gap_reasons[(period.id, line.id)].append(reason)
        else:
            for item in allocation.allocations:
                self.allocated[(item.period, item.line, item.source)] += item.amount
            for gap in allocation.gaps:
                self.gaps[(gap.period, gap.line)] += gap.amount
                if gap.reason:
                    self.gap_reasons[(gap.period, gap.line)].append(gap.reason)

    # Amount column on period sheets: Id, Activity, Amount.
    AMOUNT_COL = 2
    PERIOD_HEADER_ROW = 3

    def build(self) -> None:
        # First, so that it is the first tab; filled in last, when the other sheets are laid out.
        summary = _Sheet(self, SUMMARY, {0: 24, 1: 17, 2: 17, 3: 17, 4: 17, 5: 17, 6: 60})
        for period in self.plan.periods:
            self.period_sheet(period)
        self.allocation_sheet()
        self.sources_sheet()
        self.findings_sheet()
        self.about_sheet()
        self.plan_sheet()
        self.summary_sheet(summary)
        summary.ws.activate()

    # --- period sheets -------------------------------------------------------------------------

    def period_sheet(self, period: Period) -> _Sheet:
        plan, styles = self.plan, self.styles
        sources = plan.sources
        notes_col = 3 + len(sources)
        sheet = _Sheet(self, self.sheet_names[period.id], {
            0: 16, 1: 58, 2: 17, **{3 + number: 12 for number in range(len(sources))},
            notes_col: 34})
        ws = sheet.ws
        sheet.text(0, 0, f"{period.id}: {period.title}" if period.title else period.id,
                   **{"bold": True, "font_size": 14, "text_wrap": False})
        ws.write_string(1, 0, f"{plan.programme.name}. Years {period.first_year}-"
                              f"{period.last_year}; amounts in {self.currency}. Edit amounts, "
                              "marks (x) and notes; insert new lines above the Total row.",
                        styles.subtitle())
        header = self.PERIOD_HEADER_ROW
        ws.write_string(header, 0, ID_HEADER, styles.header())
        ws.write_string(header, 1, ACTIVITY_HEADER, styles.header())
        ws.write_string(header, 2, amount_header(self.currency), styles.header_right())
        for number, source in enumerate(sources):
            sheet.text(header, 3 + number, source.name, bold=True, bg_color="#DDE4EE", bottom=1,
                       align="center", valign="vcenter")
        ws.write_string(header, notes_col, NOTES_HEADER, styles.header())
        row = header
        for line in period.lines:
            row += 1
            self.line_rows[(period.id, line.id)] = row
            sheet.text(row, 0, line.id, font_color="#7F7F7F", font_size=9)
            sheet.text(row, 1, line.activity)
            sheet.money(row, 2, line.amount, styles.money_input())
            for number, source in enumerate(sources):
                sheet.text(row, 3 + number, mark(line.sources, line.note_for(source.id), source.id),
                           align="center", locked=False)
            sheet.text(row, notes_col, line.notes, locked=False)
        first, last = header + 1, row
        total_row = row + 1
        ws.write_blank(total_row, 0, None, styles.total_text())
        ws.write_string(total_row, 1, TOTAL_LABEL, styles.total_text())
        sheet.formula(total_row, 2, f"=SUM({cell_name(first, 2)}:{cell_name(last, 2)})",
                      period.computed_total, styles.total_money())
        for col in range(3, notes_col + 1):
            ws.write_blank(total_row, col, None, styles.total_text())
        self.book.define_name(self.total_names[period.id],
                              f"={sheet_ref(sheet.name)}!{cell_name(total_row, 2, absolute=True)}")
        ws.data_validation(first, 2, last, 2, _AMOUNT_VALIDATION)
        ws.freeze_panes(header + 1, 0)
        sheet.print_setup(header)
        sheet.finish(header)
        return sheet

    def amount_ref(self, period: str, line: str) -> str:
        row = self.line_rows[(period, line)]
        return f"{sheet_ref(self.sheet_names[period])}!{cell_name(row, self.AMOUNT_COL)}"

    # --- allocation ----------------------------------------------------------------------------

    def allocation_sheet(self) -> None:
        plan, styles, result = self.plan, self.styles, self.allocation
        sources = plan.sources
        first_source = 3
        gap_col = first_source + len(sources)
        sum_col, amount_col, check_col, reason_col = range(gap_col + 1, gap_col + 5)
        sheet = _Sheet(self, ALLOCATION, {
            0: 11, 1: 16, 2: 46, **{col: 15 for col in range(first_source, amount_col + 1)},
            check_col: 11, reason_col: 40})
        ws = sheet.ws
        ws.write_string(0, 0, "Allocation: who pays for what", styles.title())
        if result is None:
            status = "No allocation was computed for this workbook."
        else:
            status = (f"Solver {result.solver}, status {result.status}; amounts in "
                      f"{self.currency}. Each line's sources plus the part not funded equal its "
                      "amount (Check column).")
        ws.write_string(1, 0, status, styles.subtitle())
        row = 2
        for conflict in (result.conflicts if result else ()):
            sheet.text(row, 0, conflict.message, text_wrap=False, font_color="#C00000")
            row += 1
        for note in (result.notes if result else ()):
            sheet.text(row, 0, note.message, text_wrap=False, font_color="#7F6000")
            row += 1
        header = row + 1
        self.allocation_gap_col = gap_col
        for col, label in enumerate([PERIOD_HEADER, ID_HEADER, ACTIVITY_HEADER]):
            ws.write_string(header, col, label, styles.header())
        for number, source in enumerate(sources):
            sheet.text(header, first_source + number, source.name, bold=True, bg_color="#DDE4EE",
                       bottom=1, align="right", valign="vcenter")
            self.allocation_source_cols[source.id] = first_source + number
        for col, label in ((gap_col, "Not funded"), (sum_col, "Sources + not funded"),
                           (amount_col, amount_header(self.currency))):
            ws.write_string(header, col, label, styles.header_right())
        ws.write_string(header, check_col, "Check", styles.header())
        ws.write_string(header, reason_col, "Why not funded", styles.header())
        row = header
        not_eligible = styles.get(bg_color="#F2F2F2")
        sum_total = ZERO
        amount_total = ZERO
        for period in plan.periods:
            first = row + 1
            for line in period.lines:
                row += 1
                key = (period.id, line.id)
                sheet.text(row, 0, period.id, text_wrap=False)
                sheet.text(row, 1, line.id, font_color="#7F7F7F", font_size=9, text_wrap=False)
                sheet.text(row, 2, line.activity)
                line_sum = ZERO
                for source in sources:
                    col = self.allocation_source_cols[source.id]
                    amount = self.allocated.get((period.id, line.id, source.id))
                    if amount is not None:
                        sheet.money(row, col, amount, styles.money_dash())
                        line_sum += amount
                    elif source.id not in line.sources:
                        ws.write_blank(row, col, None, not_eligible)
                gap = self.gaps.get(key)
                if gap is not None:
                    sheet.money(row, gap_col, gap, styles.money())
                    line_sum += gap
                sum_total += line_sum
                span = f"{cell_name(row, first_source)}:{cell_name(row, gap_col)}"
                sheet.formula(row, sum_col, f"=SUM({span})", line_sum, styles.money())
                ref = self.amount_ref(period.id, line.id)
                sheet.formula(row, amount_col, f"=IF(ISNUMBER({ref}),{ref},\"\")", line.amount,
                              styles.money())
                here_sum, here_amount = cell_name(row, sum_col), cell_name(row, amount_col)
                sheet.formula(row, check_col,
                              f'=IF({here_amount}="","",IF(ROUND({here_sum}-{here_amount},2)=0,'
                              f'"OK","MISMATCH"))',
                              "" if line.amount is None else _status(line_sum - line.amount),
                              styles.get(align="center", bold=True))
                if line.amount is not None:
                    amount_total += line.amount
                sheet.text(row, reason_col, "; ".join(self.gap_reasons.get(key, [])))
            self.allocation_rows[period.id] = (first, row)
        first_line, last_line = header + 1, row
        total_row = row + 1
        ws.write_string(total_row, 0, TOTAL_LABEL, styles.total_text())
        ws.write_blank(total_row, 1, None, styles.total_text())
        ws.write_blank(total_row, 2, None, styles.total_text())
        for source in sources:
            col = self.allocation_source_cols[source.id]
            value = sum((amount for (_, _, source_id), amount in self.allocated.items()
                         if source_id == source.id), ZERO)
            sheet.formula(total_row, col,
                          f"=SUM({cell_name(first_line, col)}:{cell_name(last_line, col)})", value,
                          styles.total_money())
            self.book.define_name(self.source_names[source.id],
                                  f"={sheet_ref(ALLOCATION)}!{cell_name(total_row, col, True)}")
        gap_total = sum(self.gaps.values(), ZERO)
        sheet.formula(total_row, gap_col,
                      f"=SUM({cell_name(first_line, gap_col)}:{cell_name(last_line, gap_col)})",
                      gap_total, styles.total_money())
        self.book.define_name("GapTotal",
                              f"={sheet_ref(ALLOCATION)}!{cell_name(total_row, gap_col, True)}")
        for col, value in ((sum_col, sum_total), (amount_col, amount_total)):
            sheet.formula(total_row, col,
                          f"=SUM({cell_name(first_line, col)}:{cell_name(last_line, col)})",
                          value, styles.total_money())
        sheet.formula(total_row, check_col,
                      f'=IF(ROUND({cell_name(total_row, sum_col)}-'
                      f'{cell_name(total_row, amount_col)},2)=0,"OK","MISMATCH")',
                      _status(sum_total - amount_total),
                      styles.get(align="center", bold=True, top=1, bottom=6))
        ws.write_blank(total_row, reason_col, None, styles.total_text())
        self.book.define_name(
            "AllocationChecks",
            f"={sheet_ref(ALLOCATION)}!{cell_name(first_line, sum_col, True)}:"
            f"{cell_name(total_row, check_col, True)}")
        _status_colours(ws, first_line, check_col, total_row, check_col, self.styles)
        ws.freeze_panes(header + 1, 3)
        sheet.print_setup(header, columns="A:C")
        sheet.finish(header)

    def allocated_sum_formula(self, source_id: str, period_id: str | None) -> tuple[str, Decimal]:
        """A formula summing a source's allocations (in a period, or all) and its value."""
        col = self.allocation_source_cols[source_id]
        if period_id is None:
            formula = f"={self.source_names[source_id]}"
            value = sum((amount for (_, _, source), amount in self.allocated.items()
                         if source == source_id), ZERO)
        else:
            first, last = self.allocation_rows[period_id]
            formula = (f"=SUM({sheet_ref(ALLOCATION)}!{cell_name(first, col)}:"
                       f"{cell_name(last, col)})")
            value = sum((amount for (period, _, source), amount in self.allocated.items()
                         if source == source_id and period == period_id), ZERO)
        return formula, value

    # --- sources -------------------------------------------------------------------------------

    def sources_sheet(self) -> None:
        plan, styles, result = self.plan, self.styles, self.allocation
        sheet = _Sheet(self, SOURCES, {0: 16, 1: 16, 2: 17, 3: 17, 4: 17, 5: 12, 6: 12, 7: 14})
        ws = sheet.ws
        ws.write_string(0, 0, "Funding sources: caps and use", styles.title())
        ws.write_string(1, 0, f"Amounts in {self.currency}. Allocated sums the Allocation sheet; "
                              "a binding cap limits the allocation (its shadow price is what one "
                              "more unit of cap would save).", styles.subtitle())
        header = 3
        labels = ["Source", "Scope", "Cap", "Allocated", "Remaining", "Utilisation", "Binding",
                  "Shadow price"]
        for col, label in enumerate(labels):
            ws.write_string(header, col, label,
                            styles.header_right() if 2 <= col <= 5 or col == 7 else styles.header())
        order = {source_id: number for number, source_id in enumerate(plan.source_ids)}
        scope = {period.id: number for number, period in enumerate(plan.periods)}
        uses = sorted(result.sources if result is not None else (), key=lambda use: (
            order.get(use.source, len(order)), scope.get(use.period, len(scope))
            if use.period is not None else len(scope) + 1))
        rows: list[tuple[str, str | None, Decimal | None, bool | None, Decimal | None]] = (
            [(use.source, use.period, use.cap, use.binding, use.shadow_price) for use in uses]
            or [(source.id, None, None, None, None) for source in plan.sources])
        row = header
        for source_id, period_id, cap, binding, shadow in rows:
            row += 1
            whole = {"bold": True} if period_id is None else {}  # the programme-wide row
            sheet.text(row, 0, plan.source(source_id).name if source_id in plan.source_ids
                       else source_id, text_wrap=False, **whole)
            sheet.text(row, 1, "Programme" if period_id is None else period_id, text_wrap=False,
                       **whole)
            sheet.money(row, 2, cap, styles.money(**whole))
            if source_id in self.allocation_source_cols and (
                    period_id is None or period_id in self.allocation_rows):
                formula, allocated = self.allocated_sum_formula(source_id, period_id)
                sheet.formula(row, 3, formula, allocated, styles.money(**whole))
            else:
                allocated = ZERO
                sheet.money(row, 3, ZERO, styles.money())
            cap_cell, allocated_cell = cell_name(row, 2), cell_name(row, 3)
            sheet.formula(row, 4, f'=IF(ISNUMBER({cap_cell}),'
                                  f'ROUND({cap_cell}-{allocated_cell},2),"")',
                          None if cap is None else cap - allocated, styles.money())
            utilisation: Decimal | str = "" if cap is None or cap <= 0 else allocated / cap
            sheet.formula(row, 5, f'=IF(ISNUMBER({cap_cell}),IF({cap_cell}>0,'
                                  f'{allocated_cell}/{cap_cell},""),"")',
                          utilisation if isinstance(utilisation, str) else Decimal(
                              float(utilisation)), styles.get(num_format="0.0%"))
            ws.write_string(row, 6, "" if binding is None else ("yes" if binding else "no"),
                            styles.get(align="center"))
            if shadow is not None:
                ws.write_number(row, 7, float(shadow), styles.get(num_format="#,##0.0000"))
        first, last = header + 1, row
        if last >= first:
            ws.conditional_format(first, 3, last, 3, {"type": "data_bar", "bar_color": "#8EA9DB",
                                                      "bar_solid": True})
            ws.conditional_format(first, 5, last, 5, {
                "type": "data_bar", "bar_color": "#F4B183", "bar_solid": True,
                "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
            ws.conditional_format(first, 6, last, 6, {
                "type": "cell", "criteria": "==", "value": '"yes"',
                "format": self.styles.get(bold=True, font_color="#C00000")})
            self.book.define_name("SourceUse", f"={sheet_ref(SOURCES)}!{cell_name(first, 3, True)}:"
                                               f"{cell_name(last, 5, True)}")
        ws.freeze_panes(header + 1, 0)
        sheet.print_setup(header)
        sheet.finish(header)

    # --- findings ------------------------------------------------------------------------------

    def findings_sheet(self) -> None:
        styles = self.styles
        sheet = _Sheet(self, FINDINGS, {0: 10, 1: 24, 2: 16, 3: 16, 4: 70, 5: 17, 6: 17, 7: 17})
        ws = sheet.ws
        ws.write_string(0, 0, "Findings: reconciliation of the plan", styles.title())
        counts = {severity: self.reconciliation.count(severity)
                  for severity in ("error", "warning", "info")}
        ws.write_string(1, 0, f"{counts['error']} error(s), {counts['warning']} warning(s), "
                              f"{counts['info']} info, as `budget-planner check` reports them when "
                              "the workbook was built.", styles.subtitle())
        header = 3
        labels = ["Severity", "Code", "Period", "Line", "Message", "Expected", "Actual",
                  "Difference"]
        for col, label in enumerate(labels):
            ws.write_string(header, col, label, styles.header_right() if col >= 5 else
                            styles.header())
        row = header
        findings: tuple[Finding, ...] = self.reconciliation.findings
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
                    "format": self.book.add_format({"font_color": colour})})
        ws.freeze_panes(header + 1, 0)
        sheet.print_setup(header)
        sheet.finish()

    # --- about ---------------------------------------------------------------------------------

    def about_sheet(self) -> None:
        plan, styles, result = self.plan, self.styles, self.allocation
        sheet = _Sheet(self, ABOUT, {0: 20, 1: 100})
        ws = sheet.ws
        ws.write_string(0, 0, "About this workbook", styles.title())
        rows: list[tuple[str, str]] = [
            ("Programme", plan.programme.name),
            ("Reference", plan.programme.reference),
            ("Description", plan.programme.description),
            ("Currency", plan.programme.currency),
            ("Plan", plan.name),
        ]
        files = self.info.plan_files or plan.files
        rows += [("Plan file", f"{shown_path(name)}  ({file_hash(name)})") for name in files] or [
            ("Plan file", "(none: the plan was not read from a file)")]
        rows.append(("Plan content hash", content_hash(plan)))
        rows += [("Scenario", f"{shown_path(name)}  ({file_hash(name)})")
                 for name in self.info.scenario_files] or [("Scenario", "none")]
        if result is None:
            rows.append(("Solver", "no allocation computed"))
        else:
            rows.append(("Solver", f"{result.solver} (status {result.status}, objective "
                                   f"{result.objective})"))
        rows += [
            ("Package", f"budget-planner {__version__}"),
            ("Document date", self.when.strftime("%Y-%m-%dT%H:%M:%SZ")
             + ("" if self.when != FIXED_EPOCH else " (fixed; set SOURCE_DATE_EPOCH to choose)")),
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

    # --- the exact plan, for import -------------------------------------------------------------

    def plan_sheet(self) -> None:
        ws = self.book.add_worksheet(PLAN_SHEET)
        ws.write_string(0, 0, PLAN_MARKER)
        ws.write_string(0, 1, PLAN_FORMAT)
        ws.write_string(0, 2, self.plan.name)
        ws.write_string(1, 0, "The plan this workbook was built from, as TOML, one line a row; "
                              "budget-planner import reads it. Edit the other sheets, not this "
                              "one.")
        limit = 32_000  # a cell holds at most 32,767 characters
        # openpyxl drops every "x005F_" it reads (the escape of a literal "_xHHHH_"); written
        # as a TOML escape inside strings, such text comes back whole.
        text = plan_toml(self.plan).replace("x005F_", "x005F\\u005F")
        for number, line in enumerate(text.split("\n"), start=3):
            for col, start in enumerate(range(0, len(line), limit)):
                ws.write_string(number, col, line[start:start + limit])
        ws.set_column(0, 0, 120)
        ws.hide()

    # --- summary ---------------------------------------------------------------------------------

    def summary_sheet(self, sheet: _Sheet) -> None:
        plan, styles, reconciliation = self.plan, self.styles, self.reconciliation
        ws = sheet.ws
        sheet.text(0, 0, plan.programme.name, bold=True, font_size=14, text_wrap=False)
        if plan.programme.reference:
            sheet.text(1, 0, plan.programme.reference, italic=True, font_color="#595959",
                       text_wrap=False)
        ws.write_string(2, 0, f"Amounts in {self.currency}. Stated totals are the plan's; computed "
                              "totals are formulas over the period sheets.", styles.subtitle())
        header = 4
        labels = [PERIOD_HEADER, "Years", STATED_HEADER, "Computed total", "Difference", "Status",
                  "Title"]
        for col, label in enumerate(labels):
            ws.write_string(header, col, label,
                            styles.header_right() if 2 <= col <= 4 else styles.header())
        row = header
        status_format = styles.get(align="center", bold=True)
        for period, check in zip(plan.periods, reconciliation.periods):
            row += 1
            sheet.text(row, 0, period.id, text_wrap=False)
            ws.write_string(row, 1, f"{period.first_year}-{period.last_year}", styles.get())
            sheet.money(row, 2, period.total, styles.money_input())
            sheet.formula(row, 3, f"={self.total_names[period.id]}", check.computed, styles.money())
            sheet.formula(row, 4, f"=ROUND({cell_name(row, 3)}-{cell_name(row, 2)},2)",
                          check.difference, styles.money())
            sheet.formula(row, 5, f'=IF({cell_name(row, 4)}=0,"OK","MISMATCH")',
                          _status(check.difference), status_format)
            sheet.text(row, 6, period.title)
        first, last = header + 1, row
        programme_row = row + 1
        check = reconciliation.programme
        ws.write_string(programme_row, 0, PROGRAMME_LABEL, styles.total_text())
        years = (f"{min(p.first_year for p in plan.periods)}-"
                 f"{max(p.last_year for p in plan.periods)}")
        ws.write_string(programme_row, 1, years, styles.total_text())
        sheet.money(programme_row, 2, plan.programme.total,
                    styles.get(num_format=styles.money_format, bold=True, top=1, bottom=6,
                               locked=False, bg_color="#FFFBEA"))
        sheet.formula(programme_row, 3, f"=SUM({cell_name(first, 3)}:{cell_name(last, 3)})",
                      check.computed, styles.total_money())
        sheet.formula(programme_row, 4,
                      f"=ROUND({cell_name(programme_row, 3)}-{cell_name(programme_row, 2)},2)",
                      check.difference, styles.total_money())
        sheet.formula(programme_row, 5, f'=IF({cell_name(programme_row, 4)}=0,"OK","MISMATCH")',
                      _status(check.difference),
                      styles.get(align="center", bold=True, top=1, bottom=6))
        ws.write_blank(programme_row, 6, None, styles.total_text())
        self.book.define_name("GrandTotal",
                              f"={sheet_ref(SUMMARY)}!{cell_name(programme_row, 3, True)}")
        self.book.define_name("SummaryChecks", f"={sheet_ref(SUMMARY)}!"
                                               f"{cell_name(first, 3, True)}:"
                                               f"{cell_name(programme_row, 5, True)}")
        ws.data_validation(first, 2, programme_row, 2, _AMOUNT_VALIDATION)
        _status_colours(ws, first, 5, programme_row, 5, styles)
        funding_top = programme_row + 4
        self.funding_table(sheet, funding_top)
        ws.freeze_panes(header + 1, 1)
        sheet.print_setup(header)
        sheet.finish(header)

    def funding_table(self, sheet: _Sheet, top: int) -> None:
        """Funding by source per period (sums of the Allocation sheet) and its chart."""
        plan, styles, ws = self.plan, self.styles, sheet.ws
        ws.write_string(top - 1, 0, "Funding by source", styles.get(bold=True, font_size=12))
        header = top
        periods = plan.periods
        total_col = 1 + len(periods)
        ws.write_string(header, 0, "Source", styles.header())
        for number, period in enumerate(periods):
            sheet.text(header, 1 + number, period.id, bold=True, bg_color="#DDE4EE", bottom=1,
                       align="right", text_wrap=False)
        ws.write_string(header, total_col, TOTAL_LABEL, styles.header_right())
        row = header
        column_totals = [ZERO] * len(periods)
        series_rows: list[int] = []
        for source in plan.sources:
            row += 1
            series_rows.append(row)
            sheet.text(row, 0, source.name, text_wrap=False)
            row_total = ZERO
            for number, period in enumerate(periods):
                formula, value = self.allocated_sum_formula(source.id, period.id)
                sheet.formula(row, 1 + number, formula, value, styles.money())
                row_total += value
                column_totals[number] += value
            sheet.formula(row, total_col,
                          f"=SUM({cell_name(row, 1)}:{cell_name(row, total_col - 1)})", row_total,
                          styles.money(bold=True))
        row += 1
        gap_row = row
        ws.write_string(row, 0, "Not funded", styles.get(italic=True))
        gap_total = ZERO
        for number, period in enumerate(periods):
            first, last = self.allocation_rows[period.id]
            col = self.allocation_gap_col
            value = sum((amount for (period_id, _), amount in self.gaps.items()
                         if period_id == period.id), ZERO)
            sheet.formula(row, 1 + number,
                          f"=SUM({sheet_ref(ALLOCATION)}!{cell_name(first, col)}:"
                          f"{cell_name(last, col)})", value, styles.money(italic=True))
            gap_total += value
            column_totals[number] += value
        sheet.formula(row, total_col, f"=SUM({cell_name(row, 1)}:{cell_name(row, total_col - 1)})",
                      gap_total, styles.money(bold=True, italic=True))
        row += 1
        ws.write_string(row, 0, TOTAL_LABEL, styles.total_text())
        for number in range(len(periods)):
            sheet.formula(row, 1 + number,
                          f"=SUM({cell_name(header + 1, 1 + number)}:"
                          f"{cell_name(row - 1, 1 + number)})",
                          column_totals[number], styles.total_money())
        sheet.formula(row, total_col,
                      f"=SUM({cell_name(header + 1, total_col)}:{cell_name(row - 1, total_col)})",
                      sum(column_totals, ZERO), styles.total_money())
        self.book.define_name("FundingBySource", f"={sheet_ref(SUMMARY)}!"
                                                 f"{cell_name(header + 1, 1, True)}:"
                                                 f"{cell_name(row, total_col, True)}")
        chart = self.book.add_chart({"type": "column", "subtype": "stacked"})
        palette = ["#1F4E79", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#BF9000", "#FFD966",
                   "#7030A0", "#C55A11", "#F4B183"]
        categories = [SUMMARY, header, 1, header, total_col - 1]
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


def build_workbook(plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None, when: datetime | None = None) -> bytes:
    """The workbook's bytes: the same plan, allocation and inputs always give the same bytes."""
    when = document_time() if when is None else when
    book, buffer = deterministic_book(
        f"{plan.programme.name}: budget", "Programme budget and co-financing",
        f"Built by budget-planner {__version__} from plan {plan.name}", when)
    checked = reconcile(plan, funding=funding_findings(plan))
    builder = _Builder(book, plan, checked, allocation, info or BuildInfo(), when)
    builder.build()
    return finished_bytes(book, buffer, when)


def write_workbook(path: Path | str, plan: Plan, allocation: AllocationResult | None = None, *,
                   info: BuildInfo | None = None) -> Path:
    """Build in memory, then replace `path` atomically: a failed build leaves it untouched."""
    from ..core.files import write_atomic

    return write_atomic(path, build_workbook(plan, allocation, info=info))

