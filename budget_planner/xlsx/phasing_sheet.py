"""The workbook's Phasing sheet: money by year and the decommitment (N+n) tables.

Three tables, where `layout.PhasingSheet` puts them, each total a live formula with the
engine's value cached:

- every line by year (its own years, else the period's profile, else an even spread), with row
  totals, period and programme totals per year, and a check of each line's years against its
  amount on the period sheet;
- each source's forecast claims by year (each line's years split by its allocation) and the
  unfunded part, with totals checked against the Allocation sheet and the lines' years;
- per source with commitments, the N+n table: committed, claims (formulas pointing at the
  forecast), target (SUMIF over the commitments `lag` years back), covered (pre-financing and
  claims to date) and at risk, with a chart of covered against target.

The yearly amounts are values: a spreadsheet formula cannot split by largest remainder.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.money import ZERO
from ..engine.phasing import SourcePhasing
from ..views.palette import series_colour
from .figures import WorkbookFigures
from .measure import FONT_NAME
from .sheet import SECTION_SIZE, SMALL_SIZE, chart_rows
from .layout import (GAP_TOTAL, GRAND_TOTAL, PHASING, PHASING_HEADER_ROW, DeadlineTable,
                     PhasingSheet, WorkbookLayout, cell_name)

OK, MISMATCH = "OK", "MISMATCH"
#: The N+n chart beside each deadline table, in pixels.
DEADLINE_CHART = (620, 300)


def _status(difference: Decimal) -> str:
    return OK if difference == 0 else MISMATCH


def phasing_sheet(out: Any, figures: WorkbookFigures, layout: WorkbookLayout) -> None:
    """Write the Phasing sheet with `out`, the workbook being written (its styles and its
    sheet helper)."""
    plan, phased, place, styles = figures.plan, figures.phasing, layout.phasing, out.styles
    assert phased is not None and place is not None
    year_cols = place.year_cols
    total_col, amount_col, check_col = place.total_col, place.amount_col, place.check_col
    sheet = out.sheet(PHASING, {0: 8, 1: 8, 2: 34, check_col: 6}, wrapped={2})
    ws = sheet.ws
    sheet.title("Phasing: money by year and the decommitment (N+n) check", check_col)
    sheet.note(1, f"Amounts in {plan.programme.currency}. A line's years are its own when the "
                  "plan states them (yellow), else its period's profile, else an even spread; "
                  "totals and checks are formulas.", 0, check_col)
    header = PHASING_HEADER_ROW
    for col, label in enumerate(["Period", "Id", "Activity"]):
        sheet.header(header, col, label)
    for year, col in year_cols.items():
        sheet.header(header, col, str(year), "right")
    for col, label in ((total_col, "Total"), (amount_col, "Amount"), (check_col, "Check")):
        sheet.header(header, col, label, "center" if col == check_col else "right")
    money, stated = styles.money(), styles.money_input()
    status = styles.get(align="center", bold=True)
    lines = iter(phased.lines)
    for period, totals in zip(plan.periods, phased.periods):
        first, last, total_row = place.period_rows[period.id]
        span = (year_cols[period.first_year], year_cols[period.last_year])
        for line in period.lines:
            amounts, row = next(lines), place.line_rows[period.id, line.id]
            sheet.text(row, 0, period.id, wrap=False)
            sheet.text(row, 1, line.id, wrap=False, font_color="#7F7F7F", font_size=SMALL_SIZE)
            sheet.text(row, 2, line.activity)
            for year, amount in amounts.years:  # the years outside its period stay empty
                sheet.money(row, year_cols[year], amount, stated if line.years else money)
            here, amount_cell = cell_name(row, total_col), cell_name(row, amount_col)
            sheet.formula(row, total_col,
                          f"=SUM({cell_name(row, span[0])}:{cell_name(row, span[1])})",
                          amounts.total, money)
            ref = layout.periods[period.id].amount_ref(line.id)
            sheet.formula(row, amount_col, f'=IF(ISNUMBER({ref}),{ref},"")', line.amount, money)
            check = "" if line.amount is None and not amounts.total else \
                _status(amounts.total - (line.amount or ZERO))
            sheet.formula(row, check_col,
                          f'=IF({amount_cell}="",IF(ROUND({here},2)=0,"","{MISMATCH}"),'
                          f'IF(ROUND({here}-{amount_cell},2)=0,"{OK}","{MISMATCH}"))',
                          check, status)
        _label(ws, total_row, period.id, f"Total {period.id}", styles)
        for year, amount in totals.years:
            col = year_cols[year]
            sheet.formula(total_row, col, f"=SUM({cell_name(first, col)}:{cell_name(last, col)})",
                          amount, styles.total_money())
        _totals(sheet, total_row, span, total_col, totals.total,
                f"={layout.periods[period.id].total_name}", period.computed_total, styles)
    row = place.programme_row
    _label(ws, row, "Programme", "Programme total", styles)
    period_totals = [total_row for _, _, total_row in place.period_rows.values()]
    for year, col in year_cols.items():
        sheet.formula(row, col, "=SUM(" + ",".join(cell_name(each, col) for each in period_totals)
                      + ")", phased.programme.amount(year), styles.total_money())
    _totals(sheet, row, (min(year_cols.values()), max(year_cols.values())), total_col,
            phased.programme.total, f"={GRAND_TOTAL}", plan.computed_total, styles)
    sheet.status_colours(header + 1, check_col, row, check_col)
    claims = _sources_table(out, sheet, figures, layout, place)
    for table, source in zip(place.deadlines, phased.committed):
        _deadline_table(out, sheet, source, table, claims)
    ws.freeze_panes(header + 1, 3)
    last = max([place.sources_check_row, *(table.most_row for table in place.deadlines)])
    sheet.print_setup(header, last + chart_rows(DEADLINE_CHART[1]) if place.deadlines else last,
                      check_col)
    sheet.finish()


def _label(ws: Any, row: int, first: str, third: str, styles: Any) -> None:
    ws.write_string(row, 0, first, styles.total_text())
    ws.write_string(row, 1, "", styles.total_text())
    ws.write_string(row, 2, third, styles.total_text())


def _totals(sheet: Any, row: int, span: tuple[int, int], total_col: int, total: Decimal,
            amount_formula: str, amount: Decimal, styles: Any) -> None:
    """A total row's Total (the sum of its years), Amount (a defined name) and Check."""
    here, amount_cell = cell_name(row, total_col), cell_name(row, total_col + 1)
    sheet.formula(row, total_col, f"=SUM({cell_name(row, span[0])}:{cell_name(row, span[1])})",
                  total, styles.total_money())
    sheet.formula(row, total_col + 1, amount_formula, amount, styles.total_money())
    sheet.formula(row, total_col + 2, f'=IF(ROUND({here}-{amount_cell},2)=0,"{OK}","{MISMATCH}")',
                  _status(total - amount), styles.get(align="center", bold=True, top=1, bottom=6))


