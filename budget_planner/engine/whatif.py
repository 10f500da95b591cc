"""What-if comparisons: the baseline and scenarios, each reconciled and allocated, side by side.

`compare` computes one `Comparison` (every figure and every change against the baseline) that
all views lay out: text, JSON, Markdown and HTML in `views.whatif`, the workbook in
`xlsx.comparison`, and the comparison section of the `report` command. `whatif` runs each
scenario alone on the baseline; `stacked` adds the scenarios one after another, as
`--scenario` options do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ..planfile.loader import read_document
from ..core.model import AllocationResult, Plan, Source, SourceUse
from ..core.money import ZERO
from .phasing import decommitment_findings, phasing
from .reconcile import Reconciliation, reconcile
from .scenario import Scenario, apply_scenario

Measure = Literal["budget", "funded", "unfunded", "allocated", "at_risk"]
SECTIONS: dict[str, str] = {"budget": "Budget", "funded": "Funded", "unfunded": "Unfunded",
                            "allocated": "Allocation by source",
                            "at_risk": "At risk of decommitment (N+n)"}


@dataclass(frozen=True, slots=True)
class Run:
    """The baseline or one scenario: the plan as laid over, its reconciliation and allocation."""

    key: str  # "Baseline", then "A", "B", ... for the views' column heads
    label: str
    scenarios: tuple[Scenario, ...]
    plan: Plan
    reconciliation: Reconciliation
    allocation: AllocationResult

    @property
    def optimal(self) -> bool:
        return self.allocation.status == "optimal"

    @property
    def illustrative(self) -> bool:
        return any(scenario.illustrative for scenario in self.scenarios)


@dataclass(frozen=True, slots=True)
class Row:
    """One figure for every run, and its change against the baseline for every other run.

    `period` None is the programme; `parts` is how many rows just above this one it adds up
    (the workbook writes it as a SUM). A value is None where a run's rules conflict. For
    "at_risk", `period` is the deadline year, and None the most at risk at any deadline.
    """

    measure: Measure
    period: str | None
    source: str | None
    label: str
    values: tuple[Decimal | None, ...]
    changes: tuple[Decimal | None, ...]
    parts: int = 0

    @property
    def section(self) -> str:
        return SECTIONS[self.measure]


@dataclass(frozen=True, slots=True)
class CapRow:
    """A cap that binds in at least one run, and how each run uses it (None: no such cap)."""

    source: str
    period: str | None
    uses: tuple[SourceUse | None, ...]

    @property
    def label(self) -> str:
        return f"{self.source} {self.period or 'programme'}"


@dataclass(frozen=True, slots=True)
class Comparison:
    programme: str
    currency: str
    periods: tuple[str, ...]
    sources: tuple[Source, ...]
    runs: tuple[Run, ...]
    rows: tuple[Row, ...]
    caps: tuple[CapRow, ...]

    @property
    def baseline(self) -> Run:
        return self.runs[0]

    @property
    def scenarios(self) -> tuple[Run, ...]:
        return self.runs[1:]

    @property
    def failed(self) -> bool:
        """Whether any run has conflicting rules or a reconciliation error."""
        return any(not run.optimal or not run.reconciliation.ok for run in self.runs)

    def sections(self) -> list[tuple[str, list[Row]]]:
        """The rows grouped by section, in order."""
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.section, []).append(row)
        return list(grouped.items())


# --- computing -------------------------------------------------------------------------------

def run(plan: Plan, scenarios: Sequence[Scenario], *, key: str, label: str,
        solver: str = "highs") -> Run:
    """Reconcile and allocate the plan (with `scenarios` already laid over it)."""
    from .allocation import allocate, funding_findings

    allocation = allocate(plan, solver=solver)
    findings = [*funding_findings(plan), *decommitment_findings(plan, allocation)]
    return Run(key, label, tuple(scenarios), plan, reconcile(plan, funding=findings), allocation)


def _key(number: int) -> str:
    """A, B, ..., Z, AA, AB, ...: short column heads for the scenarios."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def whatif(plan: Plan, scenarios: Sequence[Scenario], *, base: Sequence[Scenario] = (),
           solver: str = "highs") -> Comparison:
    """The baseline (`plan`, with the `base` scenarios already laid over it) and each scenario
    laid over the baseline alone."""
    runs = [run(plan, base, key="Baseline", label="Baseline", solver=solver)]
    for number, scenario in enumerate(scenarios):
        runs.append(run(apply_scenario(plan, scenario), (*base, scenario), key=_key(number),
                        label=scenario.name, solver=solver))
    return compare(runs)


def stacked(plan: Plan, scenarios: Sequence[Scenario], *, solver: str = "highs") -> Comparison:
    """The plan, then the plan with the first scenario, with the first two, ...: the steps of
    `--scenario a --scenario b`; the last run is the plan as the options leave it."""
    runs = [run(plan, (), key="Baseline", label="Baseline", solver=solver)]
    for number, scenario in enumerate(scenarios):
        plan = apply_scenario(plan, scenario)
        label = scenario.name if number == 0 else f"+ {scenario.name}"
        runs.append(run(plan, tuple(scenarios[: number + 1]), key=_key(number), label=label,
                        solver=solver))
    return compare(runs)


