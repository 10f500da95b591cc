"""The report's phasing section: money by year, forecast claims and the N+n tables; the HTML
page in Chromium is checked in test_report_client."""

from __future__ import annotations

from budget_planner import api
from budget_planner.views.reports import render_markdown
from tests.support.phasing import ILLUSTRATIVE


def test_the_report_lists_the_n_plus_n_findings_and_tables():
    report = api.report(None, [ILLUSTRATIVE]).report
    codes = [finding.code for finding in report.reconciliation.findings]
    assert codes.count("decommitment-risk") == 2 and "commitment-exceeds-allocation" in codes
    text = render_markdown(report)
    assert "## Money by year" in text and "### Decommitment (N+n)" in text
    # EU SF: 150,000 for 2012 and for 2013 under N+2, 200,000 claimed (its allocation):
    # by the end of 2015 both are due, 100,000 short.
    [eu_sf] = [source for source in report.phasing.committed if source.id == "EU_SF"]
    assert {row.year: row.at_risk for row in eu_sf.decommitment if row.at_risk} == {2015: 100_000}
    assert "| 2015 | 0.00 | 0.00 | 300,000.00 | 200,000.00 | 100,000.00 |" in text
    assert "| warning | `decommitment-risk` | EU\\_SF 2015 |" in text


def test_a_plan_without_commitments_still_shows_its_money_by_year():
    text = render_markdown(api.report().report)
    assert "## Money by year" in text and "Decommitment" not in text
    assert "| programme | 925,000.00 | 925,000.00 | 950,000.00 |" in text
