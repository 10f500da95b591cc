"""The workbook's Progress sheet: spending against the plan, as `progress` computes it.

Actual and validated money (the rows of the actuals files, summed) and planned to date are
values; the amounts refer to the period sheets, and every variance, percent, remaining and
total is a live formula over them, cached with the engine's exact figure. A line chart shows
planned and actual money summed year by year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.actuals import Figures, Progress
from ..views.palette import series_colour
from .layout import PROGRESS, WorkbookLayout, cell_name, sheet_ref
from .workbook import SheetWriter

#: Columns of the per-period and per-line tables, after their label columns.
FIGURE_LABELS = ("Amount", "Planned to date", "Actual", "Validated", "Variance", "Percent",
                 "Remaining")


def progress_sheets(progress: Progress) -> tuple[SheetWriter, ...]:
    """The sheet writers to pass to `build_workbook(sheets=...)`."""
    return (lambda out, layout: write_progress_sheet(out, layout, progress),)


def write_progress_sheet(out: Any, layout: WorkbookLayout, progress: Progress) -> None:
    """The sheet, written with the workbook's helpers (`out`, see `workbook.SheetWriter`);
    each line's amount refers to its cell on its period sheet (`layout`)."""
    sheet = out.sheet(PROGRESS, {0: 8, 1: 8, 2: 34, 10: 50}, wrapped={2, 10})
    sheet.title("Progress: spending against the plan", 10)
    chosen = {"given": "", "plan": " (the plan's [reporting] as_of)",
              "latest row": " (the date of the latest row)"}[progress.as_of_from]
    sheet.note(1, f"As of {progress.as_of.isoformat()}{chosen}; amounts in {progress.currency}. "
                  "Actual and validated sum the rows of the actuals files; variance, percent, "
                  "remaining and totals are formulas.", 0, 10)
    row = 2
    for note in progress.notes:
        sheet.note(row, f"Note: {note}", 0, 10, bold=True, font_color="#C00000")
        row += 1
    period_top = row + 1
    row = period_top + len(progress.periods) + 2  # title, header, periods, programme
    row = _source_table(out, sheet, progress, row + 2)
    row = _year_table(out, sheet, progress, row + 2)
    row = _findings(out, sheet, progress, row + 2)
    lines_top = row + 3
    line_rows = _line_table(out, layout, sheet, progress, lines_top)
    _period_table(out, sheet, progress, period_top, line_rows)
    sheet.print_setup(lines_top, lines_top + len(progress.lines), 10)
    sheet.finish()


def _header(sheet: Any, row: int, labels: list[str], numbers_from: int) -> None:
    for col, label in enumerate(labels):
        sheet.header(row, col, label, "right" if col >= numbers_from else "left")


def _figure_formulas(out: Any, sheet: Any, row: int, col: int, figures: Figures,
                     amount: str | None, totals: bool = False) -> None:
    """Amount, planned, actual, validated from `amount` (a formula; None: the values), then
    variance, percent and remaining as formulas over them."""
    styles = out.styles
    money = styles.total_money() if totals else styles.money()
    cells = [cell_name(row, col + number) for number in range(4)]
    amount_cell, planned, actual, _ = cells
    if amount is None:
        for number, value in enumerate((figures.amount, figures.planned_to_date, figures.actual,
                                        figures.validated)):
            sheet.money(row, col + number, value if value is not None else Decimal(0), money)
    else:
        sheet.formula(row, col, amount, figures.amount or Decimal(0), money)
        for number, value in enumerate((figures.planned_to_date, figures.actual,
                                        figures.validated), start=1):
            sheet.money(row, col + number, value, money)
    sheet.formula(row, col + 4, f"=ROUND({planned}-{actual},2)", figures.variance, money)
    sheet.formula(row, col + 5, f"=IF({planned}=0,0,ROUND({actual}*100/{planned},2))",
                  figures.percent, styles.get(num_format='0.00" %"', bold=totals))
    sheet.formula(row, col + 6, f"=ROUND({amount_cell}-{actual},2)", figures.remaining, money)


