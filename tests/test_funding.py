"""The `funding` section: reading rules, reporting mistakes where they are, writing them back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget_planner.engine.allocation import funding_findings
from budget_planner.core.funding import Cap, Funding, Pledge, Preference, ShareRule, percent_text
from budget_planner.planfile.rules import Known, funding_toml, parse_funding, parse_share
from budget_planner.planfile.loader import load_plan

from tests.support.plans import SMALL_PLAN

D = Decimal
KNOWN = Known(sources=("EC", "NATIONAL"), periods=("2020-2021", "2022"),
              lines={"2020-2021": ("a", "b"), "2022": ("c", "a")})

FULL = """
[[funding.caps]]
source = "EC"
period = "2022"
amount = 300

[[funding.caps]]
source = "NATIONAL"
amount = "150.50"

[[funding.shares]]
source = "EC"
max = "85%"

[[funding.shares]]
source = "NATIONAL"
period = "2020-2021"
line = "a"
min = "12.5%"
max = "40%"

[[funding.shares]]
source = "EC"
line = "c"
exactly = "100%"

[[funding.pledges]]
source = "NATIONAL"
line = "b"
amount = 100

[funding.preference]
target_mix = { EC = "60%", NATIONAL = "40%" }
"""


def test_a_full_funding_section_reads_into_exact_rules(write):
    plan, problems = load_plan(write("plan.toml", SMALL_PLAN + FULL))
    assert problems == []
    funding = plan.funding
    assert funding.caps == (Cap("EC", D("300.00"), "2022"), Cap("NATIONAL", D("150.50")))
    assert funding.shares == (
        ShareRule("EC", max=D("0.85")),
        ShareRule("NATIONAL", min=D("0.125"), max=D("0.40"), period="2020-2021", line="a"),
        ShareRule("EC", min=D("1"), max=D("1"), line="c"))
    # The only period with line b is filled in.
    assert funding.pledges == (Pledge("NATIONAL", "2020-2021", "b", D("100.00")),)
    assert funding.preference == Preference(target_mix=(("EC", D("0.6")), ("NATIONAL", D("0.4"))))
    assert funding.caps[1].origin == "funding.caps[1]"
    assert not funding.empty and Funding().empty


def test_the_seed_plan_has_no_funding_rules():
    from tests.support.plans import SEED_PLAN

    plan, _ = load_plan(SEED_PLAN)
    assert plan.funding == Funding() and plan.funding.empty


MISTAKES = [
    ('[[funding.caps]]\nsource = "ECC"\namount = 10\n', 2, "funding.caps[0].source",
     "unknown funding source 'ECC'; did you mean 'EC'?"),
    ('[[funding.caps]]\nsource = "EC"\nperiod = "2023"\namount = 10\n', 3,
     "funding.caps[0].period", "unknown period '2023'; did you mean '2022'?"),
    ('[[funding.caps]]\nsource = "EC"\namount = 10.5\n', 3, "funding.caps[0].amount",
     "TOML float"),
    ('[[funding.caps]]\nsource = "EC"\n', 1, "funding.caps[0].amount",
     "required field 'amount' is missing"),
    ('[funding]\ncap = []\n', 2, "funding.cap", "did you mean 'caps'?"),
    ('[[funding.shares]]\nsource = "EC"\nmx = "50%"\n', 3, "funding.shares[0].mx",
     "did you mean 'max'?"),
    ('[[funding.shares]]\nsource = "EC"\nmax = 0.5\n', 3, "funding.shares[0].max",
     "write a percent string"),
    ('[[funding.shares]]\nsource = "EC"\nmax = "101%"\n', 3, "funding.shares[0].max",
     "more than 100%"),
    ('[[funding.shares]]\nsource = "EC"\nmin = "60%"\nmax = "50%"\n', 3,
     "funding.shares[0].min", "min 60% is above max 50%"),
    ('[[funding.shares]]\nsource = "EC"\nexactly = "60%"\nmax = "50%"\n', 3,
     "funding.shares[0].exactly", "leave out 'min' and 'max'"),
    ('[[funding.shares]]\nsource = "EC"\nline = "d"\nmax = "50%"\n', 3,
     "funding.shares[0].line", "no line 'd' in any period"),
    ('[[funding.shares]]\nsource = "EC"\nperiod = "2022"\nline = "b"\nmax = "50%"\n', 4,
     "funding.shares[0].line", "no line 'b' in period '2022'"),
    ('[[funding.shares]]\nsource = "EC"\nmax = "5%"\n[[funding.shares]]\nsource = "EC"\n'
     'max = "6%"\n', 4, "funding.shares[1]", "already set at funding.shares[0]"),
    ('[funding.preference]\npriority = ["EC"]\ncost = { EC = 1 }\n', 3,
     "funding.preference.cost", "set exactly one of"),
    ('[funding.preference]\npriority = ["EC", "EC"]\n', 2, "funding.preference.priority[1]",
     "listed twice"),
    ('[funding.preference]\ntarget_mix = { EC = "60%", NATIONAL = "30%" }\n', 2,
     "funding.preference.target_mix", "add up to 90%, not 100%"),
    ('[funding.preference]\ncost = { EC = -1 }\n', 2, "funding.preference.cost.EC",
     "not a cost per euro"),
]


@pytest.mark.parametrize(("text", "lineno", "path", "message"), MISTAKES,
                         ids=[case[2] + ":" + case[3][:20] for case in MISTAKES])
def test_mistakes_are_reported_at_their_field_and_line(write, text, lineno, path, message):
    # The mistakes follow the small plan's last line; `lineno` counts from their first line.
    base = SMALL_PLAN.count("\n")
    plan_path = write("plan.toml", SMALL_PLAN + text)
    plan, problems = load_plan(plan_path)
    assert plan is None
    matching = [problem for problem in problems if problem.path == path]
    assert matching, [str(problem) for problem in problems]
    assert message in matching[0].message
    assert matching[0].lineno == base + lineno
    assert str(matching[0]).startswith(f"{plan_path}:{base + lineno}: {path}:")


def test_a_pledge_to_a_line_id_in_several_periods_must_name_the_period():
    problems: list[tuple[str, str, str]] = []
    parse_funding({"pledges": [{"source": "EC", "line": "a", "amount": 1}]},
                  lambda *problem: problems.append(problem), known=KNOWN)
    assert problems == [("funding.pledges[0].period", "ambiguous-line",
                         "line 'a' is in periods 2020-2021, 2022; say which with 'period'")]
    problems.clear()
    parse_funding(3, lambda *problem: problems.append(problem), known=KNOWN)
    assert problems == [("funding", "wrong-type", "expected a table ([funding]), found an integer")]


def test_every_mistake_is_reported_at_once():
    problems: list[tuple[str, str]] = []
    parse_funding({"caps": [{"source": "X", "amount": -1}, "no"], "shares": [{"source": "EC"}],
                   "extra": 1}, lambda path, code, message: problems.append((path, code)),
                  known=KNOWN)
    assert problems == [("funding.extra", "unknown-key"),
                        ("funding.caps[1]", "wrong-type"),
                        ("funding.caps[0].source", "unknown-source"),
                        ("funding.caps[0].amount", "money-negative"),
                        ("funding.shares[0].max", "missing-field")]


@pytest.mark.parametrize(("text", "share"), [("85%", "0.85"), ("12.5 %", "0.125"),
                                             ("0%", "0"), ("100%", "1"), ("33.33%", "0.3333")])
def test_shares_are_exact_fractions(text, share):
    assert parse_share(text) == D(share)
    assert parse_share(percent_text(D(share))) == D(share)


def test_merging_replaces_rules_with_the_same_source_and_scope():
    plan_rules = Funding(caps=(Cap("EC", D("100"), "2022"), Cap("NATIONAL", D("50"))),
                         shares=(ShareRule("EC", max=D("0.5")),),
                         preference=Preference(priority=("EC",)))
    scenario = Funding(caps=(Cap("EC", D("80"), "2022"), Cap("EC", D("500"))),
                       shares=(ShareRule("EC", min=D("0.1")),))
    merged = plan_rules.merged(scenario)
    assert merged.caps == (Cap("EC", D("80"), "2022"), Cap("NATIONAL", D("50")), Cap("EC", D("500")))
    # The scenario's rule replaces the plan's whole rule for that scope (its max is gone).
    assert merged.shares == (ShareRule("EC", min=D("0.1")),)
    assert merged.preference == Preference(priority=("EC",))
    assert plan_rules.merged(Funding(preference=Preference(cost=(("EC", D(1)),)))).preference \
        == Preference(cost=(("EC", D(1)),))


sources = st.sampled_from(KNOWN.sources)
periods = st.sampled_from([None, *KNOWN.periods])
shares = st.integers(0, 10000).map(lambda basis_points: D(basis_points) / 10000)
amounts = st.integers(0, 10**13).map(lambda cents: D(cents) / 100)


@st.composite
def fundings(draw):
    caps = draw(st.lists(st.builds(Cap, sources, amounts, periods), unique_by=lambda c: c.key,
                         max_size=3))
    share_rules = []
    for source, period, line, low, high in draw(st.lists(
            st.tuples(sources, periods, st.sampled_from([None, "a"]), st.none() | shares,
                      st.none() | shares), max_size=3, unique_by=lambda r: r[:3])):
        if low is None and high is None:
            low = D(0)
        if low is not None and high is not None and low > high:
            low, high = high, low
        share_rules.append(ShareRule(source, low, high, period, line))
    pledges = draw(st.lists(st.builds(Pledge, sources, st.just("2022"), st.just("c"), amounts),
                            unique_by=lambda p: p.key, max_size=2))
    preference = draw(st.one_of(
        st.none(),
        st.permutations(KNOWN.sources).map(lambda order: Preference(priority=tuple(order))),
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**4)).map(
            lambda c: Preference(cost=(("EC", D(c[0]) / 100), ("NATIONAL", D(c[1]))))),
        shares.map(lambda s: Preference(target_mix=(("EC", s), ("NATIONAL", 1 - s))))))
    return Funding(tuple(caps), tuple(share_rules), tuple(pledges), preference)


@given(funding=fundings())
def test_funding_written_as_toml_reads_back_the_same(funding):
    import tomllib

    text = funding_toml(funding)
    problems: list[tuple[str, str, str]] = []
    raw = tomllib.loads(text).get("funding") if text else None
    again = parse_funding(raw, lambda *problem: problems.append(problem), known=KNOWN)
    assert problems == []
    assert again == funding


def test_funding_short_finding_only_where_every_marked_source_is_capped(write):
    caps = """
