"""The even yearly spread that planned-to-date and the N+n check read."""

from decimal import Decimal

from hypothesis import given, strategies as st

from budget_planner.core.model import Line, Period
from budget_planner.engine.phasing import even_cents, line_years, line_years_amounts


def period(first: int, last: int, amount: str) -> tuple[Period, Line]:
    line = Line("l", "Line", Decimal(amount), ("EC",))
    return Period("p", "P", first, last, Decimal(amount), (line,)), line


def test_ten_million_over_seven_years_gives_the_remainder_cent_to_the_earliest_years():
    seven = line_years_amounts(*period(2014, 2020, "10000000.00"))
    assert list(seven.values()) == [Decimal("1428571.43")] * 6 + [Decimal("1428571.42")]
    assert list(seven) == list(range(2014, 2021))


def test_a_one_year_period_is_the_line_itself():
    assert line_years(*period(2022, 2022, "400.01")) == {2022: 40001}


@given(st.integers(0, 10**17), st.integers(1, 50))
def test_even_parts_add_up_and_differ_by_at_most_a_cent(total, years):
    parts = even_cents(total, years)
    assert sum(parts) == total and len(parts) == years
    assert max(parts) - min(parts) <= 1 and parts == sorted(parts, reverse=True)
