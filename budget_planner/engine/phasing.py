"""Money by year: each line's amount spread over its period's years in whole cents, what each
source is forecast to pay per year, and the decommitment (N+n) check.

Actuals ("planned to date") and the decommitment check both read the yearly figures from here,
so there is one answer to "how much of this line belongs to 2016". The rule, its sources and a
worked example are in docs/phasing.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.actuals import Actuals
from ..core.model import AllocationResult, Commitment, Finding, Line, Period, Plan
from ..core.money import ZERO, display, from_cents, split_cents, to_cents

#: Claims the funder has validated, by (source, year): the actuals of each source and year.
Claimed = Mapping[tuple[str, int], Decimal]


def even_cents(total: int, years: int) -> list[int]:
    """`total` cents over `years` equal parts; the remainder cents go to the earliest years."""
    base, remainder = divmod(total, years)
    return [base + (1 if index < remainder else 0) for index in range(years)]


def line_years(period: Period, line: Line) -> dict[int, int]:
    """The line's amount per year of its period, in cents: its own `years` when the plan states
    them, else its amount spread by the period's profile (largest remainder, ties to the
    earlier year), else evenly."""
    years = period.years
    if line.years:
        stated = dict(line.years)
        return {year: to_cents(stated.get(year, ZERO)) for year in years}
    if line.amount is None:
        return {year: 0 for year in years}
    cents = to_cents(line.amount)
    if period.profile:
        return dict(zip(years, split_cents(cents, period.profile)))
    return dict(zip(years, even_cents(cents, len(years))))


def line_years_amounts(period: Period, line: Line) -> dict[int, Decimal]:
    """`line_years` as Decimal amounts, for views."""
    return {year: from_cents(cents) for year, cents in line_years(period, line).items()}


def phasing_mismatches(plan: Plan) -> list[Finding]:
    """Lines whose stated years do not add up to their amount (an error, like a period total)."""
    findings = []
    for period in plan.periods:
        for line in period.lines:
            if not line.years:
                continue
            stated = sum((amount for _, amount in line.years), ZERO)
            amount = line.amount if line.amount is not None else ZERO
            if stated != amount:
                findings.append(Finding(
                    "error", "phasing-mismatch",
                    f"the years of {line.id!r} add up to {display(stated)}, the line's amount is "
                    f"{display(line.amount, blank='not given')}", period=period.id,
                    line=line.id, expected=amount, actual=stated, difference=stated - amount))
    return findings


# --- what each source pays per year ---------------------------------------------------------

def _line_shares(allocation: AllocationResult) -> dict[tuple[str, str], dict[str, int]]:
    shares: dict[tuple[str, str], dict[str, int]] = {}
    for item in allocation.allocations:
        line = shares.setdefault((item.period, item.line), {})
        line[item.source] = line.get(item.source, 0) + to_cents(item.amount)
    return shares


def split_years(yearly: Sequence[int], parts: Sequence[int]) -> list[list[int]]:
    """Each year's cents split over the parts of a line (its sources and its unfunded part).

    When the years add up to the parts, each year is split in proportion to what each part
    still has to receive (largest remainder, ties to the earlier part): the first year exactly
    by the allocated shares, and every part's years add up to it, every year's parts to the
    year. Years that do not add up (a phasing mismatch) are split by the allocated shares.
    Returns one list of yearly cents a part.
    """
    if len(parts) == 1:
        return [list(yearly)]
    split: list[list[int]] = [[0] * len(yearly) for _ in parts]
    proportional = sum(yearly) == sum(parts)
    remaining = list(parts)
    for index, cents in enumerate(yearly):
        if not cents:
            continue
        shares = split_cents(cents, remaining if proportional else parts)
        for number, share in enumerate(shares):
            split[number][index] = share
            remaining[number] -= share
    return split


def source_years(plan: Plan, allocation: AllocationResult | None,
                 lines: Mapping[tuple[str, str], dict[int, int]] | None = None
                 ) -> tuple[dict[str, dict[int, int]], dict[int, int]]:
    """What each source is forecast to pay per year, in cents, and the unfunded part per year:
    each line's yearly amounts (`lines`, by period and line, when already known) split by its
    allocation (`split_years`); without an optimal allocation every year is unfunded."""
    years = programme_years(plan)
    source_ids = plan.source_ids
    by_source = {source: dict.fromkeys(years, 0) for source in source_ids}
    unfunded = dict.fromkeys(years, 0)
    shares = _line_shares(allocation) if allocation is not None and \
        allocation.status == "optimal" else {}
    for period in plan.periods:
        period_years = list(period.years)
        for line in period.lines:
            yearly = lines[period.id, line.id] if lines is not None else line_years(period, line)
            line_shares = shares.get((period.id, line.id), {})
            sources = [source for source in source_ids if line_shares.get(source)]
            cents = to_cents(line.amount) if line.amount is not None else 0
            parts = [line_shares[source] for source in sources]
            parts.append(max(0, cents - sum(parts)))
            if not any(parts):  # years without an amount: nobody pays for them
                parts[-1] = 1
            split = split_years([yearly[year] for year in period_years], parts)
            for source, row in zip(sources, split):
                target = by_source[source]
                for year, amount in zip(period_years, row):
                    target[year] += amount
            for year, amount in zip(period_years, split[-1]):
                unfunded[year] += amount
    return by_source, unfunded


def programme_years(plan: Plan) -> list[int]:
    """Every year from the first period's first year to the last period's last year."""
    if not plan.periods:
        return []
    return list(range(min(period.first_year for period in plan.periods),
                      max(period.last_year for period in plan.periods) + 1))


# --- the decommitment (N+n) check ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DeadlineYear:
    """One row of a source's N+n table.

    `target` is what must have been claimed by the end of `year`: the commitments of every
    year c with c + lag <= year. `covered` is the pre-financing plus every claim up to `year`;
    `at_risk` what falls short (never below 0). `closed`: the year ended on or before `as_of`,
    so its deadline has passed and its claims are the validated actuals.
    """

    year: int
    commitment: Decimal
    claims: Decimal
    target: Decimal
    covered: Decimal
    at_risk: Decimal
    closed: bool = False


def decommitment(commitment: Commitment, claims: Mapping[int, Decimal],
                 closed: Sequence[int] = ()) -> tuple[DeadlineYear, ...]:
    """The N+n table of one source: from its first commitment or claim to its last deadline
    (the last commitment year + lag) or last claim, whichever is later. `closed` lists the
    years whose deadline has passed."""
    committed = {year: to_cents(amount) for year, amount in commitment.years}
    claimed = {year: to_cents(amount) for year, amount in claims.items() if amount}
    years = [*committed, *claimed]
    if not years:
        return ()
    first = min(years)
    last = max([year + commitment.lag_years for year in committed] + list(claimed))
    covered = to_cents(commitment.prefinancing)
    rows = []
    for year in range(first, last + 1):
        covered += claimed.get(year, 0)
        target = sum(cents for committed_year, cents in committed.items()
                     if committed_year + commitment.lag_years <= year)
        rows.append(DeadlineYear(year, from_cents(committed.get(year, 0)),
                                 from_cents(claimed.get(year, 0)), from_cents(target),
                                 from_cents(covered), from_cents(max(0, target - covered)),
                                 year in closed))
    return tuple(rows)


def claim_needed(commitment: Commitment, claims: Mapping[int, Decimal],
                 year: int) -> Decimal | None:
    """The least claim in `year` that leaves nothing at risk at any deadline, the other years'
    claims as given; None when a deadline before `year` is short already (no claim in `year`
    can help it)."""
    without = {**claims, year: ZERO}
    needed = ZERO
    for row in decommitment(commitment, without):
        if row.year < year and row.at_risk:
            return None
        if row.year >= year:
            needed = max(needed, row.at_risk)
    return needed


def closed_years(as_of: date | None) -> range:
    """The years that ended on or before `as_of` (none without a date)."""
    if as_of is None:
        return range(0)
    last = as_of.year if as_of >= date(as_of.year, 12, 31) else as_of.year - 1
    return range(1900, last + 1)


def claims_of(source: str, forecast: Mapping[int, int], as_of: date | None,
              claimed: Claimed | None) -> dict[int, Decimal]:
    """The claims of a source by year: the validated actuals for the years closed by `as_of`,
    the forecast after them; in the year of `as_of` the actuals so far or the forecast,
    whichever is more. Without actuals (`claimed` None) the forecast stands for every year."""
    claims = {year: from_cents(cents) for year, cents in forecast.items()}
    if as_of is None or claimed is None:
        return claims
    done = closed_years(as_of)
    actual_years = {year for (each, year) in claimed if each == source}
    for year in sorted(set(claims) | actual_years):
        actual = claimed.get((source, year), ZERO)
        if year in done:
            claims[year] = actual
        elif year == as_of.year:
            claims[year] = max(actual, claims.get(year, ZERO))
    return claims


def validated_claims(actuals: Actuals, as_of: date) -> dict[tuple[str, int], Decimal]:
    """What each source has had validated, by (source, year): the rows of the actuals that
    name a source, have the status `validated` and are dated on or before `as_of`. Summed with
    numpy over Python integers (exact), as a million rows may come."""
    import numpy

    if not len(actuals):
        return {}
    source = numpy.asarray(actuals.source, dtype=numpy.int64)
    day = numpy.asarray(actuals.day, dtype=numpy.int64)
    keep = (source >= 0) & (day <= as_of.toordinal()) & numpy.asarray(actuals.validated,
                                                                       dtype=bool)
    if not keep.any():
        return {}
    years = ((day[keep] - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
             .astype("datetime64[Y]").astype(numpy.int64) + 1970)
    first, width = int(years.min()), int(years.max() - years.min()) + 1
    sums = numpy.zeros(len(actuals.sources) * width, dtype=object)
    numpy.add.at(sums, source[keep] * width + (years - first),
                 numpy.asarray(actuals.cents, dtype=object)[keep])
    return {(actuals.sources[index // width], first + index % width): from_cents(int(cents))
            for index, cents in enumerate(sums) if cents}


def risk_findings(commitment: Commitment, table: Sequence[DeadlineYear]) -> list[Finding]:
    """A `decommitment-risk` finding for each year with money at risk: an error when the
    year's deadline has passed, a warning when the forecast leaves it short."""
    findings = []
    lag = commitment.lag_years
    for row in table:
        if not row.at_risk:
            continue
        if row.closed:
            message = (f"{commitment.source}: the N+{lag} deadline at the end of {row.year} "
                       f"passed with {display(row.at_risk)} not claimed: "
                       f"{display(row.target)} committed for {row.year - lag} and before, "
                       f"{display(row.covered)} pre-financed and claimed")
        else:
            message = (f"{commitment.source}: {display(row.at_risk)} at risk of decommitment at "
                       f"the end of {row.year} (N+{lag}): {display(row.target)} committed for "
                       f"{row.year - lag} and before, {display(row.covered)} pre-financed and "
                       "forecast to be claimed")
        findings.append(Finding("error" if row.closed else "warning", "decommitment-risk",
                                message, expected=row.target, actual=row.covered,
                                difference=row.covered - row.target, source=commitment.source,
                                year=row.year))
    return findings


