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


# --- reading amounts: each rule, its code and its whole message --------------------------------

from budget_planner.core.money import (  # noqa: E402 - the reading half of the module
    MoneyError, cents_text, display, from_cents, money_text, parse_money, to_cents, type_name)

INVALID = ("is not an amount; write digits with at most two decimals, "
           'such as "1234.56" or "1_850_000"')


@pytest.mark.parametrize(("value", "amount"), [
    (0, D("0.00")), (1_850_000, D("1850000.00")), ("1234.56", D("1234.56")),
    ("1234", D("1234.00")), (" 1_850_000 ", D("1850000.00")), ("1 850 000.5", D("1850000.50")),
    ("+12.3", D("12.30")), ("-0", D("0.00")), ("-0.00", D("0.00")), ("007", D("7.00")),
    ("999999999999999.99", D("999999999999999.99")), (999999999999999, D("999999999999999.00")),
    (" 999999999999999.99", D("999999999999999.99")),  # the largest, read the long way
])
def test_amounts_are_read_exactly(value, amount):
    read = parse_money(value)
    assert read == amount and str(read) == str(amount)  # two decimals, never "-0.00"


@pytest.mark.parametrize(("value", "code", "message"), [
    (True, "wrong-type", "expected an amount, found a boolean (true)"),
    (False, "wrong-type", "expected an amount, found a boolean (false)"),
    (400.0, "money-float", "400.0 is a TOML float, which cannot hold every amount exactly; "
                           'write a whole number (1_850_000) or a quoted decimal string ("1234.56")'),
    ("twelve", "money-invalid", f"'twelve' {INVALID}"),
    ("1e30", "money-invalid", f"'1e30' {INVALID}"),
    ("1,000", "money-invalid", f"'1,000' {INVALID}"),
    ("", "money-invalid", f"'' {INVALID}"),
    ("200.005", "money-precision", "'200.005' has more than two decimals; amounts are kept in "
                                   "whole cents"),
    ("1_000.001", "money-precision", "'1_000.001' has more than two decimals; amounts are kept "
                                     "in whole cents"),
    (-1, "money-negative", "-1 is negative; amounts must be 0 or more"),
    ("-0.01", "money-negative", "'-0.01' is negative; amounts must be 0 or more"),
    (10**15, "money-too-large", "1000000000000000 is larger than the largest amount accepted "
                                "(999,999,999,999,999.99)"),
    ("1000000000000000.00", "money-too-large", "'1000000000000000.00' is larger than the "
                                               "largest amount accepted (999,999,999,999,999.99)"),
    ([1], "wrong-type", "expected an amount (integer or decimal string), found an array"),
    (None, "wrong-type", "expected an amount (integer or decimal string), found a NoneType"),
])
def test_each_wrong_amount_has_its_code_and_message(value, code, message):
    with pytest.raises(MoneyError) as refused:
        parse_money(value)
    assert (refused.value.code, refused.value.message, str(refused.value)) == (code, message,
                                                                              message)


def test_cents_are_whole_or_refused():
    assert to_cents(D("12.34")) == 1234 and to_cents(D("0")) == 0 and to_cents(D("-0.01")) == -1
    assert type(to_cents(D("5.00"))) is int
    with pytest.raises(ValueError, match=r"^12.345 is not a whole number of cents$"):
        to_cents(D("12.345"))
    with pytest.raises(ValueError):
        to_cents(D("0.001"))


@pytest.mark.parametrize(("cents", "text", "shown"), [
    (0, "0.00", "0.00"), (5, "0.05", "0.05"), (-5, "-0.05", "-0.05"), (100, "1.00", "1.00"),
    (185000000, "1850000.00", "1,850,000.00"), (-123456, "-1234.56", "-1,234.56"),
])
def test_cents_as_text(cents, text, shown):
    assert str(from_cents(cents)) == text and from_cents(cents) == D(text)
    assert cents_text(cents) == text == money_text(D(text))
    assert display(D(text)) == shown and display(from_cents(cents)) == shown
    assert money_text(D("1.5")) == "1.50" and money_text(D("2")) == "2.00"


def test_nothing_shows_as_nothing_or_the_blank():
    assert cents_text(None) is None and money_text(None) is None
    assert display(None) == "" and display(None, "–") == "–" and display(D("1"), "–") == "1.00"


@pytest.mark.parametrize(("value", "name"), [
    (True, "a boolean"), (1, "an integer"), (1.5, "a float"), ("x", "a string"),
    ([], "an array"), ({}, "a table"), (D("1"), "a Decimal"),
])
def test_type_names(value, name):
    assert type_name(value) == name


def test_weights_may_mix_integers_and_decimals():
    assert split_cents(10, [1, D("1.5")]) == [4, 6]
    assert split_cents(3, [D("0.5"), 1]) == [1, 2]
    with pytest.raises(ValueError, match="^weights must not be negative$"):
        split_cents(5, [1, -1])
    with pytest.raises(ValueError, match="^cannot split 5 cents by weights that are all zero$"):
        split_cents(5, [0, D("0")])
