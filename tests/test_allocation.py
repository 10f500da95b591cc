"""Co-financing allocation: hand-solved cases, the seed plan and its scenarios, properties.

Expected values are worked out by hand in each test (or, in the property tests, by an
independent line-level linear programme written here), never read back from the code.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from budget_planner.core.model import Origin
from budget_planner.engine.allocation import AllocationError, allocate, funding_findings
from budget_planner.views.allocation import allocation_json
from budget_planner.cli import cli
from budget_planner.planfile.loader import load_plan
from budget_planner.engine.scenario import apply_scenario, load_scenario

from tests.support.plans import ROOT, SEED_PLAN, funding_text, plan_text
from tests.support.strategies import funded_plans, line_bounds

SCENARIOS = sorted((ROOT / "plans" / "scenarios").glob("*.toml"))
D = Decimal


def load(tmp_path: Path, text: str, name: str = "plan.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    plan, problems = load_plan(path)
    assert problems == [], problems
    return plan


def amounts(result) -> dict[tuple[str, str, str], Decimal]:
    return {(a.period, a.line, a.source): a.amount for a in result.allocations}


def gaps(result) -> dict[tuple[str, str], Decimal]:
    return {(g.period, g.line): g.amount for g in result.gaps}


def uses(result) -> dict[tuple[str, str | None], object]:
    return {(s.source, s.period): s for s in result.sources}


def both(plan):
    """Allocate with each solver; they must agree to the cent (and in every explanation)."""
    highs, cbc = allocate(plan, solver="highs"), allocate(plan, solver="cbc")
    assert highs.solver == "highs" and cbc.solver == "cbc"
    assert allocation_json(highs) | {"solver": "-"} == allocation_json(cbc) | {"solver": "-"}
    return highs


# --- hand-solved cases ------------------------------------------------------------------------

def test_caps_bind_and_the_gap_falls_where_no_source_is_left(tmp_path):
    # a (1000, EC only) and b (500, EC or National); EC capped at 1200, National at 100.
    # Funded at most 1200 + 100 = 1300 of 1500, so the least gap is 200. a can only use EC,
    # so a takes 1000 of EC, b the other 200 and National's 100; b keeps the 200 gap.
    plan = load(tmp_path, plan_text([("P", [("a", 1000, ["EC"]), ("b", 500, ["EC", "NATIONAL"])])],
                                    """
[[funding.caps]]
source = "EC"
period = "P"
amount = 1200

[[funding.caps]]
source = "NATIONAL"
amount = 100
"""))
    result = both(plan)
    assert result.status == "optimal"
    assert result.objective == D("200.00")
    assert amounts(result) == {("P", "a", "EC"): D("1000.00"), ("P", "b", "EC"): D("200.00"),
                               ("P", "b", "NATIONAL"): D("100.00")}
    assert gaps(result) == {("P", "b"): D("200.00")}
    reason = result.gaps[0].reason
    assert reason.startswith("caps exhausted: ") and "EC in P" in reason
    assert "NATIONAL for the programme" in reason
    ec, national = uses(result)["EC", "P"], uses(result)["NATIONAL", None]
    # One more euro of either cap funds one more euro of b: the gap falls by 1.00 per euro.
    assert (ec.cap, ec.allocated, ec.remaining, ec.binding, ec.shadow_price) == (
        D("1200.00"), D("1200.00"), D("0.00"), True, D("1.00"))
    assert (national.cap, national.allocated, national.binding, national.shadow_price) == (
        D("100.00"), D("100.00"), True, D("1.00"))
    assert uses(result)["OTHER", "P"].cap is None and uses(result)["OTHER", "P"].shadow_price is None


def test_a_binding_cap_with_a_degenerate_dual_reports_zero(tmp_path):
    # One line of 1000 eligible for EC and National, EC capped at exactly 1000: EC (first in
    # the plan's order) pays it all, so the cap is used up, but another euro of it would fund
    # nothing more (National could pay too): shadow price 0, deterministically.
    plan = load(tmp_path, plan_text([("P", [("a", 1000, ["EC", "NATIONAL"])])], """
[[funding.caps]]
source = "EC"
amount = 1000
"""))
    result = both(plan)
    assert amounts(result) == {("P", "a", "EC"): D("1000.00"), ("P", "a", "NATIONAL"): D("0.00")}
    ec = uses(result)["EC", None]
    assert (ec.remaining, ec.binding, ec.shadow_price) == (D("0.00"), True, D("0.00"))
    assert uses(result)["EC", "P"].cap is None


def test_share_rules_bind_and_leave_a_gap_with_their_reason(tmp_path):
    # x (1000; EC at most 60 %, National at most 30 %): 600 + 300, gap 100.
    # y (1000, National only, National at least 25 % and at most 30 %): 300, gap 700.
    plan = load(tmp_path, plan_text([("P", [("x", 1000, ["EC", "NATIONAL"]),
                                            ("y", 1000, ["NATIONAL"])])], """
[[funding.shares]]
source = "EC"
max = "60%"

