"""What-if comparisons: the baseline and scenarios, each reconciled and allocated, side by side.

`compare` computes one `Comparison` (every figure and every change against the baseline) that
all views lay out: text, JSON, Markdown and HTML here, the workbook in `whatif_workbook`, and
the comparison section of the `report` command. `whatif` runs each scenario alone on the
baseline; `stacked` adds the scenarios one after another, as `--scenario` options do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ..planfile.loader import parse_toml
from ..core.model import AllocationResult, Plan, Source, SourceUse
from ..core.money import ZERO, display, money_text
from .reconcile import Reconciliation, reconcile
from .scenario import Scenario, apply_scenario

Measure = Literal["budget", "funded", "unfunded", "allocated"]
SECTIONS: dict[str, str] = {"budget": "Budget", "funded": "Funded", "unfunded": "Unfunded",
                            "allocated": "Allocation by source"}


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
    (the workbook writes it as a SUM). A value is None where a run's rules conflict.
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

    return Run(key, label, tuple(scenarios), plan, reconcile(plan, funding=funding_findings(plan)),
               allocate(plan, solver=solver))


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
    rows = []
    for measure, period, source, label, parts in keys:
        values = tuple(figure.get((measure, period, source)) for figure in figures)
        base = values[0]
        changes = tuple(None if value is None or base is None else value - base
                        for value in values[1:])
        rows.append(Row(measure, period, source, label, values, changes, parts))
    return Comparison(baseline.programme.name, baseline.programme.currency, periods, sources,
                      tuple(runs), tuple(rows), _caps(runs, periods, source_ids))


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
    """Whether a file is a plan (it has a [programme] table) rather than a scenario."""
    try:
        data = parse_toml(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data.get("programme"), dict)


# --- views -----------------------------------------------------------------------------------

def signed(amount: Decimal | None, blank: str = "–") -> str:
    """A change for people: `+1,000.00`, `-250.00`, `0.00`."""
    if amount is None:
        return blank
    return ("+" if amount > 0 else "") + display(amount)


def cap_text(use: SourceUse | None) -> str:
    if use is None:
        return "no cap"
    if use.binding:
        shadow = f", shadow price {use.shadow_price:.2f}" if use.shadow_price else ""
        return f"binds at {display(use.cap)}{shadow}"
    return f"{display(use.remaining)} left of {display(use.cap)}"


def run_title(run: Run) -> str:
    flag = " (illustrative figures)" if run.illustrative else ""
    if not run.scenarios:
        return f"the plan {run.plan.name}"
    if run.key == "Baseline":
        names = ", then ".join(scenario.name for scenario in run.scenarios)
        return f"the plan {run.plan.name} with {names}{flag}"
    return f"{run.label}{flag}"


def status_text(run: Run) -> str:
    rec = run.reconciliation
    errors = rec.count("error")
    return f"{run.allocation.status}; reconciliation {'OK' if not errors else f'{errors} error(s)'}"


def whatif_text(comparison: Comparison) -> str:
    from ..views.render import text_table

    parts = [f"What if: {comparison.programme}, amounts in {comparison.currency}", ""]
    for each in comparison.runs:
        parts.append(f"  {each.key:<9} {run_title(each)}")
        if each.key != "Baseline":
            last = each.scenarios[-1]
            if last.description:
                parts.append(f"  {'':<9}   {last.description}")
            parts += [f"  {'':<9}   - {change}" for change in last.changes()]
    header = [""]
    for each in comparison.runs:
        header += [each.key] if each.key == "Baseline" else [each.key, f"change {each.key}"]
    table: list[list[str]] = [["status", *_spread(comparison, [each.allocation.status
                                                               for each in comparison.runs])],
                              ["reconciliation", *_spread(comparison, [
                                  "OK" if each.reconciliation.ok else
                                  f"{each.reconciliation.count('error')} error(s)"
                                  for each in comparison.runs])]]
    for section, rows in comparison.sections():
        table.append([section, *([""] * (len(header) - 1))])
        for row in rows:
            cells = [display(row.values[0], blank="–")]
            for value, change in zip(row.values[1:], row.changes):
                cells += [display(value, blank="–"), signed(change)]
            table.append([f"  {row.label}", *cells])
    parts += ["", text_table(header, table, right=range(1, len(header)))]
    if comparison.caps:
        parts += ["", "Binding caps",
                  text_table(["cap", *(each.key for each in comparison.runs)],
                             [[cap.label, *(cap_text(use) for use in cap.uses)]
                              for cap in comparison.caps])]
    for each in comparison.runs:
        if not each.optimal:
            parts += ["", f"{each.key}: the funding rules cannot all hold:"]
            parts += [f"  - {conflict}" for conflict in each.allocation.conflicts]
    return "\n".join(parts) + "\n"


def _spread(comparison: Comparison, texts: list[str]) -> list[str]:
    """One text per run, under each run's column (the change columns left empty)."""
    cells = [texts[0]]
    for text in texts[1:]:
        cells += [text, ""]
    return cells


