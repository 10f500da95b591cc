"""The workbook's layout and figures, computed before anything is written.

Positions are worked out by hand for the small plan (two periods: lines a, b and c; sources EC
and National) and the amounts from a hand-made allocation; the built workbook must then have
exactly the layout's defined names.
"""

from __future__ import annotations

from decimal import Decimal

from budget_planner import load_plan, reconcile
from budget_planner.core.model import Allocation, AllocationResult, Conflict, Gap, SourceUse
from budget_planner.xlsx.figures import RULES_CONFLICT, workbook_figures
from budget_planner.xlsx.layout import workbook_layout
from budget_planner.xlsx.workbook import build_workbook

from tests.support.plans import SMALL_PLAN
from tests.support.workbooks import hand_allocation, name_values, openpyxl_workbook

D = Decimal


def small(write):
    plan, problems = load_plan(write("small.toml", SMALL_PLAN))
    assert not problems
    return plan


def test_the_layout_of_the_small_plan(write):
    plan = small(write)
    layout = workbook_layout(plan, hand_allocation(plan))
    # Period sheets: header on row 4, lines from row 5, then the Total row (rows count from 0).
    first = layout.periods["2020-2021"]
    assert (dict(first.line_rows), first.total_row) == ({"a": 4, "b": 5}, 6)
    assert first.amount_ref("b") == "'2020-2021'!C6"
    assert (dict(first.source_cols), first.notes_col) == ({"EC": 3, "NATIONAL": 4}, 5)
    assert layout.periods["2022"].total_row == 5
    # Allocation: title, subtitle, a blank row, the header on row 4; then each period: its
    # heading, its lines, its subtotal (2020-2021: a, b; 2022: c); the Total row.
    allocation = layout.allocation
    assert (allocation.header, allocation.first, allocation.last, allocation.total_row) == (
        3, 4, 10, 11)
    assert dict(allocation.heading_rows) == {"2020-2021": 4, "2022": 8}
    assert dict(allocation.period_rows) == {"2020-2021": (5, 6), "2022": (9, 9)}
    assert dict(allocation.subtotal_rows) == {"2020-2021": 7, "2022": 10}
    assert dict(allocation.line_rows) == {("2020-2021", "a"): 5, ("2020-2021", "b"): 6,
                                          ("2022", "c"): 9}
    # Columns: activity, EC, National, not funded, amount, check, why.
    assert dict(allocation.source_cols) == {"EC": 1, "NATIONAL": 2}
    assert (allocation.gap_col, allocation.amount_col, allocation.check_col,
            allocation.reason_col) == (3, 4, 5, 6)
    # Summary: header on row 5, the periods, the programme; the funding table three rows on.
    summary = layout.summary
    assert (dict(summary.period_rows), summary.programme_row) == (
        {"2020-2021": 5, "2022": 6}, 7)
    assert (summary.funding_header, dict(summary.source_rows), summary.gap_row,
            summary.funding_total_row, summary.total_col) == (
        10, {"EC": 11, "NATIONAL": 12}, 13, 14, 3)
    assert dict(layout.names) == {
        "PeriodTotal_2020_2021": "='2020-2021'!$C$7",
        "PeriodTotal_2022": "='2022'!$C$6",
        "SourceTotal_EC": "='Allocation'!$B$12",
        "SourceTotal_NATIONAL": "='Allocation'!$C$12",
        "GapTotal": "='Allocation'!$D$12",
        "AllocationChecks": "='Allocation'!$E$5:$F$12",
        "SourceUse": "='Sources'!$D$5:$G$6",
        "GrandTotal": "='Summary'!$C$8",
        "SummaryChecks": "='Summary'!$C$6:$E$8",
        "FundingBySource": "='Summary'!$B$12:$D$15",
    }


def test_the_built_workbook_has_exactly_the_layouts_names(write, tmp_path):
    plan = small(write)
    allocation = hand_allocation(plan)
    path = tmp_path / "small.xlsx"
    path.write_bytes(build_workbook(plan, allocation))
    book = openpyxl_workbook(path)
    written = {name: "=" + book.defined_names[name].attr_text for name in book.defined_names}
    assert written == dict(workbook_layout(plan, allocation).names)
    # Hand allocation: a (400) and c (400) to EC, b (200) to National; nothing unfunded.
    assert name_values(path) == {
        "PeriodTotal_2020_2021": 600, "PeriodTotal_2022": 400, "GrandTotal": 1_000,
        "SourceTotal_EC": 800, "SourceTotal_NATIONAL": 200, "GapTotal": 0}


def test_conflicts_and_notes_push_the_allocation_table_down(write):
    plan = small(write)
    conflicting = AllocationResult("infeasible", "highs", D(0), (), (), (),
                                   conflicts=(Conflict("min-above-max", "first conflict"),
                                              Conflict("min-above-max", "second conflict")))
    layout = workbook_layout(plan, conflicting)
    assert (layout.allocation.header, layout.allocation.total_row) == (5, 13)
    assert layout.names["GapTotal"] == "='Allocation'!$D$14"
    # No use reported: one Sources row a source, for the programme.
    assert layout.sources.rows == (("EC", None), ("NATIONAL", None))


def test_figures_with_a_gap_and_a_cap(write):
    plan = small(write)
    # By hand: EC pays a with 300 and c with 400, National pays b; 100 of a is not funded.
    base = hand_allocation(plan)
    allocation = AllocationResult(
        "optimal", "by hand", D("100.00"),
        (Allocation("2020-2021", "a", "EC", D("300.00")),
         *base.allocations[1:]),
        (Gap("2020-2021", "a", D("100.00"), "caps exhausted: EC"),),
        (SourceUse("EC", None, D("700.00"), D("700.00"), D("0.00"), True, D("1.00")),))
    figures = workbook_figures(plan, reconcile(plan), allocation)
    assert dict(figures.gaps) == {("2020-2021", "a"): D("100.00")}
    assert dict(figures.gap_reasons) == {("2020-2021", "a"): ("caps exhausted: EC",)}
    assert figures.line_funding["2020-2021", "a"] == D("400.00")
    assert figures.by_source["EC", "2020-2021"] == D("300.00")
    assert figures.by_source["EC", None] == D("700.00")
    assert figures.by_source["NATIONAL", None] == D("200.00")
    assert figures.gap_by_period["2020-2021"] == D("100.00")
    assert figures.funding_by_period["2020-2021"] == D("600.00")
    assert figures.funding_by_period[None] == D("1000.00")
    assert (figures.funding_total, figures.amount_total) == (D("1000.00"), D("1000.00"))
    ec = figures.source_uses["EC", None]
    assert (ec.allocated, ec.remaining, ec.utilisation) == (D("700.00"), D("0.00"), 1)


def test_without_an_optimal_allocation_every_amount_is_not_funded(write):
    plan = small(write)
    conflicting = AllocationResult("infeasible", "highs", D(0), (), (), (),
                                   conflicts=(Conflict("min-above-max", "the rules conflict"),))
    figures = workbook_figures(plan, reconcile(plan), conflicting)
    assert dict(figures.allocated) == {}
    assert dict(figures.gaps) == {("2020-2021", "a"): D(400), ("2020-2021", "b"): D("200.00"),
                                  ("2022", "c"): D(400)}
    assert set(figures.gap_reasons.values()) == {(RULES_CONFLICT,)}
    assert figures.gap_by_period[None] == D(1000)
