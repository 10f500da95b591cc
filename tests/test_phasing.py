"""Phasing: money by year, each source's forecast claims and the decommitment (N+n) check.

Every expected figure here is worked out by hand from the rule in docs/phasing.md.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from budget_planner.cli import cli
from budget_planner.core.model import Commitment
from budget_planner.engine.allocation import allocate
from budget_planner.engine.phasing import (claim_needed, decommitment, line_years_amounts,
                                           phasing, split_years)
from budget_planner.engine.reconcile import reconcile
from budget_planner.planfile.loader import load_plan
from tests.support.phasing import EC_N2, PHASED

D = Decimal


def load(write, text: str, name: str = "plan.toml"):
    plan, problems = load_plan(write(name, text))
    assert problems == [], problems
    return plan


def test_the_worked_example_of_the_issue():
    # Lag 3, commitments 2022 = 100 and 2023 = 100, pre-financing 10, claims 2023 = 40,
    # 2024 = 30, 2025 = 15: by the end of 2025 the 2022 tranche (100) is due, 10 + 40 + 30 + 15
    # = 95 is covered, 5 at risk; by 2026 both tranches (200) are due, still 95 covered.
    commitment = Commitment("EC", 3, D("10.00"), ((2022, D("100.00")), (2023, D("100.00"))))
    table = {row.year: row for row in decommitment(
        commitment, {2023: D(40), 2024: D(30), 2025: D(15)})}
    assert list(table) == [2022, 2023, 2024, 2025, 2026]
    assert (table[2025].target, table[2025].covered, table[2025].at_risk) == (100, 95, 5)
    assert (table[2026].target, table[2026].covered, table[2026].at_risk) == (200, 95, 105)
    assert [table[year].at_risk for year in (2022, 2023, 2024)] == [0, 0, 0]
    assert table[2024].covered == D("80.00") and table[2022].covered == D("10.00")


def test_the_claim_that_loses_nothing_in_the_worked_example():
    commitment = Commitment("EC", 3, D("10.00"), ((2022, D("100.00")), (2023, D("100.00"))))
    claims = {2023: D(40), 2024: D(30), 2025: D(15)}
    # Without its 2025 claim, 10 + 40 + 30 = 80 is covered: 2026's target of 200 needs 120.
    assert claim_needed(commitment, claims, 2025) == D(120)
    # A claim in 2026 comes too late for the 5 short at the end of 2025.
    assert claim_needed(commitment, claims, 2026) is None


def test_a_profile_spreads_by_largest_remainder_with_ties_to_the_earlier_year(write):
    plan = load(write, PHASED)
    period = plan.periods[0]
    assert period.profile == (D(1), D(4))
    b = period.lines[1]
    assert line_years_amounts(period, b) == {2020: D("100.00"), 2021: D("400.00")}
    # 1.01 over 0.5:1.5 is 0.2525 and 0.7575: 25 and 75 cents, the spare cent to the larger
    # remainder (2021); 0.03 over 1:1:1 is a cent a year; 0.02 over 1:1:1, the earlier years.
    for weights, amount, expected in ((("0.5", "1.5"), "1.01", ["0.25", "0.76"]),
                                      (("1", "1", "1"), "0.03", ["0.01", "0.01", "0.01"]),
                                      (("1", "1", "1"), "0.02", ["0.01", "0.01", "0.00"])):
        years = len(weights)
        text = PHASED.replace("last_year = 2021", f"last_year = {2019 + years}") \
            .replace("profile = [1, 4]", f"profile = [{', '.join(repr(w) for w in weights)}]") \
            .replace("amount = 500", f'amount = "{amount}"') \
            .replace('years = { "2020" = 300, "2021" = 700 }', "")
        text = text.replace("total = 1_500", f'total = "{D(1000) + D(amount)}"')
        plan = load(write, text, f"plan-{len(weights)}-{amount}.toml")
        period = plan.periods[0]
        assert list(line_years_amounts(period, period.lines[1]).values()) == \
            [D(value) for value in expected]


def test_line_years_that_do_not_add_up_are_an_error_finding_with_the_difference(write):
    plan = load(write, PHASED.replace('"2021" = 700', '"2021" = "690.50"'))
    [finding] = [f for f in reconcile(plan).findings if f.code == "phasing-mismatch"]
    assert (finding.severity, finding.period, finding.line) == ("error", "2020-2021", "a")
    assert (finding.expected, finding.actual, finding.difference) == \
        (D("1000.00"), D("990.50"), D("-9.50"))
    assert "990.50" in finding.message and "1,000.00" in finding.message


def test_each_source_claims_its_share_of_each_line_year(write):
    plan = load(write, PHASED)
    result = phasing(plan, allocate(plan))
    by_source = {source.id: dict(source.forecast.years) for source in result.sources}
    # a: 300 / 700 split 600:400 -> EC 180 / 420, National 120 / 280; b: 100 / 400 to the EC.
    assert by_source == {"EC": {2020: D("280.00"), 2021: D("820.00")},
                         "NATIONAL": {2020: D("120.00"), 2021: D("280.00")}}
    assert dict(result.programme.years) == {2020: D("400.00"), 2021: D("1100.00")}
    assert dict(result.unfunded.years) == {2020: D("0.00"), 2021: D("0.00")}


def test_split_years_keeps_every_part_and_every_year_whole():
    # 0.10 of a line, paid 0.04, 0.03 and 0.03 by three parts, over years of 0.03, 0.03 and
    # 0.04: the first year by the shares (1.2, 0.9, 0.9 cents: a cent each), then each year by
    # what each part still has to receive.
    split = split_years([3, 3, 4], [4, 3, 3])
    assert split == [[1, 1, 2], [1, 1, 1], [1, 1, 1]]
    assert [sum(row) for row in split] == [4, 3, 3]


def test_commitments_give_targets_covered_and_at_risk_with_findings(write):
    plan = load(write, PHASED + EC_N2)
    result = phasing(plan, allocate(plan))
    [ec] = result.committed
    rows = {row.year: (row.target, row.covered, row.at_risk) for row in ec.decommitment}
    # EC claims 280 in 2020 and 820 in 2021; 2020's 700 is due by 2022, 2021's 500 by 2023.
    assert rows == {2020: (0, 330, 0), 2021: (0, 1150, 0), 2022: (700, 1150, 0),
                    2023: (1200, 1150, 50)}
    assert [(f.severity, f.code, f.source, f.year, f.expected, f.actual, f.difference)
            for f in result.findings] == [
        ("warning", "decommitment-risk", "EC", 2023, D("1200.00"), D("1150.00"), D("-50.00")),
        ("warning", "commitment-exceeds-allocation", "EC", None, D("1100.00"), D("1200.00"),
         D("100.00"))]


def test_as_of_makes_a_passed_deadline_an_error_and_uses_the_validated_claims(write):
    plan = load(write, PHASED + EC_N2.replace('"2021" = 500', '"2021" = 400'))
    allocation = allocate(plan)
    # Without actuals the forecast stands: 50 + 280 + 820 covers 700 by 2022 and 1,100 by 2023.
    assert phasing(plan, allocation).findings == ()
    # With the EC's validated claims (100 in 2020, 200 in 2021) as of the end of 2022: the
    # 2022 deadline passed with 700 - (50 + 100 + 200) = 350 unclaimed: an error.
    claimed = {("EC", 2020): D(100), ("EC", 2021): D(200)}
    result = phasing(plan, allocation, as_of=date(2022, 12, 31), claimed=claimed)
    [ec] = result.committed
    rows = {row.year: (row.claims, row.covered, row.at_risk, row.closed)
            for row in ec.decommitment}
    assert rows[2022] == (0, 350, 350, True)
    assert rows[2023] == (0, 350, 750, False)
    risks = [(f.severity, f.year, f.difference) for f in result.findings
             if f.code == "decommitment-risk"]
    assert risks == [("error", 2022, D("-350.00")), ("warning", 2023, D("-750.00"))]
    # Mid-year, the year of as_of counts the larger of its actual claims so far and its forecast.
    middle = phasing(plan, allocation, as_of=date(2021, 6, 30), claimed=claimed)
    assert dict(middle.committed[0].claims)[2021] == D("820.00")
    assert dict(middle.committed[0].claims)[2020] == D("100.00")


def test_the_phasing_command_in_every_format(write, runner):
    path = write("plan.toml", PHASED + EC_N2)
    result = runner.invoke(cli, ["phasing", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["years"] == [2020, 2021]
    assert data["lines"][0] == {"period": "2020-2021", "line": "a",
                                "years": {"2020": "300.00", "2021": "700.00"},
                                "total": "1000.00"}
    [ec, national] = data["sources"]
    assert (ec["id"], ec["years"]) == ("EC", {"2020": "280.00", "2021": "820.00"})
    assert ec["decommitment"][-1] == {"year": 2023, "target": "1200.00", "covered": "1150.00",
                                      "at_risk": "50.00", "commitment": "0.00",
                                      "claims": "0.00", "closed": False}
    assert national["decommitment"] == [] and national["commitment"] is None
    assert [f["code"] for f in data["findings"]] == ["decommitment-risk",
                                                     "commitment-exceeds-allocation"]
    assert data["findings"][0]["source"] == "EC" and data["findings"][0]["year"] == 2023
    text = runner.invoke(cli, ["phasing", str(path)])
    assert "EC 2023" in text.output and "50.00" in text.output
    csv = runner.invoke(cli, ["phasing", str(path), "--format", "csv"]).output.splitlines()
    assert csv[0] == "kind,period,id,2020,2021,2022,2023,total"
    assert "line,2020-2021,a,300.00,700.00,,,1000.00" in csv
    assert "at_risk,,EC,0.00,0.00,0.00,50.00," in csv
    markdown = runner.invoke(cli, ["phasing", str(path), "--format", "markdown"]).output
    assert "## Decommitment (N+n)" in markdown and "| 2023 |" in markdown
    strict = runner.invoke(cli, ["phasing", str(path), "--strict"])
    assert strict.exit_code == 1
    passed = runner.invoke(cli, ["phasing", str(path), "--as-of", "2023-12-31"])
    assert passed.exit_code == 1 and "deadline at the end of 2023" in passed.output


def test_check_reports_the_phasing_findings(write, runner):
    path = write("plan.toml", PHASED + EC_N2)
    result = runner.invoke(cli, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    codes = [f["code"] for f in json.loads(result.output)["findings"]]
    assert codes == ["decommitment-risk", "commitment-exceeds-allocation"]
    assert runner.invoke(cli, ["check", str(path), "--strict"]).exit_code == 1
    broken = write("broken.toml", PHASED.replace('"2021" = 700', '"2021" = 600'))
    result = runner.invoke(cli, ["check", str(broken)])
    assert result.exit_code == 1 and "phasing-mismatch" in result.output


#: EC claims on the phased plan: validated 100 in 2020 and 200 in 2021, one more of 50 only
#: reported (not validated), and a validated claim from National.
ACTUALS = """date,line,amount,source,status,reference
2020-03-01,2020-2021/a,100.00,EC,validated,A-1
2021-04-01,2020-2021/b,200.00,EC,validated,B-1
2021-05-01,2020-2021/b,50.00,EC,reported,B-2
2021-06-01,2020-2021/a,80.00,NATIONAL,validated,A-2
"""


def test_validated_actuals_are_the_claims_of_the_closed_years(write, runner):
    plan_path = write("plan.toml", PHASED + EC_N2.replace('"2021" = 500', '"2021" = 400'))
    actuals = write("actuals.csv", ACTUALS)

    def phased(as_of: str) -> tuple[int, dict]:
        result = runner.invoke(cli, ["phasing", str(plan_path), "--actuals", str(actuals),
                                     "--as-of", as_of, "--format", "json"])
        data = json.loads(result.output)
        return result.exit_code, data

    code, data = phased("2021-12-31")
    [ec] = [source for source in data["sources"] if source["id"] == "EC"]
    # 2020 and 2021 are closed: their claims are the validated EC rows (100, then 200; the
    # reported 50 does not count). By 2022, 700 is due: 50 + 100 + 200 = 350 is covered, and
    # 2022 is still open (a warning); so is 2023 (1,100 due, 750 short).
    assert ec["claims"] == {"2020": "100.00", "2021": "200.00"}
    rows = {row["year"]: (row["covered"], row["at_risk"], row["closed"])
            for row in ec["decommitment"]}
    assert rows[2021] == ("350.00", "0.00", True) and rows[2022] == ("350.00", "350.00", False)
    assert code == 0 and [(f["severity"], f["year"]) for f in data["findings"]
                          if f["code"] == "decommitment-risk"] == [("warning", 2022),
                                                                   ("warning", 2023)]
    # In March 2021 the year is open: the forecast (820) counts, more than the 0 validated so
    # far; the claim validated in April is not yet known.
    _, data = phased("2021-03-31")
    [ec] = [source for source in data["sources"] if source["id"] == "EC"]
    assert ec["claims"] == {"2020": "100.00", "2021": "820.00"}
    # A year on, 2022's deadline has passed with 350 unclaimed: an error, in check too.
    checked = runner.invoke(cli, ["check", str(plan_path), "--actuals", str(actuals),
                                  "--as-of", "2022-12-31", "--format", "json"])
    risks = [(f["severity"], f["year"], f["difference"])
             for f in json.loads(checked.output)["findings"] if f["code"] == "decommitment-risk"]
    assert checked.exit_code == 1 and risks == [("error", 2022, "-350.00"),
                                                ("warning", 2023, "-750.00")]


def test_build_and_report_count_the_same_validated_claims(write):
    from budget_planner import api

    plan_path = write("plan.toml", PHASED + EC_N2)
    actuals = write("actuals.csv", ACTUALS)
    built = api.build(plan_path, actuals=[actuals], as_of="2021-12-31")
    reported = api.report(plan_path, actuals=[actuals], as_of="2021-12-31").report
    for phased in (built.phased, reported.phasing):
        assert phased is not None and phased.as_of == date(2021, 12, 31)
        assert dict(phased.committed[0].claims) == {2020: D(100), 2021: D(200)}
    assert str(actuals) in built.inputs
    risks = [(f.severity, f.year) for f in reported.reconciliation.findings
             if f.code == "decommitment-risk"]
    assert risks == [("warning", 2022), ("warning", 2023)]
