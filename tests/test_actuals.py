"""Actuals: spending against the plan. Every figure here is worked out by hand."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from budget_planner import load_plan
from budget_planner.cli import cli
from budget_planner.core.actuals import Reporting
from budget_planner.core.model import Allocation, AllocationResult, Gap
from budget_planner.engine.actuals import months_elapsed, planned_to_date, progress
from budget_planner.planfile.actuals import ActualsPlan, read_actuals_csv
from budget_planner.planfile.writer import plan_toml
from budget_planner.views.progress import progress_json
from budget_planner.xlsx.actuals import read_actuals

from tests.support.plans import ROOT, SEED_PLAN

D = Decimal

#: The issue's worked example: a period 2020-2021 with one line of 48,000.00; a second period
#: keeps the programme's total above the spending, so only the period overspends.
WORKED = """
[programme]
name = "Worked example"
currency = "EUR"
total = 58_000

[[sources]]
id = "EC"

[[sources]]
id = "NATIONAL"

[[periods]]
id = "2020-2021"
first_year = 2020
last_year = 2021
total = 48_000

[[periods.lines]]
id = "work"
activity = "The work"
amount = 48_000
sources = ["EC", "NATIONAL"]

[[periods]]
id = "2022"
first_year = 2022
last_year = 2022
total = 10_000

