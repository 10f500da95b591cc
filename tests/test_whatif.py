"""What-if comparisons: hand-computed scenario effects, the views, the workbook and the command."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_planner.cli import cli
from budget_planner.planfile.loader import load_plan
from budget_planner.engine.scenario import load_scenario
from budget_planner.engine.whatif import stacked, whatif
from budget_planner.views.whatif import render_whatif, whatif_json, whatif_text
from budget_planner.xlsx.comparison import build_comparison_workbook

from tests.support.plans import ROOT, SEED_PLAN, TWO_LINES

D = Decimal
SCENARIOS = ROOT / "plans" / "scenarios"

#: Both sources capped.
CAPPED = TWO_LINES + """
[[funding.caps]]
source = "EC"
period = "2020"
amount = {ec}

[[funding.caps]]
source = "NATIONAL"
period = "2020"
amount = {national}
"""

EC_CUT = 'name = "EC cut"\n[[scale]]\nsource = "EC"\nperiod = "2020"\nby = "{by}"\n'


def _row(comparison, measure, period=None, source=None):
    return next(row for row in comparison.rows
                if (row.measure, row.period, row.source) == (measure, period, source))


def _two_lines(write, ec, national, by):
    plan, problems = load_plan(write("plan.toml", CAPPED.format(ec=ec, national=national)))
    assert problems == []
    scenario, problems = load_scenario(write("cut.toml", EC_CUT.format(by=by)), plan)
    assert problems == [] and scenario is not None
    return whatif(plan, [scenario])


@pytest.mark.parametrize(("national", "national_change", "gap_change"), [
    # EC 1,200 -> 960 (-20 %): 240 less. In the baseline EC (first in source order) pays 1,200
    # and National the other 300 of line a. With National capped at 300 nothing can shift:
    # the gap grows by all 240. Capped at 500, National takes its spare 200 and the gap grows
    # by 40. Capped at 1,000, National takes all 240 and the gap does not move.
    (300, D("0.00"), D("240.00")),
    (500, D("200.00"), D("40.00")),
    (1_000, D("240.00"), D("0.00")),
])
def test_an_ec_cut_moves_the_gap_by_what_no_other_source_can_take(write, national,
                                                                   national_change, gap_change):
    comparison = _two_lines(write, 1_200, national, "-20%")
    assert _row(comparison, "unfunded").changes == (gap_change,)
    assert _row(comparison, "allocated", "2020", "EC").values == (D("1200.00"), D("960.00"))
    assert _row(comparison, "allocated", "2020", "NATIONAL").changes == (national_change,)
    assert _row(comparison, "funded").changes == (-gap_change,)
    assert _row(comparison, "budget").changes == (D(0),)


@settings(max_examples=25, deadline=None)
@given(ec=st.integers(0, 1_500), national=st.integers(0, 1_200), cut=st.integers(0, 100))
def test_the_gap_change_matches_the_hand_formula(tmp_path_factory, ec, national, cut):
    # By hand: line b (500) can only take EC; line a (1,000) takes EC or National (at most
    # 1,000 of it). So everything is funded up to EC + min(National, 1,000), at most 1,500.
    def gap(ec_cap: Decimal) -> Decimal:
        return D(1_500) - min(D(1_500), ec_cap + min(national, 1_000))

    folder = tmp_path_factory.mktemp("cut")

    def write(name, text):
        (folder / name).write_text(text)
        return folder / name

    comparison = _two_lines(write, ec, national, f"-{cut}%")
    new_ec = (D(ec) * (100 - cut) / 100).quantize(D("0.01"), rounding="ROUND_FLOOR")
    unfunded = _row(comparison, "unfunded")
    assert unfunded.values == (gap(D(ec)), gap(new_ec))
    assert unfunded.changes == (gap(new_ec) - gap(D(ec)),)


@pytest.fixture(scope="module")
def seed_comparison():
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(SCENARIOS / "ec-cut-2014-2020.toml", plan)
    assert problems == [] and scenario is not None
    return whatif(plan, [scenario])


def test_the_seed_ec_cut_comparison(seed_comparison):
    # The cut caps EC at 9.6 M, EU SF at 8 M and OTHER at 5 M in 2014-2020. The marked lines
    # there need 25.7 M; the caps give 22.6 M, so the gap grows by 3.1 M on top of the 0.7 M
    # of the two lines without a source.
    comparison = seed_comparison
    assert _row(comparison, "unfunded", "2014-2020").values == (D("700000.00"), D("3800000.00"))
    assert _row(comparison, "unfunded", "2014-2020").changes == (D("3100000.00"),)
    assert _row(comparison, "funded").values == (D("29450000.00"), D("26350000.00"))
    assert _row(comparison, "budget").values == (D("30150000.00"), D("30150000.00"))
    assert [(cap.label, [use is not None and use.binding for use in cap.uses])
            for cap in comparison.caps] == [("EC 2014-2020", [False, True]),
                                            ("EU_SF 2014-2020", [False, True]),
                                            ("OTHER 2014-2020", [False, True])]
    # Every programme row adds up its periods.
    for row in comparison.rows:
        if row.parts:
            index = comparison.rows.index(row)
            parts = comparison.rows[index - row.parts:index]
            assert row.values == tuple(sum(values) for values in zip(*(p.values for p in parts)))


def test_text_json_markdown_and_html_show_the_same_figures(seed_comparison):
    text = whatif_text(seed_comparison)
    assert "A         EC cut of 20 % in 2014-2020 (illustrative figures)" in text
    assert "  2014-2020              700,000.00   3,800,000.00   +3,100,000.00\n" in text
    assert "EC 2014-2020     no cap    binds at 9,600,000.00, shadow price 1.00" in text
    data = whatif_json(seed_comparison)
    baseline, cut = data["runs"]
    assert baseline["change"] is None and baseline["scenarios"] == []
    assert cut["programme"] == {"budget": "30150000.00", "funded": "26350000.00",
                                "unfunded": "3800000.00"}
    assert cut["change"]["programme"]["unfunded"] == "3100000.00"
    assert {"source": "EC", "period": "2014-2020", "allocated": "9600000.00"} in cut["sources"]
    assert [cap["source"] for cap in cut["binding_caps"]] == ["EC", "EU_SF", "OTHER"]
    markdown = render_whatif(seed_comparison, "markdown")
    assert "| 2014-2020 | 700,000.00 | 3,800,000.00 | +3,100,000.00 |" in markdown
    html = render_whatif(seed_comparison, "html")
    assert '<td class="num change">+3,100,000.00</td>' in html
    assert "<svg" in html and "@media print" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from a network
    assert html == render_whatif(seed_comparison, "html")


def test_the_comparison_workbook_writes_changes_as_formulas(seed_comparison):
    import openpyxl

    data = build_comparison_workbook(seed_comparison)
    assert data == build_comparison_workbook(seed_comparison)  # deterministic bytes
    formulas = openpyxl.load_workbook(io.BytesIO(data))["Comparison"]
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Comparison"]
    rows = {(formulas.cell(r, 1).value, r) for r in range(1, formulas.max_row + 1)}
    # Each run's title above its columns (a scenario's over its figures and its change).
    assert formulas.cell(4, 2).value == "the plan bsr-stars-programme-c"
    assert formulas.cell(4, 3).value == "A: EC cut of 20 % in 2014-2020"
    assert "C4:D4" in {str(merged) for merged in formulas.merged_cells.ranges}
    assert [formulas.cell(5, col).value for col in (1, 2, 3, 4)] == [
        "Figure", "Baseline", "A", "Change A"]
    # A change is signed, and red when it falls.
    assert formulas.cell(7, 4).number_format == "+#,##0.00;[Red]-#,##0.00;0.00"
    # The Unfunded section: its 2014-2020 row and its programme row.
    unfunded = next(r for label, r in rows if label == "Unfunded")
    gap_row, total_row = unfunded + 3, unfunded + 4
    assert formulas.cell(gap_row, 1).value == "2014-2020"
    assert formulas.cell(gap_row, 4).value == f"=C{gap_row}-B{gap_row}"
    assert values.cell(gap_row, 4).value == 3_100_000
    assert formulas.cell(total_row, 2).value == f"=SUM(B{unfunded + 1}:B{unfunded + 3})"
    assert values.cell(total_row, 3).value == 3_800_000
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Comparison", "Scenarios", "Binding caps"]
    assert [cell.value for cell in book["Binding caps"][4]][:3] == [
        "EC 2014-2020", "no cap", "binds at 9,600,000.00, shadow price 1.00"]


def test_stacked_adds_the_scenarios_one_after_another():
    plan, _ = load_plan(SEED_PLAN)
    cut, _ = load_scenario(SCENARIOS / "ec-cut-2014-2020.toml", plan)
    rates, _ = load_scenario(SCENARIOS / "interreg-rates.toml", plan)
    comparison = stacked(plan, [cut, rates])
    assert [run.label for run in comparison.runs] == ["Baseline", cut.name, f"+ {rates.name}"]
    assert [len(run.scenarios) for run in comparison.runs] == [0, 1, 2]
    assert comparison.runs[2].plan.funding.caps == cut.funding.caps
    assert comparison.runs[2].plan.funding.preference == rates.funding.preference


def test_whatif_command_formats_and_exit_codes(runner, tmp_path):
    cut = str(SCENARIOS / "ec-cut-2014-2020.toml")
    rates = str(SCENARIOS / "interreg-rates.toml")
    result = runner.invoke(cli, ["whatif", str(SEED_PLAN), cut, rates, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [run["label"] for run in json.loads(result.output)["runs"]] == [
        "Baseline", "EC cut of 20 % in 2014-2020", "Interreg-like rates"]
    # The plan may be left out.
    result = runner.invoke(cli, ["whatif", cut])
    assert result.exit_code == 0 and "change A" in result.output
    workbook = tmp_path / "whatif.xlsx"
    result = runner.invoke(cli, ["whatif", cut, rates, "-o", str(workbook)])
    assert result.exit_code == 0 and workbook.read_bytes()[:2] == b"PK"
    html = tmp_path / "whatif.html"
    assert runner.invoke(cli, ["whatif", cut, "--format", "html", "-o", str(html)]).exit_code == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_whatif_with_a_base_scenario_compares_against_it(runner):
    cut = str(SCENARIOS / "ec-cut-2014-2020.toml")
    result = runner.invoke(cli, ["whatif", "--scenario", cut, cut, "--format", "json"])
    assert result.exit_code == 0, result.output
    baseline, same = json.loads(result.output)["runs"]
    assert baseline["programme"]["unfunded"] == "3800000.00"
    assert same["change"]["programme"]["unfunded"] == "0.00"


def test_whatif_reports_every_problem_and_keeps_the_old_output(runner, write, tmp_path):
    bad = write("bad.toml", 'name = "Bad"\n[[lines.change]]\nperiod = "2014-2020"\n'
                            'line = "managment"\namount = 1\n')
    worse = write("worse.toml", 'name = "Worse"\n[[scale]]\nsource = "EK"\nby = "-5%"\n')
    output = tmp_path / "whatif.xlsx"
    output.write_bytes(b"old")
    result = runner.invoke(cli, ["whatif", str(bad), str(worse), "-o", str(output)])
    assert result.exit_code == 2
    assert "bad.toml:4: lines.change[0].line: no line 'managment' in period '2014-2020'; " \
           "did you mean 'management'?" in result.output
    assert "worse.toml:3: scale[0].source: unknown funding source 'EK'" in result.output
    assert "Traceback" not in result.output and output.read_bytes() == b"old"


def test_whatif_exits_1_when_a_scenarios_rules_conflict(runner, write):
    # A pledge of 300,000 to a 200,000 line cannot hold.
    pledge = write("pledge.toml", 'name = "Too much"\n[[funding.pledges]]\nsource = "EC"\n'
                                  'period = "2014-2020"\nline = "management"\namount = 300_000\n')
    result = runner.invoke(cli, ["whatif", str(pledge)])
    assert result.exit_code == 1
    assert "A: the funding rules cannot all hold:" in result.output
    assert "infeasible" in result.output


def test_whatif_needs_a_scenario(runner):
    result = runner.invoke(cli, ["whatif", str(SEED_PLAN)])
    assert result.exit_code == 2 and "at least one scenario" in result.output


def test_the_report_with_scenarios_compares_them_with_the_baseline(runner, tmp_path):
    cut = str(SCENARIOS / "ec-cut-2014-2020.toml")
    rates = str(SCENARIOS / "interreg-rates.toml")
    markdown, html = tmp_path / "r.md", tmp_path / "r.html"
    result = runner.invoke(cli, ["report", "--scenario", cut, "--scenario", rates,
                                 "--format", "markdown", "-o", str(markdown)])
    assert result.exit_code == 0, result.output
    text = markdown.read_text(encoding="utf-8")
    assert "## Scenario comparison" in text
    assert ("| **A** | EC cut of 20 % in 2014-2020 (illustrative figures) | "
            "optimal; reconciliation OK |") in text
    assert "| **B** | \\+ Interreg-like rates (illustrative figures) |" in text
    # The body of the report is the plan with both scenarios: the comparison's last column.
    plan, _ = load_plan(SEED_PLAN)
    first, _ = load_scenario(cut, plan)
    from budget_planner.engine.scenario import apply_scenario

    second, _ = load_scenario(rates, apply_scenario(plan, first))
    last = stacked(plan, [first, second]).runs[-1]
    gap = f"{last.allocation.total_gap:,.2f}"
    assert f"unfunded **{gap}**" in text
    assert f"| programme | 700,000.00 | 3,800,000.00 | +3,100,000.00 | {gap} |" in text
    assert runner.invoke(cli, ["report", "--scenario", cut, "-o", str(html)]).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert '<section id="comparison">' in page and page.count("<svg") == 2


def test_the_report_without_scenarios_has_no_comparison(runner, tmp_path):
    markdown = tmp_path / "r.md"
    result = runner.invoke(cli, ["report", "--format", "markdown", "-o", str(markdown)])
    assert result.exit_code == 0
    assert "Scenario comparison" not in markdown.read_text(encoding="utf-8")