[[funding.caps]]
source = "EC"
amount = 100

[[funding.caps]]
source = "NATIONAL"
period = "2020-2021"
amount = 200
"""
    plan, problems = load_plan(write("plan.toml", SMALL_PLAN + caps))
    assert problems == []
    findings = funding_findings(plan)
    # 2020-2021 needs 600 and its sources can give 100 (EC, programme cap) + 200 (National);
    # 2022 needs 400 and EC can give only 100 for the whole programme.
    assert [(f.severity, f.code, f.period, f.expected, f.actual, f.difference)
            for f in findings] == [
        ("warning", "funding-short", "2020-2021", D("600.00"), D("300.00"), D("-300.00")),
        ("warning", "funding-short", "2022", D("400.00"), D("100.00"), D("-300.00"))]
    uncapped, _ = load_plan(write("uncapped.toml", SMALL_PLAN + caps.split("[[funding.caps]]\nsource = \"NATIONAL\"")[0]))
    # National is uncapped: 2020-2021 could be paid in full; 2022 (EC only) still falls short.
    assert [f.period for f in funding_findings(uncapped)] == ["2022"]


def test_a_bare_number_share_suggests_the_percent_it_probably_means():
    import pytest

    from budget_planner.planfile.rules import parse_share
    from budget_planner.core.money import MoneyError

    for value, suggestion in ((0.85, '"85%"'), (85, '"85%"'), (0.125, '"12.5%"')):
        with pytest.raises(MoneyError, match=suggestion):
            parse_share(value)
