"""Real-client proof: headless Chromium opens the HTML report, shows its totals, logs no error.

Chromium is driven as `tests/support/chromium.py` says. A page with a deliberate error shows
that the error check does catch one.
"""

from __future__ import annotations

import base64
import time

import pytest

from budget_planner import load_plan
from budget_planner.views.reports import build_report, render_html, render_markdown
from budget_planner.engine.scenario import load_scenario
from budget_planner.engine.whatif import stacked, whatif
from budget_planner.views.whatif import render_whatif

from tests.support.chromium import TIMEOUT, browser, chromium  # noqa: F401 (fixtures)
from tests.support.plans import ROOT, SEED_PLAN

SEED_TOTALS = {"2010-2011": "1,850,000.00", "2012-2013": "1,900,000.00",
               "2014-2020": "26,400,000.00"}


@pytest.fixture(scope="module")
def seed_report():
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml", plan)
    assert problems == [] and scenario is not None
    comparison = stacked(plan, [scenario])
    last = comparison.runs[-1]
    return build_report(last.plan, last.reconciliation, last.allocation, [scenario.name],
                        comparison)


@pytest.mark.client
def test_chromium_renders_the_report_with_its_totals_and_no_error(browser, seed_report, tmp_path):
    started = time.monotonic()
    page = tmp_path / "report.html"
    page.write_text(render_html(seed_report), encoding="utf-8")
    session = browser.open(page.as_uri())
    assert browser.evaluate(session, "document.getElementById('programme-total').textContent") \
        == "30,150,000.00"
    shown = browser.evaluate(session, """Object.fromEntries(
        [...document.querySelectorAll('td.period-total')].map(
            cell => [cell.dataset.period, cell.textContent]))""")
    assert shown == SEED_TOTALS
    text = browser.evaluate(session, "document.body.innerText")
    assert "30,150,000.00" in text and "Scenario comparison" in text
    assert "+3,100,000.00" in text  # the EC cut's change in the unfunded amount
    # The charts are drawn: two inline SVGs with a real size.
    sizes = browser.evaluate(session, """[...document.querySelectorAll('figure svg')].map(
        svg => Math.round(svg.getBoundingClientRect().width))""")
    assert len(sizes) == 2 and min(sizes) > 300
    assert browser.errors() == []
    screenshot = tmp_path / "report.png"
    data = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        session=session)["data"]
    screenshot.write_bytes(base64.b64decode(data))
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000
    assert time.monotonic() - started < TIMEOUT


@pytest.mark.client
def test_the_error_check_catches_errors(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('deliberate');"
                    "undefinedFunction();</script>", encoding="utf-8")
    browser.open(page.as_uri())
    errors = browser.errors()
    assert any("deliberate" in error for error in errors), errors
    assert any(error.startswith("exception:") for error in errors), errors


@pytest.mark.client
def test_chromium_renders_the_whatif_page(browser, tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml", plan)
    page = tmp_path / "whatif.html"
    page.write_text(render_whatif(whatif(plan, [scenario]), "html"), encoding="utf-8")
    session = browser.open(page.as_uri())
    cells = browser.evaluate(session, """[...document.querySelectorAll(
        'tr[data-measure="unfunded"][data-period="programme"] td')].map(cell => cell.textContent)""")
    assert cells == ["programme", "700,000.00", "3,800,000.00", "+3,100,000.00"]
    budget = browser.evaluate(session, """[...document.querySelectorAll(
        'tr[data-measure="budget"][data-period="programme"] td')].map(cell => cell.textContent)""")
    assert budget == ["programme", "30,150,000.00", "30,150,000.00", "0.00"]
    assert browser.errors() == []


def test_markdown_shows_the_same_figures(seed_report):
    text = render_markdown(seed_report)
    assert "Programme total **30,150,000.00**" in text
    for period, total in SEED_TOTALS.items():
        assert f"| {period} | {total} | {total} | 0.00 | OK |" in text
    assert "| 2014-2020 | 700,000.00 | 3,800,000.00 | +3,100,000.00 |" in text


@pytest.mark.client
def test_chromium_shows_the_n_plus_n_tables_with_a_chart_per_source(browser, tmp_path):
    from budget_planner import api
    from tests.support.phasing import ILLUSTRATIVE

    report = api.report(None, [ILLUSTRATIVE]).report
    page = tmp_path / "phasing.html"
    page.write_text(render_html(report), encoding="utf-8")
    session = browser.open(page.as_uri())
    shown = browser.evaluate(session, """Object.fromEntries(
        [...document.querySelectorAll('table.deadlines')].map(table => [
            table.dataset.source,
            [...table.querySelectorAll('tr.at-risk')].map(
                row => [row.dataset.year, row.lastElementChild.textContent])]))""")
    assert shown == {source.id: [[str(row.year), f"{row.at_risk:,.2f}"]
                                 for row in source.decommitment if row.at_risk]
                     for source in report.phasing.committed}
    assert shown["EU_SF"] == [["2015", "100,000.00"]]
    sizes = browser.evaluate(session, """[...document.querySelectorAll(
        '#phasing figure svg')].map(svg => Math.round(svg.getBoundingClientRect().width))""")
    assert len(sizes) == 2 and min(sizes) > 300
    assert browser.errors() == []
