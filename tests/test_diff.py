"""`diff`: lines added, removed and changed, total changes, exit codes, text and JSON."""

from __future__ import annotations

import json

from budget_planner import load_plan
from budget_planner.cli import cli
from budget_planner.engine.diff import diff_plans
from budget_planner.views.diff import diff_text

from tests.support.plans import SEED_PLAN, SMALL_PLAN

# SMALL_PLAN with: line a 400 -> 450 and NATIONAL unmarked, line b removed, line d added
# (2022, 75.25, EC), period 2022 stated 400 -> 475.25, and the programme name changed.
CHANGED_PLAN = (SMALL_PLAN
                .replace('name = "Small programme"', 'name = "Small programme, revised"')
                .replace('amount = 400\nsources = ["EC", "NATIONAL"]',
                         'amount = 450\nsources = ["EC"]')
                .replace('[[periods.lines]]\nid = "b"\nactivity = "Activity B"\n'
                         'amount = "200.00"\nsources = ["NATIONAL"]\n', '')
                .replace("total = 400\n", "total = \"475.25\"\n")
                + '\n[[periods.lines]]\nid = "d"\nactivity = "Activity D"\namount = "75.25"\n'
                  'sources = ["EC"]\n')


def test_a_plan_equals_itself(runner, small_plan):
    result = runner.invoke(cli, ["diff", str(small_plan), str(small_plan)])
    assert result.exit_code == 0
    assert result.output == f"No differences: {small_plan} and {small_plan} hold the same plan.\n"
    data = json.loads(runner.invoke(cli, ["diff", str(small_plan), str(small_plan),
                                          "--format", "json"]).output)
    assert data["equal"] is True and data["lines"] == {"added": [], "removed": [], "changed": []}


def test_every_kind_of_change_in_json(runner, write, small_plan):
    changed = write("changed.toml", CHANGED_PLAN)
    assert load_plan(changed)[1] == []
    result = runner.invoke(cli, ["diff", str(small_plan), str(changed), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["equal"] is False
    assert data["lines"] == {
        "added": [{"period": "2022", "line": "d", "activity": "Activity D", "amount": "75.25",
                   "sources": ["EC"]}],
        "removed": [{"period": "2020-2021", "line": "b", "activity": "Activity B",
                     "amount": "200.00", "sources": ["NATIONAL"]}],
        "changed": [{"period": "2020-2021", "line": "a", "activity": "Activity A", "changes": [
            {"field": "amount", "source": None, "old": "400.00", "new": "450.00",
             "difference": "50.00"},
            {"field": "mark", "source": "NATIONAL", "old": "x", "new": "", "difference": None},
        ]}],
    }
    # 2020-2021: 400 + 200 -> 450; 2022: 400 -> 400 + 75.25, stated 400 -> 475.25.
    assert data["periods"] == [
        {"id": "2020-2021", "stated": {"old": "600.00", "new": "600.00", "difference": "0.00"},
         "computed": {"old": "600.00", "new": "450.00", "difference": "-150.00"}},
        {"id": "2022", "stated": {"old": "400.00", "new": "475.25", "difference": "75.25"},
         "computed": {"old": "400.00", "new": "475.25", "difference": "75.25"}},
    ]
    assert data["programme"] == {
        "stated": {"old": "1000.00", "new": "1000.00", "difference": "0.00"},
        "computed": {"old": "1000.00", "new": "925.25", "difference": "-74.75"}}
    assert data["other"] == [{"where": "programme", "field": "name", "old": "Small programme",
                              "new": "Small programme, revised"}]


def test_text_view(runner, write, small_plan):
    changed = write("changed.toml", CHANGED_PLAN)
    result = runner.invoke(cli, ["diff", str(small_plan), str(changed)])
    assert result.exit_code == 1
    text = result.output
    assert "Lines added: 1\n  + 2022/d  'Activity D'  75.25  [European Commission]" in text
    assert "Lines removed: 1\n  - 2020-2021/b  'Activity B'  200.00  [National]" in text
    assert "      amount: 400.00 -> 450.00 (+50.00)" in text
    assert "      National mark: 'x' -> (empty)" in text
    assert ("  2020-2021  stated 600.00 (unchanged);  computed 600.00 -> 450.00 (-150.00)"
            in text)
    assert ("Programme total:\n"
            "  stated 1,000.00 (unchanged);  computed 1,000.00 -> 925.25 (-74.75)") in text
    assert "  programme name: 'Small programme' -> 'Small programme, revised'" in text


def test_notes_titles_sources_and_order_are_differences_too(write, small_plan):
    old, _ = load_plan(small_plan)
    text = (SMALL_PLAN.replace('title = "First"', 'title = "Premier"')
            .replace('name = "National"', 'name = "National funds"')
            .replace('sources = ["NATIONAL"]\n', 'sources = ["NATIONAL"]\nnotes = "check"\n'))
    new, problems = load_plan(write("new.toml", text))
    assert not problems
    result = diff_plans(old, new)
    assert not result.equal
    assert [(c.where, c.field, c.old, c.new) for c in result.other] == [
        ("source NATIONAL", "name", "National", "National funds"),
        ("period 2020-2021", "title", "First", "Premier")]
    assert [(line.line, [(c.field, c.old, c.new) for c in line.changes])
            for line in result.changed] == [("b", [("notes", "", "check")])]
    assert "notes: (empty) -> 'check'" in diff_text(result)


def test_seed_against_itself_and_the_plan_name_does_not_count(write):
    seed, _ = load_plan(SEED_PLAN)
    copy, _ = load_plan(write("copy.toml", SEED_PLAN.read_text("utf-8")))
    assert copy.name != seed.name
    assert diff_plans(seed, copy).equal


def test_invalid_input_is_exit_2_with_every_problem(runner, write, small_plan):
    bad = write("bad.toml", SMALL_PLAN.replace("amount = 400", "amount = 400.5", 1))
    result = runner.invoke(cli, ["diff", str(bad), str(small_plan.parent / "missing.xlsx")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "money-float" in result.output and "file-not-found" in result.output
