"""Applying a scenario to a plan: line edits, period scales, funding rules, source scales.

`planfile.scenario` reads and checks a scenario file; this module lays it over a plan.
Applying a scenario returns a new plan; the plan file is never changed.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from ..core.funding import Cap, Funding
from ..core.model import Line, Period, Plan
from ..core.money import CENT, ZERO
from ..planfile.scenario import LineEdit, Scenario, load_scenario

__all__ = ["Scenario", "apply_scenario", "apply_scenarios", "load_scenario", "scale_period"]


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
    parts = _largest_remainder(new_sum, cents)
    scaled = iter(parts)
    lines = tuple(line if line.amount is None else
                  dataclasses.replace(line, amount=(Decimal(next(scaled)) / 100).quantize(CENT))
                  for line in period.lines)
    return dataclasses.replace(period, total=total, lines=lines)


def _largest_remainder(total: int, weights: list[int]) -> list[int]:
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    parts = [total * weight // weight_sum for weight in weights]
    remainders = sorted(range(len(weights)),
                        key=lambda number: (-(total * weights[number] % weight_sum), number))
    for number in remainders[: total - sum(parts)]:
        parts[number] += 1
    return parts


def apply_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """The plan with the scenario laid over it: line edits, period scales, funding rules, then
    source scales (as caps)."""
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
    return dataclasses.replace(changed, funding=funding, files=(*plan.files, scenario.file))


def apply_scenarios(plan: Plan, scenarios: list[Scenario] | tuple[Scenario, ...]) -> Plan:
    """The plan with each scenario laid over it in turn."""
    for scenario in scenarios:
        plan = apply_scenario(plan, scenario)
    return plan
