"""Progress: money spent against the plan, per line, period, source and programme, with every
finding a programme manager must see before reporting.

Planned to date spreads each line over its period's years (`phasing.line_years`) and takes
the years before the date, plus the date's year pro rata by whole months. Per source,
`claimable` splits each line's spending in the proportions of the allocation (the same engine
as `allocate`); the part of a line no source pays for is not claimable from any.

Rows are summed as numpy integer cents (exact; Python integers when a sum could outgrow 64
bits), so a million rows take well under a second.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..core.actuals import Actuals, Reporting
from ..core.files import shown_path
from ..core.model import AllocationResult, Finding, Plan
from ..core.money import display, from_cents, to_cents
from .phasing import line_years

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Figures:
    """Spending against the plan for a line, a period or the programme, kept in cents (a
    million rows over 100,000 lines make 700,000 figures; the Decimals are made when read)."""

    amount_cents: int | None
    planned_cents: int
    actual_cents: int
    validated_cents: int

    @property
    def amount(self) -> Decimal | None:
        return None if self.amount_cents is None else from_cents(self.amount_cents)

    @property
    def planned_to_date(self) -> Decimal:
        return from_cents(self.planned_cents)

    @property
    def actual(self) -> Decimal:
        return from_cents(self.actual_cents)

    @property
    def validated(self) -> Decimal:
        return from_cents(self.validated_cents)

    @property
    def variance_cents(self) -> int:
        """planned_to_date - actual: positive when spending is behind the plan."""
        return self.planned_cents - self.actual_cents

    @property
    def variance(self) -> Decimal:
        return from_cents(self.variance_cents)

    @property
    def percent_hundredths(self) -> int:
        """actual x 100 / planned_to_date in hundredths of a percent, half-up (away from
        zero); 0 when nothing is planned."""
        actual, planned = self.actual_cents, self.planned_cents
        if planned == 0:
            return 0
        size = (abs(actual) * 20_000 + planned) // (planned * 2)
        return size if actual >= 0 else -size

    @property
    def percent(self) -> Decimal:
        return Decimal(self.percent_hundredths).scaleb(-2)

    @property
    def remaining_cents(self) -> int:
        """amount - actual."""
        return (self.amount_cents or 0) - self.actual_cents

    @property
    def remaining(self) -> Decimal:
        return from_cents(self.remaining_cents)


@dataclass(frozen=True, slots=True)
class LineProgress:
    period: str
    line: str
    activity: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class PeriodProgress:
    id: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class SourceProgress:
    """A source's money: allocated by the plan, claimed by rows naming it, claimable by its
    allocated share of what each line spent, and its share of rows not yet assigned."""

    id: str
    name: str
    allocated: Decimal
    claimed: Decimal
    claimable: Decimal
    unassigned: Decimal


@dataclass(frozen=True, slots=True)
class YearProgress:
    """Planned and actual money of a calendar year, and both summed from the programme's
    start; actual is None for years after the date."""

    year: int
    planned: Decimal
    actual: Decimal | None
    planned_cumulative: Decimal
    actual_cumulative: Decimal | None


@dataclass(frozen=True, slots=True)
class Progress:
    plan: str
    programme_name: str
    currency: str
    as_of: date
    #: How the date was chosen: "given", "plan" or "latest row".
    as_of_from: str
    programme: Figures
    periods: tuple[PeriodProgress, ...]
    lines: tuple[LineProgress, ...]
    sources: tuple[SourceProgress, ...]
    years: tuple[YearProgress, ...]
    findings: tuple[Finding, ...]
    files: tuple[str, ...] = ()

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    @property
    def ok(self) -> bool:
        return self.count("error") == 0

    def failed(self, strict: bool = False) -> bool:
        """Whether `progress` exits 1: an error, or with `strict` a warning too."""
        return not self.ok or (strict and self.count("warning") > 0)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the actuals files say of themselves (such as "illustrative figures")."""
        return tuple(finding.message for finding in self.findings
                     if finding.code == "actuals-note")


# --- dates ------------------------------------------------------------------------------------

def months_elapsed(as_of: date) -> int:
    """Whole months of `as_of`'s year gone by: the month of `as_of` counts on its last day."""
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month - 1 + (1 if as_of.day == last_day else 0)