def whatif_json(comparison: Comparison) -> dict[str, Any]:
    runs = []
    for number, each in enumerate(comparison.runs):
        def figures(pick: Any) -> dict[str, Any]:
            found: dict[str, Any] = {"periods": [], "programme": {}, "sources": []}
            for row in comparison.rows:
                value = pick(row)
                if row.measure == "allocated":
                    found["sources"].append({"source": row.source, "period": row.period,
                                             "allocated": money_text(value)})
                elif row.period is None:
                    found["programme"][row.measure] = money_text(value)
                else:
                    entry = next((item for item in found["periods"]
                                  if item["period"] == row.period), None)
                    if entry is None:
                        entry = {"period": row.period}
                        found["periods"].append(entry)
                    entry[row.measure] = money_text(value)
            return found

        data: dict[str, Any] = {
            "key": each.key, "label": each.label,
            "scenarios": [{"name": s.name, "file": s.file, "illustrative": s.illustrative,
                           "description": s.description, "changes": list(s.changes())}
                          for s in each.scenarios],
            "status": each.allocation.status,
            "reconciliation": {"ok": each.reconciliation.ok,
                               "errors": each.reconciliation.count("error"),
                               "warnings": each.reconciliation.count("warning")},
            "conflicts": [conflict.message for conflict in each.allocation.conflicts],
            **figures(lambda row, n=number: row.values[n]),
            "binding_caps": [{"source": cap.source, "period": cap.period,
                              "cap": money_text(use.cap), "allocated": money_text(use.allocated),
                              "shadow_price": money_text(use.shadow_price)}
                             for cap in comparison.caps
                             for use in [cap.uses[number]] if use is not None and use.binding],
            "change": None if number == 0 else figures(lambda row, n=number: row.changes[n - 1]),
        }
        runs.append(data)
    return {"programme": comparison.programme, "currency": comparison.currency,
            "periods": list(comparison.periods),
            "sources": [source.id for source in comparison.sources], "runs": runs}


def comparison_chart(comparison: Comparison) -> str:
    """Stacked bars: each run's programme allocation by source, and its unfunded part."""
    from ..views.charts import stacked_bars_svg

    runs = [each for each in comparison.runs if each.optimal]
    programme = {(row.measure, row.source): row for row in comparison.rows if row.period is None}
    index = {each.key: number for number, each in enumerate(comparison.runs)}
    series = [(source.name, [programme["allocated", source.id].values[index[each.key]] or ZERO
                             for each in runs]) for source in comparison.sources]
    series.append(("Unfunded", [programme["unfunded", None].values[index[each.key]] or ZERO
                                for each in runs]))
    return stacked_bars_svg([each.key for each in runs], series,
                            title="Funding by source: baseline and scenarios",
                            unit=comparison.currency)


def render_whatif(comparison: Comparison, fmt: Literal["html", "markdown"]) -> str:
    """The comparison as a self-contained HTML page or a Markdown document."""
    from markupsafe import Markup

    from ..views.reports import template_environment

    if fmt == "html":
        template = template_environment(autoescape=True).get_template("whatif.html.j2")
        return template.render(comparison=comparison,
                               comparison_chart=Markup(comparison_chart(comparison)))
    return template_environment(autoescape=False).get_template("whatif.md.j2").render(
        comparison=comparison)