[[funding.shares]]
source = "NATIONAL"
min = "25%"
max = "30%"
"""))
    result = both(plan)
    assert amounts(result) == {("P", "x", "EC"): D("600.00"), ("P", "x", "NATIONAL"): D("300.00"),
                               ("P", "y", "NATIONAL"): D("300.00")}
    assert gaps(result) == {("P", "x"): D("100.00"), ("P", "y"): D("700.00")}
    assert result.gaps[0].reason == ("share rules limit: EC at most 60% (funding.shares[0]), "
                                     "NATIONAL at most 30% (funding.shares[1])")


def test_minimum_shares_and_the_most_specific_rule(tmp_path):
    # National at least 25 % everywhere, but at least 40 % on line b of period P; EC at most
    # 100 % (no limit). EC comes first in the plan, so it takes all the rest:
    # a: 750 + 250; b: 600 + 400; in Q, b is another line: 750 + 250 again.
    plan = load(tmp_path, plan_text([("P", [("a", 1000, ["EC", "NATIONAL"]),
                                            ("b", 1000, ["EC", "NATIONAL"])]),
                                     ("Q", [("b", 1000, ["EC", "NATIONAL"])])], """
[[funding.shares]]
source = "NATIONAL"
min = "25%"

[[funding.shares]]
source = "NATIONAL"
period = "P"
line = "b"
min = "40%"
"""))
    result = both(plan)
    assert amounts(result) == {
        ("P", "a", "EC"): D("750.00"), ("P", "a", "NATIONAL"): D("250.00"),
        ("P", "b", "EC"): D("600.00"), ("P", "b", "NATIONAL"): D("400.00"),
        ("Q", "b", "EC"): D("750.00"), ("Q", "b", "NATIONAL"): D("250.00")}
    assert result.gaps == ()


def test_exact_share_on_one_line(tmp_path):
    # STARDUST exactly 100 % of "policy" (the example), whatever the priority says.
    plan = load(tmp_path, plan_text([("P", [("policy", 100_000, ["STARDUST", "EC"])])], """
[[funding.shares]]
source = "STARDUST"
line = "policy"
exactly = "100%"

[funding.preference]
priority = ["EC"]
""", sources=("STARDUST", "EC")))
    result = both(plan)
    assert amounts(result) == {("P", "policy", "STARDUST"): D("100000.00"),
                               ("P", "policy", "EC"): D("0.00")}


def test_fixed_pledges_are_kept_exactly(tmp_path):
    # z (1000, EC or National): National pledged 400, EC capped at 500 -> EC 500, gap 100.
    plan = load(tmp_path, plan_text([("P", [("z", 1000, ["EC", "NATIONAL"]),
                                            ("w", 300, ["NATIONAL"])])], """
[[funding.pledges]]
source = "NATIONAL"
line = "z"
amount = 400

[[funding.caps]]
source = "EC"
amount = 500
"""))
    result = both(plan)
    assert amounts(result) == {("P", "z", "EC"): D("500.00"), ("P", "z", "NATIONAL"): D("400.00"),
                               ("P", "w", "NATIONAL"): D("300.00")}
    assert gaps(result) == {("P", "z"): D("100.00")}
    assert result.gaps[0].reason == ("caps exhausted: EC for the programme (funding.caps[0]); "
                                     "pledges fix: NATIONAL (funding.pledges[0])")


def test_target_mix_is_followed_and_renormalised_over_eligible_sources(tmp_path):
    # Target 50 / 30 / 20. Line t (1000, all three) gets 500 / 300 / 200 exactly.
    # Line u (800, EC and National only): 50:30 of 800 = 500 / 300.
    # Line v (1000, all three) in period Q where Other is capped at 100: Other 100, and the
    # missing 100 goes to EC or National at the same distance from the mix; the tie-break
    # prefers EC (first in the plan): 600 / 300 / 100.
    plan = load(tmp_path, plan_text([("P", [("t", 1000, ["EC", "NATIONAL", "OTHER"]),
                                            ("u", 800, ["EC", "NATIONAL"])]),
                                     ("Q", [("v", 1000, ["EC", "NATIONAL", "OTHER"])])], """
[[funding.caps]]
source = "OTHER"
period = "Q"
amount = 100

