"""Co-financing allocation: how each line's cost is split across its eligible sources.

The plan's funding rules become a linear programme (HiGHS by default, CBC on request), solved
in strict priority: fund as much as possible, then honour the preference, then a
lexicographic tie-break that leaves exactly one answer. See docs/allocation.md.

Scale comes from interchangeable lines: lines of one period with the same eligible sources and
the same share bounds form a group whose variables stand for the sum of its lines. Every
stage's optimum is a whole number of cents (the constraints form an integral polytope), so the
solver's floats round to exact cents, and the group is split back to its lines in proportion to
their amounts with an exact integer rounding that keeps every bound. The result is checked in
integers before it is returned.

This module puts the parts together: `groups` prepares the lines, `stages` builds and runs the
staged programme on a back-end (`highs`, `cbc`), `split` shares each group's totals among its
lines, and `explain` says why gaps remain and what caps are worth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...core.funding import Cap
from ...core.model import Allocation, AllocationResult, Conflict, Gap, Plan
from ...core.money import ZERO, display, from_cents, to_cents
from .bounds import Item
from .cbc import Cbc
from .errors import AllocationError, SolverRefusal
from .explain import Shadows, gap_reason, limiting_rules, source_uses
from .groups import CapKey, Component, ComponentKey, Group, Prepared
from .highs import Highs
from .split import split_group, verify_split
from .stages import Backend, build_model, build_stages, optimise

#: The back-ends by the name `--solver` gives them; the first is the default.
BACKENDS: dict[str, Backend] = {"highs": Highs(), "cbc": Cbc()}
SOLVERS = tuple(BACKENDS)
#: Components solved before, by their data: each group's source totals, in the groups' order.
SolvedComponents = dict[ComponentKey, list[dict[str, int]]]


def backend(solver: str) -> Backend:
    """The back-end `solver` names."""
    if solver not in BACKENDS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    return BACKENDS[solver]


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """The staged optimum of prepared lines under some caps: each group's source totals in
    whole cents. When the rules conflict there is none, only the conflicts."""

    conflicts: tuple[Conflict, ...]
    caps: dict[CapKey, int]
    components: tuple[Component, ...]
    by_group: dict[int, dict[str, int]]

    def of(self, group: Group) -> dict[str, int]:
        """What each of the group's sources gives it (0 for a group with nothing to fund)."""
        found = self.by_group.get(group.index, {})
        return {source: found.get(source, 0) for source in group.sources}


def solve_prepared(prepared: Prepared, caps: Sequence[Cap], solver: str = "highs",
                   solved: SolvedComponents | None = None) -> GroupTotals:
    """Every group's source totals under `caps`, at the unique optimum of the staged programme,
    checked in integers against every bound and cap.

    `solved`, when given, remembers components by their data across calls (a sweep's points):
    a component seen before is not solved again. Its entries hold for one preference and
    source order, the plan's that `prepared` was made from.
    """
    conflicts = (*prepared.conflicts, *prepared.cap_conflicts(caps))
    if conflicts:
        return GroupTotals(conflicts, {}, (), {})
    cents = {cap.key: to_cents(cap.amount) for cap in caps}
    components = prepared.components(cents)
    if solved is None:
        each = _solve_checked(prepared.plan, components, solver)
    else:
        keys = [component.key for component in components]
        new = {key: component for key, component in zip(keys, components) if key not in solved}
        solved.update(zip(new, _solve_checked(prepared.plan, list(new.values()), solver)))
        each = [solved[key] for key in keys]
    by_group = {group.index: group_totals for component, found in zip(components, each)
                for group, group_totals in zip(component.groups, found)}
    return GroupTotals((), cents, tuple(components), by_group)


def _solve_checked(plan: Plan, components: list[Component],
                   solver: str) -> list[list[dict[str, int]]]:
    """Each component's groups' source totals, in the groups' order, checked."""
    totals = solve_components(plan, components, solver)
    return [_component_totals(component, totals) for component in components]


def _component_totals(component: Component,
                      totals: dict[tuple[int, str], int]) -> list[dict[str, int]]:
    """The component's groups' source totals, checked in integers against every bound and cap
    (as `verify_split` checks lines)."""
    found = [{source: totals.get((group.index, source), 0) for source in group.sources}
             for group in component.groups]
    for group, group_totals in zip(component.groups, found):
        within = (sum(group_totals.values()) <= group.amount
                  and all(group.lower[source] <= group_totals[source] for source in group.sources)
                  and all(sum(group_totals[source] for source in subset) <= bound
                          for subset, bound in group.upper.items()))
        if not within:
            raise AllocationError(f"the totals of group {group.index} break its lines' bounds")
    for (source, period), amount in component.caps.items():
        used = sum(group_totals.get(source, 0)
                   for group, group_totals in zip(component.groups, found)
                   if period in (None, group.period))
        if used > amount:
            raise AllocationError(f"the cap of {source} in {period or 'the programme'} is "
                                  "exceeded")
    return found


