"""The staged linear programme: its data, its stages in strict priority, the two passes.

The programme is built here as exact data (`Model`: bounds and right-hand sides in whole
cents) with its stages; a `Backend` (HiGHS in `highs`, CBC in `cbc`) runs one pass of the
stages on it, and `optimise` runs the two passes that make the answer exact to the cent. The
tolerances, and how a stage's optimum is kept for the next stage, are the same for every
solver, so any correct one finds the same unique point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from ...core.model import Plan
from .errors import AllocationError
from .groups import CapKey, Component, Group

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
class Model:
    """The group-level programme as exact data: bounds and right-hand sides in whole cents."""

    #: Each variable's lower and upper bound (None: unbounded).
    bounds: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    #: (name, terms, "=" or "<=", right-hand side) for each constraint.
    rows: list[tuple[str, Terms, str, int]] = field(default_factory=list)
    #: The variable of each (group index, source) total, and of each group's gap.
    x: dict[tuple[int, str], str] = field(default_factory=dict)
    gap: dict[int, str] = field(default_factory=dict)
    #: Each group's distance from its target mix, as terms.
    deviation: dict[int, Terms] = field(default_factory=dict)
    #: The row of each cap (its index in `rows`), for caps that some group uses.
    cap_rows: dict[CapKey, int] = field(default_factory=dict)

    def scale(self) -> float:
        """The largest right-hand side, in euros: what the first pass's slack is relative to."""
        return max((abs(cents) for _, _, _, cents in self.rows), default=0) / 100


def build_model(groups: Sequence[Group], caps: dict[CapKey, int]) -> Model:
    """Variables per group and source (a sum over the group's lines), a gap per group."""
    model = Model()
    for group in groups:
        for number, source in enumerate(group.sources):
            name = model.x[group.index, source] = f"x_{group.index}_{number}"
            model.bounds[name] = (group.lower[source], group.upper[(source,)])
        gap = model.gap[group.index] = f"g_{group.index}"
        model.bounds[gap] = (0, group.amount)
        model.rows.append((f"line_{group.index}",
                           [(model.x[group.index, s], 1) for s in group.sources] + [(gap, 1)],
                           "=", group.amount))
        for number, (subset, value) in enumerate(group.upper.items()):
            if len(subset) > 1:
                model.rows.append((f"sub_{group.index}_{number}",
                                   [(model.x[group.index, s], 1) for s in subset], "<=", value))
        deviation: Terms = []
        for number, source in enumerate(group.sources):
            if source in group.target:
                over, under = f"over_{group.index}_{number}", f"under_{group.index}_{number}"
                model.bounds[over] = model.bounds[under] = (0, None)
                model.rows.append((f"target_{group.index}_{number}",
                                   [(model.x[group.index, source], 1), (over, -1), (under, 1)],
                                   "=", group.target[source]))
                deviation += [(over, 1), (under, 1)]
        model.deviation[group.index] = deviation
    for number, ((source, period), amount) in enumerate(sorted(
            caps.items(), key=lambda entry: (entry[0][0], entry[0][1] or ""))):
        terms = [(model.x[group.index, source], 1) for group in groups
                 if source in group.sources and period in (None, group.period)]
        if terms:
            model.cap_rows[source, period] = len(model.rows)
            model.rows.append((f"cap_{number}", terms, "<=", amount))
    return model


@dataclass(slots=True)
class Stage:
    """One objective per component, optimised together (they share no constraint) and then
    each kept at its optimum."""

    objectives: list[Terms]
    maximize: bool
    #: The stages after this one only break ties among its optima: a back-end that can tell
    #: which totals are the same at every optimum (HiGHS, from the optimal basis) fixes them
    #: and runs the later stages only for the others, none when the optimum is unique.
    settles: bool = False


