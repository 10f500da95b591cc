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


@pytest.mark.parametrize(("sources", "lines", "totals"), [
    # No line may take from A, whose total is a cent: a column left over.
    (("A",), [(1, [0], [0]), (1, [0], [0])], {"A": 1}),
    # C may give the line nothing but its total is a cent: the line is left a cent short.
    (("A", "B", "C"), [(2, [0, 0, 0], [2, 2, 0])], {"A": 1, "B": 0, "C": 1}),
    # The line must take 6 cents from A, whose total is 1: the line is 5 cents over.
    (("A", "B"), [(9, [6, 0], [6, 8])], {"A": 1, "B": 6}),
    # The line must take its cent from C, whose total is 0: C a cent over, A a cent short.
    (("A", "B", "C"), [(1, [0, 0, 1], [1, 0, 1])], {"A": 1, "B": 0, "C": 0}),
])
def test_totals_that_no_split_can_hold_are_an_error(sources, lines, totals):
    with pytest.raises(AllocationError) as caught:
        split_group(group(sources, lines), totals)
    assert str(caught.value) == "cannot split a group's totals over its lines"


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


# --- which of several valid moves the repair makes ----------------------------------------------
#
# Shares below are in cents of the line; "behind" is a column's exact running total less what it
# was given so far. After rounding, `_repair` puts back what bounds left out of place, one cent at
# a time: a column with a cent too many gives it, along the shortest chain of moves found breadth
# first (columns tried in their order: the sources', then the gap), to a column a cent short; each
# move is made in the line that gains most by it (the cell given up furthest above its exact
# share plus the cell taken furthest below it), the earlier line on a tie. A line left short
# takes its cent in the column where it is furthest below its exact share (least above it); a
# line left over gives it up where it is furthest above.


@pytest.mark.parametrize(("sources", "lines", "totals", "expected"), [
    # Line 1 must take all 4 cents from A, A's whole total: line 0 takes none of it.
    (("A",), [(4, [0], [1]), (4, [4], [4])], {"A": 4}, [[0, 4], [4, 0]]),
    (("A", "B"), [(4, [0, 4], [4, 4]), (4, [4, 0], [4, 2])], {"A": 4, "B": 4},
     [[0, 4, 0], [4, 0, 0]]),
    # B's total is 0 and line 1 may take no A: A's 2 cents are line 0's.
    (("A", "B"), [(2, [0, 0], [2, 2]), (2, [0, 0], [0, 2])], {"A": 2, "B": 0},
     [[2, 0, 0], [0, 0, 2]]),
    (("A", "B"), [(4, [4, 0], [4, 2]), (4, [0, 0], [0, 4])], {"A": 4, "B": 0},
     [[4, 0, 0], [0, 0, 4]]),
    # Line 1 takes B's 6 cents (at least 6) and so no A; line 0 takes B's 7th cent (at least
    # 1); C has nothing; A's 4 cents are 2 in line 0 and 2 in line 2 (each at most 2).
    (("A", "B", "C"), [(4, [1, 1, 0], [2, 4, 4]), (6, [0, 6, 0], [6, 6, 1]),
                       (2, [1, 0, 0], [2, 0, 1])], {"A": 4, "B": 7, "C": 0},
     [[2, 1, 0, 1], [0, 6, 0, 0], [2, 0, 0, 0]]),
])
def test_the_only_split_the_bounds_allow(sources, lines, totals, expected):
    assert split_group(group(sources, lines), totals) == expected


def test_a_cell_at_its_exact_share_is_not_rounded_up():
    # 6 cents: A 3, B 1, gap 2. Line 0 (2 cents; 1, 2/6, 4/6): A's 1 is exact, the gap is
    # further behind than B (4/6, 2/6): [1, 0, 1]. Line 1 (4 cents, no B; 2, 4/6, 8/6; floors 2,
    # 0, 1): A's 2 is exact and B may not take: the gap rounds up, [2, 0, 2]. B is a cent short
    # and the gap a cent over: line 0, the only line that may take B, moves it.
    one = group(("A", "B"), [(2, [0, 0], [2, 2]), (4, [0, 0], [4, 0])])
    assert split_group(one, {"A": 3, "B": 1}) == [[1, 1, 0], [2, 0, 2]]