def _figures(run: Run, periods: tuple[str, ...],
             sources: tuple[str, ...]) -> dict[tuple[Any, ...], Decimal | None]:
    """Every figure of one run by (measure, period, source); period None is the programme."""
    figures: dict[tuple[Any, ...], Decimal | None] = {}
    plan = {period.id: period for period in run.plan.periods}
    for period in periods:
        figures["budget", period, None] = plan[period].computed_total if period in plan else ZERO
    figures["budget", None, None] = sum((figures["budget", p, None] or ZERO for p in periods), ZERO)
    if not run.optimal:
        return figures
    unfunded = dict.fromkeys((*periods, None), ZERO)
    for gap in run.allocation.gaps:
        unfunded[gap.period] += gap.amount
        unfunded[None] += gap.amount
    allocated = {(period, source): ZERO for period in (*periods, None) for source in sources}
    for item in run.allocation.allocations:
        allocated[item.period, item.source] += item.amount
        allocated[None, item.source] += item.amount
    for period in (*periods, None):
        figures["unfunded", period, None] = unfunded[period]
        for source in sources:
            figures["allocated", period, source] = allocated[period, source]
        figures["funded", period, None] = sum((allocated[period, source] for source in sources),
                                              ZERO)
    figures.update(_at_risk(run))
    return figures


def _at_risk(run: Run) -> dict[tuple[Any, ...], Decimal | None]:
    """What each source with commitments has at risk at each deadline, and at most."""
    if not run.plan.commitments:
        return {}
    figures: dict[tuple[Any, ...], Decimal | None] = {}
    for source in phasing(run.plan, run.allocation).committed:
        for row in source.decommitment:
            figures["at_risk", str(row.year), source.id] = row.at_risk
        figures["at_risk", None, source.id] = source.at_risk
    return figures


def compare(runs: Sequence[Run]) -> Comparison:
    """The side-by-side figures of runs; the first run is the baseline."""
    baseline = runs[0].plan
    periods = tuple(period.id for period in baseline.periods)
    sources = baseline.sources
    source_ids = baseline.source_ids
    figures = [_figures(each, periods, source_ids) for each in runs]
    keys: list[tuple[Measure, str | None, str | None, str, int]] = []
    for measure in ("budget", "funded", "unfunded"):
        keys += [(measure, period, None, period, 0) for period in periods]
        keys.append((measure, None, None, "programme", len(periods)))
    for source in sources:
        keys += [("allocated", period, source.id, f"{source.name} {period}", 0)
                 for period in periods]
        keys.append(("allocated", None, source.id, f"{source.name} programme", len(periods)))
    keys += _at_risk_keys(figures, sources)
    rows = []
    for measure, period, source, label, parts in keys:
        values = tuple(figure.get((measure, period, source)) for figure in figures)
        base = values[0]
        changes = tuple(None if value is None or base is None else value - base
                        for value in values[1:])
        rows.append(Row(measure, period, source, label, values, changes, parts))
    return Comparison(baseline.programme.name, baseline.programme.currency, periods, sources,
                      tuple(runs), tuple(rows), _caps(runs, periods, source_ids))


def _at_risk_keys(figures: list[dict[tuple[Any, ...], Decimal | None]], sources: tuple[Source, ...]
                  ) -> list[tuple[Measure, str | None, str | None, str, int]]:
    """Rows for each source with commitments in any run: every deadline year at which some run
    has money at risk, then the most at risk."""
    keys: list[tuple[Measure, str | None, str | None, str, int]] = []
    for source in sources:
        found = [key for figure in figures for key in figure
                 if key[0] == "at_risk" and key[2] == source.id]
        if not found:
            continue
        years = sorted({key[1] for key in found if key[1] is not None
                        and any(figure.get(key) for figure in figures)})
        keys += [("at_risk", year, source.id, f"{source.name} {year}", 0) for year in years]
        keys.append(("at_risk", None, source.id, f"{source.name} most at risk", 0))
    return keys


def _caps(runs: Sequence[Run], periods: tuple[str, ...],
          sources: tuple[str, ...]) -> tuple[CapRow, ...]:
    uses = [{(use.source, use.period): use for use in each.allocation.sources
             if use.cap is not None} for each in runs]
    binding = {key for found in uses for key, use in found.items() if use.binding}
    order = [(source, period) for period in (*periods, None) for source in sources]
    return tuple(CapRow(source, period, tuple(found.get((source, period)) for found in uses))
                 for source, period in order if (source, period) in binding)


# --- the plan argument of `whatif` ------------------------------------------------------------

def looks_like_plan(path: Path) -> bool:
    """Whether a file is a plan (it has a [programme] table) rather than a scenario. It is read
    as the loader reads any plan file (a pipe, a device or an oversized file is not); a file
    that cannot be read is not a plan, and its problems are reported when it is read as a
    scenario."""
    document = read_document(path, [])
    return document is not None and isinstance(document.data.get("programme"), dict)
