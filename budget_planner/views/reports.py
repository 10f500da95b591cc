"""Reports before reporting: one computed `Report`, rendered to HTML or Markdown by jinja2.

The report gathers what the engines already computed (reconciliation, allocation) plus the
per-period, per-source sums a reader needs; the templates in `templates/` only lay them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.model import AllocationResult, Plan, mark
from ..core.files import shown_path
from ..core.money import ZERO, display
from ..engine.reconcile import Reconciliation

if TYPE_CHECKING:
    from ..engine.whatif import Comparison

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


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


def build_report(plan: Plan, reconciliation: Reconciliation, allocation: AllocationResult,
                 scenarios: Sequence[str] = (), comparison: Comparison | None = None) -> Report:
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
                  tuple(gaps[period_id] for period_id in periods), comparison)


def funding_chart(report: Report) -> str:
    from .charts import stacked_bars_svg

    series = [(source.name, source.by_period) for source in report.sources]
    series.append(("Unfunded", report.gaps_by_period))
    return stacked_bars_svg([period.id for period in report.plan.periods], series,
                            title="Funding by source per period",
                            unit=report.plan.programme.currency)


def _environment(autoescape: bool) -> Any:
    import jinja2

    from .whatif import cap_text, run_title, signed, status_text

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    environment.filters["money"] = lambda amount, blank="": display(amount, blank)
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.globals["mark"] = mark
    environment.filters["signed"] = signed
    environment.filters["shown_path"] = shown_path
    environment.globals.update(cap_text=cap_text, run_title=run_title, status_text=status_text)
    return environment


def template_environment(autoescape: bool) -> Any:
    """The templates' jinja2 environment, shared by the report and the what-if views."""
    return _environment(autoescape)


def render_html(report: Report) -> str:
    from markupsafe import Markup

    template = _environment(autoescape=True).get_template("report.html.j2")
    comparison_chart = None
    if report.comparison is not None:
        from .whatif import comparison_chart as draw

        comparison_chart = Markup(draw(report.comparison))
    return template.render(report=report, chart=Markup(funding_chart(report)),
                           comparison=report.comparison, comparison_chart=comparison_chart)


def render_markdown(report: Report) -> str:
    return _environment(autoescape=False).get_template("report.md.j2").render(
        report=report, comparison=report.comparison)