[funding.preference]
target_mix = { EC = "50%", NATIONAL = "30%", OTHER = "20%" }
"""))
    result = both(plan)
    assert amounts(result) == {
        ("P", "t", "EC"): D("500.00"), ("P", "t", "NATIONAL"): D("300.00"),
        ("P", "t", "OTHER"): D("200.00"), ("P", "u", "EC"): D("500.00"),
        ("P", "u", "NATIONAL"): D("300.00"), ("Q", "v", "EC"): D("600.00"),
        ("Q", "v", "NATIONAL"): D("300.00"), ("Q", "v", "OTHER"): D("100.00")}


def test_priority_and_cost_preferences(tmp_path):
    lines = [("P", [("a", 1000, ["EC", "NATIONAL"]), ("b", 1000, ["EC", "NATIONAL"])])]
    cap = '\n[[funding.caps]]\nsource = "NATIONAL"\namount = 1500\n'
    # National first, but only 1500 of it for 2000 of need: EC pays the other 500. a and b
    # are interchangeable (same period, sources and rules), so they share in proportion to
    # their amounts: 750 National + 250 EC each.
    priority = load(tmp_path, plan_text(lines, cap + '\n[funding.preference]\n'
                                        'priority = ["NATIONAL", "EC"]\n'))
    assert amounts(both(priority)) == {
        ("P", "a", "EC"): D("250.00"), ("P", "a", "NATIONAL"): D("750.00"),
        ("P", "b", "EC"): D("250.00"), ("P", "b", "NATIONAL"): D("750.00")}
    # EC costs 1 a euro, National 0.5: the same answer, reached by cost.
    cost = load(tmp_path, plan_text(lines, cap + '\n[funding.preference]\n'
                                    'cost = { EC = 1, NATIONAL = "0.5" }\n'), "cost.toml")
    assert amounts(both(cost)) == amounts(both(priority))


def test_costs_with_decimals_on_large_amounts(tmp_path):
    # National costs 0.9876 a euro, EC 1.2345: National pays as much as its cap allows,
    # 10,000,000.37; EC the rest of 12,345,678.91, i.e. 2,345,678.54. Both solvers to the cent.
    plan = load(tmp_path, plan_text([("P", [("big", "12345678.91", ["EC", "NATIONAL"])])], """
[[funding.caps]]
source = "NATIONAL"
amount = "10000000.37"

[funding.preference]
cost = { EC = "1.2345", NATIONAL = "0.9876" }
"""))
    assert amounts(both(plan)) == {("P", "big", "EC"): D("2345678.54"),
                                   ("P", "big", "NATIONAL"): D("10000000.37")}


def test_controlled_rounding_keeps_cents_exact(tmp_path):
    # Two interchangeable lines of 1.00 and 2.00, EC capped at 1.00 for both: EC's 1.00 splits
    # 1:2 as 0.33 / 0.67 (largest remainder), National pays the rest: 0.67 / 1.33.
    plan = load(tmp_path, plan_text([("P", [("a", "1.00", ["EC", "NATIONAL"]),
                                            ("b", "2.00", ["EC", "NATIONAL"])])], """
[[funding.caps]]
source = "EC"
amount = "1.00"

[funding.preference]
priority = ["EC", "NATIONAL"]
"""))
    result = both(plan)
    assert amounts(result) == {("P", "a", "EC"): D("0.33"), ("P", "a", "NATIONAL"): D("0.67"),
                               ("P", "b", "EC"): D("0.67"), ("P", "b", "NATIONAL"): D("1.33")}


def test_shares_that_are_not_whole_cents_round_inside_the_rule(tmp_path):
    # EC at most 33.33 % of 10.01: 3.336333 -> at most 3.33; National at least 12.5 % of
    # 10.01: 1.25125 -> at least 1.26. EC first: 3.33, National the rest 6.68, no gap.
    plan = load(tmp_path, plan_text([("P", [("a", "10.01", ["EC", "NATIONAL"])])], """
[[funding.shares]]
source = "EC"
max = "33.33%"

[[funding.shares]]
source = "NATIONAL"
min = "12.5%"
"""))
    result = both(plan)
    assert amounts(result) == {("P", "a", "EC"): D("3.33"), ("P", "a", "NATIONAL"): D("6.68")}


def test_the_tie_break_gives_a_preferred_source_where_the_alternative_is_worse(tmp_path):
    """a (1000, EC or National) and b (1000, EC or Other), EC capped at 1000 and preferred.

    Stage 1 funds everything; the priority stage gives EC all its 1000, which a or b could
    take. The weighted tie-break (source weight 2n - rank: EC 6, National 5, Other 4; group
    weight 2m - rank: a 4, b 3) maximises 24 aEC + 20 aNAT + 18 bEC + 12 bOTHER; with
    aNAT = 1000 - aEC, bOTHER = 1000 - bEC and aEC + bEC = 1000 that is 38000 - 2 aEC, so
    aEC = 0: EC pays b, whose alternative (Other) comes last, and National pays a. The
    optimum is unique, so no lexicographic step runs; CBC, which runs them all, agrees."""
    plan = load(tmp_path, plan_text(
        [("P", [("a", 1000, ["EC", "NATIONAL"]), ("b", 1000, ["EC", "OTHER"])])], """
[[funding.caps]]
source = "EC"
amount = 1000