def planned_to_date(years: dict[int, int], as_of: date) -> int:
    """Cents planned by `as_of`: the years before its year, and that year's amount x months
    elapsed / 12, half-up to the cent."""
    months = months_elapsed(as_of)
    total = 0
    for year, cents in years.items():
        if year < as_of.year:
            total += cents
        elif year == as_of.year:
            total += (cents * months * 2 + 12) // 24  # x * m / 12, half-up (cents >= 0)
    return total


def period_months(first_year: int, last_year: int, as_of: date) -> tuple[int, int]:
    """(months of the period gone by at `as_of`, months of the period)."""
    total = (last_year - first_year + 1) * 12
    gone = (as_of.year - first_year) * 12 + months_elapsed(as_of)
    return max(0, min(total, gone)), total


# --- figures ----------------------------------------------------------------------------------

def percent_of(actual: int, planned: int) -> Decimal:
    """actual x 100 / planned (cents), half-up (away from zero) to 2 decimals."""
    return Figures(None, planned, actual, 0).percent


def figures(amount: int | None, planned: int, actual: int, validated: int) -> Figures:
    return Figures(amount, planned, actual, validated)


class _Sums:
    """The rows summed by line, (line, source) and year, exactly, with numpy."""

    def __init__(self, actuals: Actuals, lines: int, sources: int, as_of: date,
                 first_year: int, last_year: int):
        import numpy

        np = numpy
        count = len(actuals)
        cents = np.asarray(actuals.cents, dtype=np.int64) if count else np.zeros(0, np.int64)
        biggest = int(np.abs(cents).max()) if count else 0
        if biggest * max(count, 1) >= 2**62:  # a sum could overflow: Python integers
            cents = np.array([int(value) for value in actuals.cents], dtype=object)
        day = np.asarray(actuals.day, dtype=np.int64)
        line = np.asarray(actuals.line, dtype=np.int64)
        source = np.asarray(actuals.source, dtype=np.int64)
        validated = np.asarray(actuals.validated, dtype=bool)
        counted = day <= as_of.toordinal()
        self.counted = counted
        self.later_count = int(count - counted.sum())
        self.later_sum = int(cents[~counted].sum()) if self.later_count else 0
        zero = np.zeros if cents.dtype != object else (lambda size, **_: np.array([0] * size,
                                                                                   dtype=object))
        c_line, c_cents = line[counted], cents[counted]
        width = sources + 1  # column 0: no source
        self.width = width
        self.actual = zero(lines, dtype=np.int64)
        np.add.at(self.actual, c_line, c_cents)
        self.validated = zero(lines, dtype=np.int64)
        mask = validated[counted]
        np.add.at(self.validated, c_line[mask], c_cents[mask])
        pair = c_line * width + (source[counted] + 1)
        self.by_pair = zero(lines * width, dtype=np.int64)
        np.add.at(self.by_pair, pair, c_cents)
        self.pair_rows = np.bincount(pair, minlength=lines * width)
        self.pair = pair
        years = ((day[counted] - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
                 .astype("datetime64[Y]").astype(np.int64) + 1970)
        self.by_year = zero(last_year - first_year + 1, dtype=np.int64)
        np.add.at(self.by_year, years - first_year, c_cents)


def progress(plan: Plan, actuals: Actuals,
             allocation: AllocationResult | Shares | Callable[[], Shares] | None, *,
             as_of: date | None = None, reporting: Reporting | None = None) -> Progress:
    """Every figure and finding of the plan's spending at `as_of` (by default the plan's
    `[reporting] as_of`, else the date of the latest row). `allocation` is the plan's, or its
    `allocation_shares`, or a function giving them, called only once the figures that do not
    need them are done (so that another process may allocate meanwhile); None counts as rules
    that conflict."""
    if actuals.keys and actuals.keys != tuple((period.id, line.id) for period in plan.periods
                                              for line in period.lines):
        raise ValueError("the actuals were read against another plan")
    reporting = reporting or plan.reporting
    as_of, as_of_from = reporting_date(plan, actuals, as_of, reporting)
    keys = [(period, line) for period in plan.periods for line in period.lines]
    first_year = min(period.first_year for period in plan.periods)
    last_year = max(period.last_year for period in plan.periods)
    sums = _Sums(actuals, len(keys), len(plan.sources), as_of, first_year, last_year)
    actual = [int(value) for value in sums.actual]
    validated = [int(value) for value in sums.validated]
    findings: list[Finding] = [Finding("info", "actuals-note", f"{shown_path(file)}: {text}")
                               for file, text in actuals.notes if text]

    lines: list[LineProgress] = []
    period_rows: list[PeriodProgress] = []
    yearly = [0] * (last_year - first_year + 1)
    number = 0
    total = [0, 0, 0, 0]  # amount, planned, actual, validated
    amounts: list[int] = []
    planned_cents: list[int] = []
    flexibility = (reporting.flexibility_percent, to_cents(reporting.flexibility_amount))
    months = months_elapsed(as_of)
    for period in plan.periods:
        first = number
        count = period.last_year - period.first_year + 1
        # Lines spread evenly (no profile, no stated years) are summed here without a dict of
        # years each: `even_cents` gives year k `base + (k < remainder)`.
        done = min(max(as_of.year - period.first_year, 0), count)  # whole years before as_of
        current = as_of.year - period.first_year if done < count else -1  # as_of's year
        even_base = 0
        remainders = [0] * (count + 1)  # how many even lines leave each remainder
        for line in period.lines:
            amount = None if line.amount is None else to_cents(line.amount)
            if amount is not None and not line.years and not period.profile:
                base, remainder = divmod(amount, count)
                even_base += base
                remainders[remainder] += 1
                planned = done * base + min(done, remainder)
                if current >= 0:
                    this_year = base + (1 if current < remainder else 0)
                    planned += (this_year * months * 2 + 12) // 24  # half-up (cents >= 0)
            else:
                years = line_years(period, line)
                for year, cents in years.items():
                    yearly[year - first_year] += cents
                planned = planned_to_date(years, as_of)
            spent = actual[number]
            lines.append(LineProgress(period.id, line.id, line.activity,
                                      Figures(amount, planned, spent, validated[number])))
            if spent > (amount or 0):
                findings += _line_findings(period.id, line, amount or 0, spent, flexibility)
            amounts.append(amount or 0)
            planned_cents.append(planned)
            number += 1
        above = 0  # even lines whose remainder is above year k: they get a cent more in it
        for offset in range(count - 1, -1, -1):
            above += remainders[offset + 1]
            yearly[period.first_year - first_year + offset] += even_base + above
        sums_here = [sum(values[first:number]) for values in (amounts, planned_cents, actual,
                                                              validated)]
        stated = to_cents(period.total)
        period_rows.append(PeriodProgress(period.id, figures(*sums_here)))
        if sums_here[2] > stated:
            findings.append(Finding(
                "error", "period-overspend",
                f"the period's actual {display(from_cents(sums_here[2]))} exceeds its total "
                f"{display(period.total)} by {display(from_cents(sums_here[2] - stated))}; "
                "flexibility never raises a period's total", period=period.id,
                expected=period.total, actual=from_cents(sums_here[2]),
                difference=from_cents(sums_here[2] - stated)))
        findings += _underspend(period, sums_here[1], sums_here[2], as_of, reporting)
        total = [a + b for a, b in zip(total, sums_here)]
    stated = to_cents(plan.programme.total)
    if total[2] > stated:
        findings.append(Finding(
            "error", "programme-overspend",
            f"the programme's actual {display(from_cents(total[2]))} exceeds its total "
            f"{display(plan.programme.total)} by {display(from_cents(total[2] - stated))}; "
            "flexibility never raises the programme's total", expected=plan.programme.total,
            actual=from_cents(total[2]), difference=from_cents(total[2] - stated)))

    if callable(allocation):
        allocation = allocation()
    shares = allocation if isinstance(allocation, Shares) else allocation_shares(plan,
                                                                                 allocation)
    sources, source_findings = _sources(plan, keys, shares, sums.actual, sums, actuals)
    findings += source_findings
    findings += _duplicates(actuals, sums.counted, keys)
    if sums.later_count:
        findings.append(Finding(
            "info", "after-as-of",
            f"{sums.later_count:,} row(s) dated after {as_of.isoformat()} with "
            f"{display(from_cents(sums.later_sum))} in all are not counted",
            actual=from_cents(sums.later_sum)))
    if not shares.optimal:
        findings.append(Finding("warning", "allocation-conflict",
                                "the funding rules conflict, so nothing is allocated: each "
                                "source's allocated and claimable amounts are 0 (see allocate)"))
    years = _years(first_year, yearly, [int(value) for value in sums.by_year], as_of)
    return Progress(plan.name, plan.programme.name, plan.programme.currency, as_of, as_of_from,
                    figures(*total), tuple(period_rows), tuple(lines), tuple(sources), years,
                    tuple(findings), actuals.files)


def reporting_date(plan: Plan, actuals: Actuals, as_of: date | None,
                   reporting: Reporting) -> tuple[date, str]:
    """The date figures are reported at, and how it was chosen: the one given, else the
    plan's `[reporting] as_of`, else the latest row's (progress and the N+n check agree)."""
    if as_of is not None:
        return as_of, "given"
    if reporting.as_of is not None:
        return reporting.as_of, "plan"
    if len(actuals):
        return date.fromordinal(int(max(actuals.day))), "latest row"
    first = min(period.first_year for period in plan.periods)
    return date(first, 1, 1), "latest row"


def _line_findings(period: str, line: Any, amount: int, spent: int,
                   flexibility: tuple[Decimal, int]) -> list[Finding]:
    if spent <= amount:
        return []
    percent, floor = flexibility
    allowance = max(Decimal(amount) * percent / HUNDRED, Decimal(floor))
    over = spent - amount
    allowed = (f"the flexibility allowance of {display(allowance / 100)} "
               f"(the larger of {percent.normalize():f} % of the amount and "
               f"{display(from_cents(floor))})")
    amount_text, over_text = display(from_cents(amount)), display(from_cents(over))
    common = dict(period=period, line=line.id, expected=from_cents(amount),
                  actual=from_cents(spent), difference=from_cents(over))
    if over > allowance:
        return [Finding("error", "overspend-beyond-flexibility",
                        f"{line.activity!r} spent {display(from_cents(spent))}, "
                        f"{over_text} over its amount {amount_text}: more than {allowed}",
                        **common)]  # type: ignore[arg-type]
    return [Finding("warning", "overspend-within-flexibility",
                    f"{line.activity!r} spent {display(from_cents(spent))}, {over_text} over "
                    f"its amount {amount_text}, within {allowed}; justify it in the report",
                    **common)]  # type: ignore[arg-type]


def _underspend(period: Any, planned: int, spent: int, as_of: date,
                reporting: Reporting) -> list[Finding]:
    gone, months = period_months(period.first_year, period.last_year, as_of)
    if planned <= 0 or gone * HUNDRED < reporting.underspend_after_percent * months:
        return []
    threshold = reporting.underspend_threshold_percent
    if spent * HUNDRED >= threshold * planned:
        return []
    return [Finding("warning", "underspend-risk",
                    f"{gone} of the period's {months} months have passed and its actual "
                    f"{display(from_cents(spent))} is {percent_of(spent, planned)} % of its "
                    f"planned to date {display(from_cents(planned))}, below "
                    f"{threshold.normalize():f} %: the money is at risk of being cut",
                    period=period.id, expected=from_cents(planned), actual=from_cents(spent),
                    difference=from_cents(spent - planned))]


def _sources(plan: Plan, keys: list[tuple[Any, Any]], shares: Shares,
             actual: Any, sums: _Sums, actuals: Actuals) -> tuple[list[SourceProgress],
                                                                  list[Finding]]:
    """Allocated, claimed, claimable and unassigned per source; eligibility and over-claims."""
    import numpy as np

    count, lines, width = len(plan.sources), len(keys), sums.width
    source_ids = plan.source_ids
    index = {source: number for number, source in enumerate(source_ids)}
    weights = shares.weights
    by_pair = sums.by_pair.reshape(lines, width)
    rows = sums.pair_rows.reshape(lines, width)[:, 1:]
    claims = by_pair[:, 1:]
    claimable = split_rows(actual, weights)[:, :count].sum(axis=0)
    unassigned = split_rows(by_pair[:, 0], weights)[:, :count].sum(axis=0)
    eligible = np.zeros((lines, count), dtype=bool)
    for number, (_, line) in enumerate(keys):
        for source in line.sources:
            eligible[number, index[source]] = True
    findings: list[Finding] = []
    offending = (rows > 0) & (~eligible | (claims > weights[:, :count]))
    first_rows = _first_rows(sums, actuals) if (offending & ~eligible).any() else {}
    for number, source in zip(*offending.nonzero()):
        number, source = int(number), int(source)
        period, line = keys[number]
        source_id = source_ids[source]
        name = plan.sources[source].name
        sum_here, allocated_here = int(claims[number, source]), int(weights[number, source])
        where = dict(period=period.id, line=line.id)
        if not eligible[number, source]:
            findings.append(Finding(
                "error", "ineligible-source",
                f"{int(rows[number, source]):,} row(s) with {display(from_cents(sum_here))} "
                f"claim {name} ({source_id}), which is not marked for {line.activity!r} (first "
                f"at {first_rows[number * width + source + 1]})", actual=from_cents(sum_here),
                **where))  # type: ignore[arg-type]
        else:
            findings.append(Finding(
                "error", "source-overclaimed",
                f"claims on {name} ({source_id}) add up to {display(from_cents(sum_here))}, "
                f"more than the {display(from_cents(allocated_here))} it is allocated on "
                f"{line.activity!r}", expected=from_cents(allocated_here),
                actual=from_cents(sum_here), difference=from_cents(sum_here - allocated_here),
                **where))  # type: ignore[arg-type]
    allocated = weights[:, :count].sum(axis=0)
    claimed = claims.sum(axis=0) if lines else [0] * count
    sources = [SourceProgress(source.id, source.name, from_cents(int(allocated[n])),
                              from_cents(int(claimed[n])), from_cents(int(claimable[n])),
                              from_cents(int(unassigned[n])))
               for n, source in enumerate(plan.sources)]
    return sources, findings


@dataclass(frozen=True, slots=True)
class Shares:
    """What progress needs of an allocation: per line (plan order) the cents of each source
    (plan order), then the part no source pays; `optimal` False when the rules conflict. A
    few megabytes of integers, cheap to hand from a process that allocated."""

    optimal: bool
    weights: Any


def allocation_shares(plan: Plan, allocation: AllocationResult | None) -> Shares:
    import numpy as np

    keys = [(period.id, line) for period in plan.periods for line in period.lines]
    count = len(plan.sources)
    index = {source: number for number, source in enumerate(plan.source_ids)}
    line_index = {(period, line.id): number for number, (period, line) in enumerate(keys)}
    weights = np.zeros((len(keys), count + 1), dtype=np.int64)
    optimal = allocation is not None and allocation.status == "optimal"
    if optimal:
        for item in allocation.allocations:  # type: ignore[union-attr]
            weights[line_index[item.period, item.line], index[item.source]] += to_cents(item.amount)
    amounts = np.array([to_cents(line.amount) if line.amount is not None else 0
                        for _, line in keys], dtype=np.int64)
    weights[:, count] = np.maximum(0, amounts - weights[:, :count].sum(axis=1))
    return Shares(optimal, weights)


def allocated_shares(plan: Plan, solver: str = "highs") -> Shares:
    """`allocation_shares(plan, allocate(plan, solver=solver))`, the same integers, from the
    split lines themselves: no allocation records, gaps or explanations are made."""
    import numpy as np

    from .allocation import split_lines

    found = split_lines(plan, solver=solver)
    keys = [(period.id, line) for period in plan.periods for line in period.lines]
    count = len(plan.sources)
    weights = np.zeros((len(keys), count + 1), dtype=np.int64)
    if found is not None:
        index = {source: number for number, source in enumerate(plan.source_ids)}
        line_index = {(period, line.id): number for number, (period, line) in enumerate(keys)}
        rows: list[int] = []
        columns: list[int] = []
        values: list[int] = []
        for item, row in found:
            number = line_index[item.period, item.line.id]
            for cell, cents in zip(item.cells, row):
                rows.append(number)
                columns.append(index[cell.source])
                values.append(cents)
        np.add.at(weights, (np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)),
                  np.array(values, dtype=np.int64))
    amounts = np.array([to_cents(line.amount) if line.amount is not None else 0
                        for _, line in keys], dtype=np.int64)
    weights[:, count] = np.maximum(0, amounts - weights[:, :count].sum(axis=1))
    return Shares(found is not None, weights)


