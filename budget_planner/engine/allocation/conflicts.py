"""Rules that cannot all hold, found before any solving, in exact arithmetic."""

from __future__ import annotations

from typing import Any

from ...core.funding import Pledge, ShareRule
from ...core.money import display, from_cents, to_cents
from .bounds import _Cell, _Item, _origin, _where


def _rule_text(rule: ShareRule, bound: str) -> str:
    return f"{rule.bound_text('min' if bound == 'min' else 'max')}{_origin(rule)}"


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
