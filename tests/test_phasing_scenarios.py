"""Scenarios that change the phasing (profiles, line years, commitments), and what `whatif`
and `sweep` answer with them."""

from __future__ import annotations

import json
from decimal import Decimal

from budget_planner.cli import cli
from budget_planner.engine.allocation import allocate
from budget_planner.engine.phasing import line_years_amounts, phasing
from budget_planner.engine.scenario import apply_scenario, load_scenario, scale_period
from budget_planner.engine.whatif import whatif
from budget_planner.planfile.loader import load_plan

from tests.support.phasing import CUT_2016, EC_N2, ILLUSTRATIVE, PHASED
from tests.support.plans import SEED_PLAN

D = Decimal


def scenario_for(write, plan, text: str):
    scenario, problems = load_scenario(write("scenario.toml", text), plan)
    assert problems == [], problems
    return scenario


def test_a_scenario_sets_a_profile_and_cuts_one_tranche(write):
    plan, _ = load_plan(write("plan.toml", PHASED + EC_N2))
    scenario = scenario_for(write, plan, """
        name = "Slower start, smaller 2021 tranche"

        [[profiles]]
        period = "2020-2021"
        weights = [1, 1]

        [[commitments]]
        source = "EC"
        years = { "2021" = 300 }
        """)
    assert scenario.changes() == (
        "spreads 2020-2021 by the profile 1:1",
        "changes the EC commitments: 2021 500.00 -> 300.00")
    changed = apply_scenario(plan, scenario)
    period = changed.periods[0]
    assert line_years_amounts(period, period.lines[1]) == {2020: D(250), 2021: D(250)}
    [ec] = changed.commitments
    assert (ec.lag_years, ec.prefinancing, ec.years) == (2, D(50), ((2020, D(700)),
                                                                   (2021, D(300))))
    assert plan.commitments[0].amount(2021) == D(500)  # the plan itself is unchanged


def test_scenario_phasing_mistakes_are_reported_with_file_line_and_field(write):
    plan, _ = load_plan(write("plan.toml", PHASED))
    path = write("bad.toml", """
        name = "Bad"

        [[profiles]]
        period = "2020-2022"
        weights = [1, 1]

        [[profiles]]
        period = "2020-2021"
        weights = [1, 2, 3]

        [[commitments]]
        source = "EC"
        years = { "2020" = 10 }

        [[lines.change]]
        line = "b"
        years = { "2019" = 500 }
        """)
    scenario, problems = load_scenario(path, plan)
    assert scenario is None
    assert [(problem.lineno, problem.path, problem.code) for problem in problems] == [
        (18, "lines.change[0].years.2019", "year-outside-period"),
        (5, "profiles[0].period", "unknown-period"),
        (10, "profiles[1].weights", "profile-length"),
        (12, "commitments[0].lag_years", "missing-field"),
    ]


def test_a_changed_or_scaled_amount_moves_the_stated_years_with_it(write):
    plan, _ = load_plan(write("plan.toml", PHASED))
    scenario = scenario_for(write, plan, """
        name = "A halved"

        [[lines.change]]
        line = "a"
        amount = 500
        """)
    line = apply_scenario(plan, scenario).periods[0].lines[0]
    assert line.years == ((2020, D(150)), (2021, D(350)))
    scaled = scale_period(plan.periods[0], D("-0.1"))
    assert scaled.lines[0].years == ((2020, D(270)), (2021, D(630)))


def test_the_illustrative_phasing_is_marked_and_leaves_the_seed_plan_alone():
    plan, _ = load_plan(SEED_PLAN)
    assert plan.commitments == () and all(not period.profile for period in plan.periods)
    for path in (ILLUSTRATIVE, CUT_2016):
        comments = " ".join(line for line in path.read_text().splitlines()
                            if line.startswith("#"))
        assert "NOT from the seed document" in comments
    scenario, problems = load_scenario(ILLUSTRATIVE, plan)
    assert problems == [] and scenario is not None and scenario.illustrative


def test_whatif_answers_what_if_the_ec_2016_tranche_is_cut():
    plan, _ = load_plan(SEED_PLAN)
    base, _ = load_scenario(ILLUSTRATIVE, plan)
    phased = apply_scenario(plan, base)
    cut, problems = load_scenario(CUT_2016, phased)
    assert problems == []
    comparison = whatif(phased, [cut], base=[base])
    rows = {row.label: row for row in comparison.rows if row.measure == "at_risk"}
    # Independently: the EC's N+3 target at the end of 2019 is the 2014-2016 tranches,
    # 6 + 6 + 7 = 19 million; covered is the pre-financing and every EC claim to 2019.
    result = phasing(phased, allocate(phased))
    ec = next(source for source in result.committed if source.id == "EC")
    claims = sum((amount for year, amount in ec.claims if year <= 2019), D(0))
    at_risk = D(19_000_000) - (D(500_000) + claims)
    assert at_risk > 0
    assert rows["EC 2019"].values == (at_risk, D(0))
    assert rows["EC 2019"].changes == (-at_risk,)
    assert rows["EC most at risk"].values == (at_risk, D(0))


def test_sweep_finds_how_much_must_be_claimed_by_2018_to_lose_nothing(tmp_path, runner):
    plan, _ = load_plan(SEED_PLAN)
    base, _ = load_scenario(ILLUSTRATIVE, plan)
    phased = apply_scenario(plan, base)
    result = phasing(phased, allocate(phased))
    ec = next(source for source in result.committed if source.id == "EC")
    claims = dict(ec.claims)
    # Claimed in 2018, the missing money covers the 2019 deadline too: the 2018 claim must
    # rise by what is at risk in 2019 (nothing is at risk before 2018).
    at_risk_2019 = next(row.at_risk for row in ec.decommitment if row.year == 2019)
    needed = claims[2018] + at_risk_2019
    output = runner.invoke(cli, [
        "sweep", "--scenario", str(ILLUSTRATIVE), "--vary", "claim.EC/2018=0:8_000_000:500_000",
        "--format", "json", "-o", str(tmp_path / "sweep.csv"),
        "--chart", str(tmp_path / "sweep.svg")])
    assert output.exit_code == 0, output.output
    data = json.loads(output.stdout)
    [item] = data["break_even"]
    assert item["exact"] == f"{needed:.2f}"
    assert item["value"] == "4500000.00"
    lines = (tmp_path / "sweep.csv").read_text().splitlines()
    assert lines[0].startswith("claim.EC/2018,at risk,at risk 2010,")
    assert lines[9].startswith("4000000.00,") and lines[10].startswith("4500000.00,0.00,")
    assert (tmp_path / "sweep.svg").read_text().startswith("<?xml")


def test_a_claim_needs_commitments_and_is_swept_alone(write, runner):
    path = write("plan.toml", PHASED)
    result = runner.invoke(cli, ["sweep", str(path), "--vary", "claim.EC/2021=0:100:10"])
    assert result.exit_code == 2 and "[no-commitments]" in result.output
    path = write("committed.toml", PHASED + EC_N2)
    result = runner.invoke(cli, ["sweep", str(path), "--vary", "claim.EC/2021=0:100:10",
                                 "--vary", "cap.EC=0:100:10"])
    assert result.exit_code == 2 and "[vary-claim-alone]" in result.output