def split_rows(totals: Any, weights: Any) -> Any:
    """`money.split_cents` of each total over its row of weights, for all rows at once
    (numpy, the same floor-and-largest-remainder rule, ties to the earlier weight); a row
    whose weights are all zero gets nothing."""
    import numpy as np

    totals = np.asarray(totals)
    if len(totals) and int(np.abs(totals).max()) * int(weights.max(initial=0)) * 2 >= 2**63:
        totals, weights = totals.astype(object), weights.astype(object)  # exact beyond 64 bits
    weight_sums = weights.sum(axis=1)
    divisor = np.where(weight_sums > 0, weight_sums, 1)[:, None]
    product = totals[:, None] * weights
    parts, remainders = product // divisor, product % divisor
    left = totals - parts.sum(axis=1)
    if remainders.dtype == object:  # sort exactly, not as floats
        order = np.array([sorted(range(row.size), key=lambda n, row=row: -row[n])
                          for row in remainders], dtype=np.int64).reshape(remainders.shape)
    else:
        order = np.argsort(-remainders, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(order.shape[1]), order.shape),
                      axis=1)
    parts = parts + (ranks < left[:, None])
    parts[weight_sums <= 0] = 0
    return parts


def _first_rows(sums: _Sums, actuals: Actuals) -> dict[int, str]:
    """`file:ROW` of the first counted row of each (line, source) pair."""
    import numpy as np

    counted_rows = np.nonzero(sums.counted)[0]
    pairs, first = np.unique(sums.pair, return_index=True)
    return {int(pair): _where(actuals, int(counted_rows[at])) for pair, at in zip(pairs, first)}