def test_a_cell_held_below_its_floor_by_a_bound_gives_nothing_back():
    # 14 cents: A 7, B 4, gap 3. Line 0 (3 cents; 21/14, 12/14, 9/14; floors 1, 0, 0): B and
    # the gap are furthest behind (12/14, 9/14; A 7/14): [1, 1, 1]. Line 1 must take 3 from A:
    # [3, 0, 0]. Line 2 (2 cents, no B; 1, 8/14, 6/14): A's 1 is exact, the gap rounds up:
    # [1, 0, 1]. Line 3 (6 cents, at most 2 from A, at least 4 from B; 3, 24/14, 18/14): [2, 4,
    # 1] is a cent over; A's 2 is already a cent below its share and B at its least: the gap
    # gives back, [2, 4, 0]. B is a cent over and the gap short: line 0 moves it (line 3 may not
    # give B).
    one = group(("A", "B"), [(3, [0, 0], [3, 3]), (3, [3, 0], [3, 3]), (2, [0, 0], [2, 0]),
                             (6, [0, 4], [2, 6])])
    assert split_group(one, {"A": 7, "B": 4}) == [[1, 0, 2], [3, 0, 0], [1, 0, 1], [2, 4, 0]]


def test_an_over_column_gives_its_cents_to_the_first_short_column_reached():
    # 7 cents: A 1, B 3, gap 3. Line 0 (1 cent; A, B, gap 1/7, 3/7, 3/7): B and the gap tie,
    # B first: [0, 1, 0]. Line 1 must take 3 from B (its whole amount): the gap's floor (9/7 ->
    # 1) goes back: [0, 3, 0]. Line 2 (3 cents; shares 3/7, 9/7, 9/7; floors 0, 1, 1): behind
    # A 4/7 + 3/7 = 1, B -16/7 + 9/7 - 1 = -2, gap 12/7 + 9/7 - 1 = 2: the gap: [0, 1, 2].
    # A is a cent short, B two over, the gap one short. B's first cent goes to A (the first
    # short column); of lines 0 and 2, line 0 gains most (B 1 vs 3/7, A 0 vs 1/7: 4/7 + 1/7;
    # line 2: -2/7 + 3/7). Line 0 now has no B: the second goes from line 2 to the gap.
    one = group(("A", "B"), [(1, [0, 0], [1, 1]), (3, [0, 3], [2, 3]), (3, [0, 0], [3, 3])])
    assert split_group(one, {"A": 1, "B": 3}) == [[1, 0, 0], [0, 3, 0], [0, 0, 3]]


def test_a_cent_moves_in_the_line_furthest_from_its_shares():
    # 7 cents: A 3, gap 4. Line 0 (2 cents; 6/7, 8/7): A is further behind: [1, 1]. Line 1
    # (4 cents; 12/7, 16/7; floors 1, 2): behind A -1/7 + 12/7 - 1 = 4/7, gap 1/7 + 16/7 - 2
    # = 3/7: A: [2, 2]. Line 2 must take its cent from A: [1, 0]. A is a cent over, the gap a
    # cent short. Line 0 would move A 1 (1/7 above 6/7) and gap 1 (1/7 below 8/7): 2/7; line 1
    # A 2 (2/7 above 12/7) and gap 2 (2/7 below 16/7): 4/7. Line 1 moves it.
    one = group(("A",), [(2, [0], [2]), (4, [0], [4]), (1, [1], [1])])
    assert split_group(one, {"A": 3}) == [[1, 1], [1, 3], [1, 0]]


def test_equal_gains_move_the_cent_in_the_earlier_line():
    # 5 cents: A 2, gap 3. Lines 0 and 1 (2 cents, at most 1 from A; shares 4/5, 6/5): each
    # rounds A up ([1, 1]); line 2 must take its cent from A. A is a cent over: lines 0 and 1
    # gain the same (1/5 + 1/5) by moving it to the gap; line 0 does.
    one = group(("A",), [(2, [0], [1]), (2, [0], [1]), (1, [1], [1])])
    assert split_group(one, {"A": 2}) == [[0, 2], [1, 1], [1, 0]]


def test_a_cent_moves_in_the_line_whose_cells_are_furthest_from_their_shares_on_both_sides():
    # 4 cents: A 2, gap 2. Line 0 (1 cent; 2/4, 2/4): A and the gap tie, A: [1, 0]. Line 1 (2
    # cents; 1, 1) is exact: [1, 1]. Line 2 must take its cent from A: [1, 0]. A is a cent
    # over: line 0 moves it to the gap (A 1/2 above its share, the gap 1/2 below), not line 1
    # (both cells at their shares).
    one = group(("A",), [(1, [0], [1]), (2, [0], [1]), (1, [1], [1])])
    assert split_group(one, {"A": 2}) == [[0, 1], [1, 1], [1, 0]]