[funding.preference]
priority = ["EC"]
"""))
    result = both(plan)
    assert amounts(result) == {("P", "a", "EC"): D(0), ("P", "a", "NATIONAL"): D(1000),
                               ("P", "b", "EC"): D(1000), ("P", "b", "OTHER"): D(0)}


def test_solving_only_what_the_optimal_face_leaves_free_changes_no_cent(tmp_path, monkeypatch):
    """The same allocation when HiGHS keeps every basic column free on the weighted stage's
    optimal face (so the lexicographic steps run on all of them) as when it fixes those that
    no free nonbasic column moves; on a plan whose lines mark many different sets of sources,
    where the weighted optimum is not unique."""
    from benchmarks.make_plan import plan_text as generated
    from budget_planner.engine.allocation import highs

    solve_once = highs._solve_once
    plan = load(tmp_path, generated(120, periods=2, sources=8, seed=3, shape="mixed"))
    settled = allocate(plan)
    steps = []
    monkeypatch.setattr(highs, "MOVE_TOLERANCE", -1.0)
    monkeypatch.setattr(highs, "_solve_once", lambda model: steps.append(model.getNumCol())
                        or solve_once(model))
    everything = allocate(plan)
    assert allocation_json(everything) == allocation_json(settled)
    assert settled.status == "optimal" and settled.objective > 0
    # The face was not a point: steps ran on a programme of the free columns.
    full = max(steps)
    assert any(0 < columns < full for columns in steps)


# --- infeasible rule sets -----------------------------------------------------------------------

INFEASIBLE = {
    "minimum shares above 100 %": ("""
[[funding.shares]]
source = "EC"
min = "60%"

[[funding.shares]]
source = "NATIONAL"
min = "50%"
""", ["P/a: minimum shares and pledges need 1,100.00 of a line of 1,000.00",
      "EC at least 60% (funding.shares[0])", "NATIONAL at least 50% (funding.shares[1])"],
     ("minimums-above-line", "periods[0].lines[0]")),
    "pledge above a cap": ("""
[[funding.caps]]
source = "EC"
period = "P"
amount = 500

[[funding.pledges]]
source = "EC"
line = "a"
amount = 800
""", ["EC capped at 500.00 in P (funding.caps[0]), but pledges and minimum shares need "
      "800.00 from it: EC pledges 800.00 to P/a (funding.pledges[0])"],
     ("cap-below-minimums", "funding.caps[0]")),
    "pledge to a source the line is not marked for": ("""
[[funding.pledges]]
source = "OTHER"
line = "a"
amount = 10
""", ["OTHER pledges 10.00 to P/a (funding.pledges[0]), but the line is not marked for OTHER"],
     ("pledge-source-not-marked", "funding.pledges[0]")),
    "minimum above a more general maximum": ("""
[[funding.shares]]
source = "EC"
max = "50%"

[[funding.shares]]
source = "EC"
line = "a"
min = "60%"
""", ["P/a: EC at least 60% (funding.shares[1]) and EC at most 50% (funding.shares[0]) "
      "cannot both hold"],
     ("min-above-max", "periods[0].lines[0]")),
    "minimum share on a source the line is not marked for": ("""
[[funding.shares]]
source = "OTHER"
line = "a"
min = "10%"
""", ["OTHER at least 10% of line a (every period) (funding.shares[0]), but P/a is not "
      "marked for OTHER"],
     ("share-source-not-marked", "funding.shares[0]")),
    "pledge above a share rule": ("""
[[funding.shares]]
source = "EC"
max = "50%"

[[funding.pledges]]
source = "EC"
line = "a"
amount = 600
""", ["EC pledges 600.00 to P/a (funding.pledges[0]), but EC at most 50% (funding.shares[0]) "
      "allows at most 500.00"],
     ("pledge-above-max", "funding.pledges[0]")),
}


@pytest.mark.parametrize("case", sorted(INFEASIBLE))
def test_conflicting_rules_are_reported_not_raised(tmp_path, case):
    """Each conflict is one record: its code, the sentence naming every rule involved, and
    the place of what the sentence is about (a rule, or the line whose rules clash)."""
    funding, expected, (code, field) = INFEASIBLE[case]
    text = plan_text([("P", [("a", 1000, ["EC", "NATIONAL"])])], funding)
    plan = load(tmp_path, text)
    result = allocate(plan)
    assert result.status == "infeasible"
    assert result.allocations == () and result.gaps == ()
    [conflict] = result.conflicts
    for part in expected:
        assert part in conflict.message
    # The plan's one line is its only [[periods.lines]] table; rules carry no line number.
    line_header = text.splitlines().index("[[periods.lines]]") + 1
    lineno = line_header if field.startswith("periods") else None
    assert conflict.code == code
    assert conflict.origin == Origin(str(tmp_path / "plan.toml"), field, lineno)


def test_an_exact_share_that_is_not_a_whole_cent_conflicts(tmp_path):
    plan = load(tmp_path, plan_text([("P", [("a", "0.01", ["EC"])])], """