def _sources_table(out: Any, sheet: Any, figures: WorkbookFigures, layout: WorkbookLayout,
                   place: PhasingSheet) -> dict[tuple[str, int], str]:
    """Forecast claims by source and year; returns the cell of each (source, year)."""
    plan, phased, styles, ws = figures.plan, figures.phasing, out.styles, sheet.ws
    assert phased is not None
    year_cols, total_col, header = place.year_cols, place.total_col, place.sources_header
    span = (min(year_cols.values()), max(year_cols.values()))
    sheet.text(header - 2, 0, "Forecast claims by source and year", spill=True, bold=True,
               font_size=SECTION_SIZE)
    sheet.note(header - 1, "Each line's years split over its sources by its allocation; a "
                           "source's years add up to what it is allocated.", 0, total_col + 2)
    for col in range(3):
        sheet.header(header, col, "Source" if col == 0 else "")
    for year, col in year_cols.items():
        sheet.header(header, col, str(year), "right")
    for col, label in ((total_col, "Total"), (total_col + 1, "Allocated"),
                       (total_col + 2, "Check")):
        sheet.header(header, col, label, "center" if col == total_col + 2 else "right")
    cells: dict[tuple[str, int], str] = {}
    for source in phased.sources:
        row = place.source_rows[source.id]
        sheet.text(row, 0, source.name, text_wrap=False)
        for year, amount in source.forecast.years:
            sheet.money(row, year_cols[year], amount, styles.money())
            cells[source.id, year] = cell_name(row, year_cols[year])
        _totals(sheet, row, span, total_col, source.forecast.total,
                f"={layout.source_total_names[source.id]}",
                figures.by_source.get((source.id, None), ZERO), styles)
    row = place.unfunded_row
    sheet.text(row, 0, "Not funded", text_wrap=False, italic=True)
    for year, amount in phased.unfunded.years:
        sheet.money(row, year_cols[year], amount, styles.money(italic=True))
    _totals(sheet, row, span, total_col, phased.unfunded.total, f"={GAP_TOTAL}",
            figures.gap_by_period[None], styles)
    row = place.sources_total_row
    _label(ws, row, "Total", "", styles)
    for year, col in year_cols.items():
        sheet.formula(row, col, f"=SUM({cell_name(header + 1, col)}:{cell_name(row - 1, col)})",
                      phased.programme.amount(year), styles.total_money())
    sheet.formula(row, total_col, f"=SUM({cell_name(row, span[0])}:{cell_name(row, span[1])})",
                  phased.programme.total, styles.total_money())
    check = place.sources_check_row
    ws.write_string(check, 2, "Check against the lines' years", styles.get(italic=True))
    for col in (*year_cols.values(), total_col):
        sheet.formula(check, col,
                      f'=IF(ROUND({cell_name(row, col)}-{cell_name(place.programme_row, col)},2)'
                      f'=0,"{OK}","{MISMATCH}")', OK, styles.get(align="right", bold=True))
    sheet.status_colours(header + 1, total_col + 2, row, total_col + 2)
    sheet.status_colours(check, 3, check, total_col)
    return cells