def _where(actuals: Actuals, row: int) -> str:
    file = actuals.files[int(actuals.file[row])] if actuals.files else ""
    return f"{shown_path(file)}:{int(actuals.row[row])}"


def _duplicates(actuals: Actuals, counted: Any, keys: list[tuple[Any, Any]]) -> list[Finding]:
    """Rows with the same line, reference, date and amount (rows without a reference are not
    compared: nothing tells two of them apart)."""
    import numpy as np

    rows = np.nonzero(counted)[0]
    if len(rows) < 2:
        return []
    line = np.asarray(actuals.line, dtype=np.int64)[rows].astype(np.uint64)
    day = np.asarray(actuals.day, dtype=np.int64)[rows].astype(np.uint64)
    cents = np.asarray(actuals.cents)[rows]
    if cents.dtype == object:
        cents = np.array([hash(int(value)) for value in cents], dtype=np.int64)
    # One 64-bit key a row (equal rows, equal keys); rows sharing a key are compared exactly.
    hashed = (line * np.uint64(0x9E3779B97F4A7C15) + day) * np.uint64(0xBF58476D1CE4E5B9) \
        + cents.astype(np.uint64)
    order = np.argsort(hashed, kind="stable")
    same = hashed[order][1:] == hashed[order][:-1]
    candidates = set(order[1:][same].tolist()) | set(order[:-1][same].tolist())
    groups: dict[tuple[int, str, int, int], list[int]] = {}
    for at in sorted(int(rows[number]) for number in candidates):
        reference = actuals.reference_at(at)
        if reference:
            key = (int(actuals.line[at]), reference, int(actuals.day[at]),
                   int(actuals.cents[at]))
            groups.setdefault(key, []).append(at)
    findings = []
    for (number, reference, ordinal, amount), found in groups.items():
        if len(found) < 2:
            continue
        period, plan_line = keys[number]
        findings.append(Finding(
            "warning", "duplicate-expense",
            f"{len(found)} rows with reference {reference!r}, "
            f"{date.fromordinal(ordinal).isoformat()} and {display(from_cents(amount))}: "
            f"{', '.join(_where(actuals, at) for at in found)}; is one expense counted twice?",
            period=period.id, line=plan_line.id, actual=from_cents(amount * len(found))))
    return findings


def _years(first_year: int, planned: list[int], spent: list[int],
           as_of: date) -> tuple[YearProgress, ...]:
    rows = []
    planned_sum = spent_sum = 0
    for offset, (plan_cents, spent_cents) in enumerate(zip(planned, spent)):
        year = first_year + offset
        planned_sum += plan_cents
        spent_sum += spent_cents
        past = year <= as_of.year
        rows.append(YearProgress(year, from_cents(plan_cents),
                                 from_cents(spent_cents) if past else None,
                                 from_cents(planned_sum),
                                 from_cents(spent_sum) if past else None))
    return tuple(rows)
