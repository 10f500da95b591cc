"""The core model: a small set of immutable, typed records every other module takes and returns.

A plan is data; problems (a plan file that cannot be read as written) and findings (a plan that
reads fine but whose numbers do not add up) are data too, so that every view renders the same
values.
"""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass, field
import datetime as dt
from decimal import Decimal
from typing import Literal

from .actuals import Reporting
from .funding import Cap, Funding, Pledge, ShareRule
from .money import ZERO, from_cents, split_cents, to_cents
from .text import terminal_text

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was written: file, field path and (where known) line number."""

    file: str
    path: str = ""
    lineno: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A funding source; the order of sources in a plan is the column order of every table."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """A budget line: one activity, its amount (None when the plan states none) and the
    sources marked as eligible to pay for it, in the plan's source order."""

    id: str
    activity: str
    amount: Decimal | None
    sources: tuple[str, ...] = ()
    notes: str = ""
    #: Text written beside a source's mark, e.g. ("OTHER", "(private funds)").
    source_notes: tuple[tuple[str, str], ...] = ()
    origin: Origin | None = field(default=None, compare=False)
    #: The line's amount per year as the plan states it, sorted by year; empty: the period's
    #: profile spreads the amount (see engine.phasing).
    years: tuple[tuple[int, Decimal], ...] = ()

    def note_for(self, source_id: str) -> str:
        return dict(self.source_notes).get(source_id, "")

    def with_amount(self, amount: Decimal | None) -> Line:
        """The line with another amount; its stated years move with it in proportion (largest
        remainder), so a line whose amount a scenario or an edited workbook changes keeps the
        shape of its phasing and still adds up."""
        years = self.years
        if years and amount is not None:
            weights = [to_cents(value) for _, value in years]
            cents = split_cents(to_cents(amount), weights if any(weights) else [1] * len(years))
            years = tuple((year, from_cents(part)) for (year, _), part in zip(years, cents))
        return dataclasses.replace(self, amount=amount, years=years)


def mark(line_sources: tuple[str, ...], note: str, source_id: str) -> str:
    """A funding cell as the seed's table shows it: `x`, `x (NCM?)` or empty."""
    if source_id not in line_sources:
        return ""
    return f"x {note}" if note else "x"


@dataclass(frozen=True, slots=True)
class Period:
    id: str
    title: str
    first_year: int
    last_year: int
    total: Decimal
    lines: tuple[Line, ...]
    origin: Origin | None = field(default=None, compare=False)
    #: One weight a year, first_year to last_year, that spreads each line's amount; empty:
    #: an even spread.
    profile: tuple[Decimal, ...] = ()

    @property
    def computed_total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount is not None), ZERO)

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


@dataclass(frozen=True, slots=True)
class Commitment:
    """What a funder commits to a source per year; each year's money must be claimed by the
    end of that year + `lag_years` (the N+n rule), or it is lost. `prefinancing`, money paid
    in advance, counts as claimed towards every year's target. `years` is sorted by year."""

    source: str
    lag_years: int
    prefinancing: Decimal = ZERO
    years: tuple[tuple[int, Decimal], ...] = ()
    origin: str = field(default="", compare=False)

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.years), ZERO)

    def amount(self, year: int) -> Decimal:
        return dict(self.years).get(year, ZERO)


@dataclass(frozen=True, slots=True)
class Programme:
    name: str
    currency: str
    total: Decimal
    reference: str = ""
    description: str = ""
    #: The date the plan's figures stand at (`[programme] date`), which documents carry.
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole programme budget. `name` is the main file's stem; `files` every file read."""

    name: str
    programme: Programme
    sources: tuple[Source, ...]
    periods: tuple[Period, ...]
    funding: Funding = field(default_factory=Funding)
    files: tuple[str, ...] = field(default=(), compare=False)
    #: The `[reporting]` table: actuals files, their date, flexibility and underspend rules.
    reporting: Reporting = field(default_factory=Reporting)
    #: What funders commit per year, one entry a source (see docs/phasing.md).
    commitments: tuple[Commitment, ...] = ()

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(source.id for source in self.sources)

    def source(self, source_id: str) -> Source:
        return next(source for source in self.sources if source.id == source_id)

    def period(self, period_id: str) -> Period:
        return next(period for period in self.periods if period.id == period_id)

    @property
    def computed_total(self) -> Decimal:
        return sum((period.computed_total for period in self.periods), ZERO)


@dataclass(frozen=True, slots=True)
class Problem:
    """A mistake in an input file: the plan cannot be trusted until it is fixed."""

    file: str
    path: str
    code: str
    message: str
    lineno: int | None = None

    def __str__(self) -> str:
        """`file:line: field.path: message [code]`, always one line of plain characters (a
        file name or a value with a line break or a terminal control in it is escaped)."""
        where = f"{self.file}:{self.lineno}" if self.lineno else self.file
        place = ": ".join(part for part in (where, self.path) if part)
        text = f"{self.message} [{self.code}]"
        return terminal_text(f"{place}: {text}" if place else text)


class InvalidInput(Exception):
    """Input files that cannot be used as given, with every problem found in them; the
    command line prints them all and exits 2."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


class InvalidRequest(Exception):
    """A command that cannot run as asked (an output that cannot be written, a file of the
    wrong kind, a missing argument, a solver's limits): one problem with the request itself,
    which the command line prints as one `error:` line before it exits 2."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Conflict:
    """Funding rules that cannot all hold: the plan reads fine, but no allocation keeps them all.

    Unlike a `Problem` it is no mistake in how a file is written, and it is shown as its
    message, which names each rule involved and where it was written. `code` names the kind of
    conflict; `origin` is the rule (or line) the message is about, where there is one.
    """

    code: str
    message: str
    origin: Origin | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Finding:
    """A reconciliation result: something about the numbers a programme manager should know."""

    severity: Severity
    code: str
    message: str
    period: str | None = None
    line: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    #: For findings about a funding source's money in one year (the N+n check).
    source: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Money a source gives to a line, in whole cents."""

    period: str
    line: str
    source: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Gap:
    """The part of a line no source pays for, and why: `reason` in a sentence, `rules` the
    funding rules that hold it back (a used-up cap, a share at its bound, a pledge), which
    views name in their own words."""

    period: str
    line: str
    amount: Decimal
    reason: str
    rules: tuple[Cap | ShareRule | Pledge, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class SourceUse:
    """How much of a source's cap a period (or, with period None, the programme) uses."""

    source: str
    period: str | None
    cap: Decimal | None
    allocated: Decimal
    remaining: Decimal | None
    binding: bool
    shadow_price: Decimal | None


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """The co-financing split of a plan: what `allocate` computes and every view renders."""

    status: Literal["optimal", "infeasible"]
    solver: str
    objective: Decimal
    allocations: tuple[Allocation, ...]
    gaps: tuple[Gap, ...]
    sources: tuple[SourceUse, ...]
    #: Why the rules cannot all hold, one record per conflict (status "infeasible").
    conflicts: tuple[Conflict, ...] = ()
    #: Warnings about lines left out of the model, e.g. lines without an amount.
    notes: tuple[Finding, ...] = ()

    @property
    def total_gap(self) -> Decimal:
        return sum((gap.amount for gap in self.gaps), ZERO)