[[funding.shares]]
source = "EC"
exactly = "50%"
"""))
    result = allocate(plan)
    assert [(conflict.code, conflict.message) for conflict in result.conflicts] == [
        ("share-not-whole-cents", "P/a: EC exactly 50% (funding.shares[0]) of 0.01 is not a "
                                  "whole number of cents")]


def test_amounts_beyond_what_a_solver_keeps_to_the_cent_are_refused(tmp_path, runner):
    """CBC reads a model file of 13 significant digits: from 100 billion euros (10**13 cents)
    a cent could be lost, so CBC refuses and points to HiGHS, which allocates it exactly."""
    plan = load(tmp_path, plan_text([("P", [("a", 100_000_000_000, ["EC"]),
                                            ("b", "0.01", ["EC", "OTHER"])])]))
    with pytest.raises(AllocationError, match=r"100,000,000,000.00 or more .* with cbc; "
                                              r"use --solver highs"):
        allocate(plan, solver="cbc")
    assert allocate(plan).objective == 0
    result = runner.invoke(cli, ["allocate", str(tmp_path / "plan.toml"), "--solver", "cbc"])
    assert result.exit_code == 2 and "use --solver highs" in result.output

# --- the back-ends ---------------------------------------------------------------------------

@pytest.mark.parametrize("unit", [1, 10**9])
def test_each_backend_solves_a_hand_solved_staged_programme(unit):
    """One line of 10.00 (times `unit`, plus a few cents so that nothing is round) with sources
    a, b, c and a gap g: a at most 4.00, b and c together capped at 4.50, c at most 5.00.

    Stage 1, the least gap: a and b + c at their most, g = 10.00 - 4.00 - 4.50 = 1.50.
    Stage 2, the most for c: all of the cap, 4.50, so b = 0. Both back-ends give that point
    to the cent, through the same small interface."""
    from budget_planner.engine.allocation import BACKENDS
    from budget_planner.engine.allocation.stages import Model, Stage, optimise

    amount, a_most, cap = 1000 * unit + 7, 400 * unit + 1, 450 * unit + 3
    model = Model(bounds={"a": (0, a_most), "b": (0, amount), "c": (0, 500 * unit),
                          "g": (0, amount)},
                  rows=[("line", [("a", 1), ("b", 1), ("c", 1), ("g", 1)], "=", amount),
                        ("cap", [("b", 1), ("c", 1)], "<=", cap)])
    stages = [Stage([[("g", 1)]], maximize=False), Stage([[("c", 1)]], maximize=True)]
    expected = {"a": a_most, "b": 0, "c": cap, "g": amount - a_most - cap}
    assert sorted(BACKENDS) == ["cbc", "highs"]
    for name, backend in BACKENDS.items():
        assert backend.name == name and backend.limit > amount
        assert optimise(model, stages, backend) == expected
        # One pass around the answer itself: every value is within the kept optima's slack
        # (a millionth of a euro, far below a cent) of it.
        around = backend.run_stages(model, stages, expected, False)
        assert all(abs(value) <= 2e-6 for value in around.values()), (name, around)


# --- the seed plan and its scenarios ------------------------------------------------------------

def test_the_seed_plan_funds_every_marked_line_and_leaves_700000_unfunded():
    plan, _ = load_plan(SEED_PLAN)
    result = both(plan)
    assert result.status == "optimal"
    assert result.objective == D("700000.00")
    assert gaps(result) == {("2014-2020", "collaboration-events"): D("500000.00"),
                            ("2014-2020", "project-selection"): D("200000.00")}
    assert {g.reason for g in result.gaps} == {"no eligible source marked"}
    funded: dict[tuple[str, str], Decimal] = {}
    for (period, line, _), amount in amounts(result).items():
        funded[period, line] = funded.get((period, line), D(0)) + amount
    for period in plan.periods:
        for line in period.lines:
            if line.sources and line.amount is not None:
                assert funded[period.id, line.id] == line.amount
    assert [(n.code, n.period, n.line) for n in result.notes] == [
        ("line-without-amount", "2010-2011", "financing-map")]
    assert all(key[1] != "financing-map" for key in amounts(result))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_each_shipped_scenario_solves_the_same_on_both_solvers(path):
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(path, plan)
    assert problems == [] and scenario is not None and scenario.illustrative
    result = both(apply_scenario(plan, scenario))
    assert result.status == "optimal"


def test_ec_cut_scenario_by_hand():
    # 2014-2020: marked lines need 25,700,000; EC 9.6M + EU SF 8M + Other 5M = 22.6M can be
    # given, so 3,100,000 stays unfunded, plus the 700,000 of the unmarked lines. The EC-only
    # lines are funded first (nothing else can pay them); the three open calls share the gap
    # in proportion to their amounts (10 : 5 : 10 of 3.1M).
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(ROOT / "plans/scenarios/ec-cut-2014-2020.toml", plan)
    result = allocate(apply_scenario(plan, scenario))
    assert result.objective == D("3800000.00")
    assert gaps(result) == {
        ("2014-2020", "pilots-inside-bsr"): D("1240000.00"),
        ("2014-2020", "pilots-innovation"): D("620000.00"),
        ("2014-2020", "pilots-outside-bsr"): D("1240000.00"),
        ("2014-2020", "collaboration-events"): D("500000.00"),
        ("2014-2020", "project-selection"): D("200000.00")}
    for source in ("EC", "EU_SF", "OTHER"):
        use = uses(result)[source, "2014-2020"]
        assert (use.remaining, use.binding, use.shadow_price) == (D("0.00"), True, D("1.00"))
    assert amounts(result)["2014-2020", "management", "EC"] == D("200000.00")


def test_interreg_scenario_leaves_15_percent_on_ec_only_lines():
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(ROOT / "plans/scenarios/interreg-rates.toml", plan)
    result = allocate(apply_scenario(plan, scenario))
    # EC-only lines: 150k, 150k, 150k, 200k, 200k -> 15 % gaps; plus the 700,000 unmarked.
    assert result.objective == D("700000") + D("0.15") * (150_000 * 3 + 200_000 * 2)
    assert amounts(result)["2010-2011", "pilot-launch", "NATIONAL"] == D("45000.00")
    assert amounts(result)["2010-2011", "pilot-launch", "EC"] == D("255000.00")


def test_funding_findings_name_periods_whose_caps_fall_short():
    plan, _ = load_plan(SEED_PLAN)
    assert funding_findings(plan) == []
    scenario, _ = load_scenario(ROOT / "plans/scenarios/ec-cut-2014-2020.toml", plan)
    findings = funding_findings(apply_scenario(plan, scenario))
    assert [(f.severity, f.code, f.period, f.expected, f.actual, f.difference) for f in findings] == [
        ("warning", "funding-short", "2014-2020", D("26400000.00"), D("22600000"),
         D("-3800000.00"))]


# --- the command ----------------------------------------------------------------------------------

def test_allocate_text_on_the_shipped_plan(runner):
    result = runner.invoke(cli, ["allocate"])
    assert result.exit_code == 0, result.output
    assert "total gap 700,000.00" in result.output
    assert "collaboration-events" in result.output and "no eligible source marked" in result.output
    assert "financing-map" in result.output  # the warning about the line without an amount


def test_allocate_json_is_the_library_result_and_identical_across_solvers(runner):
    outputs = {}
    for solver in ("highs", "cbc"):
        result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--format", "json",
                                     "--solver", solver])
        assert result.exit_code == 0, result.output
        outputs[solver] = json.loads(result.output)
    data = outputs["highs"]
    assert data["solver"] == "highs" and data["status"] == "optimal"
    assert data["objective"] == "700000.00"
    assert {"period": "2014-2020", "line": "project-selection", "amount": "200000.00",
            "reason": "no eligible source marked"} in data["gaps"]
    assert {"period": "2010-2011", "line": "mapping", "source": "EC",
            "amount": "150000.00"} in data["allocations"]
    assert set(data["sources"][0]) == {"source", "period", "cap", "allocated", "remaining",
                                       "binding", "shadow_price"}
    outputs["cbc"]["solver"] = "highs"
    assert outputs["cbc"] == data


def test_allocate_csv_has_one_row_per_allocation_and_per_gap(runner, tmp_path):
    target = tmp_path / "allocation.csv"
    result = runner.invoke(cli, ["allocate", "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(target.read_text())))
    plan, _ = load_plan(SEED_PLAN)
    marks = sum(len(line.sources) for period in plan.periods for line in period.lines
                if line.amount is not None)
    gaps = 2  # the two 2014-2020 lines with no source marked
    assert rows[0] == ["period", "line", "source", "amount", "reason"]
    assert len(rows) == 1 + marks + gaps
    assert ["2014-2020", "management", "EC", "200000.00", ""] in rows


def test_allocate_exit_codes(runner, write):
    assert runner.invoke(cli, ["allocate", "--strict"]).exit_code == 1
    conflict = write("conflict.toml", """
        name = "Conflict"
        [[funding.shares]]
        source = "EC"
        min = "60%"
        [[funding.shares]]
        source = "NATIONAL"
        min = "50%"
        """)
    result = runner.invoke(cli, ["allocate", "--scenario", str(conflict)])
    assert result.exit_code == 1
    assert "Infeasible" in result.output and "minimum shares and pledges need" in result.output
    invalid = write("invalid.toml", """
        name = "Invalid"
        [[funding.caps]]
        source = "EU-SF"
        amount = 10
        """)
    result = runner.invoke(cli, ["allocate", "--scenario", str(invalid)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{invalid}:4: funding.caps[0].source:" in result.output and "did you mean 'EU_SF'" in result.output


def test_allocate_gives_each_conflict_with_its_code_and_place(tmp_path, runner, write):
    """JSON gives each conflict as a record pointing at the rule (or line) it is about, in the
    file it was written in; the text shows the same sentences as ever."""
    text = plan_text([("P", [("a", 1000, ["EC", "NATIONAL"])])])
    plan = write("plan.toml", text)
    scenario = write("conflict.toml", """
        name = "Conflict"
        [[funding.shares]]
        source = "EC"
        min = "60%"
        [[funding.shares]]
        source = "NATIONAL"
        min = "50%"
        [[funding.caps]]
        source = "EC"
        amount = 100
        """)
    needed = ("P/a: minimum shares and pledges need 1,100.00 of a line of 1,000.00 (EC at least "
              "60% (conflict.toml: funding.shares[0]), NATIONAL at least 50% (conflict.toml: "
              "funding.shares[1]))")
    capped = ("EC capped at 100.00 for the whole programme (conflict.toml: funding.caps[0]), "
              "but pledges and minimum shares need 600.00 from it: EC at least 60% "
              "(conflict.toml: funding.shares[0])")
    done = runner.invoke(cli, ["allocate", str(plan), "--scenario", str(scenario),
                               "--format", "json"])
    assert done.exit_code == 1
    line = text.splitlines().index("[[periods.lines]]") + 1
    assert json.loads(done.output)["conflicts"] == [
        {"code": "minimums-above-line", "message": needed, "file": str(plan), "line": line,
         "field": "periods[0].lines[0]"},
        {"code": "cap-below-minimums", "message": capped, "file": str(scenario), "line": None,
         "field": "funding.caps[0]"}]
    shown = runner.invoke(cli, ["allocate", str(plan), "--scenario", str(scenario)])
    assert shown.exit_code == 1
    assert f"  - {needed}\n  - {capped}\n" in shown.output


def test_help_does_not_import_heavy_libraries():
    code = ("import sys\nfrom budget_planner.cli import cli\n"
            "try:\n    cli(['allocate', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pulp', 'openpyxl', 'highspy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- properties ----------------------------------------------------------------------------------

settings.register_profile("allocation", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])


def slack(least: float) -> float:
    """The oracle's tolerance on its least gap: a few units in the last place of a double."""
    return 1e-7 + 1e-15 * least


