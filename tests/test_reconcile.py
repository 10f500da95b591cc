"""Reconciliation findings on small plans whose totals are worked out by hand."""

import json
from decimal import Decimal

from budget_planner import load_plan, reconcile
from budget_planner.cli import cli
from budget_planner.engine.allocation import funding_findings

from tests.support.plans import SMALL_PLAN


def reconcile_text(write, text):
    plan, problems = load_plan(write("p.toml", text))
    assert problems == []
    return reconcile(plan)


def test_balanced_plan_has_no_findings(write):
    result = reconcile_text(write, SMALL_PLAN)
    assert result.ok and result.findings == ()
    assert [(t.id, t.stated, t.computed, t.difference) for t in result.periods] == [
        ("2020-2021", 600, 600, 0), ("2022", 400, 400, 0)]


def test_period_off_by_cents(write):
    # Line b becomes 200.01: the first period is 0.01 over, and so is the programme.
    result = reconcile_text(write, SMALL_PLAN.replace('"200.00"', '"200.01"'))
    findings = [(f.severity, f.code, f.period, f.expected, f.actual, f.difference)
                for f in result.findings]
    assert findings == [
        ("error", "period-total-mismatch", "2020-2021", Decimal("600"), Decimal("600.01"),
         Decimal("0.01")),
        ("error", "programme-total-mismatch", None, Decimal("1000"), Decimal("1000.01"),
         Decimal("0.01")),
    ]
    assert not result.ok and result.failed()


def test_stated_period_totals_that_do_not_add_up_to_the_programme(write):
    # The programme states 1,100 while the periods state 600 + 400 and the lines agree with them.
    result = reconcile_text(write, SMALL_PLAN.replace("total = 1_000", "total = 1_100"))
    assert [(f.code, f.expected, f.actual, f.difference) for f in result.findings] == [
        ("programme-total-mismatch", 1100, 1000, -100),
        ("period-totals-mismatch", 1100, 1000, -100),
    ]


def test_unfunded_and_unpriced_lines_are_warnings(write):
    text = SMALL_PLAN.replace('amount = "200.00"\nsources = ["NATIONAL"]', 'amount = "200.00"')
    text = text.replace('amount = 400\nsources = ["EC"]', 'sources = ["EC"]')
    result = reconcile_text(write, text.replace("total = 400", "total = 0").replace(
        "total = 1_000", "total = 600"))
    assert [(f.severity, f.code, f.line, f.actual) for f in result.findings] == [
        ("warning", "line-without-source", "b", 200),
        ("warning", "line-without-amount", "c", None),
        ("info", "unfunded-total", None, 200),
    ]
    assert result.ok and not result.failed() and result.failed(strict=True)


def test_capped_funding_below_a_periods_need_is_a_warning(write, runner):
    # 2022 marks only EC (line c, 400): an EC cap of 250 there leaves it 150 short.
    # 2020-2021 marks NATIONAL too, which is uncapped, so nothing can be said about it.
    path = write("p.toml", SMALL_PLAN + """
[[funding.caps]]
source = "EC"
period = "2022"
amount = 250
""")
    plan, _ = load_plan(path)
    expected = [("warning", "funding-short", "2022", Decimal(400), Decimal(250), Decimal(-150))]
    result = reconcile(plan, funding=funding_findings(plan))
    assert [(f.severity, f.code, f.period, f.expected, f.actual, f.difference)
            for f in result.findings] == expected
    # The totals add up: the funding findings are the allocation's, added by the caller.
    assert reconcile(plan).findings == ()
    checked = runner.invoke(cli, ["check", str(path), "--format", "json"])
    assert checked.exit_code == 0
    assert [(f["code"], f["period"]) for f in json.loads(checked.output)["findings"]] == [
        ("funding-short", "2022")]


def test_lines_frame_holds_exact_amounts_and_marks(small_plan):
    from budget_planner import lines_frame

    plan, _ = load_plan(small_plan)
    frame = lines_frame(plan)
    assert list(frame.columns) == ["period", "id", "activity", "amount", "EC", "NATIONAL", "notes"]
    assert list(frame["amount"]) == [Decimal("400.00"), Decimal("200.00"), Decimal("400.00")]
    assert sum(frame["amount"]) == Decimal("1000.00")
    assert frame[["EC", "NATIONAL"]].values.tolist() == [[True, True], [False, True], [True, False]]
