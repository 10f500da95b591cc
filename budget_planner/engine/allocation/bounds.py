"""Each line as the model sees it: its eligible sources (cells) and their bounds in whole cents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...core.funding import Cap, Pledge, ShareRule
from ...core.model import Line, Plan

#: A funding rule that can be named in a conflict or a gap's reason.
Rule = Cap | ShareRule | Pledge
#: What makes the bounds of lines alike: each source with its minimum and maximum share.
BoundsKey = tuple[tuple[str, Decimal | None, Decimal | None], ...]
#: Lines with the same key are interchangeable: period, bounds, and the line id if pledged.
GroupKey = tuple[int, BoundsKey, str | None]


@dataclass(frozen=True, slots=True)
class Cell:
    """A line's eligible source and the rules that bound it; lines under the same rules share
    one."""

    source: str
    min_rule: ShareRule | None = None
    max_rule: ShareRule | None = None
    pledge: Pledge | None = None


@dataclass(slots=True)
class Item:
    """A line with an amount, as the model sees it: its cells' bounds in whole cents."""

    period_index: int
    period: str
    line: Line
    cents: int
    cells: tuple[Cell, ...]
    lo: list[int]
    hi: list[int]
    group_key: GroupKey


def where(item: Item) -> str:
    """The line as messages name it: `period/line`."""
    return f"{item.period}/{item.line.id}"


def origin_text(rule: Rule) -> str:
    """Where a rule was written, as messages add it: ` (funding.caps[0])`, or nothing."""
    return f" ({rule.origin})" if rule.origin else ""


def _ratio(share: Decimal | None) -> tuple[int, int] | None:
    return None if share is None else share.as_integer_ratio()


class Rules:
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


class Bounds:
    """The cells of lines under the same rules, and how their bounds follow from an amount:
    shares rounded inwards to whole cents (min up, max down), in integers."""

    def __init__(self, rules: Rules, period: str, line: str | None, sources: tuple[str, ...]):
        self.cells = tuple(Cell(source, rules.bound(source, period, line, "min"),
                                rules.bound(source, period, line, "max")) for source in sources)
        self.low = [_ratio(cell.min_rule.min) if cell.min_rule else None for cell in self.cells]
        self.high = [_ratio(cell.max_rule.max) if cell.max_rule else None for cell in self.cells]
        self.key: BoundsKey = tuple(
            (cell.source, cell.min_rule.min if cell.min_rule else None,
             cell.max_rule.max if cell.max_rule else None) for cell in self.cells)
        self.any_low = any(self.low)
        self.any_high = any(self.high)

    def of(self, cents: int) -> tuple[list[int], list[int]]:
        lo = ([-(-ratio[0] * cents // ratio[1]) if ratio else 0 for ratio in self.low]
              if self.any_low else [0] * len(self.cells))
        hi = ([min(ratio[0] * cents // ratio[1], cents) if ratio else cents
               for ratio in self.high] if self.any_high else [cents] * len(self.cells))
        return lo, hi
