"""The whole-cent split of a group's totals over its lines, on groups worked out by hand.

`split_group` rounds each line's exact shares so that every line adds up to its amount and
every source's lines to its total; among the splits that do, it picks one by a rule (each
line rounds up the columns furthest behind their exact running total, then `_repair` moves
the cents bounds left out of place). The expected matrices below follow that rule by hand,
or are the only split the bounds allow; `verify_split` is fed each kind of wrong split.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_planner.core.model import Line
from budget_planner.engine.allocation.bounds import Item
from budget_planner.engine.allocation.errors import AllocationError
from budget_planner.engine.allocation.groups import Group
from budget_planner.engine.allocation.split import split_group, verify_split


def group(sources: tuple[str, ...], lines: list[tuple[int, list[int], list[int]]]) -> Group:
    """A group of lines (cents, lower bounds, upper bounds per source) in period P."""
    items = [Item(0, "P", Line(f"l{number}", "activity", None, sources), cents, (), lo, hi,
                  (0, (), None))
             for number, (cents, lo, hi) in enumerate(lines)]
    return Group(7, 0, "P", sources, items, sum(item.cents for item in items), {}, {})


def test_one_line_takes_the_totals_whole():
    one = group(("A", "B"), [(1000, [0, 0], [1000, 1000])])
    assert split_group(one, {"A": 300, "B": 650}) == [[300, 650, 50]]


def test_exact_shares_need_no_rounding():
    three = group(("A",), [(100, [0], [100])] * 3)
    assert split_group(three, {"A": 150}) == [[50, 50]] * 3


def test_each_line_rounds_up_the_column_furthest_behind():
    # Three lines of one cent, A 2 cents, gap 1: each line's exact shares are 2/3 and 1/3.
    # Line 0: A is further behind (2/3 > 1/3) and takes the cent. Line 1: A is now 1/3
    # ahead, the gap 2/3 behind: the gap. Line 2: A 1 behind, the gap 0: A.
    three = group(("A",), [(1, [0], [1])] * 3)
    assert split_group(three, {"A": 2}) == [[1, 0], [0, 1], [1, 0]]


def test_ties_go_to_the_earlier_column():
    two = group(("A", "B"), [(1, [0, 0], [1, 1])] * 2)
    # Each line: A 1/2, B 1/2, gap 0. Line 0: A and B tie, A first; line 1: B is behind.
    assert split_group(two, {"A": 1, "B": 1}) == [[1, 0, 0], [0, 1, 0]]


def test_a_cent_a_bound_leaves_out_of_place_is_moved_where_it_may_go():
    # The third line may take nothing from A: rounding gives it the gap's cent and leaves A
    # one short; the repair moves a cent of line 1 from the gap to A, the only move allowed.
    three = group(("A",), [(1, [0], [1]), (1, [0], [1]), (1, [0], [0])])
    assert split_group(three, {"A": 2}) == [[1, 0], [1, 0], [0, 1]]


def test_lines_bounds_leave_short_are_filled_from_the_columns_that_need_it():
    # Line 0 may take only B, line 1 only A: the one split that holds.
    two = group(("A", "B"), [(2, [0, 0], [0, 2]), (2, [0, 0], [2, 0])])
    assert split_group(two, {"A": 2, "B": 2}) == [[0, 2, 0], [2, 0, 0]]


def test_a_line_over_its_amount_gives_a_cent_back():
    # Line 0 must take at least 2 cents from A, which rounds its gap share up too far.
    two = group(("A",), [(2, [2], [2]), (2, [0], [2])])
    assert split_group(two, {"A": 2}) == [[2, 0], [0, 2]]


def test_a_group_of_nothing_splits_nothing():
    empty = group(("A",), [(0, [0], [0])] * 2)
    assert split_group(empty, {"A": 0}) == [[0, 0], [0, 0]]


def test_totals_that_no_split_can_hold_are_an_error():
    blocked = group(("A",), [(1, [0], [0]), (1, [0], [0])])
    with pytest.raises(AllocationError, match="cannot split a group's totals over its lines"):
        split_group(blocked, {"A": 1})


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_split_adds_up_within_bounds_and_a_cent_of_its_share(data):
    sources = ("A", "B", "C")[: data.draw(st.integers(1, 3))]
    lines = data.draw(st.lists(st.integers(0, 500), min_size=1, max_size=6))
    amount = sum(lines)
    totals_left = amount
    totals = {}
    for source in sources:
        totals[source] = data.draw(st.integers(0, totals_left))
        totals_left -= totals[source]
    one = group(sources, [(cents, [0] * len(sources), [cents] * len(sources)) for cents in lines])
    rows = split_group(one, totals)
    verify_split(one, rows, totals)
    targets = [*(totals[source] for source in sources), amount - sum(totals.values())]
    for cents, row in zip(lines, rows):
        assert sum(row) == cents
        for target, cell in zip(targets, row):
            share = Fraction(target * cents, amount) if amount else Fraction(0)
            assert share - 1 < cell < share + 1  # the floor or the ceiling of its exact share
    assert [sum(column) for column in zip(*rows)] == targets


# --- verify_split: each wrong split is caught ----------------------------------------------------

GOOD = group(("A", "B"), [(10, [2, 0], [8, 10]), (5, [0, 0], [5, 5])])
TOTALS = {"A": 6, "B": 7}


def test_a_right_split_passes():
    verify_split(GOOD, [[4, 5, 1], [2, 2, 1]], TOTALS)
    verify_split(group(("A",), []), [], {"A": 0})


@pytest.mark.parametrize(("rows", "message"), [
    ([[4, 5, 2], [2, 2, 1]], "P/l0 does not add up to its amount"),
    ([[4, 7, -1], [2, 2, 1]], "P/l0 does not add up to its amount"),
    ([[4, 5, 1], [2, 2, 2]], "P/l1 does not add up to its amount"),
    ([[1, 8, 1], [5, -1, 1]], "P/l0: a source outside its bounds"),
    ([[9, 0, 1], [0, 4, 1]], "P/l0: a source outside its bounds"),
    ([[4, 5, 1], [6, -2, 1]], "P/l1: a source outside its bounds"),
    ([[5, 4, 1], [2, 2, 1]], "the lines of group 7 do not add up to its totals"),
    ([[4, 5, 1], [2, 3, 0]], "the lines of group 7 do not add up to its totals"),
])
def test_a_wrong_split_is_caught(rows, message):
    with pytest.raises(AllocationError) as caught:
        verify_split(GOOD, rows, TOTALS)
    assert str(caught.value) == message


def feasible_rows(cents: int, lo: list[int], hi: list[int]) -> list[list[int]]:
    """Every row of whole cents within the bounds (the gap last, at least 0)."""
    rows: list[list[int]] = [[]]
    for low, high in zip(lo, hi):
        rows = [[*row, value] for row in rows for value in range(low, high + 1)]
    return [[*row, cents - sum(row)] for row in rows if sum(row) <= cents]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_bounds_give_a_split_that_holds_when_one_exists(data):
    """Bounds that pull rounding out of place: the split found holds every bound and total,
    and is refused only when no split holds (all splits enumerated)."""
    import itertools

    sources = ("A", "B")[: data.draw(st.integers(1, 2))]
    lines = []
    for _ in range(data.draw(st.integers(1, 3))):
        cents = data.draw(st.integers(0, 4))
        lo = [data.draw(st.integers(0, cents)) for _ in sources]
        hi = [data.draw(st.integers(low, cents)) for low in lo]
        lines.append((cents, lo, hi))
    choices = [feasible_rows(*line) for line in lines]
    if not all(choices):
        return
    chosen = [data.draw(st.sampled_from(rows)) for rows in choices]
    totals = {source: sum(row[number] for row in chosen) for number, source in enumerate(sources)}
    if data.draw(st.booleans()):  # totals no split may hold, sometimes
        totals = {source: data.draw(st.integers(0, 12)) for source in sources}
    one = group(sources, lines)
    holds = any(all(sum(row[number] for row in rows) == totals[source]
                    for number, source in enumerate(sources))
                for rows in itertools.product(*choices))
    if sum(totals.values()) > one.amount:
        return  # totals above the group's amount never reach split_group
    try:
        rows = split_group(one, totals)
    except AllocationError:
        assert not holds
        return
    verify_split(one, rows, totals)
    assert holds