def independent_optimum(periods, rules) -> tuple[Decimal, float] | None:
    """The least total gap of the line-level programme (one variable per line and eligible
    source) and, at that gap, the least cost; None when it is infeasible."""
    import pulp

    problem = pulp.LpProblem("independent", pulp.LpMinimize)
    gap_terms, by_source = [], {}
    for period_id, lines in periods:
        for line_id, amount, marked in lines:
            total = D(amount)
            cells = []
            for source in marked:
                pledge = next((c for s, p, l, c in rules["pledges"]
                               if (s, p, l) == (source, period_id, line_id)), None)
                low, high = line_bounds(total, source, pledge, rules["shares"])
                if low > high:
                    return None
                variable = problem.add_variable(f"v_{period_id}_{line_id}_{source}", low / 100, high / 100)
                cells.append(variable)
                by_source.setdefault(source, []).append((period_id, variable))
            gap = problem.add_variable(f"gap_{period_id}_{line_id}", 0)
            problem += pulp.lpSum(cells) + gap == float(total)
            gap_terms.append(gap)
    for source, period, cents in rules["caps"]:
        terms = [v for p, v in by_source.get(source, []) if period in (None, p)]
        if terms:
            problem += pulp.lpSum(terms) <= cents / 100
    problem += pulp.lpSum(gap_terms)
    status = problem.solve(pulp.HiGHS(msg=False))
    if status != pulp.LpStatusOptimal:
        return None
    least = pulp.value(problem.objective)
    problem += pulp.lpSum(gap_terms) <= least + slack(least)
    problem.setObjective(pulp.lpSum(float(rules["costs"].get(source, 0)) * variable
                                    for source, cells in by_source.items() for _, variable in cells))
    assert problem.solve(pulp.HiGHS(msg=False, presolve="off")) == pulp.LpStatusOptimal
    return D(str(round(least, 2))), pulp.value(problem.objective) or 0.0