@dataclass(slots=True)
class Steps:
    """The lexicographic tie-break, kept compact: in step k each component's k-th total (a
    variable's name) is maximised, the components side by side, and kept before the next
    step. A back-end expands it into stages, all of them or only those of the totals it has
    not fixed yet (a plan of 100,000 mixed lines has millions)."""

    sequences: list[list[str]]

    def stages(self, keep: Callable[[str], bool] = lambda name: True) -> Iterator[Stage]:
        """The steps as stages, leaving out the totals `keep` refuses (components are
        independent, so which step of one goes with which of another does not matter)."""
        sequences = [[name for name in sequence if keep(name)] for sequence in self.sequences]
        for step in range(max(map(len, sequences), default=0)):
            yield Stage([[(sequence[step], 1)] if step < len(sequence) else []
                         for sequence in sequences], maximize=True)


def expanded(stages: Sequence[Stage | Steps], keep: Callable[[str], bool] = lambda name: True
             ) -> Iterator[tuple[int, Stage]]:
    """Every stage with the number of the item it comes from; steps expanded, when they are
    reached, for the totals that `keep` allows then."""
    for number, item in enumerate(stages):
        if isinstance(item, Steps):
            yield from ((number, stage) for stage in item.stages(keep))
        else:
            yield number, item


class Backend(Protocol):
    """A solver that runs one pass of the stages (see `optimise`)."""

    #: As `--solver` names it.
    name: str
    #: The amounts (in cents) from which it can no longer be trusted to the cent.
    limit: int

    def run_stages(self, model: Model, stages: Sequence[Stage | Steps], offset: dict[str, int],
                   loose: bool, starts: dict[int, object] | None = None) -> dict[str, float]:
        """One pass of the stages, in euros relative to `offset` (cents): each variable's value
        at the last stage's optimum. Each stage's optimum is kept for the next stage by a row
        bounded by `kept_bound`; `loose` is the first pass. In `starts` the first pass may
        leave, by stage number, what lets the second start those stages faster (HiGHS: its
        optimal bases, which the shift by the offset keeps optimal)."""
        ...

    def least_gaps(self, model: Model, raised: Sequence[int]) -> list[int]:
        """The least total gap in whole cents, then the same with each of the `raised` rows
        (indexes in `model.rows`) allowed one euro more (see `each_least_gap`)."""
        ...


def optimise(model: Model, stages: Sequence[Stage | Steps], backend: Backend
             ) -> dict[str, int]:
    """Run the stages; every variable's value in whole cents.

    Two passes: the first in plain floats; the second solves the same stages again for the
    difference from the first answer rounded to cents. Those differences are a few cents, so
    neither the solvers' relative tolerances nor CBC's 13-digit model file can blur a cent
    (below the backend's `limit`).
    """
    starts: dict[int, object] = {}
    return two_passes(model, lambda offset, loose: backend.run_stages(model, stages, offset,
                                                                      loose, starts))


def two_passes(model: Model, run: Callable[[dict[str, int], bool], dict[str, float]]
               ) -> dict[str, int]:
    """`run(offset, loose)` twice: loosely from nothing, then exactly around the first answer
    in whole cents; every variable's value in whole cents (see `optimise`)."""
    first = run({}, True)
    offset = {name: round(value * 100) for name, value in first.items()}
    second = run(offset, False)
    cents = {}
    for name in model.bounds:
        raw = second.get(name, 0.0) * 100
        delta = round(raw)
        if abs(raw - delta) > CENT_TOLERANCE:
            raise AllocationError(f"the solver's value for {name} is {abs(raw - delta):.4f} "
                                  "cent from a whole cent")
        cents[name] = offset.get(name, 0) + delta
    return cents


def kept_optimum(found: float, maximize: bool, loose: bool) -> int:
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


def shifted(terms: Terms, cents: int, offset: dict[str, int]) -> float:
    """A right-hand side in cents as euros relative to the offset, exactly then rounded."""
    return (cents - sum(coefficient * offset.get(name, 0) for name, coefficient in terms)) / 100


