"""Scenarios laid over a plan: line edits, period scales, funding rules, source scales.

`planfile.scenario` reads and checks a scenario file; this module resolves what its source
scales scale (a cap, else an allocation, which only the engine computes) and lays it over a
plan. Applying a scenario returns a new plan; the plan file is never changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..core.funding import Cap, Funding
from ..core.model import Line, Period, Plan, Problem
from ..core.money import CENT, ZERO, split_cents
from ..planfile.scenario import LineEdit, Scenario, read_scenario, read_scenario_text

__all__ = ["Applied", "Scenario", "apply_scenario", "apply_scenarios", "load_scenario",
           "load_scenario_text", "resolve_scales", "scale_period"]


# --- reading for a plan ----------------------------------------------------------------------

def load_scenario(path: Path | str, plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """A scenario file read for `plan`, ready to apply: the scenario and no problems, or None
    and every problem."""
    scenario, problems = read_scenario(path, plan)
    if scenario is None:
        return None, problems
    return resolve_scales(scenario, plan)


def load_scenario_text(text: str, file: str,
                       plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """A scenario's text read for `plan` as `load_scenario` reads a file named `file`."""
    scenario, problems = read_scenario_text(text, file, plan)
    if scenario is None:
        return None, problems
    return resolve_scales(scenario, plan)


