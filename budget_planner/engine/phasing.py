"""Money by year: each line's amount spread over its period's years in whole cents.

Actuals ("planned to date") and the decommitment (N+n) check both read the yearly figures
from here, so there is one answer to "how much of this line belongs to 2016".
"""

from __future__ import annotations

from decimal import Decimal

from ..core.model import Line, Period
from ..core.money import from_cents, to_cents


def even_cents(total: int, years: int) -> list[int]:
    """`total` cents over `years` equal parts; the remainder cents go to the earliest years."""
    base, remainder = divmod(total, years)
    return [base + (1 if index < remainder else 0) for index in range(years)]

def line_years(period: Period, line: Line) -> dict[int, int]:
    """The line's amount per year of its period, in cents (an evenly spread profile)."""
    years = range(period.first_year, period.last_year + 1)
    if line.amount is None:
        return {year: 0 for year in years}
    return dict(zip(years, even_cents(to_cents(line.amount), len(years))))

def line_years_amounts(period: Period, line: Line) -> dict[int, Decimal]:
    """`line_years` as Decimal amounts, for views."""
    return {year: from_cents(cents) for year, cents in line_years(period, line).items()}
