"""Reading the phasing of a plan: period profiles, line years and `[[commitments]]`.

Plan files and scenarios write them alike, so both read them here, with `Fields`: nothing
raises on a user's mistake; each one is reported at its field path and reading goes on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..core.model import Commitment, Plan
from ..core.money import ZERO, MoneyError, display, parse_money, type_name
from .fields import Fields, Report, suggest

COMMITMENT_KEYS = ("source", "lag_years", "prefinancing", "years")
#: The largest N+n lag accepted: the EU's rules have used 2 and 3; none comes near 10.
MAX_LAG = 10
#: A weight: digits with up to six decimals ("1", "2.5", "0.125").
_WEIGHT = re.compile(r"\s*\d{1,12}(?:\.\d{1,6})?\s*")
_NEGATIVE = re.compile(r"\s*-\s*\d+(\.\d+)?\s*")
_YEAR = re.compile(r"\d{4}")
YEARS = range(1900, 2201)


def years_text(years: range) -> str:
    """`2014-2020`, or `2022` for one year."""
    return f"{years.start}-{years.stop - 1}" if len(years) > 1 else str(years.start)


def parse_weight(value: object) -> Decimal:
    """A profile weight: a non-negative integer or decimal string (at most six decimals)."""
    if isinstance(value, bool):
        raise MoneyError("wrong-type", f"expected a weight, found a boolean ({str(value).lower()})")
    if isinstance(value, int):
        if value < 0:
            raise MoneyError("weight-negative", f"{value} is negative; weights are 0 or more")
        if value >= 10**12:
            raise MoneyError("weight-invalid", f"{value} is larger than any weight needs to be")
        return Decimal(value)
    if isinstance(value, float):
        raise MoneyError("weight-float", f"{value!r} is a TOML float; write the weight as an "
                                         f'integer or a quoted decimal string such as "{value}"')
    if isinstance(value, str):
        if _WEIGHT.fullmatch(value):
            return Decimal(value.strip())
        if _NEGATIVE.fullmatch(value):
            raise MoneyError("weight-negative", f"{value!r} is negative; weights are 0 or more")
        raise MoneyError("weight-invalid", f"{value!r} is not a weight; write 0 or more, such as "
                                           '1 or "2.5" (at most six decimals)')
    raise MoneyError("wrong-type", f"expected a weight (integer or decimal string), found "
                                   f"{type_name(value)}")


def read_profile(fields: Fields, key: str, years: range | None) -> tuple[Decimal, ...] | None:
    """A period's profile at `key`: one weight a year of `years` (None: the years are unknown,
    so the count is not checked). () when there is none; None when it is wrong."""
    raw = fields.get(key)
    if raw is None:
        return ()
    path = fields.at(key)
    if not isinstance(raw, list):
        fields.report(key, "wrong-type", f"expected an array of weights, one a year, such as "
                                         f"[1, 2, 2, 1], found {type_name(raw)}")
        return None
    weights: list[Decimal] = []
    for number, item in enumerate(raw):
        try:
            weights.append(parse_weight(item))
        except MoneyError as error:
            fields.report_at(f"{path}[{number}]", error.code, error.message)
    if len(weights) < len(raw):
        return None
    if years is not None and len(weights) != len(years):
        fields.report(key, "profile-length",
                      f"{len(weights)} weight{'s' if len(weights) != 1 else ''} for the "
                      f"{len(years)} year{'s' if len(years) != 1 else ''} {years_text(years)}; "
                      "give one weight a year")
        return None
    if weights and not any(weights):
        fields.report(key, "profile-zero", "every weight is 0, so no year would get any money; "
                                           "leave the profile out for an even spread")
        return None
    return tuple(weights)


def read_years(fields: Fields, key: str,
               within: range | None = None) -> tuple[tuple[int, Decimal], ...] | None:
    """Amounts by year at `key`, `{ "2014" = "1000000.00", ... }`, sorted by year; each year in
    `within` when it is given. () when there are none; None when anything is wrong."""
    raw = fields.get(key)
    if raw is None:
        return ()
    path = fields.at(key)
    if not isinstance(raw, dict):
        fields.report(key, "wrong-type", 'expected a table of amounts by year such as '
                                         f'{{ "2014" = 1_000, "2015" = "250.50" }}, found '
                                         f"{type_name(raw)}")
        return None
    found: dict[int, Decimal] = {}
    ok = True
    for year_key, value in raw.items():
        at = f"{path}.{year_key}"
        if not _YEAR.fullmatch(year_key) or int(year_key) not in YEARS:
            fields.report_at(at, "invalid-year", f"{year_key!r} is not a year (1900-2200)")
            ok = False
            continue
        try:
            found[int(year_key)] = parse_money(value)
        except MoneyError as error:
            fields.report_at(at, error.code, error.message)
            ok = False
    if not ok:
        return None
    years = tuple(sorted(found.items()))
    return years if within is None or check_years_within(years, path, within, fields) else None


def check_years_within(years: tuple[tuple[int, Decimal], ...], path: str, within: range,
                       fields: Fields) -> bool:
    """Report each year outside `within`, a line's years against its period's."""
    outside = [year for year, _ in years if year not in within]
    for year in outside:
        fields.report_at(f"{path}.{year}", "year-outside-period",
                         f"{year} is outside the period's years {years_text(within)}")
    return not outside


@dataclass(frozen=True, slots=True)
class CommitmentEntry:
    """One `[[commitments]]` table as written; a scenario may leave out what it keeps."""

    path: str
    source: str
    lag_years: int | None
    prefinancing: Decimal | None
    years: tuple[tuple[int, Decimal], ...]

    def commitment(self, origin: str) -> Commitment:
        assert self.lag_years is not None
        return Commitment(self.source, self.lag_years,
                          ZERO if self.prefinancing is None else self.prefinancing,
                          self.years, origin)


def read_commitments(report: Report, raw: Any, path: str, sources: Sequence[str], *,
                     require: bool = True) -> list[CommitmentEntry]:
    """The `[[commitments]]` tables of one file, each of a known source, each source once.
    With `require`, `lag_years` and `years` must be given (a plan); without, only what changes
    (a scenario)."""
    top = Fields(report, {path: [] if raw is None else raw}, "", (path,), "")
    entries: list[CommitmentEntry] = []
    seen: dict[str, str] = {}
    for at, table in top.tables(path):
        source = table.get("source")
        if isinstance(source, str) and source in seen:  # even on an entry with other mistakes
            report(f"{at}.source", "duplicate-commitment",
                   f"the commitments of {source!r} are already given at {seen[source]}; "
                   "give each source's years in one table")
            continue
        if isinstance(source, str):
            seen[source] = at
        entry = _commitment(Fields(report, table, at, COMMITMENT_KEYS, "a commitment"),
                            sources, require)
        if entry is not None:
            entries.append(entry)
    return entries


def _commitment(fields: Fields, sources: Sequence[str], require: bool) -> CommitmentEntry | None:
    source = fields.text("source", required=True)
    if source is not None and source not in sources:
        fields.report("source", "unknown-source",
                      f"unknown funding source {source!r}{suggest(source, list(sources))} "
                      f"(sources: {', '.join(sources)})")
    lag = fields.get("lag_years", required=require)
    if lag is None:
        pass
    elif isinstance(lag, bool) or not isinstance(lag, int):
        fields.report("lag_years", "wrong-type",
                      f"expected a whole number of years (3 for N+3), found {type_name(lag)}")
    elif lag < 0:
        fields.report("lag_years", "lag-negative",
                      f"{lag} is below 0; the N+n rule's n is 0 or more (3 for N+3)")
    elif lag > MAX_LAG:
        fields.report("lag_years", "lag-range",
                      f"{lag} years is more than any N+n rule allows (at most {MAX_LAG})")
    prefinancing = fields.money("prefinancing")
    if require:
        fields.require("years")
    years = read_years(fields, "years")
    if not fields.ok or source is None or years is None:
        return None
    return CommitmentEntry(fields.path, source, lag, prefinancing, years)


# --- scenarios -------------------------------------------------------------------------------

PROFILE_KEYS = ("period", "weights")


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """A scenario's new yearly weights for a period."""

    period: str
    weights: tuple[Decimal, ...]
    origin: str = ""

    def describe(self) -> str:
        return (f"spreads {self.period} by the profile "
                f"{':'.join(str(weight) for weight in self.weights)}")