@settings(settings.get_profile("allocation"))
@given(case=funded_plans(), data=st.data())
def test_allocation_invariants(tmp_path, case, data):
    periods, rules = case
    funding = funding_text(rules)
    plan = load(tmp_path, plan_text(periods, funding))
    result = allocate(plan)
    independent = independent_optimum(periods, rules)
    if independent is None:
        assert result.status == "infeasible" and result.conflicts
        event("infeasible")
        return
    event("optimal")
    assert result.status == "optimal"
    # The least gap is the line-level programme's, to the cent; so is the least cost.
    least, cost = independent
    assert result.objective == least
    got, gap = amounts(result), gaps(result)
    if rules["costs"]:
        mine = sum(rules["costs"][s] * v for (_, _, s), v in got.items())
        # The oracle's floats may trade its gap slack for cost, at most 3 a euro.
        assert abs(float(mine) - cost) <= 1e-6 * max(1.0, cost) + 3 * slack(float(least))
    eligible = {(p, l, s) for p, lines in periods for l, _, marked in lines for s in marked}
    assert set(got) == eligible  # only eligible sources appear
    for period_id, lines in periods:
        for line_id, amount, marked in lines:
            values = [got[period_id, line_id, s] for s in marked]
            line_gap = gap.get((period_id, line_id), D(0))
            assert sum(values, D(0)) + line_gap == D(amount)
            assert all(v == v.quantize(D("0.01")) and v >= 0 for v in [*values, line_gap])
            for source, value in zip(marked, values):
                pledge = next((c for s, p, l, c in rules["pledges"]
                               if (s, p, l) == (source, period_id, line_id)), None)
                low, high = line_bounds(D(amount), source, pledge, rules["shares"])
                assert D(low) / 100 <= value <= D(high) / 100
    for source, period, cents in rules["caps"]:
        used = sum((v for (p, _, s), v in got.items() if s == source and period in (None, p)), D(0))
        assert used <= D(cents) / 100
    # Both solvers agree to the cent.
    assert allocation_json(allocate(plan, solver="cbc")) | {"solver": "highs"} == allocation_json(result)
    # Line order does not change the answer.
    shuffled = [(p, data.draw(st.permutations(lines))) for p, lines in periods]
    other = allocate(load(tmp_path, plan_text(shuffled, funding), "shuffled.toml"))
    assert amounts(other) == got and gaps(other) == gap
    # Raising a cap never increases the total gap.
    if rules["caps"]:
        number = data.draw(st.integers(0, len(rules["caps"]) - 1))
        raised = dict(rules)
        source, period, cents = rules["caps"][number]
        raised["caps"] = [*rules["caps"][:number],
                          (source, period, cents + data.draw(st.integers(1, 10**8))),
                          *rules["caps"][number + 1:]]
        higher = allocate(load(tmp_path, plan_text(periods, funding_text(raised)), "raised.toml"))
        assert higher.status == "optimal" and higher.objective <= result.objective


