"""Reports before reporting: one computed `Report`, rendered to HTML or Markdown by jinja2.

The report gathers what the engines already computed (reconciliation, allocation) plus the
per-period, per-source sums a reader needs; the templates in `templates/` only lay them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.model import AllocationResult, Plan
from ..core.money import ZERO
from ..engine.phasing import Phasing, phasing
from ..engine.reconcile import Reconciliation
from .charts import stacked_bars_svg
from .progress import as_of_text, progress_chart
from .phasing_charts import claims_chart_svg
from .templates import template_environment
from .whatif import comparison_chart as draw_comparison

if TYPE_CHECKING:
    from ..engine.actuals import Progress
    from ..engine.whatif import Comparison


@dataclass(frozen=True, slots=True)
class SourceColumn:
    id: str
    name: str
    by_period: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.by_period, ZERO)


@dataclass(frozen=True, slots=True)
class Report:
    plan: Plan
    reconciliation: Reconciliation
    allocation: AllocationResult
    scenarios: tuple[str, ...]
    #: Allocated money per source and period, in plan order (periods as in `plan.periods`).
    sources: tuple[SourceColumn, ...]
    #: Unfunded money per period.
    gaps_by_period: tuple[Decimal, ...]
    #: With scenarios: the baseline, then each scenario added in turn (`whatif.stacked`).
    comparison: Comparison | None = None
    #: With actuals: spending against the plan (`engine.actuals.progress`).
    progress: Progress | None = None
    #: The plan by year and the N+n tables (`engine.phasing`).
    phasing: Phasing | None = None


def build_report(plan: Plan, reconciliation: Reconciliation, allocation: AllocationResult,
                 scenarios: Sequence[str] = (), comparison: Comparison | None = None, *,
                 phased: Phasing | None = None) -> Report:
    """The report's figures: the sums by source and period, and the plan by year (`phased`,
    computed without a date when not given)."""
    periods = [period.id for period in plan.periods]
    sums: dict[tuple[str, str], Decimal] = {}
    for item in allocation.allocations:
        sums[item.source, item.period] = sums.get((item.source, item.period), ZERO) + item.amount
    gaps = {period_id: ZERO for period_id in periods}
    for gap in allocation.gaps:
        gaps[gap.period] += gap.amount
    sources = tuple(SourceColumn(source.id, source.name,
                                 tuple(sums.get((source.id, period_id), ZERO) for period_id in periods))
                    for source in plan.sources)
    return Report(plan, reconciliation, allocation, tuple(scenarios), sources,
                  tuple(gaps[period_id] for period_id in periods), comparison,
                  phasing=phased or phasing(plan, allocation))


def funding_chart(report: Report) -> str:
    series = [(source.name, source.by_period) for source in report.sources]
    series.append(("Unfunded", report.gaps_by_period))
    return stacked_bars_svg([period.id for period in report.plan.periods], series,
                            title="Funding by source per period",
                            unit=report.plan.programme.currency)


def render_html(report: Report) -> str:
    from markupsafe import Markup

    template = template_environment(autoescape=True).get_template("report.html.j2")
    comparison_chart = None
    if report.comparison is not None:
        comparison_chart = Markup(draw_comparison(report.comparison))
    spending = report.progress
    committed = report.phasing.committed if report.phasing is not None else ()
    phasing_charts = {source.id: Markup(claims_chart_svg(source, report.plan.programme.currency))
                      for source in committed}
    return template.render(report=report, chart=Markup(funding_chart(report)),
                           comparison=report.comparison, comparison_chart=comparison_chart,
                           progress=spending,
                           progress_as_of=as_of_text(spending) if spending else None,
                           progress_chart=Markup(progress_chart(spending)) if spending else None,
                           phasing_charts=phasing_charts)


def render_markdown(report: Report) -> str:
    spending = report.progress
    return template_environment(autoescape=False).get_template("report.md.j2").render(
        report=report, comparison=report.comparison, progress=spending,
        progress_as_of=as_of_text(spending) if spending else None)
