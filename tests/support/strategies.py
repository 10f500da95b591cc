"""Hypothesis strategies shared by the property tests: random funded plans and their rules, and
arbitrary TOML values; `line_bounds` works out what the generated rules allow a line."""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hypothesis import strategies as st

D = Decimal

SOURCES = ("EC", "NATIONAL", "OTHER")


@st.composite
def rule_lists(draw, periods, *, max_caps: int, max_min_share: int, pledge_odds: int):
    """Caps, global share rules (min in whole percents, max in hundredths of a percent) and
    pledges (about one marked line in `pledge_odds`) over `periods` as `funded_plans` draws
    them; at most one share rule and one pledge per source and scope."""
    period_ids = [period_id for period_id, _ in periods]
    caps = draw(st.lists(st.tuples(st.sampled_from(SOURCES), st.sampled_from([None, *period_ids]),
                                   st.integers(0, 10**9)),
                         max_size=max_caps, unique_by=lambda cap: cap[:2]))
    shares = draw(st.lists(st.tuples(st.sampled_from(SOURCES),
                                     st.one_of(st.none(), st.integers(0, max_min_share)),
                                     st.one_of(st.none(), st.integers(0, 10000))),
                           max_size=2, unique_by=lambda share: share[0]))
    shares = [(s, low, high) for s, low, high in shares
              if (low, high) != (None, None) and (high is None or low is None or low * 100 <= high)]
    pledges = []
    for period_id, lines in periods:
        for line_id, amount, marked in lines:
            if marked and draw(st.integers(0, pledge_odds - 1)) == 0:
                pledges.append((draw(st.sampled_from(marked)), period_id, line_id,
                                draw(st.integers(0, int(D(amount) * 100)))))
    pledges = list({(s, p, line): (s, p, line, c) for s, p, line, c in pledges}.values())
    return {"caps": caps, "shares": shares, "pledges": pledges}


@st.composite
def funded_plans(draw):
    """A random plan with caps, global share rules, pledges and a preference."""
    periods = []
    for number in range(draw(st.integers(1, 2))):
        lines = []
        for line_number in range(draw(st.integers(1, 5))):
            cents = draw(st.one_of(st.integers(0, 500), st.integers(0, 10**9)))
            marked = draw(st.lists(st.sampled_from(SOURCES), unique=True, max_size=3))
            lines.append((f"l{line_number}", f"{D(cents) / 100:.2f}",
                          [s for s in SOURCES if s in marked]))
        periods.append((f"p{number}", lines))
    rules = draw(rule_lists(periods, max_caps=4, max_min_share=40, pledge_odds=6))
    preference = draw(st.sampled_from(["", "priority", "cost", "target_mix"]))
    text, costs = "", {}
    if preference == "priority":
        order = draw(st.permutations(SOURCES))
        text = f"[funding.preference]\npriority = {json.dumps(list(order))}\n"
    elif preference == "cost":
        costs = dict(zip(SOURCES, draw(st.lists(st.integers(0, 30000).map(lambda c: D(c) / 10000),
                                                 min_size=3, max_size=3))))
        text = ("[funding.preference]\ncost = { "
                + ", ".join(f'{s} = "{c}"' for s, c in costs.items()) + " }\n")
    elif preference == "target_mix":
        first = draw(st.integers(0, 100))
        second = draw(st.integers(0, 100 - first))
        mix = [first, second, 100 - first - second]
        text = ("[funding.preference]\ntarget_mix = { "
                + ", ".join(f'{s} = "{m}%"' for s, m in zip(SOURCES, mix)) + " }\n")
    return periods, {**rules, "preference": text, "costs": costs}


def line_bounds(amount: Decimal, source: str, pledge, shares) -> tuple[int, int]:
    """A line's bounds for one source in cents, worked out here from the rules."""
    cents = int(amount * 100)
    low, high = 0, cents
    for rule_source, minimum, maximum in shares:
        if rule_source == source:
            if minimum is not None:
                low = int((D(minimum) / 100 * cents).to_integral_value(ROUND_CEILING))
            if maximum is not None:
                high = int((D(maximum) / 10000 * cents).to_integral_value(ROUND_FLOOR))
    if pledge is not None:
        return (pledge, pledge) if low <= pledge <= high else (1, 0)
    return low, high


SCHEMA_KEYS = ["programme", "sources", "periods", "lines", "include", "funding", "id", "name",
               "currency", "total", "amount", "activity", "first_year", "last_year", "title",
               "notes", "source_notes", "EC", "NATIONAL"]
keys = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=8))
scalars = st.one_of(st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1),
                    st.floats(), st.text(max_size=12),
                    st.sampled_from(["EC", "2020", "1.005", "-1", "1e3", "NaN", " 12 ", "../x.toml",
                                     "", "plan.toml", "\x00"]))
values = st.recursive(scalars,
                      lambda children: st.one_of(st.lists(children, max_size=4),
                                                 st.dictionaries(keys, children, max_size=5)),
                      max_leaves=25)
