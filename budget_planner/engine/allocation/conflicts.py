"""Rules that cannot all hold, found before any solving, in exact arithmetic.

Each conflict is a `Conflict` record: a code, the sentence users read (naming every rule
involved and where it was written) and the origin of the rule or line the sentence is about.
When none is found, paying every line exactly its lower bounds is a feasible point (every other
constraint is an upper bound), so the programme always has a solution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...core.funding import Cap, Pledge, ShareRule
from ...core.model import Conflict, Origin
from ...core.money import display, from_cents, to_cents
from .bounds import Cell, Item, Rule, origin_text, where


def rule_origin(rule: Rule, files: Sequence[str]) -> Origin | None:
    """Where a rule was written, from its origin text (see `planfile.rules.parse_funding`):
    `funding.caps[0]` is in the main plan file (the first of `files`), `name.toml:
    funding.caps[0]` in a scenario file (its path as given, when it is among `files`),
    `--vary cap.EC` on the command line."""
    text = rule.origin
    if not text:
        return None
    if text.startswith("--"):
        option, _, value = text.partition(" ")
        return Origin(option, value)
    name, separator, path = text.rpartition(": ")
    if not separator:
        return Origin(files[0] if files else "", path)
    return Origin(next((file for file in files if Path(file).name == name), name), path)


@dataclass(slots=True)
class Conflicts:
    """The conflicts found so far, in the order found, each pointing at what it is about."""

    files: Sequence[str]
    found: list[Conflict] = field(default_factory=list)

    def of_rule(self, code: str, message: str, rule: Rule) -> None:
        self.found.append(Conflict(code, message, rule_origin(rule, self.files)))

    def of_line(self, code: str, message: str, item: Item) -> None:
        self.found.append(Conflict(code, message, item.line.origin))


def rule_text(rule: ShareRule, bound: str) -> str:
    return f"{rule.bound_text('min' if bound == 'min' else 'max')}{origin_text(rule)}"


def check_unamounted(pledges: Sequence[Pledge], conflicts: Conflicts) -> None:
    """Pledges to a line that has no amount."""
    for pledge in pledges:
        conflicts.of_rule("pledge-without-amount", f"{pledge.describe()}{origin_text(pledge)}, "
                          "but the line has no amount", pledge)


def check_unmarked(item: Item, pledges: Sequence[Pledge], shares: Sequence[ShareRule],
                   conflicts: Conflicts) -> None:
    """Pledges and line minimums naming this line on a source it is not marked for."""
    line = item.line
    for pledge in pledges:
        if pledge.source not in line.sources:
            conflicts.of_rule("pledge-source-not-marked", f"{pledge.describe()}"
                              f"{origin_text(pledge)}, but the line is not marked for "
                              f"{pledge.source}", pledge)
    for rule in shares:
        if rule.applies_to(item.period, line.id) and rule.min and rule.source not in line.sources:
            conflicts.of_rule("share-source-not-marked", f"{rule.describe()}{origin_text(rule)}, "
                              f"but {where(item)} is not marked for {rule.source}", rule)


def check_bounds(item: Item, conflicts: Conflicts) -> None:
    for number, cell in enumerate(item.cells):
        check_cell(item, number, cell, conflicts)
    check_needed(item, conflicts)


def check_cell(item: Item, number: int, cell: Cell, conflicts: Conflicts) -> None:
    """A minimum share above the maximum (or one that is no whole number of cents)."""
    if item.lo[number] <= item.hi[number]:
        return
    min_rule, max_rule = cell.min_rule, cell.max_rule
    assert min_rule is not None
    if min_rule is max_rule:
        conflicts.of_line("share-not-whole-cents",
                          f"{where(item)}: {rule_text(min_rule, 'min')} of "
                          f"{display(from_cents(item.cents))} is not a whole number of cents",
                          item)
    else:
        assert max_rule is not None
        conflicts.of_line("min-above-max", f"{where(item)}: {rule_text(min_rule, 'min')} and "
                          f"{rule_text(max_rule, 'max')} cannot both hold", item)


def check_pledge(item: Item, number: int, cell: Cell, pledge: Pledge,
                 conflicts: Conflicts) -> None:
    """A pledge outside what the line's share rules allow."""
    lo, hi = item.lo[number], item.hi[number]
    pledged = to_cents(pledge.amount)
    if lo <= hi and not lo <= pledged <= hi:
        if pledged < lo:
            assert cell.min_rule is not None
            code = "pledge-below-min"
            limit = f"{rule_text(cell.min_rule, 'min')} needs at least {display(from_cents(lo))}"
        elif cell.max_rule is not None and hi < item.cents:
            code = "pledge-above-max"
            limit = f"{rule_text(cell.max_rule, 'max')} allows at most {display(from_cents(hi))}"
        else:
            code = "pledge-above-line"
            limit = f"the line is only {display(from_cents(item.cents))}"
        conflicts.of_rule(code, f"{pledge.describe()}{origin_text(pledge)}, but {limit}", pledge)


def check_needed(item: Item, conflicts: Conflicts) -> None:
    """Minimum shares and pledges that together need more than the line."""
    needed = sum(item.lo)
    if needed > item.cents:
        causes = ", ".join(lower_cause(cell) for cell, low in zip(item.cells, item.lo) if low)
        conflicts.of_line("minimums-above-line", f"{where(item)}: minimum shares and pledges "
                          f"need {display(from_cents(needed))} of a line of "
                          f"{display(item.line.amount)} ({causes})", item)


def lower_cause(cell: Cell) -> str:
    """The rule behind a cell's lower bound."""
    if cell.pledge is not None:
        return f"{cell.pledge.describe()}{origin_text(cell.pledge)}"
    assert cell.min_rule is not None
    return rule_text(cell.min_rule, "min")


@dataclass(slots=True)
class Need:
    """What pledges and minimum shares need of one source in one period, and the rules why."""

    cents: int = 0
    causes: dict[str, None] = field(default_factory=dict)


def needs(items: Sequence[Item]) -> dict[tuple[str, str], Need]:
    """What pledges and minimum shares need of each source in each period."""
    found: dict[tuple[str, str], Need] = {}
    for item in items:
        if any(item.lo):
            for cell, low in zip(item.cells, item.lo):
                if low:
                    need = found.setdefault((cell.source, item.period), Need())
                    need.cents += low
                    need.causes[lower_cause(cell)] = None
    return found


def check_caps(caps: Sequence[Cap], found: dict[tuple[str, str], Need],
               conflicts: Conflicts) -> None:
    """Caps below what pledges and minimum shares already need of them."""
    for cap in caps:
        parts = [need for (source, period), need in found.items()
                 if source == cap.source and cap.period in (None, period)]
        cents = sum(need.cents for need in parts)
        causes = list(dict.fromkeys(cause for need in parts for cause in need.causes))
        if cents > to_cents(cap.amount):
            conflicts.of_rule("cap-below-minimums", f"{cap.describe()}{origin_text(cap)}, but "
                              f"pledges and minimum shares need {display(from_cents(cents))} "
                              "from it: " + "; ".join(causes[:5])
                              + ("; ..." if len(causes) > 5 else ""), cap)