def kept_bound(terms: Terms, values: dict[str, float], offset: dict[str, int], maximize: bool,
               loose: bool, scale: float) -> float:
    """The bound (in euros relative to `offset`) of the row that keeps the optimum the solver
    found for `terms` while the next stages run: the optimum in whole cents, eased by a slack
    far below a cent that only absorbs floating-point error."""
    found = sum(coefficient * values[name] for name, coefficient in terms) * 100 + sum(
        coefficient * offset.get(name, 0) for name, coefficient in terms)
    value = shifted(terms, kept_optimum(found, maximize, loose), offset)
    weight = max(abs(coefficient) for _, coefficient in terms)
    slack = EPS_ABS * weight + (EPS_LOOSE * scale * weight if loose else EPS_REL * abs(value))
    return value - slack if maximize else value + slack


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


def build_stages(plan: Plan, model: Model, components: Sequence[Component]
                 ) -> list[Stage | Steps]:
    """The objectives in strict priority: least gap, the preference, the tie-break."""
    def totals(sources: list[str]) -> list[Terms]:
        return [[(model.x[group.index, source], 1) for group in component.groups
                 for source in group.sources if source in sources] for component in components]

    stages: list[Stage | Steps] = [
        Stage([[(model.gap[group.index], 1) for group in component.groups]
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
            stages.append(Stage(totals([s for s in plan.source_ids
                                        if costs.get(s, Decimal(0)) == level]), maximize=True))
    elif preference is not None and preference.kind == "priority":
        stages += [Stage(totals([source]), maximize=True) for source in preference.priority]
    elif preference is not None:
        stages.append(Stage([[term for group in component.groups
                              for term in model.deviation[group.index]]
                             for component in components], maximize=False))
    order = _source_order(plan)
    stages.append(Stage([_weighted(component, order, model) for component in components],
                        maximize=True, settles=True))
    # The tie-break: one source total at a time, most preferred source first, groups in order.
    sequences = []
    for component in components:
        sequence = [model.x[group.index, source] for source in order
                    for group in component.groups
                    if source in group.sources and group.lower[source] < group.upper[(source,)]]
        if len(component.groups) == 1 and sequence:
            sequence.pop()  # the gap is fixed, so the group's last free total follows
        sequences.append(sequence)
    stages.append(Steps(sequences))
    return stages


def _weighted(component: Component, order: Sequence[str], model: Model) -> Terms:
    """One objective that leaves a single optimum in all but rare cases: each source total
    weighted by its source's rank times its group's rank (both from the most preferred).

    A product, not a sum: with weights that add a source's part and a group's part, moving a
    cent from one source to another in one group and back in another would change nothing,
    and every such exchange would be another optimum. Ranks are taken within the component,
    so its optimum depends on its own data only.
    """
    sources = len(order)
    weight = {source: 2 * sources - rank for rank, source in enumerate(order)}
    count = len(component.groups)
    return [(model.x[group.index, source], weight[source] * (2 * count - rank))
            for rank, group in enumerate(component.groups) for source in group.sources]


def least_gaps(groups: Sequence[Group], caps: dict[CapKey, int], raised: Sequence[CapKey],
               backend: Backend) -> tuple[int, dict[CapKey, int]]:
    """The least total gap of these groups under these caps, in cents, and the same with each
    cap of `raised` one euro higher (what its shadow price is measured by)."""
    model = build_model(groups, caps)
    rows = [model.cap_rows[key] for key in raised if key in model.cap_rows]
    least, *each = backend.least_gaps(model, rows)
    found = dict(zip((key for key in raised if key in model.cap_rows), each))
    return least, {key: found.get(key, least) for key in raised}


def each_least_gap(model: Model, raised: Sequence[int], backend: Backend) -> list[int]:
    """`Backend.least_gaps` by the stages: the least gap solved anew (in two passes, exact to
    the cent) for the model and for each raised row."""
    stage = Stage([[(name, 1) for name in model.gap.values()]], maximize=False)
    found = []
    for number in (None, *raised):
        changed = model
        if number is not None:
            name, terms, sense, cents = model.rows[number]
            rows = list(model.rows)
            rows[number] = (name, terms, sense, cents + 100)
            changed = dataclasses.replace(model, rows=rows)
        values = optimise(changed, [stage], backend)
        found.append(sum(values[name] for name in model.gap.values()))
    return found
