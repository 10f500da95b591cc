"""Properties of progress that hold for any rows: sums are exact, claimables add up per line,
and neither the order of the rows nor how they are split over files changes a figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy
from hypothesis import given, settings, strategies as st

from budget_planner.core.actuals import ActualRow, actuals_from_rows, join_actuals
from budget_planner.core.model import Allocation, AllocationResult, Line, Period, Plan, Programme, Source
from budget_planner.core.money import split_cents
from budget_planner.engine.actuals import progress, split_rows
from budget_planner.views.progress import progress_json
from tests.support.plans import funding_text, plan_text
from tests.support.strategies import funded_plans

SOURCES = ("EC", "NATIONAL", "OTHER")
LINES = (("P1", "a", "100000.00", ("EC", "NATIONAL")), ("P1", "b", "2500.50", ("OTHER",)),
         ("P2", "c", "0.00", ("EC",)), ("P2", "d", "777.77", ("EC", "NATIONAL", "OTHER")))
PLAN = Plan(
    "props", Programme("Props", "EUR", Decimal("103278.27")),
    tuple(Source(source, source) for source in SOURCES),
    (Period("P1", "", 2020, 2022, Decimal("102500.50"),
            tuple(Line(line, line, Decimal(amount), marks) for p, line, amount, marks in LINES
                  if p == "P1")),
     Period("P2", "", 2023, 2023, Decimal("777.77"),
            tuple(Line(line, line, Decimal(amount), marks) for p, line, amount, marks in LINES
                  if p == "P2"))))
#: Shares that do not divide evenly, and a gap on line d.
ALLOCATION = AllocationResult("optimal", "by hand", Decimal(0), (
    Allocation("P1", "a", "EC", Decimal("33333.33")),
    Allocation("P1", "a", "NATIONAL", Decimal("66666.67")),
    Allocation("P1", "b", "OTHER", Decimal("2500.50")),
    Allocation("P2", "d", "EC", Decimal("111.11")),
    Allocation("P2", "d", "OTHER", Decimal("333.33"))), (), ())
KEYS = tuple((period, line) for period, line, _, _ in LINES)

rows = st.builds(
    lambda key, day, cents, source, validated, reference: ActualRow(
        date(2020, 1, 1).fromordinal(date(2020, 1, 1).toordinal() + day), *KEYS[key],
        Decimal(cents) / 100, source, "validated" if validated else "reported", reference,
        "a.csv", 0),
    st.integers(0, len(KEYS) - 1), st.integers(0, 4 * 365 - 1),
    st.integers(-10**9, 10**9) | st.sampled_from([0, 1, -1, 10**16]),
    st.sampled_from([None, *SOURCES]), st.booleans(), st.sampled_from(["", "R1", "R2"]))


def numbered(found: list[ActualRow], file: str = "a.csv") -> list[ActualRow]:
    return [ActualRow(row.date, row.period, row.line, row.amount, row.source, row.status,
                      row.reference, file, number + 2) for number, row in enumerate(found)]


def figures(found: list[ActualRow], *, split: int | None = None) -> dict:
    """Every figure of progress at the end of the programme, findings by code and place."""
    if split is None:
        actuals = actuals_from_rows(numbered(found), KEYS, SOURCES)
    else:
        actuals = join_actuals([actuals_from_rows(numbered(found[:split], "a.csv"), KEYS,
                                                  SOURCES),
                                actuals_from_rows(numbered(found[split:], "b.csv"), KEYS,
                                                  SOURCES)])
    result = progress(PLAN, actuals, ALLOCATION, as_of=date(2023, 12, 31))
    data = progress_json(result)
    data["findings"] = sorted((f["code"], f["period"] or "", f["line"] or "", f["actual"] or "")
                              for f in data.pop("findings"))
    return data


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=40))
def test_line_actuals_add_up_to_the_file_total(found):
    data = figures(found)
    total = sum((row.amount for row in found), Decimal(0))
    assert sum(Decimal(line["actual"]) for line in data["lines"]) == total
    assert Decimal(data["programme"]["actual"]) == total
    assert sum(Decimal(period["actual"]) for period in data["periods"]) == total
    assert sum(Decimal(source["claimed"]) for source in data["sources"]) == total - sum(
        (row.amount for row in found if row.source is None), Decimal(0))


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=40), st.randoms(use_true_random=False))
def test_reordering_the_rows_changes_nothing(found, random):
    shuffled = list(found)
    random.shuffle(shuffled)
    assert figures(shuffled) == figures(found)


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=40), st.data())
def test_splitting_a_file_in_two_changes_nothing(found, data):
    split = data.draw(st.integers(0, len(found)))
    assert figures(found, split=split) == figures(found)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**18, 10**18), min_size=1, max_size=8),
       st.lists(st.lists(st.integers(0, 10**17), min_size=4, max_size=4), min_size=8,
                max_size=8))
def test_claimables_add_up_per_line(totals, weights):
    """Each line's parts add up to its spending (the gap's part included), whatever the
    sizes: the numpy split is the exact split_cents, row by row."""
    weights = weights[:len(totals)]
    parts = split_rows(numpy.array(totals, dtype=object if max(map(abs, totals)) >= 2**62
                                   else numpy.int64),
                       numpy.array(weights, dtype=numpy.int64))
    for total, row_weights, row in zip(totals, weights, parts.tolist()):
        if sum(row_weights) > 0:
            assert row == split_cents(total, row_weights)
        assert sum(row) == (total if sum(row_weights) > 0 else 0)


def test_a_line_with_spending_and_a_gap_splits_it_between_sources_and_the_gap():
    found = [ActualRow(date(2023, 5, 1), "P2", "d", Decimal("777.77"), "EC", "reported", "",
                       "a.csv", 2)]
    sources = {s["id"]: Decimal(s["claimable"]) for s in figures(found)["sources"]}
    # Shares of 777.77: EC 111.11, OTHER 333.33, the gap 333.33; the gap's part is nobody's.
    assert sources == {"EC": Decimal("111.11"), "NATIONAL": Decimal(0),
                       "OTHER": Decimal("333.33")}


def test_sums_beyond_64_bits_stay_exact():
    biggest = Decimal("999999999999999.99")
    found = [ActualRow(date(2020, 2, 1), "P1", "a", biggest, "EC", "reported", "", "a.csv", 2)
             ] * 100
    data = figures(found)
    assert Decimal(data["programme"]["actual"]) == biggest * 100  # 10^17, beyond 2^63 cents
    assert sum(Decimal(s["claimable"]) for s in data["sources"]) == biggest * 100


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("0123456789.-+e ", min_size=0, max_size=20), min_size=1, max_size=20))
def test_the_plain_reader_takes_an_amount_exactly_when_it_is_plain(texts):
    from budget_planner.planfile.actuals import (_PLAIN_AMOUNT, _gathered, _plain_cents,
                                                 parse_actual_amount)

    body = "".join(f"{text}\n" for text in texts).encode()
    data = numpy.frombuffer(body, dtype=numpy.uint8)
    ends = numpy.flatnonzero(data == 10)
    starts = numpy.concatenate(([0], ends[:-1] + 1))
    chars = _gathered(data, starts, ends, 19)
    cents = None if chars is None else _plain_cents(chars)
    if all(_PLAIN_AMOUNT.fullmatch(text) for text in texts):
        assert cents is not None
        assert cents.tolist() == [int(parse_actual_amount(text) * 100) for text in texts]
    else:
        assert cents is None


@settings(max_examples=40, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30))
def test_the_plain_and_the_checked_reader_agree(found):
    from budget_planner.planfile.actuals import ActualsPlan, read_actuals_csv
    import tempfile
    from pathlib import Path

    lines = [f"{row.date.isoformat()},{row.period}/{row.line},{row.amount},{row.source or ''},"
             f"{row.status if row.reference else ''},{row.reference}" for row in found]
    known = ActualsPlan(PLAN)
    with tempfile.TemporaryDirectory() as folder:
        plain, quoted = Path(folder, "plain.csv"), Path(folder, "quoted.csv")
        plain.write_text("date,line,amount,source,status,reference\n" + "\n".join(lines) + "\n")
        quoted.write_text('"date",line,amount,source,status,reference\n' + "\n".join(lines))
        fast, fast_problems = read_actuals_csv(plain, known)
        slow, slow_problems = read_actuals_csv(quoted, known)
    assert fast_problems == slow_problems == []
    shape = [(r.date, r.line, r.amount, r.source, r.status, r.reference, r.row)
             for r in fast.rows()]
    assert shape == [(r.date, r.line, r.amount, r.source, r.status, r.reference, r.row)
                     for r in slow.rows()]


@given(st.integers(-10**19, 10**19), st.integers(0, 10**19))
def test_percent_is_actual_over_planned_half_up_to_the_hundredth(actual, planned):
    from decimal import ROUND_HALF_UP

    from budget_planner.engine.actuals import percent_of

    expected = Decimal("0.00") if planned == 0 else (Decimal(actual * 100) / planned).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    found = percent_of(actual, planned)
    assert found == expected and found.as_tuple().exponent == -2
    assert not str(found).startswith("-0.00")  # a tiny refund is 0.00 %, not -0.00 %


@given(st.integers(-10**20, 10**20))
def test_cents_text_is_money_text_of_the_amount(cents):
    from budget_planner.core.money import cents_text, from_cents, money_text

    assert cents_text(cents) == money_text(from_cents(cents))


# --- the allocated shares without the allocation's records -------------------------------------

@settings(max_examples=60, deadline=None)
@given(case=funded_plans())
def test_allocated_shares_are_the_shares_of_the_allocation_s_records(tmp_path_factory, case):
    """`allocated_shares` reads the split lines directly; its cents are those of the records
    `allocate` returns, line by line and source by source, and each line's cells and the
    part no source pays add up to its amount."""
    from budget_planner import load_plan
    from budget_planner.engine.actuals import allocated_shares, allocation_shares
    from budget_planner.engine.allocation import allocate

    periods, rules = case
    path = tmp_path_factory.mktemp("shares") / "plan.toml"
    path.write_text(plan_text(periods, funding_text(rules)), encoding="utf-8")
    plan, problems = load_plan(path)
    assert plan is not None, problems
    direct = allocated_shares(plan)
    result = allocate(plan)
    from_records = allocation_shares(plan, result)
    assert direct.optimal == from_records.optimal == (result.status == "optimal")
    assert direct.weights.tolist() == from_records.weights.tolist()
    if direct.optimal:
        by_record = {(item.period, item.line, item.source): int(item.amount * 100)
                     for item in result.allocations}
        number = 0
        for period in plan.periods:
            for line in period.lines:
                cells = direct.weights[number]
                assert [int(cells[n]) for n, source in enumerate(plan.source_ids)
                        if source in line.sources] == \
                    [by_record[period.id, line.id, source] for source in plan.source_ids
                     if source in line.sources]
                assert int(cells.sum()) == (0 if line.amount is None else int(line.amount * 100))
                number += 1