[[periods.lines]]
id = "later"
activity = "Later work"
amount = 10_000
sources = ["EC"]
"""

HEADER = "date,line,amount,source,status,reference\n"


def hand_allocation(*items: tuple[str, str, str, str], gaps=()) -> AllocationResult:
    return AllocationResult("optimal", "by hand", D(0),
                            tuple(Allocation(p, line, s, D(a)) for p, line, s, a in items),
                            tuple(Gap(p, line, D(a), "by hand") for p, line, a in gaps), ())


@pytest.fixture
def worked(write):
    path = write("plan.toml", WORKED)
    plan, problems = load_plan(path)
    assert problems == []
    return plan


def figures_of(result, level="programme"):
    data = progress_json(result)
    return data[level] if level == "programme" else data[level]


def test_the_worked_example_at_the_end_of_september(worked, write):
    path = write("a.csv", HEADER + "2020-03-15,2020-2021/work,10000.00,EC,validated,A1\n"
                                   "2020-09-02,2020-2021/work,14000.00,,,A2\n")
    actuals, problems = read_actuals([path], worked)
    assert problems == []
    result = progress(worked, actuals, hand_allocation(("2020-2021", "work", "EC", "48000"),
                                                       ("2022", "later", "EC", "10000")),
                      as_of=date(2020, 9, 30))
    line = progress_json(result)["lines"][0]
    # yearly 24,000.00; planned to date = 24,000.00 x 9/12 = 18,000.00
    assert line == {"period": "2020-2021", "line": "work", "activity": "The work",
                    "amount": "48000.00", "planned_to_date": "18000.00", "actual": "24000.00",
                    "validated": "10000.00", "variance": "-6000.00", "percent": "133.33",
                    "remaining": "24000.00"}
    assert [finding.code for finding in result.findings] == []


def test_the_worked_example_overspends_beyond_flexibility_at_the_end(worked, write):
    path = write("a.csv", HEADER + "2020-03-15,2020-2021/work,10000.00,,,A1\n"
                                   "2020-09-02,2020-2021/work,14000.00,,,A2\n"
                                   "2021-11-30,2020-2021/work,31000.00,,,A3\n")
    actuals, _ = read_actuals([path], worked)
    result = progress(worked, actuals, None, as_of=date(2021, 12, 31),
                      reporting=Reporting(flexibility_percent=D(10)))
    codes = {finding.code: finding for finding in result.findings}
    assert set(codes) == {"overspend-beyond-flexibility", "period-overspend",
                          "allocation-conflict"}
    beyond = codes["overspend-beyond-flexibility"]
    assert (beyond.expected, beyond.actual, beyond.difference) == (D("48000.00"),
                                                                  D("55000.00"), D("7000.00"))
    assert "4,800.00" in beyond.message  # the allowance: 10 % of 48,000.00
    assert codes["period-overspend"].difference == D("7000.00")
    assert result.periods[0].figures.planned_to_date == D("48000.00")


def test_overspend_within_the_allowance_is_a_warning_and_the_floor_amount_counts(worked, write):
    path = write("a.csv", HEADER + "2021-03-01,2020-2021/work,52000.00,,,A1\n")
    actuals, _ = read_actuals([path], worked)
    within = progress(worked, actuals, None, as_of=date(2021, 12, 31))
    assert [f.code for f in within.findings if f.code.startswith("overspend")] == [
        "overspend-within-flexibility"]
    # 20 % allowed: 9,600.00; 4,000.00 over is within. 1 %, but at least 5,000.00: within too.
    strict = progress(worked, actuals, None, as_of=date(2021, 12, 31),
                      reporting=Reporting(flexibility_percent=D(1)))
    assert "overspend-beyond-flexibility" in {f.code for f in strict.findings}
    floor = progress(worked, actuals, None, as_of=date(2021, 12, 31),
                     reporting=Reporting(flexibility_percent=D(1),
                                         flexibility_amount=D("5000")))
    assert "overspend-within-flexibility" in {f.code for f in floor.findings}


@pytest.mark.parametrize(("as_of", "months", "planned"), [
    (date(2020, 1, 1), 0, 0),            # nothing of January has passed
    (date(2020, 1, 31), 1, 200000),      # January, on its last day: 24,000.00 / 12
    (date(2020, 2, 29), 2, 400000),      # a leap year's last day of February
    (date(2020, 12, 30), 11, 2200000),
    (date(2021, 6, 30), 6, 3600000),     # all of 2020 and half of 2021
    (date(2023, 1, 1), 0, 4800000),      # after the period: all of it
    (date(2019, 12, 31), 12, 0),         # before it: nothing
])
def test_planned_to_date_by_whole_months(as_of, months, planned):
    assert months_elapsed(as_of) == months
    assert planned_to_date({2020: 2400000, 2021: 2400000}, as_of) == planned


def test_planned_to_date_rounds_half_up_to_the_cent():
    # 10.01 x 1 / 12 = 0.834166 -> 0.83; 0.06 x 6 / 12 = 0.03 exactly; 0.05 x 6/12 = 0.025 -> 0.03
    assert planned_to_date({2020: 1001}, date(2020, 1, 31)) == 83
    assert planned_to_date({2020: 5}, date(2020, 6, 30)) == 3


def test_claimable_splits_each_line_by_its_allocated_shares(worked, write):
    path = write("a.csv", HEADER + "2020-05-05,2020-2021/work,333.33,EC,,R1\n"
                                   "2020-05-06,2020-2021/work,100.00,,,R2\n")
    actuals, _ = read_actuals([path], worked)
    allocation = hand_allocation(("2020-2021", "work", "EC", "28800"),
                                 ("2020-2021", "work", "NATIONAL", "19200"))
    result = progress(worked, actuals, allocation, as_of=date(2020, 12, 31))
    sources = {s["id"]: s for s in progress_json(result)["sources"]}
    # 433.33 x 60 % = 259.998 and x 40 % = 173.332: floors 259.99 + 173.33, the last cent to
    # the larger remainder (EC). Unassigned 100.00: 60.00 and 40.00.
    assert sources["EC"] == {"id": "EC", "allocated": "28800.00", "claimed": "333.33",
                             "claimable": "260.00", "unassigned": "60.00"}
    assert sources["NATIONAL"] == {"id": "NATIONAL", "allocated": "19200.00", "claimed": "0.00",
                                   "claimable": "173.33", "unassigned": "40.00"}


def test_a_gap_is_claimable_from_no_source(worked, write):
    path = write("a.csv", HEADER + "2020-05-05,2020-2021/work,1000.00,EC,,R1\n")
    actuals, _ = read_actuals([path], worked)
    allocation = hand_allocation(("2020-2021", "work", "EC", "12000"),
                                 gaps=[("2020-2021", "work", "36000")])
    result = progress(worked, actuals, allocation, as_of=date(2020, 12, 31))
    assert result.sources[0].claimable == D("250.00")  # a quarter of the line is funded


def test_ineligible_and_overclaimed_sources(worked, write):
    path = write("a.csv", HEADER + "2022-02-01,2022/later,10.00,NATIONAL,,X1\n"
                                   "2020-02-01,2020-2021/work,30000.00,EC,,X2\n")
    actuals, _ = read_actuals([path], worked)
    allocation = hand_allocation(("2020-2021", "work", "EC", "24000"),
                                 ("2020-2021", "work", "NATIONAL", "24000"),
                                 ("2022", "later", "EC", "10000"))
    result = progress(worked, actuals, allocation, as_of=date(2022, 12, 31))
    found = {f.code: f for f in result.findings}
    assert found["ineligible-source"].line == "later"
    assert "a.csv:2" in found["ineligible-source"].message
    over = found["source-overclaimed"]
    assert (over.line, over.expected, over.actual, over.difference) == (
        "work", D("24000.00"), D("30000.00"), D("6000.00"))


def test_underspend_risk_once_half_the_period_has_passed(worked, write):
    path = write("a.csv", HEADER + "2020-02-01,2020-2021/work,20000.00,,,U1\n")
    actuals, _ = read_actuals([path], worked)
    # 2020-12-31: 12 of 24 months (50 %); planned 24,000.00, actual 20,000.00 = 83.33 % < 90 %.
    risk = progress(worked, actuals, None, as_of=date(2020, 12, 31))
    [finding] = [f for f in risk.findings if f.code == "underspend-risk"]
    assert (finding.period, finding.expected, finding.actual) == ("2020-2021", D("24000.00"),
                                                                  D("20000.00"))
    # A month earlier fewer than half the months have passed; with a threshold of 80 % the
    # spending is not at risk.
    assert "underspend-risk" not in {f.code for f in progress(
        worked, actuals, None, as_of=date(2020, 11, 30)).findings}
    assert "underspend-risk" not in {f.code for f in progress(
        worked, actuals, None, as_of=date(2020, 12, 31),
        reporting=Reporting(underspend_threshold_percent=D(80))).findings}


def test_duplicates_and_rows_after_the_date(worked, write):
    path = write("a.csv", HEADER + "2020-02-01,2020-2021/work,50.00,,,D1\n"
                                   "2020-02-01,2020-2021/work,50.00,,,D1\n"
                                   "2020-02-01,2020-2021/work,50.00,,,\n"
                                   "2020-02-01,2020-2021/work,50.00,,,\n"
                                   "2021-02-01,2020-2021/work,70.00,,,L1\n"
                                   "2021-03-01,2020-2021/work,-20.00,,,L2\n")
    actuals, _ = read_actuals([path], worked)
    result = progress(worked, actuals, None, as_of=date(2020, 12, 31))
    found = {f.code: f for f in result.findings}
    assert "a.csv:2, a.csv:3" in found["duplicate-expense"].message  # not the unreferenced
    assert [f.code for f in result.findings].count("duplicate-expense") == 1
    assert found["after-as-of"].actual == D("50.00")
    assert "2 row(s)" in found["after-as-of"].message
    assert result.programme.actual == D("200.00")


def test_amounts_in_another_currency_are_converted_half_even(worked, write):
    path = write("a.csv", "date,line,amount,currency,rate\n"
                          "2020-02-01,2020-2021/work,1094.65,SEK,10.9465\n"   # 100.00
                          "2020-02-02,2020-2021/work,0.25,GBP,10\n"          # 0.025 -> 0.02
                          "2020-02-03,2020-2021/work,0.35,GBP,10\n"          # 0.035 -> 0.04
                          "2020-02-04,2020-2021/work,5.00,EUR,\n")
    actuals, problems = read_actuals([path], worked)
    assert problems == []
    assert list(actuals.cents) == [10000, 2, 4, 500]


def test_every_problem_in_an_actuals_file_at_once(worked, write):
    path = write("bad.csv", "\ufeffdate,line,amount,source,status,referense\n"
                            "2020-13-01,2020-2021/wrok,12.345,EC,,1\n"
                            "2020-02-01,2020-2021/work,NaN,EUC,paid,2\n"
                            "2019-02-01,work,1234.5600000001,,,3\n"
                            ",2020-2021/work,,,,4\n"
                            "2020-02-01,2020-2021/work,1e400,,,5\n")
    actuals, problems = read_actuals([path], worked)
    assert actuals is None
    assert [str(problem) for problem in problems] == [
        f"{path}:1: referense: unknown column 'referense'; did you mean 'reference'? (columns: "
        "date, line, amount, source, status, reference, currency, rate) [unknown-column]"]
    path.write_text(path.read_text("utf-8").replace("referense", "reference"), "utf-8")
    _, problems = read_actuals([path], worked)
    said = [str(problem) for problem in problems]
    assert said == [
        f"{path}:2: date: '2020-13-01' is not a date; write YYYY-MM-DD, such as 2020-03-15 "
        "[invalid-date]",
        f"{path}:2: line: unknown line '2020-2021/wrok'; did you mean '2020-2021/work'? "
        "[unknown-line]",
        f"{path}:2: amount: '12.345' has more than two decimals; amounts are kept in whole cents "
        "[money-precision]",
        f"{path}:3: amount: 'NaN' is not an amount; write digits with at most two decimals, "
        "such as 1234.56 or -80.00 [money-invalid]",
        f"{path}:3: source: unknown funding source 'EUC'; did you mean 'EC'? (sources: EC, "
        "NATIONAL) [unknown-source]",
        f"{path}:3: status: 'paid' is not a status; write reported or validated (or leave it "
        "empty for reported) [invalid-status]",
        f"{path}:4: date: 2019-02-01 is outside the programme's years (2020-2022) "
        "[date-outside-programme]",
        f"{path}:4: line: unknown line 'work' (write PERIOD/LINE, such as '2020-2021/work') "
        "[unknown-line]",
        f"{path}:4: amount: '1234.5600000001' is a spreadsheet float (binary rounding of an "
        "amount in cents); write 1234.56 [amount-float]",
        f"{path}:5: date: the required cell 'date' is empty [empty-cell]",
        f"{path}:5: amount: the required cell 'amount' is empty [empty-cell]",
        f"{path}:6: amount: '1e400' is larger than the largest amount accepted "
        "(999,999,999,999,999.99) [money-too-large]",
    ]


def test_the_plain_and_the_checked_path_read_the_same_columns(worked, write):
    rows = ("2020-02-01,2020-2021/work,10,EC,validated,R1\n"
            "2021-12-31,2020-2021/work,-0.5,,,R2\n"
            "2022-06-30,2022/later,1234567.89,EC,reported,\n")
    plain = write("plain.csv", "# a note\n" + HEADER + rows)
    quoted = write("quoted.csv", "# a note\n" + HEADER + rows.replace("R1", '"R1"'))
    known = ActualsPlan(worked)
    fast, _ = read_actuals_csv(plain, known)
    slow, _ = read_actuals_csv(quoted, known)
    assert fast is not None and slow is not None
    assert list(fast.rows()) != [] and [
        (r.date, r.line, r.amount, r.source, r.status, r.reference, r.row)
        for r in fast.rows()] == [(r.date, r.line, r.amount, r.source, r.status, r.reference,
                                   r.row) for r in slow.rows()]
    assert [r.amount for r in fast.rows()] == [D("10.00"), D("-0.50"), D("1234567.89")]
    assert [r.row for r in fast.rows()] == [3, 4, 5]
    assert fast.notes == ((str(plain), "a note"),)


def test_a_workbook_of_actuals_is_read_like_a_csv(worked, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["# Invented figures"])
    sheet.append(["date", "line", "amount", "source", "reference"])
    sheet.append([date(2020, 3, 15), "2020-2021/work", 10000, "EC", 1042])
    sheet.append(["2020-09-02", "2020-2021/work", 14000.5, None, "B-7"])
    sheet.append([date(2020, 9, 3), "2020-2021/work", 1234.5600000001, None, None])
    path = tmp_path / "actuals.xlsx"
    book.save(path)
    actuals, problems = read_actuals([path], worked)
    assert [str(problem) for problem in problems] == [
        f"{path}:5: amount: '1234.5600000001' is a spreadsheet float (binary rounding of an "
        "amount in cents); write 1234.56 [amount-float]"]
    sheet.delete_rows(5)
    book.save(path)
    actuals, problems = read_actuals([path], worked)
    assert problems == []
    assert [(r.date, r.amount, r.reference, r.row) for r in actuals.rows()] == [
        (date(2020, 3, 15), D("10000.00"), "1042", 3), (date(2020, 9, 2), D("14000.50"), "B-7", 4)]
    assert actuals.notes == ((str(path), "Invented figures"),)


def test_a_hostile_workbook_is_refused_before_it_is_read(worked, tmp_path):
    from tests.support.workbooks import add_zip_bomb, build_plan_workbook

    path = tmp_path / "actuals.xlsx"
    plan = tmp_path / "plan.toml"
    plan.write_text(WORKED, "utf-8")
    build_plan_workbook(plan, path)
    add_zip_bomb(path)
    _, problems = read_actuals([path], worked)
    assert [problem.code for problem in problems] == ["zip-bomb"]


def test_the_reporting_table_is_read_checked_and_written_back(write):
    path = write("plan.toml", WORKED + """
