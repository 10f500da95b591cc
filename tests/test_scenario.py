"""Scenario files: reading and checking them, laying their rules over a plan."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from budget_planner.cli import cli
from budget_planner.funding import Cap, Funding, ShareRule
from budget_planner.loader import load_plan
from budget_planner.scenario import apply_scenario, load_scenario

from .conftest import ROOT, SEED_PLAN, SMALL_PLAN

D = Decimal
SHIPPED = sorted((ROOT / "plans" / "scenarios").glob("*.toml"))


def test_two_or_three_illustrative_scenarios_are_shipped():
    assert 2 <= len(SHIPPED) <= 3
    plan, _ = load_plan(SEED_PLAN)
    for path in SHIPPED:
        scenario, problems = load_scenario(path, plan)
        assert problems == [], problems
        assert scenario is not None and scenario.illustrative and scenario.name
        assert not scenario.funding.empty
        comments = " ".join(line for line in path.read_text().splitlines() if line.startswith("#"))
        assert "NOT from the seed document" in comments


def test_a_scenario_overrides_and_adds_to_the_plans_rules(write):
    plan_path = write("plan.toml", SMALL_PLAN + """
[[funding.caps]]
source = "EC"
amount = 1000

[[funding.shares]]
source = "EC"
max = "50%"
""")
    plan, problems = load_plan(plan_path)
    assert problems == []
    scenario_path = write("cut.toml", """
        name = "Cut"
        description = "EC halved"

        [[funding.caps]]
        source = "EC"
        amount = 500

        [[funding.caps]]
        source = "NATIONAL"
        period = "2022"
        amount = 0
        """)
    scenario, problems = load_scenario(scenario_path, plan)
    assert problems == [] and scenario is not None
    assert (scenario.name, scenario.description, scenario.illustrative) == ("Cut", "EC halved", False)
    changed = apply_scenario(plan, scenario)
    assert changed.funding == Funding(caps=(Cap("EC", D("500.00")), Cap("NATIONAL", D("0.00"), "2022")),
                                      shares=(ShareRule("EC", max=D("0.5")),))
    assert changed.funding.caps[0].origin == "cut.toml: funding.caps[0]"
    assert changed.files == (*plan.files, str(scenario_path))
    # The plan itself is untouched.
    assert plan.funding.caps == (Cap("EC", D("1000.00")),)
    assert changed.periods == plan.periods


@pytest.mark.parametrize(("text", "path", "lineno", "message"), [
    ('name = "X"\nilustrative = true\n', "ilustrative", 2, "did you mean 'illustrative'?"),
    ('description = "no name"\n', "name", None, "required field 'name' is missing"),
    ('name = "X"\nillustrative = "yes"\n', "illustrative", 2, "expected true or false"),
    ('name = "X"\n[[funding.caps]]\nsource = "EC"\nperiod = "2021"\namount = 1\n',
     "funding.caps[0].period", 4, "did you mean '2022'?"),
    ('name = "X"\n[[funding.shares]]\nsource = "EC"\nline = "z"\nmax = "5%"\n',
     "funding.shares[0].line", 4, "no line 'z' in any period"),
])
def test_scenario_mistakes_are_reported_with_file_line_and_field(write, text, path, lineno, message):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario_path = write("scenario.toml", text)
    scenario, problems = load_scenario(scenario_path, plan)
    assert scenario is None
    found = [problem for problem in problems if problem.path == path]
    assert found and message in found[0].message, [str(problem) for problem in problems]
    assert found[0].file == str(scenario_path) and found[0].lineno == lineno


def test_a_missing_scenario_file_is_a_problem(tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(tmp_path / "nowhere.toml", plan)
    assert scenario is None and [problem.code for problem in problems] == ["file-not-found"]


def test_scenarios_apply_in_order_on_the_command_line(runner, write):
    # Two scenarios cap EC in 2014-2020; the later one wins: 9,000,000 then 10,000,000.
    first = write("first.toml", 'name = "A"\n[[funding.caps]]\nsource = "EC"\n'
                                'period = "2014-2020"\namount = 9_000_000\n')
    second = write("second.toml", 'name = "B"\n[[funding.caps]]\nsource = "EC"\n'
                                  'period = "2014-2020"\namount = 10_000_000\n')
    result = runner.invoke(cli, ["allocate", "--scenario", str(first), "--scenario", str(second),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    caps = {(s["source"], s["period"]): s["cap"] for s in json.loads(result.output)["sources"]}
    assert caps["EC", "2014-2020"] == "10000000.00"
    assert caps["EC", "2010-2011"] is None


def test_the_text_view_names_the_scenario(runner):
    result = runner.invoke(cli, ["allocate", "--scenario", str(SHIPPED[0])])
    assert result.exit_code == 0, result.output
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(SHIPPED[0], plan)
    assert f"Scenario: {scenario.name} (illustrative figures)" in result.output
