"""Interchangeable lines grouped, with the bounds of their sums; caps tie groups into components.

`Prepared` builds everything about a plan's lines that caps do not change: each line's bounds,
the conflicts of its rules, the groups. A sweep over caps prepares once and solves many times.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from ...core.funding import Cap, Funding
from ...core.model import Conflict, Finding, Line, Plan
from ...core.money import split_cents, to_cents
from .bounds import Bounds, GroupKey, Item, Rules
from .conflicts import (Conflicts, check_bounds, check_caps, check_cell, check_needed,
                        check_pledge, check_unamounted, check_unmarked, needs)

#: A cap's source and period (None: the whole programme).
CapKey = tuple[str, str | None]
#: What decides a component's optimum (under one preference): its groups' data and its caps.
ComponentKey = tuple[tuple[tuple[object, ...], ...], tuple[tuple[CapKey, int], ...]]


@dataclass(slots=True)
class Group:
    """Interchangeable lines: same period, eligible sources and share bounds, no pledge.

    The programme has one variable per group and source, the sum over the group's lines.
    """

    index: int
    period_index: int
    period: str
    sources: tuple[str, ...]
    items: list[Item]
    #: The sum of its lines' amounts, in cents.
    amount: int
    #: The least each source gives the group: the sum of its lines' lower bounds.
    lower: dict[str, int]
    #: Upper bounds of sums of its sources' totals, by subset (singletons and the full set
    #: always; other subsets only where rounding to cents makes them bind).
    upper: dict[tuple[str, ...], int]
    #: Each source's total under the target mix preference (empty without one).
    target: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Component:
    """Groups tied together by caps; separate components are separate problems."""

    groups: list[Group]
    caps: dict[CapKey, int]

    @property
    def key(self) -> ComponentKey:
        """Equal for components with equal data, which have the same optimum under the same
        preference (group indexes aside): what lets a sweep solve each one once."""
        return (tuple((group.period, tuple(item.line.id for item in group.items), group.sources,
                       group.amount, tuple(group.lower.items()), tuple(group.upper.items()),
                       tuple(group.target.items())) for group in self.groups),
                tuple(sorted(self.caps.items(),
                             key=lambda entry: (entry[0][0], entry[0][1] or ""))))


def _build_items(plan: Plan, rules: Rules, conflicts: Conflicts,
                 notes: list[Finding]) -> list[Item]:
    """Lines with amounts and their cells; a rule that cannot hold becomes a conflict.

    Lines that no rule names take their period's rules: their cells and the arithmetic of
    their bounds are built once per set of marked sources.
    """
    items = []
    for period_index, period in enumerate(plan.periods):
        shared: dict[tuple[str, ...], Bounds] = {}
        for line in period.lines:
            if line.amount is None:
                notes.append(Finding("warning", "line-without-amount",
                                     f"{line.activity!r} has no amount and is left out of the "
                                     "allocation", period=period.id, line=line.id))
                check_unamounted(rules.line_pledges.get((period.id, line.id), []), conflicts)
                continue
            cents = to_cents(line.amount)
            if rules.has_own_rules(period.id, line.id):
                items.append(_own_item(period_index, period.id, line, cents, rules, conflicts))
                continue
            bounds = shared.get(line.sources)
            if bounds is None:
                bounds = shared[line.sources] = Bounds(rules, period.id, None, line.sources)
            lo, hi = bounds.of(cents)
            item = Item(period_index, period.id, line, cents, bounds.cells, lo, hi,
                        (period_index, bounds.key, None))
            if bounds.any_low:
                check_bounds(item, conflicts)
            items.append(item)
    return items


def _own_item(period_index: int, period: str, line: Line, cents: int, rules: Rules,
              conflicts: Conflicts) -> Item:
    """A line named by share rules or pledges: its bounds, pledges and their conflicts."""
    bounds = Bounds(rules, period, line.id, line.sources)
    lo, hi = bounds.of(cents)
    cells = list(bounds.cells)
    item = Item(period_index, period, line, cents, (), lo, hi, (period_index, bounds.key, None))
    check_unmarked(item, rules.line_pledges.get((period, line.id), []),
                   rules.line_shares.get(line.id, []), conflicts)
    for number, cell in enumerate(cells):
        check_cell(item, number, cell, conflicts)
        pledge = rules.pledges.get((cell.source, period, line.id))
        if pledge is not None:
            check_pledge(item, number, cell, pledge, conflicts)
            lo[number] = hi[number] = to_cents(pledge.amount)
            cells[number] = dataclasses.replace(cell, pledge=pledge)
    item.cells = tuple(cells)
    if any(cell.pledge for cell in cells):
        item.group_key = (period_index, bounds.key, line.id)  # a pledged line stands alone
    check_needed(item, conflicts)
    return item


class Prepared:
    """A plan's lines as the allocation sees them: their bounds, their groups and the
    conflicts of their rules, built once. Caps enter none of these, so a sweep over caps
    solves every point from one `Prepared`, and `allocate` takes one for a plan that differs
    in its caps only (a what-if page moving caps)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.notes: list[Finding] = []
        found = Conflicts(plan.files)
        self.items = _build_items(plan, Rules(plan), found, self.notes)
        self.conflicts: list[Conflict] = found.found
        preference = plan.funding.preference
        target_mix = dict(preference.target_mix) if preference and \
            preference.kind == "target_mix" else {}
        self.groups = _build_groups(self.items, target_mix)
        self._needs = needs(self.items)

    def fits(self, plan: Plan) -> bool:
        """Whether `plan` differs from the prepared one in its caps at most, so that this can
        stand for it. Rules are compared with their origins, and the files too, which the
        conflicts and the gap reasons name."""
        def rules(funding: Funding) -> list[tuple[object, str]]:
            return [(rule, rule.origin) for rule in (*funding.shares, *funding.pledges,
                                                      funding.preference) if rule is not None]

        mine = self.plan
        return (plan.periods == mine.periods and plan.sources == mine.sources
                and plan.files == mine.files and rules(plan.funding) == rules(mine.funding))

    def cap_conflicts(self, caps: Sequence[Cap]) -> list[Conflict]:
        """Caps below what pledges and minimum shares already need of them."""
        found = Conflicts(self.plan.files)
        check_caps(caps, self._needs, found)
        return found.found

    def components(self, caps: dict[CapKey, int]) -> list[Component]:
        """The groups with something to fund, in separate problems where no cap ties them."""
        return _components([group for group in self.groups if group.sources and group.amount],
                           caps)