# --- everything by year, for the views -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class YearAmounts:
    """Amounts by year of one line, period, source or the programme (`key` says which)."""

    key: str
    years: tuple[tuple[int, Decimal], ...]
    period: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.years), ZERO)

    def amount(self, year: int) -> Decimal | None:
        return dict(self.years).get(year)


@dataclass(frozen=True, slots=True)
class SourcePhasing:
    """A source's forecast by year (its share of each line's years) and, when it has
    commitments, the claims counted against them and its N+n table."""

    id: str
    name: str
    forecast: YearAmounts
    commitment: Commitment | None = None
    claims: tuple[tuple[int, Decimal], ...] = ()
    decommitment: tuple[DeadlineYear, ...] = ()

    @property
    def at_risk(self) -> Decimal:
        """The most at risk at any deadline: what would be lost over the programme."""
        return max((row.at_risk for row in self.decommitment), default=ZERO)


@dataclass(frozen=True, slots=True)
class Phasing:
    """The plan by year: lines, periods and the programme; sources' forecasts and N+n tables;
    the phasing findings. `years` are the programme's years."""

    years: tuple[int, ...]
    lines: tuple[YearAmounts, ...]
    periods: tuple[YearAmounts, ...]
    programme: YearAmounts
    sources: tuple[SourcePhasing, ...]
    unfunded: YearAmounts
    findings: tuple[Finding, ...]
    as_of: date | None = None
    #: False when the funding rules conflict: no claims can be forecast.
    allocated: bool = True

    @property
    def n_plus_n_findings(self) -> tuple[Finding, ...]:
        """The findings known once the plan is allocated (the N+n check); `reconcile` has
        the phasing mismatches already."""
        return tuple(finding for finding in self.findings if finding.code != "phasing-mismatch")

    @property
    def committed(self) -> tuple[SourcePhasing, ...]:
        """The sources with commitments."""
        return tuple(source for source in self.sources if source.commitment is not None)