[reporting]
actuals = ["spent/2020.csv", "spent/2021.xlsx"]
as_of = 2021-06-30
flexibility_percent = 20
flexibility_amount = 5_000
underspend_after_percent = "40%"
underspend_threshold_percent = 85
""")
    plan, problems = load_plan(path)
    assert problems == []
    assert plan.reporting == Reporting(("spent/2020.csv", "spent/2021.xlsx"), date(2021, 6, 30),
                                       D(20), D("5000.00"), D(40), D(85))
    again = write("again.toml", plan_toml(plan))
    assert load_plan(again)[0].reporting == plan.reporting
    bad = write("bad.toml", WORKED + '[reporting]\nas_of = "2021-02-30"\nflexibility = 20\n'
                                     "flexibility_percent = 120\nactuals = \"a.csv\"\n")
    _, problems = load_plan(bad)
    assert sorted(f"{p.path} [{p.code}]" for p in problems) == [
        "reporting.actuals [wrong-type]", "reporting.as_of [invalid-date]",
        "reporting.flexibility [unknown-key]", "reporting.flexibility_percent [percent-range]"]
    assert all(p.lineno for p in problems)


def test_the_json_has_exactly_the_shape_of_the_issue(runner, write):
    plan = write("plan.toml", WORKED + '[reporting]\nactuals = ["a.csv"]\nas_of = 2020-09-30\n')
    write("a.csv", HEADER + "2020-03-15,2020-2021/work,10000.00,EC,validated,A1\n")
    result = runner.invoke(cli, ["progress", str(plan), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    figures = ["amount", "planned_to_date", "actual", "validated", "variance", "percent",
               "remaining"]
    assert list(data) == ["as_of", "programme", "periods", "lines", "sources", "findings"]
    assert data["as_of"] == "2020-09-30"
    assert list(data["programme"]) == figures
    assert [list(period) for period in data["periods"]] == [["id", *figures]] * 2
    assert list(data["lines"][0]) == ["period", "line", "activity", *figures]
    assert list(data["sources"][0]) == ["id", "allocated", "claimed", "claimable", "unassigned"]
    assert data["programme"]["planned_to_date"] == "18000.00"  # 24,000.00 x 9/12
    assert all(isinstance(value, str) for value in data["programme"].values())


def test_command_line_overrides_and_exit_codes(runner, write):
    plan = write("plan.toml", WORKED + '[reporting]\nactuals = ["a.csv"]\nas_of = 2020-09-30\n')
    write("a.csv", HEADER + "2020-03-15,2020-2021/work,10000.00,,,A1\n")
    write("b.csv", HEADER + "2021-03-15,2020-2021/work,50000.00,,,B1\n")
    assert runner.invoke(cli, ["progress", str(plan)]).exit_code == 0
    later = runner.invoke(cli, ["progress", str(plan), "--as-of", "2021-12-31", "--format",
                                "csv"])
    assert later.exit_code == 0  # 10,000.00 of 48,000.00: under, but only a warning
    assert "underspend-risk" in later.stderr
    assert runner.invoke(cli, ["progress", str(plan), "--as-of", "2021-12-31",
                               "--strict"]).exit_code == 1
    both = runner.invoke(cli, ["progress", str(plan), "--actuals", str(plan.parent / "a.csv"),
                               "--actuals", str(plan.parent / "b.csv"), "--as-of",
                               "2021-12-31", "--format", "json"])
    assert both.exit_code == 1  # 60,000.00 on a line of 48,000.00
    assert json.loads(both.stdout)["programme"]["actual"] == "60000.00"
    bad = runner.invoke(cli, ["progress", str(plan), "--as-of", "2021-31-12"])
    assert bad.exit_code == 2 and "--as-of: '2021-31-12' is not a date of the calendar" in \
        bad.stderr
    check = runner.invoke(cli, ["check", str(plan), "--as-of", "2021-12-31", "--actuals",
                                str(plan.parent / "b.csv")])
    # 2,000.00 over: within the allowance of 4,800.00, yet the period's total never bends.
    assert check.exit_code == 1 and "overspend-within-flexibility" in check.output
    assert "period-overspend" in check.output


def test_progress_needs_actuals(runner, write):
    plan = write("plan.toml", WORKED)
    result = runner.invoke(cli, ["progress", str(plan)])
    assert result.exit_code == 2
    assert "no actuals files: give --actuals FILE" in result.stderr


SHIPPED = ROOT / "plans" / "actuals" / "bsr-stars-illustrative.csv"
INVENTED = "Illustrative figures, invented for the example"


@pytest.mark.parametrize("command", [
    ["progress"], ["progress", "--format", "json"], ["progress", "--format", "markdown"],
    ["progress", "--format", "csv"], ["check"], ["report", "--format", "markdown"],
    ["report"], ["build"]])
def test_every_output_of_the_shipped_actuals_says_they_are_invented(runner, command, tmp_path):
    suffix = {"build": ".xlsx", "report": ".md" if "markdown" in command else ".html"}
    out = tmp_path / f"out{suffix.get(command[0], '')}"  # a workbook or page named as one
    writes = command[0] in ("report", "build")
    result = runner.invoke(cli, [*command, "--actuals", str(SHIPPED), "--as-of", "2016-06-30",
                                 *(["-o", str(out)] if writes else [])])
    assert result.exit_code in (0, 1), result.output
    if command[0] == "build":
        from tests.support.workbooks import openpyxl_workbook

        sheet = openpyxl_workbook(out)["Progress"]
        said = " ".join(str(cell.value) for row in sheet.iter_rows(max_row=5) for cell in row)
    else:
        said = out.read_text("utf-8") if writes else result.output  # stdout, or stderr by CSV
    assert INVENTED in said


def test_the_shipped_actuals_cover_the_seed_plan_with_findings_of_each_kind(tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    actuals, problems = read_actuals([SHIPPED], plan)
    assert problems == []
    from budget_planner.engine.allocation import allocate

    result = progress(plan, actuals, allocate(plan), as_of=date(2016, 6, 30))
    codes = {finding.code for finding in result.findings}
    assert {"actuals-note", "overspend-within-flexibility", "source-overclaimed",
            "ineligible-source", "duplicate-expense"} <= codes
    total = sum((row.amount for row in actuals.rows()), D(0))
    assert result.programme.actual == total  # every row is on or before the date


def test_the_example_of_docs_actuals_runs_as_shown(runner, monkeypatch):
    import re
    import shlex

    text = (ROOT / "docs" / "actuals.md").read_text("utf-8")
    block = re.search(r"```console\n\$ (budget-planner [^\n]*)\n(.*?)\n\.\.\.\n```", text,
                      re.S)
    command, shown = block.group(1), block.group(2)
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 1  # the example holds error findings, as the page says
    assert result.output.startswith(shown + "\n")


def test_the_fast_json_is_the_same_bytes_as_the_json_of_the_dicts(worked, write):
    from budget_planner.views.progress import progress_json_text
    from budget_planner.views.render import to_json

    plan, _ = load_plan(SEED_PLAN)
    actuals, _ = read_actuals([SHIPPED], plan)
    seed = progress(plan, actuals, None, as_of=date(2016, 6, 30))
    assert progress_json_text(seed) == to_json(progress_json(seed))
    quoted = write("quoted.toml", WORKED.replace('"The work"', '"The \\"work\\" ünd\\ttab"'))
    plan, problems = load_plan(quoted)
    assert problems == []
    empty = progress(plan, actuals_from_plan(plan), None, as_of=date(2020, 1, 1))
    assert progress_json_text(empty) == to_json(progress_json(empty))
    assert '"The \\"work\\" ünd\\ttab"' in progress_json_text(empty)


def actuals_from_plan(plan):
    from budget_planner.planfile.actuals import ActualsPlan

    return ActualsPlan(plan).empty()