def _build_groups(items: list[Item], target_mix: dict[str, Decimal]) -> list[Group]:
    """Groups of interchangeable lines, ordered by period and smallest line id (never by the
    order of lines in the file, so reordering lines cannot change the answer)."""
    by_key: dict[GroupKey, list[Item]] = {}
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
        group = Group(index, first.period_index, first.period, sources, group_items,
                      sum(item.cents for item in group_items),
                      {source: sum(column) for source, column in zip(sources, lows)}, {})
        group.upper = _upper_bounds(group, lows, _columns(group_items, "hi", len(sources)))
        group.target = _targets(group, target_mix)
        groups.append(group)
    return groups


def _columns(items: list[Item], which: str, width: int) -> list[list[int]]:
    """The items' lower or upper bounds, one list per source."""
    rows = [getattr(item, which) for item in items]
    return [[row[number] for row in rows] for number in range(width)]


def _upper_bounds(group: Group, lows: list[list[int]],
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

    def column_sum(columns: list[list[int]]) -> Iterable[int]:
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


def _proportional(group: Group, lows: list[list[int]], highs: list[list[int]]) -> bool:
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


def _targets(group: Group, target_mix: dict[str, Decimal]) -> dict[str, int]:
    """The group's amount split in the ratio of its sources' target shares."""
    weights = [target_mix.get(source, Decimal(0)) for source in group.sources]
    if not target_mix or not any(weights):
        return {}
    return dict(zip(group.sources, split_cents(group.amount, weights)))


def _components(groups: list[Group], caps: dict[CapKey, int]) -> list[Component]:
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
    found: dict[int, Component] = {}
    for group in groups:
        component = found.setdefault(root(group.index), Component([], {}))
        component.groups.append(group)
    for (source, period), amount in caps.items():
        for component in found.values():
            if any(source in group.sources and period in (None, group.period)
                   for group in component.groups):
                component.caps[source, period] = amount
    return list(found.values())
