"""Scenario files: reading and checking them, laying their rules over a plan."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from budget_planner.cli import cli
from budget_planner.core.funding import Cap, Funding, ShareRule
from budget_planner.planfile.loader import load_plan
from budget_planner.engine.scenario import apply_scenario, load_scenario

from tests.support.plans import ROOT, SEED_PLAN, SMALL_PLAN

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


# --- line edits and scales (issue 6) ------------------------------------------------------------

from budget_planner.engine.reconcile import reconcile  # noqa: E402
from budget_planner.engine.scenario import apply_scenarios, scale_period  # noqa: E402
from budget_planner.planfile.scenario import parse_change  # noqa: E402

EDITS = """
name = "Edits"

[[lines.remove]]
period = "2020-2021"
line = "b"

[[lines.change]]
line = "a"
amount = 500
sources = ["EC"]

[[lines.add]]
period = "2022"
id = "d"
activity = "Activity D"
amount = "100.50"
sources = ["NATIONAL"]
"""


def _lines(plan):
    return {period.id: [(line.id, line.amount, line.sources) for line in period.lines]
            for period in plan.periods}


def test_line_edits_remove_change_and_add_and_the_stated_totals_follow(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario, problems = load_scenario(write("edits.toml", EDITS), plan)
    assert problems == [] and scenario is not None
    changed = apply_scenario(plan, scenario)
    assert _lines(changed) == {"2020-2021": [("a", D("500.00"), ("EC",))],
                               "2022": [("c", D("400.00"), ("EC",)),
                                        ("d", D("100.50"), ("NATIONAL",))]}
    # 2020-2021: 600 - 200 (b) + 100 (a: 400 -> 500); 2022: 400 + 100.50; programme 1,000 + 0.50.
    assert [period.total for period in changed.periods] == [D("500.00"), D("500.50")]
    assert changed.programme.total == D("1000.50")
    assert reconcile(changed).ok
    assert _lines(plan)["2020-2021"][1][0] == "b"  # the plan itself is untouched
    assert scenario.changes() == (
        "removes line 2020-2021/b",
        "changes line 2020-2021/a: 500.00, EC",
        "adds line 2022/d: 100.50, NATIONAL")


def test_a_removed_line_takes_its_pledges_and_line_rules_along(write):
    plan, problems = load_plan(write("plan.toml", SMALL_PLAN + """
[[funding.pledges]]
source = "NATIONAL"
line = "b"
amount = 50

[[funding.shares]]
source = "NATIONAL"
period = "2020-2021"
line = "b"
min = "10%"

[[funding.shares]]
source = "NATIONAL"
min = "5%"
"""))
    assert problems == []
    removal = write("rm.toml", 'name = "R"\n[[lines.remove]]\nline = "b"\n')
    scenario, problems = load_scenario(removal, plan)
    assert problems == [] and scenario is not None
    funding = apply_scenario(plan, scenario).funding
    assert funding.pledges == ()
    assert funding.shares == (ShareRule("NATIONAL", min=D("0.05")),)


def test_a_scenario_may_set_rules_for_the_lines_it_adds_but_not_for_those_it_removes(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    added = write("added.toml", EDITS + """
[[funding.pledges]]
source = "NATIONAL"
line = "d"
amount = 100
""")
    scenario, problems = load_scenario(added, plan)
    assert problems == [] and scenario is not None
    assert apply_scenario(plan, scenario).funding.pledges[0].key == ("NATIONAL", "2022", "d")
    removed = write("removed.toml", EDITS + """
