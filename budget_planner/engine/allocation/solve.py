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

import contextlib
import dataclasses
import math
import operator
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

from ...core.funding import Cap, Pledge, ShareRule
from ...core.model import Allocation, AllocationResult, Finding, Gap, Line, Plan, SourceUse
from ...core.money import ZERO, display, from_cents, to_cents

SOLVERS = ("highs", "cbc")
#: Slack when a stage's optimum is kept for the next stage, in euros: it only absorbs the
#: solvers' floating-point error (their feasibility tolerance is 1e-7), far below a cent.
EPS_ABS = 1e-6
EPS_REL = 1e-12
#: In the first pass, relative to the largest amount: doubles are exact to about 1e-16.
EPS_LOOSE = 1e-12
#: How far from a whole cent a solver's value may be before the result is refused.
CENT_TOLERANCE = 0.05


class AllocationError(RuntimeError):
    """The solver failed or returned a point that is not exact to the cent (a bug, not input)."""


# --- the model: one cell per (line, eligible source) ------------------------------------------

@dataclass(frozen=True, slots=True)
class _Cell:
    """A line's eligible source and the rules that bound it; lines under the same rules share
    one."""

    source: str
    min_rule: ShareRule | None = None
    max_rule: ShareRule | None = None
    pledge: Pledge | None = None


@dataclass(slots=True)
class _Item:
    """A line with an amount, as the model sees it: its cells' bounds in whole cents."""

    period_index: int
    period: str
    line: Line
    cents: int
    cells: tuple[_Cell, ...]
    lo: list[int]
    hi: list[int]
    group_key: tuple[Any, ...]


@dataclass(slots=True)
class _Group:
    """Interchangeable lines: same period, eligible sources and share bounds, no pledge."""

    index: int
    period_index: int
    period: str
    sources: tuple[str, ...]
    items: list[_Item]
    amount: int
    lower: dict[str, int]
    #: Upper bounds of sums of its sources' totals, by subset (singletons and the full set
    #: always; other subsets only where rounding to cents makes them bind).
    upper: dict[tuple[str, ...], int]
    target: dict[str, int] = field(default_factory=dict)


def _where(item: _Item) -> str:
    return f"{item.period}/{item.line.id}"


def _origin(rule: Any) -> str:
    return f" ({rule.origin})" if getattr(rule, "origin", "") else ""


def _ratio(share: Decimal | None) -> tuple[int, int] | None:
    return None if share is None else share.as_integer_ratio()


class _Rules:
    """The plan's funding rules indexed for per-line look-ups."""

    def __init__(self, plan: Plan):
        funding = plan.funding
        self.shares: dict[tuple[str, str | None, str | None], ShareRule] = {
            rule.key: rule for rule in funding.shares}
        self.pledges: dict[tuple[str, str, str], Pledge] = {
            pledge.key: pledge for pledge in funding.pledges}
        self.line_pledges: dict[tuple[str, str], list[Pledge]] = {}
        for pledge in funding.pledges:
            self.line_pledges.setdefault((pledge.period, pledge.line), []).append(pledge)
        self.line_shares: dict[str, list[ShareRule]] = {}
        for rule in funding.shares:
            if rule.line is not None:
                self.line_shares.setdefault(rule.line, []).append(rule)

    def bound(self, source: str, period: str, line: str | None, which: str) -> ShareRule | None:
        """The most specific rule that sets this bound (min or max) for the line's source."""
        keys = ((source, period, line), (source, None, line)) if line is not None else ()
        for key in (*keys, (source, period, None), (source, None, None)):
            rule = self.shares.get(key)
            if rule is not None and getattr(rule, which) is not None:
                return rule
        return None

    def has_own_rules(self, period: str, line: str) -> bool:
        """Whether a share rule or pledge names this line (else the period's rules decide)."""
        return line in self.line_shares or (period, line) in self.line_pledges


