"""The what-if comparison as an Excel workbook: one column block per scenario, changes as
formulas.

Each scenario has two columns: its figures and their change against the baseline, written as
`=scenario - baseline` formulas; programme and source totals are `=SUM` formulas over the
periods above them. Every formula carries the engine's exact value as its cached result, so
readers that never recalculate show the right numbers. The bytes are deterministic for a given
document date (see `views.dates`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.version import __version__
from ..core.files import shown_path
from ..engine.whatif import Comparison
from ..views.dates import DocumentDate, document_date
from ..views.whatif_texts import cap_label, cap_text, run_title, status_text
from .document import deterministic_book, finished_bytes
from .layout import cell_name
from .sheet import CHANGE, HEADER_FILL, MUTED, Book

if TYPE_CHECKING:
    from xlsxwriter.format import Format

COMPARISON, RUNS, CAPS = "Comparison", "Scenarios", "Binding caps"
#: The rows of the comparison table's header (zero-based): each run's title above its columns,
#: then the column heads; figures start below.
RUN_ROW, HEADER_ROW = 3, 4


def value_column(run: int) -> int:
    """The column of run `run`'s figures: B for the baseline, then C, E, G, ... (each
    scenario's change column sits just right of its figures)."""
    return 1 if run == 0 else 2 * run


def build_comparison_workbook(comparison: Comparison, *,
                              date: DocumentDate | None = None) -> bytes:
    """The workbook's bytes; the same comparison and document date give the same bytes."""
    date = document_date(comparison.baseline.plan) if date is None else date
    book, buffer = deterministic_book(f"What if: {comparison.programme}", "Scenario comparison",
                                      f"Built by budget-planner {__version__}", date.when)
    out = Book(book, comparison.programme, date.text)
    _comparison_sheet(out, comparison, date)
    _runs_sheet(out, comparison)
    _caps_sheet(out, comparison)
    return finished_bytes(book, buffer, date.when)


def _comparison_sheet(out: Book, comparison: Comparison, date: DocumentDate) -> None:
    runs = comparison.runs
    last_col = 2 * len(runs) - 1
    sheet = out.sheet(COMPARISON, {0: 16, **{col: 11 for col in range(1, last_col + 1)}})
    styles = out.styles
    ws = sheet.ws
    sheet.title(f"What if: {comparison.programme}", last_col)
    sheet.note(1, f"Amounts in {comparison.currency}, as of {date.text}. Each scenario is laid "
                  "over the baseline alone; its change column is scenario − baseline (formulas), "
                  "red where it falls.", 0, last_col)
    title = {"bold": True, "bg_color": HEADER_FILL}
    for number, each in enumerate(runs):
        col = value_column(number)
        text = run_title(each) if number == 0 else f"{each.key}: {each.label}"
        sheet.note(RUN_ROW, text, col, col if number == 0 else col + 1, **title)
    sheet.blank(RUN_ROW, 0, styles.get(**title))
    sheet.header(HEADER_ROW, 0, "Figure")
    for number, each in enumerate(runs):
        col = value_column(number)
        sheet.header(HEADER_ROW, col, each.key, "right")
        if number:
            sheet.header(HEADER_ROW, col + 1, f"Change {each.key}", "right")
    formats: dict[str, "Format"] = {
        "section": styles.get(bold=True, top=1),
        "money": styles.money(), "total_money": styles.money(bold=True),
        "change": styles.get(num_format=CHANGE, font_color=MUTED),
        "total_change": styles.get(num_format=CHANGE, font_color=MUTED, bold=True),
        "dash": styles.get(align="right", font_color=MUTED)}
    row = HEADER_ROW + 1
    for section, rows in comparison.sections():
        sheet.text(row, 0, section, bold=True, top=1)
        for col in range(1, last_col + 1):
            sheet.blank(row, col, formats["section"])
        row += 1
        for item in rows:
            total = item.parts > 0
            sheet.text(row, 0, item.label, indent=1, bold=total)
            for number, value in enumerate(item.values):
                col = value_column(number)
                if value is None:
                    sheet.text(row, col, "–", align="right", font_color=MUTED)
                elif total:
                    span = f"{cell_name(row - item.parts, col)}:{cell_name(row - 1, col)}"
                    sheet.formula(row, col, f"=SUM({span})", value, formats["total_money"],
                                  bold=True)
                else:
                    sheet.money(row, col, value, formats["money"])
                if number == 0:
                    continue
                change = item.changes[number - 1]
                if change is None:
                    sheet.text(row, col + 1, "–", align="right", font_color=MUTED)
                else:
                    here, baseline = cell_name(row, col), cell_name(row, value_column(0))
                    sheet.formula(row, col + 1, f"={here}-{baseline}", change,
                                  formats["total_change" if total else "change"], bold=total,
                                  shown=f"+{change:,.2f}")
            row += 1
    ws.freeze_panes(HEADER_ROW + 1, 1)
    sheet.print_setup((RUN_ROW, HEADER_ROW), row - 1, last_col)
    sheet.finish()


def _runs_sheet(out: Book, comparison: Comparison) -> None:
    conflicts = any(each.allocation.conflicts for each in comparison.runs)
    columns = [("Column", 7), ("What it is", 36), ("Status", 14), ("What it changes", 48),
               ("Files", 24)] + ([("Conflicts", 36)] if conflicts else [])
    sheet = out.sheet(RUNS, {col: width for col, (_, width) in enumerate(columns)},
                      wrapped=set(range(1, len(columns))))
    styles = out.styles
    last_col = len(columns) - 1
    sheet.title("Scenarios: what each column is", last_col)
    header = 2
    for col, (label, _) in enumerate(columns):
        sheet.header(header, col, label)
    row = header
    for each in comparison.runs:
        row += 1
        last = each.scenarios[-1] if each.scenarios and each.key != "Baseline" else None
        what = run_title(each)
        if last is not None and last.description:
            what = f"{what}\n{last.description}"
        cells = [each.key, what, status_text(each),
                 "\n".join(f"• {change}" for change in last.changes()) if last else "",
                 "\n".join(shown_path(scenario.file) for scenario in each.scenarios)]
        if conflicts:
            cells.append("\n".join(conflict.message for conflict in each.allocation.conflicts))
        for col, text in enumerate(cells):
            sheet.text(row, col, text, bold=col == 0)
    sheet.ws.freeze_panes(header + 1, 1)
    sheet.print_setup(header, row, last_col)
    sheet.finish()


def _caps_sheet(out: Book, comparison: Comparison) -> None:
    runs = comparison.runs
    sheet = out.sheet(CAPS, {0: 14, **{col: 20 for col in range(1, len(runs) + 1)}},
                      wrapped=set(range(1, len(runs) + 1)))
    styles = out.styles
    sheet.title("Binding caps: each cap that is used up in at least one column", len(runs))
    header = 2
    sheet.header(header, 0, "Cap")
    for col, each in enumerate(runs, start=1):
        sheet.header(header, col, each.key)
    row = header
    if not comparison.caps:
        row += 1
        sheet.note(row, "No cap binds in any column.", 0, len(runs))
    for cap in comparison.caps:
        row += 1
        sheet.text(row, 0, cap_label(comparison, cap))
        for col, use in enumerate(cap.uses, start=1):
            sheet.text(row, col, cap_text(use))
    sheet.ws.freeze_panes(header + 1, 1)
    sheet.print_setup(header, row, len(runs))
    sheet.finish()