def _amounts(key: str, cents: Mapping[int, int], period: str | None = None) -> YearAmounts:
    return YearAmounts(key, tuple((year, from_cents(amount)) for year, amount in cents.items()),
                       period)


def phasing(plan: Plan, allocation: AllocationResult | None, *, as_of: date | None = None,
            claimed: Claimed | None = None) -> Phasing:
    """The plan by year and the N+n check of every source with commitments.

    `as_of` closes the years that ended by then: money at risk there is an error, after them a
    warning. `claimed` holds the validated claims by (source, year); without it the plan's
    forecast stands for every year.
    """
    years = programme_years(plan)
    lines, periods = [], []
    by_line: dict[tuple[str, str], dict[int, int]] = {}
    programme = dict.fromkeys(years, 0)
    for period in plan.periods:
        period_sum = dict.fromkeys(period.years, 0)
        for line in period.lines:
            yearly = by_line[period.id, line.id] = line_years(period, line)
            lines.append(_amounts(line.id, yearly, period.id))
            for year, cents in yearly.items():
                period_sum[year] += cents
                programme[year] += cents
        periods.append(_amounts(period.id, period_sum))
    optimal = allocation is not None and allocation.status == "optimal"
    forecast, unfunded = source_years(plan, allocation, by_line)
    commitments = {commitment.source: commitment for commitment in plan.commitments}
    closed = closed_years(as_of)
    findings = phasing_mismatches(plan)
    allocated = {source: ZERO for source in plan.source_ids}
    for item in allocation.allocations if allocation is not None else ():
        allocated[item.source] += item.amount
    sources = []
    for source in plan.sources:
        commitment = commitments.get(source.id)
        amounts = _amounts(source.id, forecast[source.id])
        if commitment is None:
            sources.append(SourcePhasing(source.id, source.name, amounts))
            continue
        claims = claims_of(source.id, forecast[source.id], as_of, claimed)
        table = decommitment(commitment, claims, closed)
        sources.append(SourcePhasing(source.id, source.name, amounts, commitment,
                                     tuple(sorted(claims.items())), table))
        if not optimal:
            continue
        findings += risk_findings(commitment, table)
        if commitment.total > allocated[source.id]:
            findings.append(Finding(
                "warning", "commitment-exceeds-allocation",
                f"{source.id} commits {display(commitment.total)} over the programme, the "
                f"allocation gives it {display(allocated[source.id])}",
                expected=allocated[source.id], actual=commitment.total,
                difference=commitment.total - allocated[source.id], source=source.id))
    if commitments and not optimal:
        findings.append(Finding("warning", "decommitment-unknown",
                                "no allocation (the funding rules conflict), so no claims can be "
                                "forecast and the N+n check is left out"))
    return Phasing(tuple(years), tuple(lines), tuple(periods), _amounts("programme", programme),
                   tuple(sources), _amounts("unfunded", unfunded), tuple(findings), as_of,
                   optimal)


def decommitment_findings(plan: Plan, allocation: AllocationResult | None, *,
                          as_of: date | None = None,
                          claimed: Claimed | None = None) -> tuple[Finding, ...]:
    """The findings of the N+n check (not the phasing mismatches, which `reconcile` reports)."""
    if not plan.commitments:
        return ()
    return phasing(plan, allocation, as_of=as_of, claimed=claimed).n_plus_n_findings