def resolve_scales(scenario: Scenario, plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """Give each source scale the amount it scales: the cap of its source and scope (the
    scenario's or the plan's), else what the source is allocated there in `plan`."""
    funding = plan.funding.merged(scenario.funding)
    allocated: dict[tuple[str, str | None], Decimal] | None = None
    solved = False  # the plan is solved once, for the first scale without a cap
    scales = []
    problems: list[Problem] = []
    for scale in scenario.scales:
        if scale.source is None:
            scales.append(scale)
            continue
        cap = funding.cap(scale.source, scale.period)
        if cap is not None:
            scales.append(dataclasses.replace(scale, base=cap.amount, base_kind="cap"))
            continue
        if not solved:
            allocated, solved = _allocated(plan), True
        if allocated is None:
            where = scale.where
            assert where is not None
            problems.append(Problem(
                where.file, where.path, "nothing-to-scale",
                f"{scale.source} has no cap "
                f"{'in ' + scale.period if scale.period else 'for the programme'} "
                "and the plan's funding rules conflict, so it has no allocation to "
                "scale either; set a cap with [[funding.caps]]", where.lineno))
            continue
        base = allocated.get((scale.source, scale.period), ZERO)
        scales.append(dataclasses.replace(scale, base=base, base_kind="allocation"))
    if problems:
        return None, problems
    return dataclasses.replace(scenario, scales=tuple(scales)), []


def _allocated(plan: Plan) -> dict[tuple[str, str | None], Decimal] | None:
    """What each source is allocated per period and over the programme; None on conflicts."""
    from .allocation import allocate

    result = allocate(plan)
    if result.status != "optimal":
        return None
    return {(use.source, use.period): use.allocated for use in result.sources}


# --- applying --------------------------------------------------------------------------------

def _apply_lines(plan: Plan, edits: list[LineEdit] | tuple[LineEdit, ...]) -> Plan:
    """The plan with its lines edited; each stated period total (and the programme total)
    moves by as much as its lines do, so an edit never breaks a reconciliation by itself."""
    if not edits:
        return plan
    by_period: dict[str, list[LineEdit]] = {}
    for edit in edits:
        by_period.setdefault(edit.period, []).append(edit)
    periods = []
    for period in plan.periods:
        lines = list(period.lines)
        for edit in by_period.get(period.id, []):
            index = next((number for number, line in enumerate(lines) if line.id == edit.id), None)
            if edit.action == "remove" and index is not None:
                del lines[index]
            elif edit.action == "change" and index is not None and edit.line is not None:
                lines[index] = edit.line
            elif edit.action == "add" and edit.line is not None:
                lines.append(edit.line)
        periods.append(_with_lines(period, tuple(lines)))
    funding = _without_rules_of_removed(plan.funding, edits)
    return _with_periods(dataclasses.replace(plan, funding=funding), tuple(periods))


def _with_lines(period: Period, lines: tuple[Line, ...]) -> Period:
    moved = sum((line.amount for line in lines if line.amount is not None), ZERO) - \
        period.computed_total
    return dataclasses.replace(period, lines=lines, total=period.total + moved)


def _with_periods(plan: Plan, periods: tuple[Period, ...]) -> Plan:
    moved = sum((new.total - old.total for new, old in zip(periods, plan.periods)), ZERO)
    programme = dataclasses.replace(plan.programme, total=plan.programme.total + moved)
    return dataclasses.replace(plan, periods=periods, programme=programme)


def _without_rules_of_removed(funding: Funding,
                              edits: tuple[LineEdit, ...] | list[LineEdit]) -> Funding:
    """Pledges to a removed line, and share rules for that one line, go with it."""
    removed = {(edit.period, edit.id) for edit in edits if edit.action == "remove"}
    added = {(edit.period, edit.id) for edit in edits if edit.action == "add"}
    gone = removed - added
    if not gone:
        return funding
    return dataclasses.replace(
        funding,
        pledges=tuple(pledge for pledge in funding.pledges
                      if (pledge.period, pledge.line) not in gone),
        shares=tuple(rule for rule in funding.shares
                     if rule.period is None or rule.line is None
                     or (rule.period, rule.line) not in gone))


def scale_period(period: Period, change: Decimal) -> Period:
    """A period's stated total and lines times (1 + change), to the cent (half up).

    The lines are scaled together: their new sum is their old sum scaled, split in proportion
    to their amounts by largest remainders (ties to the earlier line), so a period that added
    up still does.
    """
    factor = 1 + change
    total = (period.total * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    amounts = [line.amount for line in period.lines if line.amount is not None]
    old = sum(amounts, ZERO)
    new_sum = int((old * factor * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    cents = [int(amount * 100) for amount in amounts]
    parts = split_cents(new_sum, cents)
    scaled = iter(parts)
    lines = tuple(line if line.amount is None else  # stated years move with the amount
                  line.with_amount((Decimal(next(scaled)) / 100).quantize(CENT))
                  for line in period.lines)
    return dataclasses.replace(period, total=total, lines=lines)


def apply_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """The plan with the scenario laid over it: line edits, period scales, funding rules,
    source scales (as caps), then profiles and commitments."""
    changed = _apply_lines(plan, scenario.lines)
    period_scales = {scale.period: scale for scale in scenario.scales if scale.source is None}
    if period_scales:
        changed = _with_periods(changed, tuple(
            scale_period(period, period_scales[period.id].change) if period.id in period_scales
            else period for period in changed.periods))
    funding = changed.funding.merged(scenario.funding)
    caps = tuple(Cap(scale.source, scale.cap, scale.period, scale.origin)
                 for scale in scenario.scales if scale.source is not None)
    if caps:
        funding = funding.merged(Funding(caps=caps))
    changed = _apply_phasing(changed, scenario)
    return dataclasses.replace(changed, funding=funding, files=(*plan.files, scenario.file))


def _apply_phasing(plan: Plan, scenario: Scenario) -> Plan:
    """The plan with the scenario's profiles and commitments: a commitment replaces the plan's
    of the same source (it was read for this plan, so it holds the years it keeps)."""
    if not scenario.profiles and not scenario.commitments:
        return plan
    weights = {change.period: change.weights for change in scenario.profiles}
    periods = tuple(dataclasses.replace(period, profile=weights[period.id])
                    if period.id in weights else period for period in plan.periods)
    changed = {change.commitment.source: change.commitment for change in scenario.commitments}
    kept = [changed.pop(commitment.source, commitment) for commitment in plan.commitments]
    return dataclasses.replace(plan, periods=periods, commitments=(*kept, *changed.values()))


@dataclass(frozen=True, slots=True)
class Applied:
    """A plan with scenarios laid over it, and those scenarios in the order they apply."""

    plan: Plan
    scenarios: tuple[Scenario, ...] = ()


def apply_scenarios(plan: Plan,
                    paths: Sequence[Path | str]) -> tuple[Applied | None, list[Problem]]:
    """The plan with each scenario file laid over it in turn, each read for the plan as the
    earlier ones leave it (as `--scenario a --scenario b` do); or None and every problem in
    every file."""
    problems: list[Problem] = []
    scenarios = []
    for path in paths:
        scenario, found = load_scenario(path, plan)
        problems += found
        if scenario is not None and not problems:
            plan = apply_scenario(plan, scenario)
            scenarios.append(scenario)
    if problems:
        return None, problems
    return Applied(plan, tuple(scenarios)), []
