"""The staged linear programme: its data, its stages in strict priority, the two passes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ...core.model import Plan
from .errors import AllocationError
from .groups import _Component, _Group

#: Slack when a stage's optimum is kept for the next stage, in euros: it only absorbs the
#: solvers' floating-point error (their feasibility tolerance is 1e-7), far below a cent.
EPS_ABS = 1e-6
EPS_REL = 1e-12
#: In the first pass, relative to the largest amount: doubles are exact to about 1e-16.
EPS_LOOSE = 1e-12
#: How far from a whole cent a solver's value may be before the result is refused.
CENT_TOLERANCE = 0.05


Terms = list[tuple[str, int]]  # (variable name, integer coefficient)


@dataclass(slots=True)
class _Spec:
    """The group-level programme as exact data: bounds and right-hand sides in whole cents."""

    bounds: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    rows: list[tuple[str, Terms, str, int]] = field(default_factory=list)
    x: dict[tuple[int, str], str] = field(default_factory=dict)
    gap: dict[int, str] = field(default_factory=dict)
    deviation: dict[int, Terms] = field(default_factory=dict)


def _spec(groups: list[_Group], caps: dict[tuple[str, str | None], int]) -> _Spec:
    """Variables per group and source (a sum over the group's lines), a gap per group."""
    spec = _Spec()
    for group in groups:
        for number, source in enumerate(group.sources):
            name = spec.x[group.index, source] = f"x_{group.index}_{number}"
            spec.bounds[name] = (group.lower[source], group.upper[(source,)])
        gap = spec.gap[group.index] = f"g_{group.index}"
        spec.bounds[gap] = (0, group.amount)
        spec.rows.append((f"line_{group.index}", [(spec.x[group.index, s], 1) for s in group.sources]
                          + [(gap, 1)], "=", group.amount))
        for number, (subset, value) in enumerate(group.upper.items()):
            if len(subset) > 1:
                spec.rows.append((f"sub_{group.index}_{number}",
                                  [(spec.x[group.index, s], 1) for s in subset], "<=", value))
        deviation: Terms = []
        for number, source in enumerate(group.sources):
            if source in group.target:
                over, under = f"over_{group.index}_{number}", f"under_{group.index}_{number}"
                spec.bounds[over] = spec.bounds[under] = (0, None)
                spec.rows.append((f"target_{group.index}_{number}",
                                  [(spec.x[group.index, source], 1), (over, -1), (under, 1)],
                                  "=", group.target[source]))
                deviation += [(over, 1), (under, 1)]
        spec.deviation[group.index] = deviation
    for number, ((source, period), amount) in enumerate(sorted(
            caps.items(), key=lambda entry: (entry[0][0], entry[0][1] or ""))):
        terms = [(spec.x[group.index, source], 1) for group in groups
                 if source in group.sources and period in (None, group.period)]
        if terms:
            spec.rows.append((f"cap_{number}", terms, "<=", amount))
    return spec


@dataclass(slots=True)
class _Stage:
    """One objective per component, optimised together (they share no constraint) and then
    each kept at its optimum."""

    objectives: list[Terms]
    maximize: bool


def _optimise(spec: _Spec, stages: list[_Stage], solver: str) -> dict[str, int]:
    """Run the stages; every variable's value in whole cents.

    Two passes: the first in plain floats; the second solves the same stages again for the
    difference from the first answer rounded to cents. Those differences are a few cents, so
    neither the solvers' relative tolerances nor CBC's 13-digit model file can blur a cent
    (within `LIMITS`).

    HiGHS takes every stage of a pass on one model (`staged_highs`); CBC is a program that
    reads a model file per stage, written by pulp.
    """
    if solver == "highs":
        from .highs import run_stages

        return two_passes(spec, lambda offset, loose: run_stages(spec, stages, offset, loose))
    from .cbc import _run_cbc

    return two_passes(spec, lambda offset, loose: _run_cbc(spec, stages, offset, loose))


def two_passes(spec: _Spec, run: Callable[[dict[str, int], bool], dict[str, float]]
               ) -> dict[str, int]:
    """`run(offset, loose)` twice: loosely from nothing, then exactly around the first answer
    in whole cents; every variable's value in whole cents (see `_optimise`)."""
    first = run({}, True)
    offset = {name: round(value * 100) for name, value in first.items()}
    second = run(offset, False)
    cents = {}
    for name in spec.bounds:
        raw = second.get(name, 0.0) * 100
        delta = round(raw)
        if abs(raw - delta) > CENT_TOLERANCE:
            raise AllocationError(f"the solver's value for {name} is {abs(raw - delta):.4f} "
                                  "cent from a whole cent")
        cents[name] = offset.get(name, 0) + delta
    return cents


def _kept_optimum(found: float, maximize: bool, loose: bool) -> int:
    """The whole number of cents a stage's optimum is kept at, from the solver's value.

    Every stage objective is a sum of amounts, so its exact optimum is whole cents. In the
    first pass the value may be off by more than a cent on very large budgets, so it is kept
    at the whole cent on the safe side (a slack of at most a cent, which the second pass
    removes); in the second pass, near the answer, it is exact to far below a cent.
    """
    if loose:
        margin = 1e-9 * abs(found)
        return (math.floor(found + CENT_TOLERANCE - margin) if maximize
                else math.ceil(found - CENT_TOLERANCE + margin))
    nearest = round(found)
    if abs(found - nearest) <= CENT_TOLERANCE:
        return nearest
    return math.floor(found) if maximize else math.ceil(found)


def _source_order(plan: Plan) -> list[str]:
    """Sources in tie-break order: the preference's order, then the plan's."""
    order = list(plan.source_ids)
    preference = plan.funding.preference
    if preference is not None and preference.kind == "priority":
        order = list(preference.priority) + [s for s in order if s not in preference.priority]
    elif preference is not None and preference.kind == "cost":
        costs = dict(preference.cost)
        order.sort(key=lambda source: (costs.get(source, Decimal(0)),
                                       plan.source_ids.index(source)))
    return order


def _stages(plan: Plan, spec: _Spec, components: list[_Component]) -> list[_Stage]:
    """The objectives in strict priority: least gap, the preference, the tie-break."""
    def totals(sources: list[str]) -> list[Terms]:
        return [[(spec.x[group.index, source], 1) for group in component.groups
                 for source in group.sources if source in sources] for component in components]

    stages = [_Stage([[(spec.gap[group.index], 1) for group in component.groups]
                      for component in components], maximize=False)]
    preference = plan.funding.preference
    if preference is not None and preference.kind == "cost":
        # The source totals reachable at the least gap form a base polytope (sums and boxes of
        # g-polymatroids), on which the least cost is found greedily: as much as possible of
        # the cheapest sources, then of the next cheapest, ... Solved so, every stage's
        # optimum stays a whole number of cents.
        costs = dict(preference.cost)
        levels = sorted({costs.get(source, Decimal(0)) for source in plan.source_ids})
        for level in levels[:-1]:
            stages.append(_Stage(totals([s for s in plan.source_ids
                                         if costs.get(s, Decimal(0)) == level]), maximize=True))
    elif preference is not None and preference.kind == "priority":
        stages += [_Stage(totals([source]), maximize=True) for source in preference.priority]
    elif preference is not None:
        stages.append(_Stage([[term for group in component.groups
                               for term in spec.deviation[group.index]]
                              for component in components], maximize=False))
    # The tie-break: one source total at a time, most preferred source first, groups in order.
    order = _source_order(plan)
    sequences = []
    for component in components:
        sequence = [spec.x[group.index, source] for source in order for group in component.groups
                    if source in group.sources and group.lower[source] < group.upper[(source,)]]
        if len(component.groups) == 1 and sequence:
            sequence.pop()  # the gap is fixed, so the group's last free total follows
        sequences.append(sequence)
    for step in range(max((len(sequence) for sequence in sequences), default=0)):
        stages.append(_Stage([[(sequence[step], 1)] if step < len(sequence) else []
                              for sequence in sequences], maximize=True))
    return stages


def _least_gap(groups: list[_Group], caps: dict[tuple[str, str | None], int], solver: str) -> int:
    """The least total gap of these groups under these caps, in cents."""
    spec = _spec(groups, caps)
    cents = _optimise(spec, [_Stage([list((name, 1) for name in spec.gap.values())],
                                    maximize=False)], solver)
    return sum(cents[name] for name in spec.gap.values())