def test_a_line_over_gives_its_cent_to_the_column_that_is_over():
    # 12 cents: A 1, B 5, gap 6. Line 0 (4 cents; 4/12, 20/12, 2) must take 4 from B: [0, 4, 2]
    # is 2 over and only the gap may give back, once: [0, 4, 1]. Line 1 (5 cents, at most 4
    # from B; 5/12, 25/12, 30/12; floors 0, 2, 2): behind A 4/12 + 5/12, B -28/12 + 1/12, gap
    # 12/12 + 6/12: the gap, [0, 2, 3]. Line 2 (3 cents; 3/12, 15/12, 18/12; floors 0, 1, 1):
    # A 9/12 + 3/12 and the gap 6/12 + 6/12 tie, A: [1, 1, 1]. B is two over, the gap a cent
    # short, line 0 a cent over. Line 0 gives up its gap cent, the only one it may; the cent
    # the gap then lacks comes from the nearest column with a cent too many: A, reached first,
    # has none; B has, and line 2 moves it (B 1 vs 15/12, gap 1 vs 18/12: -3/12 + 6/12; line 1:
    # -1/12 - 6/12). B's last cent goes to the gap in line 1, the only line with B to give.
    one = group(("A", "B"), [(4, [0, 4], [1, 4]), (5, [0, 0], [5, 4]), (3, [0, 0], [3, 3])])
    assert split_group(one, {"A": 1, "B": 5}) == [[0, 4, 0], [0, 1, 4], [1, 0, 2]]


def test_a_line_over_gives_up_its_cent_where_it_is_least_below_its_share():
    # 20 cents: A 7, B 5, gap 8. Line 0 (1 cent, no B; 7/20, 5/20, 8/20): the gap, [0, 0, 1].
    # Line 1 (6 cents, exactly 5 from B; 42/20, 30/20, 48/20; floors 2, 5, 2) is 3 over; the gap
    # (behind -12/20 + 8/20) and A (7/20 + 2/20) give back one each: [1, 5, 1], a cent over
    # still. Line 2 (6 cents, at most 4 from A; floors 2, 1, 2): behind A 29/20 + 2/20, B -65/20
    # + 10/20, gap 16/20 + 8/20: A, [3, 1, 2]. Line 3 (7 cents, at most 2 from B; 49/20, 35/20,
    # 56/20; floors 2, 1, 2): behind A 11/20 + 9/20, B -55/20 + 15/20, gap 24/20 + 16/20: the
    # gap and A, [3, 1, 3]. B is two over, the gap a cent short. Line 1 gives up its cent in A
    # (1 is 22/20 below 42/20; the gap's 1 is 28/20 below 48/20); A's cent then comes from B,
    # the over column, in line 3 (B 1 vs 35/20, A 3 vs 49/20: -15/20 - 11/20; line 2: -10/20 -
    # 18/20). B's last cent goes to the gap in line 2, the only line left with B to give.
    one = group(("A", "B"), [(1, [0, 0], [1, 0]), (6, [0, 5], [6, 5]), (6, [0, 0], [4, 6]),
                             (7, [0, 0], [7, 2])])
    assert split_group(one, {"A": 7, "B": 5}) == [[0, 0, 1], [0, 5, 1], [3, 0, 3], [4, 0, 3]]


def test_a_line_short_takes_the_cent_a_line_over_gives_up_in_the_same_column():
    # 28 cents: A 13, B 8, gap 7. Line 0 (9 cents, exactly 8 from A; 117/28, 72/28, 63/28;
    # floors 2 for B and the gap) is 3 over; the gap (behind 7/28) and B (16/28) give back one
    # each: [8, 1, 1], a cent over still. Line 1 (1 cent, no A): behind B 44/28 + 8/28, gap
    # 35/28 + 7/28: B, [0, 1, 0]. Line 2 (6 cents, at most 1 from A; 78/28, 48/28, 42/28):
    # [1, 1, 1], and only B and the gap may round up: [1, 2, 2], a cent short still. Line 3 (8
    # cents; 104/28, 64/28, 56/28; floors 3, 2, 2): the gap's 2 is exact, B is further behind
    # (16/28 + 8/28) than A (-44/28 + 20/28): [3, 3, 2]. Line 4 (4 cents; 52/28, 32/28, 1;
    # floors 1, 1, 1): A and B are each exactly at their running totals, A: [2, 1, 1]. A is a
    # cent over and the gap a cent short; line 0 a cent over and line 2 a cent short. Line 2
    # takes its cent in B (its 2 is 8/28 above 48/28, the gap's 2 is 14/28 above 42/28), and
    # line 0, which may give B, gives it up there: [8, 0, 1], [1, 3, 2]. A's extra cent then
    # goes to the gap in line 4 (A 2 vs 52/28, gap 1 vs 1: 4/28; line 3 -20/28, line 2 -64/28).
    one = group(("A", "B"), [(9, [8, 0], [8, 7]), (1, [0, 0], [0, 1]), (6, [0, 1], [1, 6]),
                             (8, [1, 0], [8, 8]), (4, [0, 0], [4, 4])])
    assert split_group(one, {"A": 13, "B": 8}) == [[8, 0, 1], [0, 1, 0], [1, 3, 2], [3, 3, 2],
                                                   [1, 1, 2]]


