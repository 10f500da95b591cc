"""Reports before reporting: one computed `Report`, rendered to HTML or Markdown by jinja2.

The report gathers what the engines already computed (reconciliation, allocation) plus the
per-period, per-source sums a reader needs and the funding rules in words; the templates in
`templates/` only lay them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.model import AllocationResult, Line, Period, Plan, SourceUse
from ..core.money import ZERO
from ..engine.phasing import Phasing, phasing
from ..engine.reconcile import Reconciliation
from .charts import stacked_bars_svg
from .dates import DocumentDate, document_date
from .funding_rules import RuleText, funding_rules, gap_words, source_name
from .progress import as_of_text, progress_chart
from .phasing_charts import claims_chart_svg
from .templates import template_environment
from .whatif import comparison_chart as draw_comparison

if TYPE_CHECKING:
    from ..engine.actuals import Progress
    from ..engine.whatif import Comparison

#: The footnote marks of a funding table, in order; more notes than marks are numbered.
FOOTNOTE_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


@dataclass(frozen=True, slots=True)
class SourceColumn:
    id: str
    name: str
    by_period: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.by_period, ZERO)


@dataclass(frozen=True, slots=True)
class GapRow:
    """A line not (fully) funded, as the report lists it."""

    period: str
    line: str
    activity: str
    amount: Decimal
    why: str


@dataclass(frozen=True, slots=True)
class FundingRow:
    """A line of a period's funding table: one mark a source (`x`, `x¹` or empty)."""

    line: Line
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FundingTable:
    """A period's funding table: its rows and the notes written beside marks, as footnotes
    (footnote mark, source name, note), so that a note never widens a mark's column."""

    period: Period
    rows: tuple[FundingRow, ...]
    notes: tuple[tuple[str, str, str], ...]


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
    #: The funding rules in words, each with where it is set.
    rules: tuple[RuleText, ...] = ()
    gap_rows: tuple[GapRow, ...] = ()
    funding_tables: tuple[FundingTable, ...] = ()

    @property
    def totals_by_period(self) -> tuple[Decimal, ...]:
        """Every source plus the unfunded part, per period."""
        return tuple(sum((source.by_period[number] for source in self.sources), ZERO) + gap
                     for number, gap in enumerate(self.gaps_by_period))

    @property
    def capped(self) -> tuple[SourceUse, ...]:
        """The uses of sources that have a cap, as the allocation reports them."""
        return tuple(use for use in self.allocation.sources if use.cap is not None)

    @property
    def uncapped(self) -> tuple[str, ...]:
        """The names of sources with no cap at all."""
        capped = {use.source for use in self.capped}
        return tuple(source.name for source in self.plan.sources if source.id not in capped)

    @property
    def findings_amounts(self) -> tuple[str, ...]:
        """The amount columns of the findings table that have a figure in some row."""
        findings = self.reconciliation.findings
        return tuple(name for name in ("expected", "actual", "difference")
                     if any(getattr(finding, name) is not None for finding in findings))


def _funding_table(plan: Plan, period: Period) -> FundingTable:
    notes: dict[tuple[str, str], str] = {}
    rows = []
    for line in period.lines:
        marks = []
        for source in plan.sources:
            if source.id not in line.sources:
                marks.append("")
                continue
            note = line.note_for(source.id).strip()
            if not note:
                marks.append("x")
                continue
            key = (source.id, note)
            if key not in notes:
                number = len(notes)
                notes[key] = FOOTNOTE_MARKS[number] if number < len(FOOTNOTE_MARKS) else \
                    f"({number + 1})"
            marks.append(f"x{notes[key]}")
        rows.append(FundingRow(line, tuple(marks)))
    return FundingTable(period, tuple(rows), tuple(
        (sign, source_name(plan, source), note.strip("()")) for (source, note), sign
        in notes.items()))


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
    activities = {(period.id, line.id): line.activity for period in plan.periods
                  for line in period.lines}
    gap_rows = tuple(GapRow(gap.period, gap.line, activities.get((gap.period, gap.line), gap.line),
                            gap.amount, gap_words(plan, gap)) for gap in allocation.gaps)
    return Report(plan, reconciliation, allocation, tuple(scenarios), sources,
                  tuple(gaps[period_id] for period_id in periods), comparison,
                  phasing=phased or phasing(plan, allocation), rules=funding_rules(plan),
                  gap_rows=gap_rows,
                  funding_tables=tuple(_funding_table(plan, period) for period in plan.periods))


def funding_chart(report: Report) -> str:
    series = [(source.name, source.by_period) for source in report.sources]
    return stacked_bars_svg([period.id for period in report.plan.periods], series,
                            report.gaps_by_period, title="Funding by source per period",
                            currency=report.plan.programme.currency)


def render_html(report: Report, date: DocumentDate | None = None) -> str:
    """The report as one self-contained HTML page, dated `date` (see `dates.document_date`)."""
    from markupsafe import Markup

    date = date or document_date(report.plan)  # first: a malformed date stops all drawing
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
                           date=date, progress=spending,
                           progress_as_of=as_of_text(spending) if spending else None,
                           progress_chart=Markup(progress_chart(spending)) if spending else None,
                           phasing_charts=phasing_charts)


def render_markdown(report: Report, date: DocumentDate | None = None) -> str:
    spending = report.progress
    return template_environment(autoescape=False).get_template("report.md.j2").render(
        report=report, comparison=report.comparison, date=date or document_date(report.plan),
        progress=spending, progress_as_of=as_of_text(spending) if spending else None)
