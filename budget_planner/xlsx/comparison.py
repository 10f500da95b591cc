"""The what-if comparison as an Excel workbook: one column block per scenario, changes as
formulas.

Each scenario has two columns: its figures and their change against the baseline, written as
`=scenario - baseline` formulas; programme and source totals are `=SUM` formulas over the
periods above them. Every formula carries the engine's exact value as its cached result, so
readers that never recalculate show the right numbers. The bytes are deterministic (fixed
document date, see `document.document_time`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.version import __version__
from ..core.files import shown_path
from ..engine.whatif import Comparison
from ..views.whatif_texts import cap_text, run_title, status_text
from .document import deterministic_book, document_time, finished_bytes, written_number
from .layout import cell_name

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

COMPARISON, RUNS, CAPS = "Comparison", "Scenarios", "Binding caps"
#: The row of the comparison table's header (zero-based); figures start below it.
HEADER_ROW = 3
MONEY = "#,##0.00"
CHANGE = "+#,##0.00;-#,##0.00;0.00"


def value_column(run: int) -> int:
    """The column of run `run`'s figures: B for the baseline, then C, E, G, ... (each
    scenario's change column sits just right of its figures)."""
    return 1 if run == 0 else 2 * run


def build_comparison_workbook(comparison: Comparison, *, when: datetime | None = None) -> bytes:
    """The workbook's bytes; the same comparison always gives the same bytes."""
    when = document_time() if when is None else when
    book, buffer = deterministic_book(f"What if: {comparison.programme}", "Scenario comparison",
                                      f"Built by budget-planner {__version__}", when)
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "note": book.add_format({"italic": True, "font_color": "#5B6475"}),
        "header": book.add_format({"bold": True, "bg_color": "#F3F5F9", "bottom": 1,
                                   "text_wrap": True, "valign": "top"}),
        "header_right": book.add_format({"bold": True, "bg_color": "#F3F5F9", "bottom": 1,
                                         "text_wrap": True, "valign": "top", "align": "right"}),
        "section": book.add_format({"bold": True, "top": 1}),
        "label": book.add_format({"indent": 1}),
        "total_label": book.add_format({"indent": 1, "bold": True}),
        "money": book.add_format({"num_format": MONEY}),
        "total_money": book.add_format({"num_format": MONEY, "bold": True}),
        "change": book.add_format({"num_format": CHANGE, "font_color": "#5B6475"}),
        "total_change": book.add_format({"num_format": CHANGE, "font_color": "#5B6475",
                                         "bold": True}),
        "dash": book.add_format({"align": "right", "font_color": "#5B6475"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    _comparison_sheet(book.add_worksheet(COMPARISON), comparison, formats)
    _runs_sheet(book.add_worksheet(RUNS), comparison, formats)
    _caps_sheet(book.add_worksheet(CAPS), comparison, formats)
    return finished_bytes(book, buffer, when)


def _comparison_sheet(ws: Worksheet, comparison: Comparison, formats: dict[str, Any]) -> None:
    runs = comparison.runs
    ws.write_string(0, 0, f"What if: {comparison.programme}", formats["title"])
    ws.write_string(1, 0, f"Amounts in {comparison.currency}. Each scenario is laid over the "
                          "baseline alone; its change column is scenario - baseline (formulas).",
                    formats["note"])
    ws.write_string(HEADER_ROW, 0, "Figure", formats["header"])
    for number, each in enumerate(runs):
        col = value_column(number)
        ws.write_string(HEADER_ROW, col, each.key if number == 0 else f"{each.key}: {each.label}",
                        formats["header_right"])
        if number:
            ws.write_string(HEADER_ROW, col + 1, f"Change {each.key}", formats["header_right"])
    row = HEADER_ROW + 1
    for section, rows in comparison.sections():
        ws.write_string(row, 0, section, formats["section"])
        for col in range(1, 2 * len(runs)):
            ws.write_blank(row, col, None, formats["section"])
        row += 1
        for item in rows:
            total = item.parts > 0
            ws.write_string(row, 0, item.label, formats["total_label" if total else "label"])
            for number, value in enumerate(item.values):
                col = value_column(number)
                if value is None:
                    ws.write_string(row, col, "–", formats["dash"])
                elif total:
                    span = f"{cell_name(row - item.parts, col)}:{cell_name(row - 1, col)}"
                    ws.write_formula(row, col, f"=SUM({span})", formats["total_money"],
                                     written_number(value))
                else:
                    ws.write_number(row, col, written_number(value), formats["money"])
                if number == 0:
                    continue
                change = item.changes[number - 1]
                if change is None:
                    ws.write_string(row, col + 1, "–", formats["dash"])
                else:
                    here, baseline = cell_name(row, col), cell_name(row, value_column(0))
                    ws.write_formula(row, col + 1, f"={here}-{baseline}",
                                     formats["total_change" if total else "change"],
                                     written_number(change))
            row += 1
    ws.set_column(0, 0, 26)
    ws.set_column(1, 2 * len(runs) - 1, 16)
    ws.set_row(HEADER_ROW, 45)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)


def _runs_sheet(ws: Worksheet, comparison: Comparison, formats: dict[str, Any]) -> None:
    header = ["Column", "What it is", "Status", "Description", "Changes", "Files", "Conflicts"]
    for col, text in enumerate(header):
        ws.write_string(0, col, text, formats["header"])
    for row, each in enumerate(comparison.runs, start=1):
        last = each.scenarios[-1] if each.scenarios and each.key != "Baseline" else None
        cells = [each.key, run_title(each), status_text(each),
                 last.description if last else "",
                 "\n".join(last.changes()) if last else "",
                 "\n".join(shown_path(scenario.file) for scenario in each.scenarios),
                 "\n".join(conflict.message for conflict in each.allocation.conflicts)]
        for col, text in enumerate(cells):
            ws.write_string(row, col, text, formats["wrap"])
    for col, width in enumerate((9, 40, 28, 50, 60, 28, 60)):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 1)


def _caps_sheet(ws: Worksheet, comparison: Comparison, formats: dict[str, Any]) -> None:
    ws.write_string(0, 0, "Cap", formats["header"])
    for col, each in enumerate(comparison.runs, start=1):
        ws.write_string(0, col, each.key, formats["header"])
    if not comparison.caps:
        ws.write_string(1, 0, "No cap binds in any column.", formats["note"])
    for row, cap in enumerate(comparison.caps, start=1):
        ws.write_string(row, 0, cap.label)
        for col, use in enumerate(cap.uses, start=1):
            ws.write_string(row, col, cap_text(use))
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(comparison.runs), 34)
    ws.freeze_panes(1, 1)