@dataclass(frozen=True, slots=True)
class CommitmentChange:
    """A source's commitments as a scenario leaves them, and as the plan it was read for had
    them (None: none)."""

    commitment: Commitment
    previous: Commitment | None = None

    def describe(self) -> str:
        new, old = self.commitment, self.previous
        if old is None:
            years = years_text(range(new.years[0][0], new.years[-1][0] + 1)) if new.years \
                else "no year"
            return (f"commits {display(new.total)} from {new.source} ({years}, "
                    f"N+{new.lag_years}, pre-financing {display(new.prefinancing)})")
        changes = [f"{year} {display(old.amount(year))} -> {display(amount)}"
                   for year, amount in new.years if amount != old.amount(year)]
        if new.lag_years != old.lag_years:
            changes.append(f"N+{old.lag_years} -> N+{new.lag_years}")
        if new.prefinancing != old.prefinancing:
            changes.append(f"pre-financing {display(old.prefinancing)} -> "
                           f"{display(new.prefinancing)}")
        return f"changes the {new.source} commitments: " + ("; ".join(changes) or "nothing")


def read_profile_changes(report: Report, scenario: Fields, plan: Plan,
                         file: str) -> list[ProfileChange]:
    """`[[profiles]]`: a period of `plan` and its new weights, one a year."""
    periods = {period.id: period for period in plan.periods}
    changes: list[ProfileChange] = []
    seen: dict[str, str] = {}
    for at, table in scenario.tables("profiles"):
        fields = Fields(report, table, at, PROFILE_KEYS, "a profile")
        period_id = fields.text("period", required=True)
        period = periods.get(period_id) if period_id is not None else None
        if period_id is not None and period is None:
            fields.report("period", "unknown-period",
                          f"unknown period {period_id!r}{suggest(period_id, list(periods))} "
                          f"(periods: {', '.join(periods)})")
        fields.require("weights")
        weights = read_profile(fields, "weights", period.years if period else None)
        if period is not None and period.id in seen:
            fields.report("period", "duplicate-rule",
                          f"the profile of {period.id} is already set at {seen[period.id]}")
        if fields.ok and period is not None and weights:
            seen[period.id] = at
            changes.append(ProfileChange(period.id, weights, f"{file}: {at}"))
    return changes


def read_commitment_changes(report: Report, raw: Any, plan: Plan,
                            file: str) -> list[CommitmentChange]:
    """`[[commitments]]` as in a plan; for a source the plan commits already, every key but
    `source` may be left out: the years given replace those years, the rest stays."""
    existing = {commitment.source: commitment for commitment in plan.commitments}
    changes = []
    for entry in read_commitments(report, raw, "commitments", plan.source_ids, require=False):
        previous = existing.get(entry.source)
        if previous is None and (entry.lag_years is None or not entry.years):
            missing = "lag_years" if entry.lag_years is None else "years"
            report(f"{entry.path}.{missing}", "missing-field",
                   f"the plan has no commitments of {entry.source!r}, so a scenario that adds "
                   f"them needs '{missing}'")
            continue
        years = dict(previous.years if previous is not None else ())
        years.update(entry.years)
        lag = entry.lag_years if entry.lag_years is not None else previous.lag_years \
            if previous is not None else 0
        prefinancing = entry.prefinancing if entry.prefinancing is not None else \
            previous.prefinancing if previous is not None else ZERO
        changes.append(CommitmentChange(
            Commitment(entry.source, lag, prefinancing, tuple(sorted(years.items())),
                       f"{file}: {entry.path}"), previous))
    return changes