[[funding.pledges]]
source = "NATIONAL"
period = "2020-2021"
line = "b"
amount = 100
""")
    scenario, problems = load_scenario(removed, plan)
    assert scenario is None
    assert [(p.path, p.code, p.lineno) for p in problems] == [
        ("funding.pledges[0].line", "unknown-line", 23)]


def test_scaling_a_period_scales_its_lines_and_totals_to_the_cent(write):
    text = SMALL_PLAN.replace('amount = 400\nsources = ["EC", "NATIONAL"]',
                              'amount = "100.01"\nsources = ["EC", "NATIONAL"]')
    text = text.replace('amount = "200.00"', 'amount = "200.02"')
    text = text.replace("total = 600", 'total = "300.03"')
    text = text.replace("total = 1_000", 'total = "700.03"')
    plan, problems = load_plan(write("plan.toml", text))
    assert problems == [] and reconcile(plan).ok
    scale = write("s.toml", 'name = "S"\n[[scale]]\nperiod = "2020-2021"\nby = "+50%"\n')
    scenario, problems = load_scenario(scale, plan)
    assert problems == [] and scenario is not None
    changed = apply_scenario(plan, scenario)
    first = changed.periods[0]
    # 300.03 x 1.5 = 450.045, half up 450.05; the lines 100.01 and 200.02 are 150.015 and
    # 300.03 exactly, in cents 15001.5 and 30003: the half cent left goes to the first line.
    assert [line.amount for line in first.lines] == [D("150.02"), D("300.03")]
    assert first.total == D("450.05") and changed.programme.total == D("850.05")
    assert reconcile(changed).ok
    assert changed.periods[1] == plan.periods[1]


def test_scale_period_splits_the_rounding_by_largest_remainder():
    from budget_planner.core.model import Line, Period

    period = Period("p", "", 2020, 2020, D("300.03"),
                    tuple(Line(name, name, D("100.01")) for name in "xyz"))
    scaled = scale_period(period, D("0.5"))
    # 100.01 x 1.5 = 150.015 each, 450.045 in all -> 450.05: two lines take the extra cent.
    assert [line.amount for line in scaled.lines] == [D("150.02"), D("150.02"), D("150.01")]
    assert scaled.total == D("450.05")


def test_scaling_a_source_scales_its_cap(write):
    plan, _ = load_plan(write("plan.toml",
                              SMALL_PLAN + '[[funding.caps]]\nsource = "EC"\namount = 1000\n'))
    scenario, problems = load_scenario(write("s.toml", 'name = "S"\n[[scale]]\nsource = "EC"\n'
                                                     'by = "-20%"\n'), plan)
    assert problems == [] and scenario is not None
    assert apply_scenario(plan, scenario).funding.caps == (Cap("EC", D("800.00")),)
    assert scenario.changes() == ("scales EC for the whole programme by -20%: cap 1,000.00 -> "
                                  "cap 800.00",)


def test_scaling_an_uncapped_source_caps_it_at_a_share_of_its_allocation(write):
    # No caps: the tie-break gives EC, first in source order, all it is marked for:
    # 400 (line a) in 2020-2021 and 400 (line c) in 2022.
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario, problems = load_scenario(write("s.toml", """
        name = "S"
        [[scale]]
        source = "EC"
        by = "-25%"
        [[scale]]
        source = "EC"
        period = "2022"
        by = "-50%"
        """), plan)
    assert problems == [] and scenario is not None
    assert [(s.base, s.base_kind, s.cap) for s in scenario.scales] == [
        (D("800.00"), "allocation", D("600.00")), (D("400.00"), "allocation", D("200.00"))]
    assert set(apply_scenario(plan, scenario).funding.caps) == {
        Cap("EC", D("600.00")), Cap("EC", D("200.00"), "2022")}


def test_a_scale_on_a_cap_the_scenario_sets_scales_that_cap(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario, problems = load_scenario(write("s.toml", """
        name = "S"
        [[funding.caps]]
        source = "NATIONAL"
        amount = 300
        [[scale]]
        source = "NATIONAL"
        by = "+10%"
        """), plan)
    assert problems == [] and scenario is not None
    assert apply_scenario(plan, scenario).funding.caps == (Cap("NATIONAL", D("330.00")),)


@pytest.mark.parametrize(("value", "expected"), [
    ("-20%", D("-0.2")), ("+12.5%", D("0.125")), (" - 100 % ", D("-1")), ("+0%", D("0")),
])
def test_parse_change(value, expected):
    assert parse_change(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("20%", "has no sign"), ("-101%", "more than 100%"), ("+1001%", "more than 1000%"),
    ("-0.125%", "not a change"), (-20, "expected a signed percent"), ("-20", "not a change"),
])
def test_parse_change_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        parse_change(value)


@pytest.mark.parametrize(("text", "path", "lineno", "message"), [
    ('name = "X"\n[[lines.change]]\nperiod = "2022"\nline = "cc"\namount = 1\n',
     "lines.change[0].line", 4, "no line 'cc' in period '2022'; did you mean 'c'?"),
    ('name = "X"\n[[lines.remove]]\nline = "zzz"\n', "lines.remove[0].line", 3,
     "no line 'zzz' in any period"),
    ('name = "X"\n[[lines.remove]]\nperiod = "2033"\nline = "c"\n', "lines.remove[0].period", 3,
     "unknown period '2033'"),
    ('name = "X"\n[[lines.remove]]\nline = "c"\n[[lines.change]]\nline = "c"\namount = 5\n',
     "lines.change[0].line", 5, "line 2022/c is removed at lines.remove[0]"),
    ('name = "X"\n[[lines.add]]\nperiod = "2022"\nid = "c"\nactivity = "C"\n',
     "lines.add[0].id", 4, "line 'c' is already in period '2022'"),
    ('name = "X"\n[[lines.add]]\nperiod = "2022"\nid = "e"\nactivity = "E"\nsources = ["ECC"]\n',
     "lines.add[0].sources[0]", 6, "did you mean 'EC'?"),
    ('name = "X"\n[[lines.change]]\nline = "a"\namount = 1.5\n', "lines.change[0].amount", 4,
     "is a TOML float"),
    ('name = "X"\n[[lines.change]]\nline = "a"\nsorces = []\n', "lines.change[0].sorces", 4,
     "did you mean 'sources'?"),
    ('name = "X"\n[lines]\nadd = 1\n', "lines.add", 3, "expected an array of tables"),
    ('name = "X"\n[lines]\nrenove = []\n', "lines.renove", 3, "did you mean 'remove'?"),
    ('name = "X"\n[[scale]]\nsource = "ECC"\nby = "-5%"\n', "scale[0].source", 3,
     "did you mean 'EC'?"),
    ('name = "X"\n[[scale]]\nperiod = "2021"\nby = "-5%"\n', "scale[0].period", 3,
     "did you mean '2022'?"),
    ('name = "X"\n[[scale]]\nby = "-5%"\n', "scale[0].source", 2, "needs a 'source'"),
    ('name = "X"\n[[scale]]\nsource = "EC"\n', "scale[0].by", 2, "required field 'by'"),
    ('name = "X"\n[[scale]]\nsource = "EC"\nby = "5%"\n', "scale[0].by", 4, "has no sign"),
    ('name = "X"\n[[scale]]\nsource = "EC"\nby = "-5%"\n[[scale]]\nsource = "EC"\nby = "-6%"\n',
     "scale[1].source", 6, "already scaled at scale[0]"),
])
def test_edit_and_scale_mistakes_are_reported_with_file_line_and_field(write, text, path, lineno,
                                                                        message):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario_path = write("scenario.toml", text)
    scenario, problems = load_scenario(scenario_path, plan)
    assert scenario is None
    found = [problem for problem in problems if problem.path == path]
    assert found and message in found[0].message, [str(problem) for problem in problems]
    assert found[0].file == str(scenario_path) and found[0].lineno == lineno


def test_every_mistake_of_a_scenario_is_reported_at_once(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    scenario, problems = load_scenario(write("s.toml", """
        name = "X"
        [[lines.change]]
        line = "nope"
        amount = 1.5
        [[scale]]
        source = "EC"
        by = "5%"
        [[funding.caps]]
        source = "OTHER"
        amount = 1
        """), plan)
    assert scenario is None
    assert [problem.code for problem in problems] == ["unknown-line", "money-float",
                                                      "change-invalid", "unknown-source"]


def test_a_source_with_neither_cap_nor_allocation_cannot_be_scaled(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN + """
[[funding.pledges]]
source = "NATIONAL"
line = "b"
amount = 300
"""))  # a pledge larger than line b (200): the rules conflict, so there is no allocation
    scenario, problems = load_scenario(write("s.toml", 'name = "S"\n\n[[scale]]\nsource = "EC"\n'
                                                     'by = "-5%"\n'), plan)
    assert scenario is None
    assert [(p.path, p.code, p.lineno) for p in problems] == [
        ("scale[0].source", "nothing-to-scale", 4)]
    assert "set a cap with [[funding.caps]]" in problems[0].message


def test_stacked_scenarios_see_the_lines_the_earlier_ones_add(runner, write):
    plan = write("plan.toml", SMALL_PLAN)
    first = write("first.toml", EDITS)
    second = write("second.toml", 'name = "Pledge to d"\n[[funding.pledges]]\nsource = "NATIONAL"\n'
                                  'line = "d"\namount = "100.50"\n')
    result = runner.invoke(cli, ["allocate", str(plan), "--scenario", str(first),
                                 "--scenario", str(second), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {(a["line"], a["source"]): a["amount"] for a in json.loads(result.output)["allocations"]}
    assert rows["d", "NATIONAL"] == "100.50"
    # Alone, the second scenario names a line the plan does not have.
    result = runner.invoke(cli, ["allocate", str(plan), "--scenario", str(second)])
    assert result.exit_code == 2 and "second.toml:4: funding.pledges[0].line" in result.output


def test_apply_scenarios_applies_in_order(write):
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN))
    cut = write("a.toml", 'name = "A"\n[[scale]]\nperiod = "2022"\nby = "-50%"\n')
    rise = write("b.toml", 'name = "B"\n[[scale]]\nperiod = "2022"\nby = "+100%"\n')
    both, problems = apply_scenarios(plan, [cut, rise])
    assert problems == [] and both is not None
    assert both.plan.periods[1].total == D("400.00")
    assert [scenario.name for scenario in both.scenarios] == ["A", "B"]
    alone, _ = apply_scenarios(plan, [rise])
    assert alone is not None and alone.plan.periods[1].total == D("800.00")


def test_the_example_scenarios_for_whatif_are_illustrative_and_valid():
    plan, _ = load_plan(SEED_PLAN)
    examples = sorted((ROOT / "plans" / "scenarios" / "whatif").glob("*.toml"))
    assert examples
    for path in examples:
        scenario, problems = load_scenario(path, plan)
        assert problems == [], problems
        assert scenario is not None and scenario.illustrative
        comments = " ".join(line for line in path.read_text().splitlines() if line.startswith("#"))
        assert "NOT from the seed document" in comments


# Anything at all under `lines` and `scale` is reported, never raised.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.support.plans import toml_value  # noqa: E402
from tests.support.strategies import keys, values  # noqa: E402

EDIT_KEYS = ["period", "line", "id", "activity", "amount", "sources", "notes", "source_notes",
             "source", "by", "2020-2021", "2022", "a", "b", "c", "EC", "NATIONAL"]
edit_values = st.one_of(values, st.sampled_from(
    ["EC", "NATIONAL", "2022", "2020-2021", "a", "b", "c", "zz", "-20%", "+5%", "20%", "-100%",
     "+1000%", "-101%", "1_000", "12.345", ["EC"], ["NATIONAL", "NATIONAL"], ["EC", "ZZ"],
     {"EC": "note"}, {"OTHER": 1}]))
edits = st.dictionaries(st.one_of(st.sampled_from(EDIT_KEYS), keys), edit_values, max_size=5)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.one_of(values, st.dictionaries(
           st.sampled_from(["add", "change", "remove", "x"]),
           st.one_of(st.lists(edits, max_size=3), edits, values), max_size=3)),
       scale=st.one_of(values, st.lists(edits, max_size=3)))
def test_line_edits_and_scales_never_raise(tmp_path_factory, lines, scale):
    folder = tmp_path_factory.getbasetemp()
    plan_path = folder / "fuzz-plan.toml"
    if not plan_path.exists():
        plan_path.write_text(SMALL_PLAN)
    plan, _ = load_plan(plan_path)
    path = folder / "fuzz-scenario.toml"
    path.write_text(f'name = "F"\nlines = {toml_value(lines)}\nscale = {toml_value(scale)}\n')
    scenario, problems = load_scenario(path, plan)
    assert (scenario is None) == bool(problems)
    for problem in problems:
        assert problem.file and problem.code and problem.message
    if scenario is not None:
        changed = apply_scenario(plan, scenario)
        assert reconcile(changed).ok == reconcile(plan).ok
