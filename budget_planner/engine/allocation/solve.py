"""Co-financing allocation: how each line's cost is split across its eligible sources.

The plan's funding rules become a linear programme (pulp; HiGHS by default, CBC on request),
solved in strict priority: fund as much as possible, then honour the preference, then a
lexicographic tie-break that leaves exactly one answer. See docs/allocation.md.

Scale comes from interchangeable lines: lines of one period with the same eligible sources and
the same share bounds form a group whose variables stand for the sum of its lines. Every
stage's optimum is a whole number of cents (the constraints form an integral polytope), so the
solver's floats round to exact cents, and the group is split back to its lines in proportion to
their amounts with an exact integer rounding that keeps every bound. The result is checked in
integers before it is returned.
"""

from __future__ import annotations

from ...core.model import Allocation, AllocationResult, Gap, Plan
from ...core.money import ZERO, display, from_cents, to_cents
from .errors import AllocationError
from .explain import _gap_reason, _source_uses, funding_findings
from .groups import Prepared, _Component
from .split import _split, _verify
from .stages import _optimise, _spec, _stages

SOLVERS = ("highs", "cbc")


#: The largest amounts (in cents) each solver is trusted with: CBC reads pulp's model file,
#: which keeps 13 significant digits; HiGHS works in doubles and is tested exact up to here.
LIMITS = {"cbc": 10**13, "highs": 10**15}


def solve_components(plan: Plan, components: list[_Component],
                     solver: str) -> dict[tuple[int, str], int]:
    """Each (group index, source) total of these components in whole cents, at the unique
    optimum. The components share no constraint and are solved side by side."""
    groups = [group for component in components for group in component.groups]
    caps = {key: amount for component in components for key, amount in component.caps.items()}
    if not groups:
        return {}
    largest = max([group.amount for group in groups] + list(caps.values()))
    if largest >= LIMITS[solver]:
        raise AllocationError(f"amounts of {display(from_cents(LIMITS[solver]))} or more cannot "
                              f"be allocated to the cent with {solver}"
                              + ("; use --solver highs" if solver == "cbc" else ""))
    spec = _spec(groups, caps)
    cents = _optimise(spec, _stages(plan, spec, components), solver)
    return {key: cents[name] for key, name in spec.x.items()}


# --- the whole allocation ---------------------------------------------------------------------

def allocate(plan: Plan, *, solver: str = "highs") -> AllocationResult:
    """Split every line's amount over its eligible sources under the plan's funding rules."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    prepared = Prepared(plan)
    conflicts = prepared.conflicts + prepared.cap_conflicts(plan.funding.caps)
    notes = tuple(prepared.notes)
    if conflicts:
        return AllocationResult("infeasible", solver, ZERO, (), (), (), tuple(conflicts), notes)
    caps = {cap.key: to_cents(cap.amount) for cap in plan.funding.caps}
    components = prepared.components(caps)
    totals = solve_components(plan, components, solver)
    items, groups = prepared.items, prepared.groups
    used: dict[tuple[str, str | None], int] = {}
    rows: dict[tuple[str, str], list[int]] = {}  # each line's cells, then its gap, in cents
    for group in groups:
        group_totals = {source: totals.get((group.index, source), 0) for source in group.sources}
        split = _split(group, group_totals)
        _verify(group, split, group_totals)
        for item, row in zip(group.items, split):
            rows[item.period, item.line.id] = row
        for source, cents in group_totals.items():
            for key in ((source, group.period), (source, None)):
                used[key] = used.get(key, 0) + cents
    for key, amount in caps.items():
        if used.get(key, 0) > amount:
            raise AllocationError(f"cap {key} exceeded")
    exhausted = {cap.key: cap for cap in plan.funding.caps if used.get(cap.key, 0) == caps[cap.key]}
    allocations, gaps = [], []
    for item in items:
        period, line_id = item.period, item.line.id
        row = rows[period, line_id]
        allocations += [Allocation(period, line_id, cell.source, from_cents(cents))
                        for cell, cents in zip(item.cells, row)]
        if row[-1]:
            gaps.append(Gap(period, line_id, from_cents(row[-1]),
                            _gap_reason(item, row, exhausted)))
    objective = from_cents(sum(row[-1] for row in rows.values()))
    sources = _source_uses(plan, components, caps, used, exhausted, solver)
    return AllocationResult("optimal", solver, objective, tuple(allocations), tuple(gaps),
                            sources, (), notes)


__all__ = ["SOLVERS", "AllocationError", "Prepared", "allocate", "funding_findings",
           "solve_components"]
