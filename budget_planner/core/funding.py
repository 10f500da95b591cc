"""Funding rules: caps, co-financing shares, pledges and preferences (the `funding` section).

This module holds the rule records only; `planfile.rules` reads them from a plan's or
scenario's `funding` table and writes them back. It imports nothing but `money`, so the model
can hold a `Funding`. Rules are data only: `allocation` turns them into a linear programme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .money import display

HUNDRED = Decimal(100)


def percent_text(share: Decimal) -> str:
    """A share for people and for TOML: Decimal("0.125") -> "12.5%"."""
    percent = (share * HUNDRED).normalize()
    return f"{percent:f}%"


@dataclass(frozen=True, slots=True)
class Cap:
    """The most `source` can give: in one period, or (period None) over the whole programme."""

    source: str
    amount: Decimal
    period: str | None = None
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.source, self.period)

    def describe(self) -> str:
        where = f"in {self.period}" if self.period else "for the whole programme"
        return f"{self.source} capped at {display(self.amount)} {where}"


@dataclass(frozen=True, slots=True)
class ShareRule:
    """A source pays at least `min` / at most `max` of a line's amount (shares in 0..1).

    The scope is the whole programme, one period, one line id in every period that has it, or
    one line of one period; the most specific rule that sets a bound wins for that bound.
    """

    source: str
    min: Decimal | None = None
    max: Decimal | None = None
    period: str | None = None
    line: str | None = None
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.source, self.period, self.line)

    @property
    def level(self) -> int:
        """Specificity: 0 programme, 1 period, 2 a line id in every period, 3 one line."""
        if self.line is not None:
            return 3 if self.period is not None else 2
        return 1 if self.period is not None else 0

    def applies_to(self, period: str, line: str) -> bool:
        return self.period in (None, period) and self.line in (None, line)

    def bound_text(self, bound: Literal["min", "max"]) -> str:
        if self.min is not None and self.min == self.max:
            return f"{self.source} exactly {percent_text(self.min)}"
        value = self.min if bound == "min" else self.max
        assert value is not None
        return f"{self.source} at {'least' if bound == 'min' else 'most'} {percent_text(value)}"

    def describe(self) -> str:
        if self.min is not None and self.min == self.max:
            text = f"{self.source} exactly {percent_text(self.min)}"
        else:
            parts = [f"at least {percent_text(self.min)}" if self.min is not None else "",
                     f"at most {percent_text(self.max)}" if self.max is not None else ""]
            text = f"{self.source} " + " and ".join(part for part in parts if part)
        return f"{text} {self.scope_text()}"

    def scope_text(self) -> str:
        if self.line is not None:
            return f"of line {self.period}/{self.line}" if self.period else \
                f"of line {self.line} (every period)"
        return f"of each line in {self.period}" if self.period else "of each line"


@dataclass(frozen=True, slots=True)
class Pledge:
    """A source has promised exactly `amount` to one line."""

    source: str
    period: str
    line: str
    amount: Decimal
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.period, self.line)

    def describe(self) -> str:
        return f"{self.source} pledges {display(self.amount)} to {self.period}/{self.line}"


@dataclass(frozen=True, slots=True)
class Preference:
    """How to choose among equally complete fundings: exactly one of the three is set.

    `priority` lists sources, most wanted first; `cost` is a cost per euro of each source
    (unlisted sources cost nothing); `target_mix` is the share of each source to stay close to.
    """

    priority: tuple[str, ...] = ()
    cost: tuple[tuple[str, Decimal], ...] = ()
    target_mix: tuple[tuple[str, Decimal], ...] = ()
    origin: str = field(default="", compare=False)

    @property
    def kind(self) -> Literal["priority", "cost", "target_mix"]:
        if self.priority:
            return "priority"
        return "cost" if self.cost else "target_mix"


@dataclass(frozen=True, slots=True)
class Funding:
    """All funding rules of a plan; `Funding()` means none."""

    caps: tuple[Cap, ...] = ()
    shares: tuple[ShareRule, ...] = ()
    pledges: tuple[Pledge, ...] = ()
    preference: Preference | None = None

    @property
    def empty(self) -> bool:
        return not (self.caps or self.shares or self.pledges or self.preference)

    def cap(self, source: str, period: str | None) -> Cap | None:
        return next((cap for cap in self.caps if cap.key == (source, period)), None)

    def merged(self, other: Funding) -> Funding:
        """These rules with `other`'s on top: a rule of `other` replaces the rule here with the
        same key (source and scope), other rules are added; `other`'s preference wins."""
        def merge(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> tuple[Any, ...]:
            replaced = {rule.key: rule for rule in theirs}
            kept = [replaced.pop(rule.key, rule) for rule in mine]
            return tuple(kept + [rule for rule in theirs if rule.key in replaced])

        return Funding(merge(self.caps, other.caps), merge(self.shares, other.shares),
                       merge(self.pledges, other.pledges), other.preference or self.preference)
