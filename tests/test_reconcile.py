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


# --- every finding, whole, on plans built by hand ----------------------------------------------

from budget_planner.core.model import Finding, Line, Period, Plan, Programme, Source  # noqa: E402

D = Decimal


def hand_plan(lines_a, lines_b, *, totals=("600", "400"), programme="1000") -> Plan:
    sources = (Source("EC", "European Commission"), Source("NATIONAL", "National"))
    return Plan("hand", Programme("Hand", "EUR", D(programme)), sources, (
        Period("2020", "", 2020, 2020, D(totals[0]), tuple(lines_a)),
        Period("2021", "", 2021, 2021, D(totals[1]), tuple(lines_b))))


def line(line_id, amount, sources=("EC",), activity=None):
    return Line(line_id, activity or f"Activity {line_id}",
                None if amount is None else D(amount), tuple(sources))


def test_a_clean_plan_has_no_finding_and_passes_strict():
    result = reconcile(hand_plan([line("a", "600")], [line("b", "400", ("NATIONAL",))]))
    assert result.findings == () and result.ok
    assert not result.failed() and not result.failed(strict=True)
    assert (result.count("error"), result.count("warning"), result.count("info")) == (0, 0, 0)
    assert (result.plan, result.programme_name, result.currency) == ("hand", "Hand", "EUR")


def test_exactly_one_warning_fails_strict_only():
    result = reconcile(hand_plan([line("a", "600"), line("n", None)], [line("b", "400")]))
    assert result.findings == (Finding("warning", "line-without-amount",
                                       "'Activity n' has no amount", period="2020", line="n"),)
    assert result.ok and not result.failed() and result.failed(strict=True)
    assert result.failed(True) and not result.failed(False)


def test_unfunded_lines_boundaries_and_count():
    # A line of 0.00 without a source is no money unfunded; 0.50 is; the info counts both
    # lines of money and adds them up.
    result = reconcile(hand_plan(
        [line("a", "599.50"), line("zero", "0", ()), line("half", "0.50", ())],
        [line("b", "350"), line("u", "50", ())]))
    assert result.findings == (
        Finding("warning", "line-without-source", "'Activity half' (0.50) has no funding "
                "source marked", period="2020", line="half", actual=D("0.50")),
        Finding("warning", "line-without-source", "'Activity u' (50.00) has no funding source "
                "marked", period="2021", line="u", actual=D("50")),
        Finding("info", "unfunded-total", "2 line(s) with 50.50 in all have no funding source "
                "marked", actual=D("50.50")))
    assert result.ok and result.count("warning") == 2 and result.count("info") == 1


def test_one_unfunded_line_is_counted_once():
    result = reconcile(hand_plan([line("a", "600", ())], [line("b", "400")]))
    assert result.findings[-1] == Finding(
        "info", "unfunded-total", "1 line(s) with 600.00 in all have no funding source marked",
        actual=D("600"))


def test_totals_that_do_not_add_up_are_errors_with_their_figures():
    result = reconcile(hand_plan([line("a", "600.01")], [line("b", "400")],
                                 totals=("600", "399"), programme="1000"))
    assert result.findings == (
        Finding("error", "period-total-mismatch", "the lines of 2020 add up to 600.01, the "
                "period states 600.00", period="2020", expected=D("600"), actual=D("600.01"),
                difference=D("0.01")),
        Finding("error", "period-total-mismatch", "the lines of 2021 add up to 400.00, the "
                "period states 399.00", period="2021", expected=D("399"), actual=D("400"),
                difference=D("1")),
        Finding("error", "programme-total-mismatch", "all lines add up to 1,000.01, the "
                "programme states 1,000.00", expected=D("1000"), actual=D("1000.01"),
                difference=D("0.01")),
        Finding("error", "period-totals-mismatch", "the stated period totals add up to 999.00, "
                "the programme states 1,000.00", expected=D("1000"), actual=D("999"),
                difference=D("-1")))
    assert not result.ok and result.failed() and result.count("error") == 4
    assert [(t.id, t.stated, t.computed, t.difference, t.ok) for t in result.periods] == [
        ("2020", D("600"), D("600.01"), D("0.01"), False), ("2021", D("399"), D("400"), D("1"),
                                                            False)]
    assert (result.programme.id, result.programme.stated, result.programme.computed,
            result.programme.ok) == ("programme", D("1000"), D("1000.01"), False)


def test_funding_findings_come_last():
    extra = Finding("warning", "funding-short", "short")
    result = reconcile(hand_plan([line("a", "600", ())], [line("b", "400")]), funding=[extra])
    assert result.findings[-1] == extra and len(result.findings) == 3