# --- splitting a group's totals over its lines ------------------------------------------------

@st.composite
def split_cases(draw):
    """Lines with bounds around a known whole-cent point, and that point's column totals: a
    split of those totals within every bound exists (the point itself)."""
    width = draw(st.integers(min_value=1, max_value=4))
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        cents = draw(st.integers(min_value=0, max_value=60))
        cuts = sorted(draw(st.lists(st.integers(0, cents), min_size=width, max_size=width)))
        point = [high - low for low, high in zip([0, *cuts], cuts)]  # the gap is the rest
        lo = [draw(st.integers(0, value)) for value in point]
        hi = [draw(st.integers(value, cents)) for value in point]
        rows.append((cents, lo, hi, point))
    return width, rows


@settings(max_examples=400, deadline=None)
@given(split_cases())
def test_a_split_keeps_every_bound_and_every_total(case):
    """Whatever the bounds, when some whole-cent split exists, `split_group` finds one: each
    line's cells within its bounds and adding up to its amount, each source adding up to its
    total."""
    from budget_planner.core.model import Line
    from budget_planner.engine.allocation.bounds import Item
    from budget_planner.engine.allocation.groups import Group
    from budget_planner.engine.allocation.split import split_group

    width, rows = case
    sources = tuple(f"S{number}" for number in range(width))
    items = [Item(0, "P", Line(f"L{number}", "A", D(cents) / 100, sources), cents, (), lo, hi,
                  (0, (), None)) for number, (cents, lo, hi, _) in enumerate(rows)]
    totals = {source: sum(point[number] for *_, point in rows)
              for number, source in enumerate(sources)}
    group = Group(0, 0, "P", sources, items, sum(row[0] for row in rows), {}, {})
    split = split_group(group, totals)
    for (cents, lo, hi, _), row in zip(rows, split):
        assert sum(row) == cents and row[-1] >= 0
        assert all(low <= value <= high for low, value, high in zip(lo, row, hi))
    assert [sum(row[number] for row in split) for number in range(width)] == list(totals.values())


def test_a_kept_prepared_plan_and_memory_give_the_cents_of_a_fresh_allocation():
    """The what-if page's path: one Prepared and one Memory for many caps, each answer equal
    to allocating afresh, and a plan whose rules differ refused."""
    import dataclasses

    from budget_planner.core.funding import Cap, Funding, ShareRule
    from budget_planner.engine.allocation import Memory, Prepared

    plan, _ = load_plan(SEED_PLAN)

    def with_caps(ec: int, eu_sf: int) -> object:
        caps = (Cap("EC", Decimal(ec), "2014-2020"), Cap("EU_SF", Decimal(eu_sf), "2014-2020"),
                Cap("OTHER", Decimal(5_000_000), "2014-2020"))
        return dataclasses.replace(plan, funding=plan.funding.merged(Funding(caps=caps)))

    prepared, memory = Prepared(plan), Memory()
    for ec, eu_sf in ((9_600_000, 8_000_000), (12_000_000, 8_000_000), (9_600_000, 8_000_000),
                      (0, 0), (25_700_000, 1)):
        capped = with_caps(ec, eu_sf)
        assert allocate(capped, prepared=prepared, memory=memory) == allocate(capped)
    assert memory.components and memory.splits
    shared = dataclasses.replace(plan, funding=plan.funding.merged(
        Funding(shares=(ShareRule("EC", max=Decimal("0.5")),))))
    assert not prepared.fits(shared)
    with pytest.raises(ValueError):
        allocate(shared, prepared=prepared)