class _Bounds:
    """The cells of lines under the same rules, and how their bounds follow from an amount:
    shares rounded inwards to whole cents (min up, max down), in integers."""

    def __init__(self, rules: _Rules, period: str, line: str | None, sources: tuple[str, ...]):
        self.cells = tuple(_Cell(source, rules.bound(source, period, line, "min"),
                                 rules.bound(source, period, line, "max")) for source in sources)
        self.low = [_ratio(cell.min_rule.min) if cell.min_rule else None for cell in self.cells]
        self.high = [_ratio(cell.max_rule.max) if cell.max_rule else None for cell in self.cells]
        self.key = tuple((cell.source, cell.min_rule.min if cell.min_rule else None,
                          cell.max_rule.max if cell.max_rule else None) for cell in self.cells)
        self.any_low = any(self.low)
        self.any_high = any(self.high)

    def of(self, cents: int) -> tuple[list[int], list[int]]:
        lo = ([-(-ratio[0] * cents // ratio[1]) if ratio else 0 for ratio in self.low]
              if self.any_low else [0] * len(self.cells))
        hi = ([min(ratio[0] * cents // ratio[1], cents) if ratio else cents
               for ratio in self.high] if self.any_high else [cents] * len(self.cells))
        return lo, hi


def _rule_text(rule: ShareRule, bound: str) -> str:
    return f"{rule.bound_text('min' if bound == 'min' else 'max')}{_origin(rule)}"


def _build_items(plan: Plan, rules: _Rules, conflicts: list[str],
                 notes: list[Finding]) -> list[_Item]:
    """Lines with amounts and their cells; a rule that cannot hold becomes a conflict.

    Lines that no rule names take their period's rules: their cells and the arithmetic of
    their bounds are built once per set of marked sources.
    """
    items = []
    for period_index, period in enumerate(plan.periods):
        shared: dict[tuple[str, ...], _Bounds] = {}
        for line in period.lines:
            if line.amount is None:
                notes.append(Finding("warning", "line-without-amount",
                                     f"{line.activity!r} has no amount and is left out of the "
                                     "allocation", period=period.id, line=line.id))
                conflicts += [f"{pledge.describe()}{_origin(pledge)}, but the line has no amount"
                              for pledge in rules.line_pledges.get((period.id, line.id), [])]
                continue
            cents = to_cents(line.amount)
            if rules.has_own_rules(period.id, line.id):
                items.append(_own_item(period_index, period.id, line, cents, rules, conflicts))
                continue
            bounds = shared.get(line.sources)
            if bounds is None:
                bounds = shared[line.sources] = _Bounds(rules, period.id, None, line.sources)
            lo, hi = bounds.of(cents)
            item = _Item(period_index, period.id, line, cents, bounds.cells, lo, hi,
                         (period_index, bounds.key, None))
            if bounds.any_low:
                _check_bounds(item, conflicts)
            items.append(item)
    return items


def _own_item(period_index: int, period: str, line: Line, cents: int, rules: _Rules,
              conflicts: list[str]) -> _Item:
    """A line named by share rules or pledges: its bounds, pledges and their conflicts."""
    bounds = _Bounds(rules, period, line.id, line.sources)
    lo, hi = bounds.of(cents)
    cells = list(bounds.cells)
    item = _Item(period_index, period, line, cents, (), lo, hi, (period_index, bounds.key, None))
    pledged = rules.line_pledges.get((period, line.id), [])
    conflicts += [f"{pledge.describe()}{_origin(pledge)}, but the line is not marked "
                  f"for {pledge.source}"
                  for pledge in pledged if pledge.source not in line.sources]
    conflicts += [f"{rule.describe()}{_origin(rule)}, but {_where(item)} is not marked "
                  f"for {rule.source}"
                  for rule in rules.line_shares.get(line.id, [])
                  if rule.applies_to(period, line.id) and rule.min
                  and rule.source not in line.sources]
    for number, cell in enumerate(cells):
        _check_cell(item, number, cell, conflicts)
        pledge = rules.pledges.get((cell.source, period, line.id))
        if pledge is not None:
            _check_pledge(item, number, cell, pledge, conflicts)
            lo[number] = hi[number] = to_cents(pledge.amount)
            cells[number] = dataclasses.replace(cell, pledge=pledge)
    item.cells = tuple(cells)
    if any(cell.pledge for cell in cells):
        item.group_key = (period_index, bounds.key, line.id)  # a pledged line stands alone
    _check_needed(item, conflicts)
    return item


def _check_bounds(item: _Item, conflicts: list[str]) -> None:
    for number, cell in enumerate(item.cells):
        _check_cell(item, number, cell, conflicts)
    _check_needed(item, conflicts)


def _check_cell(item: _Item, number: int, cell: _Cell, conflicts: list[str]) -> None:
    """A minimum share above the maximum (or one that is no whole number of cents)."""
    if item.lo[number] <= item.hi[number]:
        return
    min_rule, max_rule = cell.min_rule, cell.max_rule
    assert min_rule is not None
    if min_rule is max_rule:
        conflicts.append(f"{_where(item)}: {_rule_text(min_rule, 'min')} of "
                         f"{display(from_cents(item.cents))} is not a whole number of cents")
    else:
        assert max_rule is not None
        conflicts.append(f"{_where(item)}: {_rule_text(min_rule, 'min')} and "
                         f"{_rule_text(max_rule, 'max')} cannot both hold")


def _check_pledge(item: _Item, number: int, cell: _Cell, pledge: Pledge,
                  conflicts: list[str]) -> None:
    """A pledge outside what the line's share rules allow."""
    lo, hi = item.lo[number], item.hi[number]
    pledged = to_cents(pledge.amount)
    if lo <= hi and not lo <= pledged <= hi:
        if pledged < lo:
            assert cell.min_rule is not None
            limit = f"{_rule_text(cell.min_rule, 'min')} needs at least {display(from_cents(lo))}"
        elif cell.max_rule is not None and hi < item.cents:
            limit = f"{_rule_text(cell.max_rule, 'max')} allows at most {display(from_cents(hi))}"
        else:
            limit = f"the line is only {display(from_cents(item.cents))}"
        conflicts.append(f"{pledge.describe()}{_origin(pledge)}, but {limit}")


def _check_needed(item: _Item, conflicts: list[str]) -> None:
    """Minimum shares and pledges that together need more than the line."""
    needed = sum(item.lo)
    if needed > item.cents:
        causes = ", ".join(_lower_cause(cell) for cell, low in zip(item.cells, item.lo) if low)
        conflicts.append(f"{_where(item)}: minimum shares and pledges need "
                         f"{display(from_cents(needed))} of a line of "
                         f"{display(item.line.amount)} ({causes})")


def _lower_cause(cell: _Cell) -> str:
    """The rule behind a cell's lower bound."""
    if cell.pledge is not None:
        return f"{cell.pledge.describe()}{_origin(cell.pledge)}"
    assert cell.min_rule is not None
    return _rule_text(cell.min_rule, "min")


def _needed(items: list[_Item]) -> dict[tuple[str, str], dict[str, Any]]:
    """What pledges and minimum shares need of each source in each period, and why."""
    needed: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        if any(item.lo):
            for cell, low in zip(item.cells, item.lo):
                if low:
                    entry = needed.setdefault((cell.source, item.period),
                                              {"cents": 0, "causes": {}})
                    entry["cents"] += low
                    entry["causes"][_lower_cause(cell)] = None
    return needed


class Prepared:
    """A plan's lines as the allocation sees them: their bounds, their groups and the
    conflicts of their rules, built once. Caps enter none of these, so a sweep over caps
    solves every point from one `Prepared`."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.conflicts: list[str] = []
        self.notes: list[Finding] = []
        self.items = _build_items(plan, _Rules(plan), self.conflicts, self.notes)
        preference = plan.funding.preference
        target_mix = dict(preference.target_mix) if preference and \
            preference.kind == "target_mix" else {}
        self.groups = _build_groups(self.items, target_mix)
        self._needed = _needed(self.items)

    def cap_conflicts(self, caps: Sequence[Cap]) -> list[str]:
        """Caps below what pledges and minimum shares already need of them."""
        conflicts = []
        for cap in caps:
            parts = [entry for (source, period), entry in self._needed.items()
                     if source == cap.source and cap.period in (None, period)]
            cents = sum(entry["cents"] for entry in parts)
            causes = list(dict.fromkeys(cause for entry in parts for cause in entry["causes"]))
            if cents > to_cents(cap.amount):
                conflicts.append(f"{cap.describe()}{_origin(cap)}, but pledges and minimum "
                                 f"shares need {display(from_cents(cents))} from it: "
                                 + "; ".join(causes[:5]) + ("; ..." if len(causes) > 5 else ""))
        return conflicts

    def components(self, caps: dict[tuple[str, str | None], int]) -> list[_Component]:
        """The groups with something to fund, in separate problems where no cap ties them."""
        return _components([group for group in self.groups if group.sources and group.amount],
                           caps)


def _build_groups(items: list[_Item], target_mix: dict[str, Decimal]) -> list[_Group]:
    """Groups of interchangeable lines, ordered by period and smallest line id (never by the
    order of lines in the file, so reordering lines cannot change the answer)."""
    by_key: dict[tuple[Any, ...], list[_Item]] = {}
    for item in items:
        members = by_key.get(item.group_key)
        if members is None:
            by_key[item.group_key] = [item]
        else:
            members.append(item)
    for members in by_key.values():
        members.sort(key=lambda item: item.line.id)
    ordered = sorted(by_key.values(), key=lambda group: (group[0].period_index, group[0].line.id))
    groups = []
    for index, group_items in enumerate(ordered):
        first = group_items[0]
        sources = tuple(cell.source for cell in first.cells)
        lows = _columns(group_items, "lo", len(sources))
        group = _Group(index, first.period_index, first.period, sources, group_items,
                       sum(item.cents for item in group_items),
                       {source: sum(column) for source, column in zip(sources, lows)}, {})
        group.upper = _upper_bounds(group, lows, _columns(group_items, "hi", len(sources)))
        group.target = _targets(group, target_mix)
        groups.append(group)
    return groups


def _columns(items: list[_Item], which: str, width: int) -> list[list[int]]:
    """The items' lower or upper bounds, one list per source."""
    rows = [getattr(item, which) for item in items]
    return [[row[number] for row in rows] for number in range(width)]


def _upper_bounds(group: _Group, lows: list[list[int]],
                  highs: list[list[int]]) -> dict[tuple[str, ...], int]:
    """The most the group's sources in T can give together, for subsets T.

    For one line it is min(sum of T's upper bounds, amount - the others' lower bounds); a
    group's bound is the sum over its lines (the lines' feasible sets are g-polymatroids, so
    every whole-cent point within these bounds splits into whole-cent line points). With
    bounds exactly proportional to amounts only singletons and the full set can bind.
    """
    sources = group.sources
    count = len(sources)
    amounts = [item.cents for item in group.items]
    with_lows = [number for number in range(count) if any(lows[number])]

    def column_sum(columns: list[list[int]]) -> Any:
        return columns[0] if len(columns) == 1 else map(sum, zip(*columns))

    def bound(subset: tuple[int, ...]) -> int:
        inside = column_sum([highs[number] for number in subset])
        outside = [lows[number] for number in with_lows if number not in subset]
        limit = map(operator.sub, amounts, column_sum(outside)) if outside else amounts
        return sum(map(min, inside, limit))

    upper = {(sources[number],): bound((number,)) for number in range(count)}
    if count > 1:
        whole = bound(tuple(range(count)))
        if whole < group.amount:
            upper[sources] = whole
    if count > 2 and len(group.items) > 1 and not _proportional(group, lows, highs):
        singles = [upper[(source,)] for source in sources]
        whole = upper.get(sources, group.amount)
        for size in range(2, count):
            for subset in combinations(range(count), size):
                value = bound(subset)
                if value < sum(singles[number] for number in subset) and value < whole:
                    upper[tuple(sources[number] for number in subset)] = value
    return upper


def _proportional(group: _Group, lows: list[list[int]], highs: list[list[int]]) -> bool:
    """Whether every bound is its share times the amount exactly (no rounding to cents).

    The lines of a group share their share values (the group key), so the first line's
    rules give every line's ratios.
    """
    amounts = [item.cents for item in group.items]
    for number, cell in enumerate(group.items[0].cells):
        for rule, share, column in ((cell.min_rule, "min", lows[number]),
                                    (cell.max_rule, "max", highs[number])):
            if rule is None:
                continue
            numerator, denominator = getattr(rule, share).as_integer_ratio()
            if any(bound * denominator != numerator * amount
                   for bound, amount in zip(column, amounts)):
                return False
    return True


def _largest_remainder(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split a whole number of cents in proportion to weights; ties go to the earlier one."""
    weight_sum = sum(weights, Decimal(0))
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    exact = [Decimal(total) * Decimal(weight) / weight_sum for weight in weights]
    parts = [_floor(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda number: (-(exact[number] - parts[number]), number))
    for number in order[: total - sum(parts)]:
        parts[number] += 1
    return parts


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _targets(group: _Group, target_mix: dict[str, Decimal]) -> dict[str, int]:
    weights = [target_mix.get(source, Decimal(0)) for source in group.sources]
    if not target_mix or not any(weights):
        return {}
    return dict(zip(group.sources, _largest_remainder(group.amount, weights)))


# --- the linear programme ---------------------------------------------------------------------

def _cbc_program() -> str:
    """The CBC program: the one bundled with pulp 3, else `cbc` on the PATH."""
    from pulp import COIN_CMD
    from pulp.apis import coin_api

    bundled = COIN_CMD.executableExtension(coin_api.pulp_cbc_path)
    if os.path.isfile(bundled):
        if not os.access(bundled, os.X_OK):  # wheels may drop the executable bit
            with contextlib.suppress(OSError):
                os.chmod(bundled, os.stat(bundled).st_mode | 0o111)
        if os.access(bundled, os.X_OK):
            return bundled
    found = shutil.which("cbc")
    if found is None:
        raise AllocationError("the CBC solver is not available; install pulp 3 (which bundles "
                              "it) or put a `cbc` program on the PATH, or use --solver highs")
    return found


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


def _run_cbc(spec: _Spec, stages: list[_Stage], offset: dict[str, int],
             loose: bool) -> dict[str, float]:
    """One pass of the stages with CBC, in euros relative to `offset` (cents); the last
    stage's point."""
    import pulp

    def shifted(terms: Terms, cents: int) -> float:
        """A right-hand side in cents as euros relative to the offset, exactly then rounded."""
        return (cents - sum(coefficient * offset.get(name, 0) for name, coefficient in terms)) / 100

    problem = pulp.LpProblem("allocation", pulp.LpMinimize)
    variables = {}
    for name, (low, high) in spec.bounds.items():
        base = offset.get(name, 0)
        variables[name] = problem.add_variable(
            name, lowBound=None if low is None else (low - base) / 100,
            upBound=None if high is None else (high - base) / 100)

    def expression(terms: Terms) -> Any:
        return pulp.lpSum(coefficient * variables[name] for name, coefficient in terms)

    for name, terms, sense, cents in spec.rows:
        rhs = shifted(terms, cents)
        row = expression(terms)
        problem += (row == rhs if sense == "=" else row <= rhs), name
    values: dict[str, float] = {name: 0.0 for name in spec.bounds}
    scale = max((abs(cents) for _, _, _, cents in spec.rows), default=0) / 100
    for number, stage in enumerate(stages):
        objectives = [terms for terms in stage.objectives if terms]
        if not objectives:
            continue
        problem.sense = pulp.LpMaximize if stage.maximize else pulp.LpMinimize
        problem.setObjective(expression([term for terms in objectives for term in terms]))
        values = _solve_cbc(problem, stage.maximize)
        for part, terms in enumerate(objectives):
            found = sum(coefficient * values[name] for name, coefficient in terms) * 100 + sum(
                coefficient * offset.get(name, 0) for name, coefficient in terms)
            total = _kept_optimum(found, stage.maximize, loose)
            value = shifted(terms, total)
            slack = EPS_ABS + (EPS_LOOSE * scale if loose else EPS_REL * abs(value))
            bound = _outward(value - slack if stage.maximize else value + slack,
                             up=not stage.maximize)
            row = expression(terms)
            problem += (row >= bound if stage.maximize else row <= bound), f"fix_{number}_{part}"
    return values


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


def _solve_cbc(problem: Any, maximize: bool) -> dict[str, float]:
    """Solve with CBC; presolve can misjudge the nearly tight systems that kept optima make,
    so without it is tried once more before giving up (the same optimum, more robustly)."""
    for presolve in ("on", "off"):
        found = _run_cbc_program(problem, maximize, presolve)
        if found is not None:
            return found
    raise AllocationError("the cbc solver found no optimum (a bug: the checked rules always "
                          "have one)")


def _run_cbc_program(problem: Any, maximize: bool, presolve: str) -> dict[str, float] | None:
    """CBC through pulp's model file and the CBC program; None when it finds no optimum.

    The binary solution file keeps full double precision (CBC's text solution has eight
    significant digits, too few for cents above a million).
    """
    binary = _cbc_program()
    with tempfile.TemporaryDirectory(prefix="budget-planner-") as folder:
        model = Path(folder, "model.mps")
        solution = Path(folder, "solution.bin")
        report = Path(folder, "solution.txt")
        variables, _, _, _ = problem.writeMPS(str(model), rename=1)
        command = [binary, str(model), *(["-max"] if maximize else []), "-presolve", presolve,
                   "-initialSolve", "-saveSolution", str(solution), "-solution", str(report)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not report.exists():
            raise AllocationError(f"CBC failed: {done.stdout[-500:]}{done.stderr[-500:]}")
        if report.read_text().split(" ", 1)[0] != "Optimal":
            return None
        data = solution.read_bytes()
    rows, columns = struct.unpack_from("<ii", data, 0)
    values = struct.unpack_from(f"<{columns}d", data, 16 + 16 * rows)
    return {variable.name: value for variable, value in zip(variables, values)}


def _outward(value: float, *, up: bool) -> float:
    """The value rounded away from the optimum to 13 significant digits, the precision of the
    model file CBC reads, so that writing it can never cut the optimum off."""
    exact = Decimal(repr(value))
    if exact == 0:
        return 0.0
    step = Decimal(1).scaleb(exact.adjusted() - 12)
    return float(exact.quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR))


@dataclass(slots=True)
class _Component:
    """Groups tied together by caps; separate components are separate problems."""

    groups: list[_Group]
    caps: dict[tuple[str, str | None], int]


def _components(groups: list[_Group], caps: dict[tuple[str, str | None], int]) -> list[_Component]:
    parent = {group.index: group.index for group in groups}

    def root(number: int) -> int:
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    for source, period in caps:
        members = [group.index for group in groups
                   if source in group.sources and period in (None, group.period)]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    found: dict[int, _Component] = {}
    for group in groups:
        component = found.setdefault(root(group.index), _Component([], {}))
        component.groups.append(group)
    for (source, period), amount in caps.items():
        for component in found.values():
            if any(source in group.sources and period in (None, group.period)
                   for group in component.groups):
                component.caps[source, period] = amount
    return list(found.values())


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


def _least_gap(groups: list[_Group], caps: dict[tuple[str, str | None], int], solver: str) -> int:
    """The least total gap of these groups under these caps, in cents."""
    spec = _spec(groups, caps)
    cents = _optimise(spec, [_Stage([list((name, 1) for name in spec.gap.values())],
                                    maximize=False)], solver)
    return sum(cents[name] for name in spec.gap.values())


# --- from group totals to lines ---------------------------------------------------------------

def _split(group: _Group, totals: dict[str, int]) -> list[list[int]]:
    """Split the group's source totals and gap over its lines, in proportion to their amounts,
    as whole cents within every line's bounds (an exact integer controlled rounding): for
    each line, its cells' amounts in the order of its sources, then its gap.

    Lines are taken in id order; each line rounds up the columns furthest behind their exact
    running total, which keeps every column within a cent or so of its share all along; the
    few cents left out of balance are then moved by `_repair`.
    """
    targets = [totals[source] for source in group.sources]
    targets.append(group.amount - sum(targets))
    rows = group.items
    amount = group.amount
    width = len(targets)
    if amount == 0:
        return [[0] * width for _ in rows]
    lo = [[*item.lo, 0] for item in rows]
    hi = [[*item.hi, item.cents] for item in rows]
    # Exact shares scaled by the group amount: share[r][j] / amount is the real target.
    share = [[target * item.cents for target in targets] for item in rows]
    x = []
    behind = [0] * width  # running (exact - assigned) per column, scaled by the group amount
    row_need = []
    for item, exact, low, high in zip(rows, share, lo, hi):
        row = [min(max(value // amount, least), most)
               for value, least, most in zip(exact, low, high)]
        need = item.cents - sum(row)
        if need > 0:
            up = sorted((-(behind[j] + exact[j] - row[j] * amount), j) for j in range(width)
                        if row[j] < high[j] and row[j] * amount < exact[j])
            for _, j in up[:need]:
                row[j] += 1
            need -= min(need, len(up))
        elif need < 0:
            down = sorted((behind[j] + exact[j] - row[j] * amount, j) for j in range(width)
                          if row[j] > low[j] and row[j] * amount > exact[j] - amount)
            for _, j in down[:-need]:
                row[j] -= 1
            need += min(-need, len(down))
        row_need.append(need)
        behind = [ahead + value - cents * amount
                  for ahead, value, cents in zip(behind, exact, row)]
        x.append(row)
    column_need = [target - sum(column) for target, column in zip(targets, zip(*x))]
    _repair(x, lo, hi, share, amount, row_need, column_need)
    return x


def _repair(x: list[list[int]], lo: list[list[int]], hi: list[list[int]],
            share: list[list[int]], amount: int, row_need: list[int],
            column_need: list[int]) -> None:
    """Balance rows and columns by moving single cents along shortest paths of columns.

    A move in row r from column u to column v keeps r's sum; a path of moves changes only the
    sums of its first and last column. Rows are chosen by how far each cell is from its exact
    share, then by line id, so the outcome is deterministic.
    """
    width = len(column_need)

    def best_row(u: int, v: int) -> int | None:
        best, chosen = None, None
        for r in range(len(x)):
            if x[r][u] > lo[r][u] and x[r][v] < hi[r][v]:
                score = (x[r][u] * amount - share[r][u]) + (share[r][v] - x[r][v] * amount)
                if best is None or score > best:
                    best, chosen = score, r
        return chosen

    def path(starts: list[int], done: Any) -> list[tuple[int, int, int]] | None:
        return _path(width, starts, done, best_row, forward=True)

    def apply(moves: list[tuple[int, int, int]]) -> None:
        for r, u, v in moves:
            x[r][u] -= 1
            x[r][v] += 1

    for _ in range(10 * (sum(map(abs, row_need)) + sum(map(abs, column_need))) + 10):
        short_row = next((r for r, need in enumerate(row_need) if need > 0), None)
        long_row = next((r for r, need in enumerate(row_need) if need < 0), None)
        if short_row is not None:
            starts = [j for j in range(width) if x[short_row][j] < hi[short_row][j]]
            starts.sort(key=lambda j: -(share[short_row][j] - x[short_row][j] * amount))
            def takes(u: int) -> bool:
                """A column that is a cent short, or one a line with a cent too many can
                give up."""
                return column_need[u] > 0 or (long_row is not None
                                              and x[long_row][u] > lo[long_row][u])

            for j in starts:
                x[short_row][j] += 1
                moves = path([j], takes)
                if moves is not None:
                    apply(moves)
                    end = moves[-1][2] if moves else j
                    if column_need[end] > 0:
                        column_need[end] -= 1
                    else:
                        assert long_row is not None
                        x[long_row][end] -= 1
                        row_need[long_row] += 1
                    row_need[short_row] -= 1
                    break
                x[short_row][j] -= 1
            else:
                raise AllocationError("cannot split a group's totals over its lines")
        elif long_row is not None:
            starts = [j for j in range(width) if x[long_row][j] > lo[long_row][j]]
            starts.sort(key=lambda j: -(x[long_row][j] * amount - share[long_row][j]))
            for j in starts:
                x[long_row][j] -= 1
                # Column j is now one short: find a column with a cent too many that reaches j.
                moves = _path(width, [j], lambda u: column_need[u] < 0, best_row, forward=False)
                if moves is not None:
                    apply(moves)
                    column_need[moves[0][1] if moves else j] += 1
                    row_need[long_row] += 1
                    break
                x[long_row][j] += 1
            else:
                raise AllocationError("cannot split a group's totals over its lines")
        elif any(column_need):
            over = [j for j in range(width) if column_need[j] < 0]
            moves = path(over, lambda u: column_need[u] > 0)
            if not moves:
                raise AllocationError("cannot split a group's totals over its lines")
            apply(moves)
            column_need[moves[0][1]] += 1
            column_need[moves[-1][2]] -= 1
        else:
            return
    raise AllocationError("splitting a group's totals did not converge")  # pragma: no cover


def _path(width: int, starts: list[int], done: Any, best_row: Any,
          forward: bool) -> list[tuple[int, int, int]] | None:
    """The shortest list of moves (row, from column, to column), found breadth first: forward,
    from one of `starts` to a column for which `done` holds; backward, from such a column to
    one of `starts`."""
    previous: dict[int, tuple[int, int] | None] = dict.fromkeys(starts)
    queue = list(starts)
    for node in queue:
        if done(node):
            moves = []
            while previous[node] is not None:
                r, other = previous[node]  # type: ignore[misc]
                moves.append((r, other, node) if forward else (r, node, other))
                node = other
            return moves[::-1] if forward else moves
        for other in range(width):
            if other not in previous:
                r = best_row(node, other) if forward else best_row(other, node)
                if r is not None:
                    previous[other] = (r, node)
                    queue.append(other)
    return None


# --- explanations -----------------------------------------------------------------------------

def _gap_reason(item: _Item, row: list[int],
                exhausted: dict[tuple[str, str | None], Cap]) -> str:
    """Why a line keeps a gap: every eligible source is at its bound or out of money."""
    if not item.cells:
        return "no eligible source marked"
    capped, shares, pledges, other = [], [], [], []
    for cell, amount, high in zip(item.cells, row, item.hi):
        if cell.pledge is not None:
            pledges.append(f"{cell.source}{_origin(cell.pledge)}")
        elif amount >= high and cell.max_rule is not None:
            shares.append(f"{cell.max_rule.bound_text('max')}{_origin(cell.max_rule)}")
        elif (cell.source, item.period) in exhausted:
            capped.append(f"{cell.source} in {item.period}"
                          f"{_origin(exhausted[cell.source, item.period])}")
        elif (cell.source, None) in exhausted:
            capped.append(f"{cell.source} for the programme{_origin(exhausted[cell.source, None])}")
        else:
            other.append(cell.source)
    parts = []
    if capped:
        parts.append("caps exhausted: " + ", ".join(capped))
    if shares:
        parts.append("share rules limit: " + ", ".join(shares))
    if pledges:
        parts.append("pledges fix: " + ", ".join(pledges))
    if other:  # pragma: no cover - optimality rules this out; kept so a reason is never empty
        parts.append("limited by the rules of lines sharing their caps: " + ", ".join(other))
    return "; ".join(parts)


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


def _verify(group: _Group, rows: list[list[int]], totals: dict[str, int]) -> None:
    """Check a group's split in integers, to the cent: every line adds up to its amount within
    its bounds, and every source's lines add up to the group's total."""
    for item, row in zip(group.items, rows):
        if row[-1] < 0 or sum(row) != item.cents:
            raise AllocationError(f"{_where(item)} does not add up to its amount")
        if not (all(map(operator.le, item.lo, row)) and all(map(operator.le, row, item.hi))):
            raise AllocationError(f"{_where(item)}: a source outside its bounds")
    if rows and [sum(column) for column in zip(*rows)][:-1] != [totals[s] for s in group.sources]:
        raise AllocationError(f"the lines of group {group.index} do not add up to its totals")


def _source_uses(plan: Plan, components: list[_Component], caps: dict[tuple[str, str | None], int],
                 used: dict[tuple[str, str | None], int],
                 exhausted: dict[tuple[str, str | None], Cap], solver: str) -> tuple[SourceUse, ...]:
    """Each source per period, then for the whole programme, with shadow prices of caps."""
    rows = []
    keys = [(source, period.id) for period in plan.periods for source in plan.source_ids]
    keys += [(source, None) for source in plan.source_ids]
    least: dict[int, int] = {}  # each component's least gap, solved once
    for key in keys:
        allocated = used.get(key, 0)
        if key not in caps:
            rows.append(SourceUse(key[0], key[1], None, from_cents(allocated), None, False, None))
            continue
        binding = key in exhausted
        shadow = _shadow_price(key, components, least, solver) if binding else ZERO
        rows.append(SourceUse(key[0], key[1], from_cents(caps[key]), from_cents(allocated),
                              from_cents(caps[key] - allocated), binding, shadow))
    return tuple(rows)


def _shadow_price(key: tuple[str, str | None], components: list[_Component],
                  least: dict[int, int], solver: str) -> Decimal:
    """How much the least total gap falls if the cap were one euro higher.

    A finite difference of re-solved optima, not a solver's dual value: duals of degenerate
    optima differ between solvers, this difference does not.
    """
    for number, component in enumerate(components):
        if key in component.caps:
            if number not in least:
                least[number] = _least_gap(component.groups, component.caps, solver)
            raised = dict(component.caps)
            raised[key] += 100
            return from_cents(least[number] - _least_gap(component.groups, raised, solver))
    return ZERO


# --- reconciliation ---------------------------------------------------------------------------

def funding_findings(plan: Plan) -> list[Finding]:
    """Periods whose lines need more than the caps of their marked sources can give.

    Only where every source marked in the period has a cap (for the period or the programme);
    an uncapped source could pay for anything.
    """
    caps = {cap.key: cap.amount for cap in plan.funding.caps}
    if not caps:
        return []
    findings = []
    for period in plan.periods:
        need = period.computed_total
        marked = [source for source in plan.source_ids
                  if any(source in line.sources for line in period.lines)]
        limits = []
        for source in marked:
            limit = [caps[key] for key in ((source, period.id), (source, None)) if key in caps]
            if not limit:
                break
            limits.append(min(limit))
        else:
            available = sum(limits, ZERO)
            if available < need:
                findings.append(Finding(
                    "warning", "funding-short",
                    f"the caps of the sources marked in {period.id} "
                    f"({', '.join(marked) or 'none'}) give at most {display(available)}, "
                    f"its lines need {display(need)}",
                    period=period.id, expected=need, actual=available,
                    difference=available - need))
    return findings


__all__ = ["SOLVERS", "AllocationError", "Prepared", "allocate", "funding_findings",
           "solve_components"]
