"""Invariants of phasing, for any figures: whole cents that add up, and an N+n check that only
improves when more is claimed."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from budget_planner.core.model import Commitment, Line, Period
from budget_planner.core.money import from_cents, split_cents
from budget_planner.engine.phasing import decommitment, line_years, split_years

cents = st.integers(0, 10**15)
weights = st.lists(st.one_of(st.integers(0, 1000).map(Decimal),
                             st.decimals(0, 100, places=3, allow_nan=False)),
                   min_size=1, max_size=12).filter(any)


@given(cents, weights)
def test_yearly_amounts_add_up_to_the_line_for_any_weights(total, profile):
    line = Line("l", "Line", from_cents(total), ("EC",))
    period = Period("p", "P", 2000, 2000 + len(profile) - 1, from_cents(total), (line,),
                    profile=tuple(profile))
    years = line_years(period, line)
    assert list(years) == list(range(2000, 2000 + len(profile)))
    assert sum(years.values()) == total
    weight_sum = sum(profile)
    for part, weight in zip(years.values(), profile):
        exact = Decimal(total) * weight / weight_sum
        assert part >= 0 and abs(part - exact) < 1  # each year its share, to the cent


@given(cents, st.one_of(st.just(()), st.tuples(st.integers(1, 1000).map(Decimal))))
def test_a_one_year_period_is_the_line_itself(total, profile):
    line = Line("l", "Line", from_cents(total), ("EC",))
    period = Period("p", "P", 2024, 2024, from_cents(total), (line,), profile=profile)
    assert line_years(period, line) == {2024: total}


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=6), st.data())
def test_each_source_gets_its_allocation_and_each_year_its_amount(parts, data):
    years = data.draw(st.integers(1, 8))
    yearly = split_cents(sum(parts), data.draw(st.lists(st.integers(0, 9), min_size=years,
                                                        max_size=years).filter(any)))
    split = split_years(yearly, parts)
    assert [sum(row) for row in split] == parts
    assert [sum(column) for column in zip(*split)] == yearly
    assert all(cell >= 0 for row in split for cell in row)


amounts = st.integers(0, 10**9).map(from_cents)
years = st.integers(2014, 2030)


@given(st.integers(0, 5), amounts, st.dictionaries(years, amounts, max_size=8),
       st.dictionaries(years, amounts, max_size=8), years, st.integers(1, 10**9).map(from_cents))
def test_at_risk_is_never_negative_and_never_rises_when_a_claim_rises(
        lag, prefinancing, committed, claims, year, more):
    commitment = Commitment("EC", lag, prefinancing, tuple(sorted(committed.items())))
    before = {row.year: row.at_risk for row in decommitment(commitment, claims)}
    assert all(value >= 0 for value in before.values())
    raised = {**claims, year: claims.get(year, Decimal(0)) + more}
    after = {row.year: row.at_risk for row in decommitment(commitment, raised)}
    assert all(value >= 0 for value in after.values())
    for each, value in after.items():
        assert value <= before.get(each, value)
    # A year's claim counts from that year on: nothing before it changes.
    assert all(after[each] == before[each] for each in before if each < year)