def test_a_line_over_gives_back_in_a_column_above_its_lower_bound():
    # 8 cents: A 2, B 4, gap 2. Line 0 (3 cents; 6/8, 12/8, 6/8; floors 0, 1, 0): A and the gap
    # are furthest behind (6/8, B 4/8): [1, 1, 1]. Line 1 (1 cent; 2/8, 4/8, 2/8): behind, with
    # this line's share, A 0, B 1, gap 0: [0, 1, 0]. Line 2 (4 cents; exact 1, 2, 1) must take
    # 2 from A: [2, 2, 1] is a cent over; A may not give it back, B and the gap are each exactly
    # at their running totals, B comes first: [2, 1, 1]. A is a cent over and B a cent short:
    # line 0 moves it (line 1 has no A, line 2 may not give A).
    one = group(("A", "B"), [(3, [0, 0], [3, 3]), (1, [0, 0], [1, 1]), (4, [2, 0], [2, 4])])
    assert split_group(one, {"A": 2, "B": 4}) == [[0, 2, 1], [0, 1, 0], [2, 1, 1]]


def test_a_line_over_gives_back_in_the_earlier_column_on_a_tie():
    # 8 cents: A 2, B 2, gap 4; both lines' exact shares are 1, 1, 2. Line 0 takes them. Line 1
    # must take 2 from B: [1, 2, 2] is a cent over; A and the gap are each exactly at their
    # running totals, A first: [0, 2, 2]. B is a cent over, A a cent short: line 0 moves it.
    one = group(("A", "B"), [(4, [0, 0], [4, 4]), (4, [0, 2], [1, 3])])
    assert split_group(one, {"A": 2, "B": 2}) == [[2, 0, 2], [0, 2, 2]]


def test_a_line_short_takes_its_cent_where_it_is_least_above_its_share():
    # 9 cents: A 4, B 3, gap 2. Line 0 must take 2 from A: [2, 1, 0] (12/9, 1, 6/9). Line 1 may
    # take no A (shares 16/9, 12/9, 8/9): floors [0, 1, 0] and only B and the gap may round up,
    # once each: [0, 2, 1], a cent short. Line 2 (8/9, 6/9, 4/9): behind A 10/9 + 8/9, B -6/9
    # + 6/9, gap 5/9 + 4/9: A and the gap: [1, 0, 1]. A is a cent short. Line 1 takes its cent
    # in the gap (1 is 1/9 above 8/9; B's 2 is 6/9 above 12/9), which is then a cent over: line
    # 2, the only line with a gap cent that may take A, moves it there.
    one = group(("A", "B"), [(3, [2, 0], [3, 3]), (4, [0, 0], [0, 4]), (2, [0, 0], [2, 2])])
    assert split_group(one, {"A": 4, "B": 3}) == [[2, 1, 0], [0, 2, 2], [2, 0, 0]]


def test_a_line_over_after_rounding_gives_up_its_cent_along_a_chain():
    # 20 cents: A 6, B 6, gap 8. Line 0 (3 cents; 18/20, 18/20, 24/20): A and B round up:
    # [1, 1, 1]. Line 1 (8 cents; 48/20, 48/20, 64/20) must take 6 from B: [2, 6, 3] is 3 over;
    # A and the gap give back one each ([1, 6, 2]), a cent over still. Line 2 (9 cents, at most
    # 4 from A and B; 54/20, 54/20, 72/20; floors 2, 2, 3): behind A 26/20 + 14/20, B -74/20 +
    # 14/20, gap 28/20 + 12/20: A and the gap: [3, 2, 4]. A and the gap are a cent short, B
    # three over. Line 1 gives its cent up in the gap (2 is 24/20 below 64/20, A's 1 28/20 below
    # 48/20), which is then short: a cent reaches it from B, the over column, through line 0
    # (B 1 vs 18/20, gap 1 vs 24/20: 2/20 + 4/20; line 2 gains less and line 1 has no B to
    # give): [1, 0, 2], [1, 6, 1]. B's two cents left go from line 2, the only line with B to
    # give: to A (reached first) while line 2 may take it, then to the gap.
    one = group(("A", "B"), [(3, [0, 0], [3, 3]), (8, [0, 6], [8, 8]), (9, [0, 0], [4, 4])])
    assert split_group(one, {"A": 6, "B": 6}) == [[1, 0, 2], [1, 6, 1], [4, 0, 5]]


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
