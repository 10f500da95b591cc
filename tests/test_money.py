"""`split_cents`: whole cents shared in proportion to weights, worked examples and invariants.

Expected parts are worked out by hand, or (in the property tests) from exact fractions
computed here, never by the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget_planner.core.money import split_cents

D = Decimal


@pytest.mark.parametrize(("total", "weights", "parts"), [
    # 100 / 3 = 33.33 each: one cent left, to the first of the three equal remainders.
    (100, [1, 1, 1], [34, 33, 33]),
    # Shares over 70 %: 1000 * 45/70 = 642.86, 1000 * 20/70 = 285.71, 1000 * 5/70 = 71.43;
    # floors 642 + 285 + 71 = 998, the two cents go to .86 and .71.
    (1000, [D("0.45"), D("0.20"), D("0.05")], [643, 286, 71]),
    # 3 * 40/90 = 1.33, 3 * 10/90 = 0.33, 1.33 again: three equal remainders of 1/3 and one
    # cent left, which goes to the earliest, whatever the size of the whole parts.
    (3, [D("0.4"), D("0.1"), D("0.4")], [2, 0, 1]),
    (7, [1, 2, 4], [1, 2, 4]),  # exact shares need no rounding
    (5, [0, 3, 0], [0, 5, 0]),
    (0, [0, 0], [0, 0]),
    (0, [], []),
])
def test_worked_examples(total, weights, parts):
    assert split_cents(total, weights) == parts


def test_nothing_to_split_by_is_refused():
    with pytest.raises(ValueError, match="all zero"):
        split_cents(5, [0, 0])
    with pytest.raises(ValueError, match="negative"):
        split_cents(5, [2, -1])


int_weights = st.lists(st.integers(0, 10**9), min_size=1, max_size=12)
share_weights = st.lists(st.integers(0, 10**4).map(lambda basis: D(basis) / 10**4),
                         min_size=1, max_size=12)


@given(total=st.integers(0, 10**15), weights=int_weights | share_weights)
def test_parts_add_up_and_each_is_its_exact_share_rounded(total, weights):
    """The parts add up to the total; each is its exact share rounded down or up; the cents
    rounded up go to the largest remainders, ties to the earlier weight."""
    exact_weights = [Fraction(weight) for weight in weights]
    weight_sum = sum(exact_weights)
    if weight_sum == 0:
        return
    parts = split_cents(total, weights)
    assert sum(parts) == total
    exact = [total * weight / weight_sum for weight in exact_weights]
    assert all(share - 1 < part < share + 1 for part, share in zip(parts, exact))
    up = [number for number, (part, share) in enumerate(zip(parts, exact)) if part > share]
    down = [number for number in range(len(parts)) if number not in up]

    def rank(number: int) -> tuple[Fraction, int]:  # larger remainder first, then earlier
        return (-(exact[number] - int(exact[number])), number)

    assert all(rank(first) < rank(second) for first in up for second in down
               if exact[second] != int(exact[second]))


@given(total=st.integers(0, 10**12), weights=int_weights, factor=st.integers(1, 1000))
def test_only_the_proportions_of_the_weights_count(total, weights, factor):
    if not any(weights):
        return
    parts = split_cents(total, weights)
    assert split_cents(total, [weight * factor for weight in weights]) == parts
    assert split_cents(total, [D(weight) / 100 for weight in weights]) == parts


@given(total=st.integers(0, 10**6), weight=st.integers(1, 10**6), count=st.integers(1, 20))
def test_equal_weights_give_the_extra_cents_to_the_earliest(total, weight, count):
    parts = split_cents(total, [weight] * count)
    assert parts == [total // count + (1 if number < total % count else 0)
                     for number in range(count)]