def solve_components(plan: Plan, components: Sequence[Component],
                     solver: str) -> dict[tuple[int, str], int]:
    """Each (group index, source) total of these components in whole cents, at the unique
    optimum. The components share no constraint and are solved side by side."""
    chosen = backend(solver)
    groups = [group for component in components for group in component.groups]
    caps = {key: amount for component in components for key, amount in component.caps.items()}
    if not groups:
        return {}
    largest = max([group.amount for group in groups] + list(caps.values()))
    if largest >= chosen.limit:
        raise SolverRefusal(f"amounts of {display(from_cents(chosen.limit))} or more cannot "
                              f"be allocated to the cent with {solver}"
                              + ("; use --solver highs" if solver == "cbc" else ""))
    model = build_model(groups, caps)
    cents = optimise(model, build_stages(plan, model, components), chosen)
    return {key: cents[name] for key, name in model.x.items()}


#: A group's lines as the split leaves them: each line's cents (its cells, then its gap) and its
#: allocations, in the group's order.
SplitLines = list[tuple[list[int], list[Allocation]]]


@dataclass(slots=True)
class Memory:
    """What `allocate` remembers between calls on one prepared plan under other caps (the
    what-if page): the components it solved, the groups it split and the shadow prices of
    the caps, each by its data. Its entries hold for that plan only; `clear` empties it."""

    components: SolvedComponents = field(default_factory=dict)
    splits: dict[tuple[int, tuple[int, ...]], SplitLines] = field(default_factory=dict)
    shadows: Shadows = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.components) + len(self.splits) + len(self.shadows)

    def clear(self) -> None:
        self.components.clear()
        self.splits.clear()
        self.shadows.clear()


def _split_lines(group: Group, totals: dict[str, int]) -> SplitLines:
    """The group's totals split over its lines, checked, with each line's allocations."""
    split = split_group(group, totals)
    verify_split(group, split, totals)
    return [(row, [Allocation(item.period, item.line.id, cell.source, from_cents(cents))
                   for cell, cents in zip(item.cells, row)])
            for item, row in zip(group.items, split)]


def split_lines(plan: Plan, *, solver: str = "highs") -> list[tuple[Item, list[int]]] | None:
    """Each allocated line (its period, line and cells) with its cents, its cells' then its
    gap, exactly as `allocate` splits them and checked the same way, but without the
    records, gaps, reasons and source summaries `allocate` builds around them (what progress
    needs of an allocation, 100,000 lines in a fraction of the time); None when the rules
    conflict."""
    prepared = Prepared(plan)
    found = solve_prepared(prepared, plan.funding.caps, solver)
    if found.conflicts:
        return None
    lines: list[tuple[Item, list[int]]] = []
    for group in prepared.groups:
        group_totals = found.of(group)
        split = split_group(group, group_totals)
        verify_split(group, split, group_totals)
        lines += zip(group.items, split)
    return lines


def allocate(plan: Plan, *, solver: str = "highs", prepared: Prepared | None = None,
             memory: Memory | None = None) -> AllocationResult:
    """Split every line's amount over its eligible sources under the plan's funding rules.

    A caller that allocates one plan again and again under other caps (the what-if page) gives
    `prepared`, made for a plan that differs from this one in its caps at most
    (`Prepared.fits`), so that it is not prepared again, and a `memory` kept with it: a moved
    cap then re-solves and re-splits only what it touches. The cents are the same.
    """
    chosen = backend(solver)
    if prepared is None:
        prepared = Prepared(plan)
    elif not prepared.fits(plan):
        raise ValueError("the prepared plan differs from this one in more than its caps")
    found = solve_prepared(prepared, plan.funding.caps, solver,
                           None if memory is None else memory.components)
    notes = tuple(prepared.notes)
    if found.conflicts:
        return AllocationResult("infeasible", solver, ZERO, (), (), (), found.conflicts, notes)
    used: dict[CapKey, int] = {}
    # Each line's cells then its gap, in cents, and its allocations.
    lines: dict[tuple[str, str], tuple[list[int], list[Allocation]]] = {}
    for group in prepared.groups:
        group_totals = found.of(group)
        if memory is None:
            split = _split_lines(group, group_totals)
        else:
            key = (group.index, tuple(group_totals.values()))
            split = memory.splits.get(key)
            if split is None:
                split = memory.splits[key] = _split_lines(group, group_totals)
        for item, line in zip(group.items, split):
            lines[item.period, item.line.id] = line
        for source, cents in group_totals.items():
            for cap_key in ((source, group.period), (source, None)):
                used[cap_key] = used.get(cap_key, 0) + cents
    caps = found.caps
    exhausted = {cap.key: cap for cap in plan.funding.caps if used.get(cap.key, 0) == caps[cap.key]}
    allocations: list[Allocation] = []
    gaps = []
    for item in prepared.items:
        period, line_id = item.period, item.line.id
        row, cells = lines[period, line_id]
        allocations += cells
        if row[-1]:
            gaps.append(Gap(period, line_id, from_cents(row[-1]),
                            gap_reason(item, row, exhausted),
                            limiting_rules(item, row, exhausted)))
    objective = from_cents(sum(row[-1] for row, _ in lines.values()))
    sources = source_uses(plan, found.components, caps, used, exhausted, chosen,
                          None if memory is None else memory.shadows)
    return AllocationResult("optimal", solver, objective, tuple(allocations), tuple(gaps),
                            sources, (), notes)
