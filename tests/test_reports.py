"""Reports: the seed's published totals and the €700,000 gap appear in HTML and Markdown."""

import re

import pytest

from budget_planner import load_plan, reconcile
from budget_planner.engine.allocation import allocate
from budget_planner.views.reports import build_report, render_html, render_markdown

from tests.support.plans import SEED_PLAN

SEED_TOTALS = {"2010-2011": "1,850,000.00", "2012-2013": "1,900,000.00",
               "2014-2020": "26,400,000.00"}


@pytest.fixture(scope="module")
def seed_report():
    plan, _ = load_plan(SEED_PLAN)
    return build_report(plan, reconcile(plan), allocate(plan))


def test_per_source_sums_add_up_to_the_funded_part_of_each_period(seed_report):
    # Each period's total less its unfunded lines (only 2014-2020 has any: 500,000 + 200,000).
    funded = [sum(column.by_period[number] for column in seed_report.sources)
              for number in range(3)]
    assert funded == [1_850_000, 1_900_000, 26_400_000 - 700_000]
    assert list(seed_report.gaps_by_period) == [0, 0, 700_000]


def test_markdown_report_shows_the_seed_totals(seed_report):
    text = render_markdown(seed_report)
    for period, total in SEED_TOTALS.items():
        assert f"| {period} | {total} | {total} | 0.00 | OK |" in text
    assert "Programme total **30,150,000.00**" in text
    assert ("| 2014-2020 | Matchmaking and other collaboration events | collaboration-events | "
            "500,000.00 | no funding source is marked for this line |") in text
    # The allocation table adds up: every source and the unfunded part, per period.
    assert ("| **Total** | **1,850,000.00** | **1,900,000.00** | **26,400,000.00** | "
            "**30,150,000.00** |") in text
    # The seed sets no funding rule: the preference row says so, and no row of "no cap".
    assert "| Preference | None set: where the rules leave a choice" in text
    assert "| no cap |" not in text and "No source has a cap." in text
    assert "| Matchmaking and mobility initiatives, workshops | 500,000.00 |  | x |  | x | x (NCM?) |" in text


def test_html_report_is_self_contained_and_deterministic(seed_report):
    html = render_html(seed_report)
    assert html == render_html(seed_report)
    assert "<svg" in html and "<style>" in html and "@media print" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "30,150,000.00" in html
    for total in SEED_TOTALS.values():
        assert total in html


def test_html_escapes_plan_text(write):
    from tests.support.plans import SMALL_PLAN

    plan, problems = load_plan(write("p.toml", SMALL_PLAN.replace('"Activity A"', '"<script>x</script>"')))
    assert problems == []
    html = render_html(build_report(plan, reconcile(plan), allocate(plan)))
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_report_command_writes_html_and_markdown(runner, tmp_path):
    from budget_planner.cli import cli

    html, markdown = tmp_path / "r.html", tmp_path / "r.md"
    assert runner.invoke(cli, ["report", str(SEED_PLAN), "-o", str(html)]).exit_code == 0
    result = runner.invoke(cli, ["report", str(SEED_PLAN), "--format", "markdown", "-o", str(markdown)])
    assert result.exit_code == 0
    assert "Programme total **30,150,000.00**" in markdown.read_text(encoding="utf-8")
    assert 'id="programme-total">30,150,000.00<' in html.read_text(encoding="utf-8")


def test_the_report_names_no_folder_of_the_machine_that_made_it(small_plan):
    # An absolute plan path is shown by its file name only, as the workbook's About sheet does.
    plan, _ = load_plan(small_plan.resolve())
    html = render_html(build_report(plan, reconcile(plan), allocate(plan)))
    assert str(small_plan.parent) not in html and "small.toml" in html
