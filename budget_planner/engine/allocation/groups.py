"""Interchangeable lines grouped, with the bounds of their sums; caps split them into components."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from itertools import combinations
from typing import Any

from ...core.funding import Cap
from ...core.model import Finding, Line, Plan
from ...core.money import display, from_cents, to_cents
from .bounds import _Bounds, _Item, _origin, _Rules, _where
from .conflicts import _check_bounds, _check_cell, _check_needed, _check_pledge, _needed


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