def _sum_formulas(out: Any, sheet: Any, row: int, col: int, figures: Figures,
                  ranges: list[tuple[int, int]], totals: bool) -> None:
    """A total row: amount, planned, actual and validated summed over `ranges` of rows, the
    other columns as formulas over those sums."""
    styles = out.styles
    money = styles.total_money() if totals else styles.money(bold=True)
    for number, value in enumerate((figures.amount, figures.planned_to_date, figures.actual,
                                    figures.validated)):
        here = col + number
        parts = ",".join(f"{cell_name(first, here)}:{cell_name(last, here)}"
                         for first, last in ranges)
        sheet.formula(row, here, f"=SUM({parts})", value if value is not None else Decimal(0),
                      money)
    planned, actual, amount = (cell_name(row, col + 1), cell_name(row, col + 2),
                               cell_name(row, col))
    sheet.formula(row, col + 4, f"=ROUND({planned}-{actual},2)", figures.variance, money)
    sheet.formula(row, col + 5, f"=IF({planned}=0,0,ROUND({actual}*100/{planned},2))",
                  figures.percent, styles.get(num_format='0.00" %"', bold=True))
    sheet.formula(row, col + 6, f"=ROUND({amount}-{actual},2)", figures.remaining, money)


def _period_table(out: Any, sheet: Any, progress: Progress, top: int,
                  line_rows: dict[str, tuple[int, int]]) -> int:
    ws, styles = sheet.ws, out.styles
    ws.write_string(top, 0, "By period", styles.get(bold=True, font_size=12))
    header = top + 1
    _header(sheet, header, ["Period", "", "", *FIGURE_LABELS], 3)
    row = header
    for period in progress.periods:
        row += 1
        sheet.text(row, 0, period.id, text_wrap=False)
        rows = line_rows.get(period.id)
        if rows is None:  # a period without lines: nothing to sum
            _figure_formulas(out, sheet, row, 3, period.figures, None)
        else:
            _sum_formulas(out, sheet, row, 3, period.figures, [rows], totals=False)
    total = row + 1
    ws.write_string(total, 0, "Programme", styles.total_text())
    ws.write_blank(total, 1, None, styles.total_text())
    ws.write_blank(total, 2, None, styles.total_text())
    _sum_formulas(out, sheet, total, 3, progress.programme, [(header + 1, row)]
                  if row > header else [(total, total)], totals=True)
    out.book.define_name("ProgressTotals", f"={sheet_ref(PROGRESS)}!"
                                               f"{cell_name(header + 1, 3, True)}:"
                                               f"{cell_name(total, 9, True)}")
    return total


def _source_table(out: Any, sheet: Any, progress: Progress, top: int) -> int:
    ws, styles = sheet.ws, out.styles
    ws.write_string(top, 0, "By source", styles.get(bold=True, font_size=12))
    header = top + 1
    _header(sheet, header, ["Source", "", "", "Allocated", "Claimed", "Claimable",
                                  "Unassigned"], 3)
    row = header
    for source in progress.sources:
        row += 1
        sheet.text(row, 0, source.name, text_wrap=False)
        for number, value in enumerate((source.allocated, source.claimed, source.claimable,
                                        source.unassigned)):
            sheet.money(row, 3 + number, value, styles.money())
    total = row + 1
    ws.write_string(total, 0, "Total", styles.total_text())
    for col in (1, 2):
        ws.write_blank(total, col, None, styles.total_text())
    for number, field in enumerate(("allocated", "claimed", "claimable", "unassigned")):
        col = 3 + number
        value = sum((getattr(source, field) for source in progress.sources), Decimal(0))
        sheet.formula(total, col, f"=SUM({cell_name(header + 1, col)}:{cell_name(row, col)})"
                      if row > header else "=0", value, styles.total_money())
    return total