def _deadline_table(out: Any, sheet: Any, source: SourcePhasing, table: DeadlineTable,
                    claims: dict[tuple[str, int], str]) -> None:
    """One source's N+n table and, beside it, its chart."""
    styles, ws = out.styles, sheet.ws
    commitment = source.commitment
    assert commitment is not None
    sheet.text(table.top, 0, f"{source.name}: decommitment (N+{commitment.lag_years})",
               spill=True, bold=True, font_size=SECTION_SIZE)
    ws.write_string(table.lag_row, 0, "Lag (years)", styles.get(bold=True))
    ws.write_number(table.lag_row, 1, commitment.lag_years,
                    styles.get(locked=False, bg_color="#FFFBEA"))
    ws.write_string(table.prefinancing_row, 0, "Pre-financing", styles.get(bold=True))
    sheet.money(table.prefinancing_row, 1, commitment.prefinancing, styles.money_input())
    lag = cell_name(table.lag_row, 1, True)
    prefinancing = cell_name(table.prefinancing_row, 1, True)
    for col, label in enumerate(["Year", "Committed", "Claims", "Target", "Covered", "At risk"]):
        sheet.header(table.header, col, label, "left" if col == 0 else "right")
    first, last = table.first, table.last
    years = f"{cell_name(first, 0, True)}:{cell_name(last, 0, True)}"
    committed = f"{cell_name(first, 1, True)}:{cell_name(last, 1, True)}"
    forecast = dict(source.forecast.years)
    year_format = styles.get(num_format="0", align="left")
    for row, item in zip(range(first, last + 1), source.decommitment):
        ws.write_number(row, 0, item.year, year_format)
        sheet.money(row, 1, item.commitment, styles.money_input())
        claim = claims.get((source.id, item.year))
        if claim is not None and not item.closed and item.claims == forecast.get(item.year):
            sheet.formula(row, 2, f"={claim}", item.claims, styles.money())
        else:  # validated actuals, or a year beyond the plan's
            sheet.money(row, 2, item.claims, styles.money())
        sheet.formula(row, 3, f'=SUMIF({years},"<="&({cell_name(row, 0)}-{lag}),{committed})',
                      item.target, styles.money())
        sheet.formula(row, 4, f"={prefinancing}+SUM({cell_name(first, 2, True)}:"
                              f"{cell_name(row, 2)})",
                      item.covered, styles.money())
        sheet.formula(row, 5, f"=MAX(0,ROUND({cell_name(row, 3)}-{cell_name(row, 4)},2))",
                      item.at_risk, styles.money(bold=True))
    most = table.most_row
    ws.write_string(most, 4, "Most at risk", styles.total_text())
    sheet.formula(most, 5, f"=MAX({cell_name(first, 5)}:{cell_name(last, 5)})", source.at_risk,
                  styles.total_money())
    ws.conditional_format(first, 5, most, 5, {
        "type": "cell", "criteria": ">", "value": 0,
        "format": styles.get(font_color="#9C0006", bg_color="#FFC7CE")})
    chart = out.book.add_chart({"type": "line"})
    font = {"name": FONT_NAME, "size": 8}
    for col, colour, dash, name in ((3, series_colour(1), "dash", "Target"),
                                    (4, series_colour(0), "solid", "Covered")):
        chart.add_series({
            "name": name, "categories": [PHASING, first, 0, last, 0],
            "values": [PHASING, first, col, last, col],
            "line": {"color": colour, "width": 2, "dash_type": dash},
            "marker": {"type": "circle", "size": 4, "fill": {"color": colour},
                       "border": {"color": colour}}})
    chart.set_title({"name": f"{source.name}: claims against the N+{commitment.lag_years} "
                             "target", "name_font": {**font, "size": 10, "bold": True}})
    chart.set_y_axis({"num_format": "#,##0", "num_font": font, "major_gridlines": {
        "visible": True, "line": {"color": "#E7E6E6"}}})
    chart.set_x_axis({"num_font": font})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": DEADLINE_CHART[0], "height": DEADLINE_CHART[1]})
    ws.insert_chart(table.top, 7, chart, {"object_position": 2})

