"""The date documents carry: the plan's `[programme] date`, else SOURCE_DATE_EPOCH, else the
day they are built; read with its place when it is wrong, written back by `import`."""

from __future__ import annotations

import datetime as dt

import pytest

from budget_planner import load_plan, reconcile
from budget_planner.cli import cli
from budget_planner.engine.allocation import allocate
from budget_planner.planfile.writer import plan_toml
from budget_planner.views.dates import DocumentDateError, document_date
from budget_planner.views.reports import build_report, render_html, render_markdown

from tests.support.plans import SMALL_PLAN

DATED = SMALL_PLAN.replace('currency = "EUR"', 'currency = "EUR"\ndate = 2024-05-31')


def test_the_plans_date_then_source_date_epoch_then_today(write):
    dated, _ = load_plan(write("dated.toml", DATED))
    plain, _ = load_plan(write("plain.toml", SMALL_PLAN))
    epoch = {"SOURCE_DATE_EPOCH": "1700000000"}  # 2023-11-14T22:13:20Z
    today = dt.date(2026, 1, 2)
    assert document_date(dated, epoch, today).when == dt.datetime(2024, 5, 31,
                                                                   tzinfo=dt.timezone.utc)
    assert document_date(dated, epoch, today).text == "31 May 2024"
    assert document_date(plain, epoch, today).when == dt.datetime(2023, 11, 14, 22, 13, 20,
                                                                  tzinfo=dt.timezone.utc)
    assert document_date(plain, {}, today).when == dt.datetime(2026, 1, 2,
                                                               tzinfo=dt.timezone.utc)
    assert document_date(plain, {}, today).explained.startswith("2026-01-02 (the day it was")
    with pytest.raises(DocumentDateError, match="whole number of seconds"):
        document_date(plain, {"SOURCE_DATE_EPOCH": "yesterday"})


@pytest.mark.parametrize(("value", "message"), [
    ("2024-05-31T10:00:00", "has a time of day; write the date alone"),
    ('"31/05/2024"', "'31/05/2024' is not a date; write YYYY-MM-DD"),
    ('"2024-02-30"', "is not a date of the calendar"),
    ("20240531", "20240531 is not a date"),
])
def test_a_wrong_date_is_reported_at_its_line(write, value, message):
    path = write("bad.toml", SMALL_PLAN.replace('currency = "EUR"',
                                                f'currency = "EUR"\ndate = {value}'))
    plan, problems = load_plan(path)
    assert plan is None
    [problem] = problems
    assert (problem.path, problem.code, problem.lineno) == ("programme.date", "invalid-date", 5)
    assert message in problem.message


def test_the_date_is_read_as_a_date_or_a_quoted_date_and_written_back(write):
    quoted, problems = load_plan(write("quoted.toml", DATED.replace("2024-05-31",
                                                                    '"2024-05-31"')))
    assert problems == [] and quoted.programme.date == dt.date(2024, 5, 31)
    text = plan_toml(quoted)
    assert "\ndate = 2024-05-31\n" in text
    again, problems = load_plan(write("again.toml", text))
    assert problems == [] and again.programme == quoted.programme


def test_reports_carry_the_date_and_stay_the_same_for_it(write):
    plan, _ = load_plan(write("dated.toml", DATED))
    report = build_report(plan, reconcile(plan), allocate(plan))
    html = render_html(report)
    assert '<time id="document-date" datetime="2024-05-31">31 May 2024</time>' in html
    assert html == render_html(report)
    assert "Budget report of 31 May 2024." in render_markdown(report)


def test_a_malformed_source_date_epoch_writes_no_report(runner, small_plan, tmp_path,
                                                        monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    target = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", str(small_plan), "-o", str(target)])
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.output
    assert "Traceback" not in result.output and not target.exists()