def _year_table(out: Any, sheet: Any, progress: Progress, top: int) -> int:
    """Planned and actual money by year, summed from the start by formulas, and the chart."""
    ws, styles = sheet.ws, out.styles
    ws.write_string(top, 0, "By year", styles.get(bold=True, font_size=12))
    header = top + 1
    _header(sheet, header, ["Year", "", "", "Planned", "Actual", "Planned (cumulative)",
                                  "Actual (cumulative)"], 3)
    row = header
    for year in progress.years:
        row += 1
        ws.write_number(row, 0, year.year, styles.get(align="left"))
        sheet.money(row, 3, year.planned, styles.money())
        previous = "" if row == header + 1 else "+"
        sheet.formula(row, 5, f"={cell_name(row, 3)}" + (f"{previous}{cell_name(row - 1, 5)}"
                                                         if previous else ""),
                      year.planned_cumulative, styles.money())
        if year.actual is not None:
            sheet.money(row, 4, year.actual, styles.money())
            sheet.formula(row, 6, f"={cell_name(row, 4)}" + (f"+{cell_name(row - 1, 6)}"
                                                             if previous else ""),
                          year.actual_cumulative, styles.money())
    if row > header:
        chart = out.book.add_chart({"type": "line"})
        for col, name, colour, dash in ((5, "Planned (cumulative)", series_colour(0), "dash"),
                                        (6, "Actual (cumulative)", series_colour(1), "solid")):
            chart.add_series({
                "name": name, "categories": [PROGRESS, header + 1, 0, row, 0],
                "values": [PROGRESS, header + 1, col, row, col],
                "line": {"color": colour, "width": 2.25, "dash_type": dash},
                "marker": {"type": "circle", "size": 5,
                           "border": {"color": colour}, "fill": {"color": colour}}})
        chart.set_title({"name": "Planned and actual, cumulative by year",
                         "name_font": {"size": 12}})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {
            "visible": True, "line": {"color": "#E7E6E6"}}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 320})
        ws.insert_chart(header, 8, chart, {"object_position": 2})
    return max(row, header + 20)


def _findings(out: Any, sheet: Any, progress: Progress, top: int) -> int:
    ws, styles = sheet.ws, out.styles
    ws.write_string(top, 0, f"Findings on spending ({len(progress.findings)})",
                    styles.get(bold=True, font_size=12))
    header = top + 1
    _header(sheet, header, ["Severity", "Code", "Where", "Expected", "Actual",
                                  "Difference", "", "", "", "", "Message"], 3)
    row = header
    for finding in progress.findings:
        row += 1
        ws.write_string(row, 0, finding.severity, styles.get(bold=True))
        sheet.text(row, 1, finding.code, text_wrap=False)
        sheet.text(row, 2, "/".join(part for part in (finding.period, finding.line) if part)
                   or "programme", text_wrap=False)
        for col, amount in ((3, finding.expected), (4, finding.actual), (5, finding.difference)):
            if amount is not None:
                sheet.money(row, col, amount, styles.money())
        sheet.text(row, 10, finding.message)
    if not progress.findings:
        row += 1
        ws.write_string(row, 0, "No findings on spending.", styles.get())
    return row


def _line_table(out: Any, layout: WorkbookLayout, sheet: Any, progress: Progress,
                top: int) -> dict[str, tuple[int, int]]:
    """The lines, one a row; gives each period's (first, last) row."""
    ws, styles = sheet.ws, out.styles
    ws.write_string(top - 1, 0, "By line", styles.get(bold=True, font_size=12))
    _header(sheet, top, ["Period", "Line", "Activity", *FIGURE_LABELS], 3)
    row = top
    rows: dict[str, tuple[int, int]] = {}
    for line in progress.lines:
        row += 1
        rows[line.period] = (rows.get(line.period, (row, row))[0], row)
        sheet.text(row, 0, line.period, text_wrap=False)
        sheet.text(row, 1, line.line, text_wrap=False, font_color="#7F7F7F", font_size=9)
        sheet.text(row, 2, line.activity)
        period_sheet = layout.periods.get(line.period)
        if period_sheet is not None and line.line in period_sheet.line_rows:
            ref = period_sheet.amount_ref(line.line)
            amount = f"=IF(ISNUMBER({ref}),{ref},0)"
        else:
            amount = None
        _figure_formulas(out, sheet, row, 3, line.figures, amount)
    return rows
