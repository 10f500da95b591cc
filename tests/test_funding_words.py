"""The funding rules in words, as the workbook's Funding rules sheet, the report's section and
every gap's reason say them; each sentence here is written out by hand."""

from __future__ import annotations

from decimal import Decimal

from budget_planner import load_plan
from budget_planner.core.funding import Cap, Pledge, Preference, ShareRule
from budget_planner.engine.allocation import allocate
from budget_planner.engine.scenario import apply_scenario, load_scenario
from budget_planner.views.funding_rules import (funding_rules, gap_words, origin_words,
                                                preference_words, rule_words)

from tests.support.plans import ROOT, SEED_PLAN, plan_text

D = Decimal
SCENARIOS = ROOT / "plans" / "scenarios"


def seed():
    plan, problems = load_plan(SEED_PLAN)
    assert problems == []
    return plan


def test_each_kind_of_rule_in_words_with_the_plans_names():
    plan = seed()
    assert rule_words(plan, Cap("EU_SF", D("8000000"), "2014-2020")) == \
        "EU SF gives at most 8,000,000.00 in 2014-2020"
    assert rule_words(plan, Cap("EC", D("20000000"))) == \
        "EC gives at most 20,000,000.00 over the whole programme"
    assert rule_words(plan, ShareRule("EU_SF", max=D("0.6"), period="2014-2020")) == \
        "EU SF gives at most 60% of each 2014-2020 line"
    assert rule_words(plan, ShareRule("NATIONAL", min=D("0.15"))) == \
        "National gives at least 15% of each line"
    assert rule_words(plan, ShareRule("NATIONAL", min=D("0.1"), max=D("0.25"))) == \
        "National gives between 10% and 25% of each line"
    assert rule_words(plan, ShareRule("STARDUST", D(1), D(1), line="policy-learning")) == \
        "STARDUST gives exactly 100% of line “Policy learning activities” in every period"
    assert rule_words(plan, ShareRule("OTHER", max=D("0.5"), period="2010-2011",
                                      line="pilot-launch")) == \
        "Other gives at most 50% of line “Launch of pilot projects to prove concept” in 2010-2011"
    assert rule_words(plan, Pledge("STARDUST", "2010-2011", "management", D(150_000))) == (
        "STARDUST has pledged 150,000.00 to “Programme management and reporting (SD)” in "
        "2010-2011")


def test_the_preference_in_words():
    plan = seed()
    assert preference_words(plan, None).startswith("None set: where the rules leave a choice")
    assert preference_words(plan, Preference(priority=("EC", "EU_SF"))) == \
        "Where the rules leave a choice, use EC, then EU SF (in that order)"
    assert preference_words(plan, Preference(target_mix=(("EC", D("0.45")),
                                                          ("EU_SF", D("0.55"))))) == \
        "Where the rules leave a choice, keep the split near EC 45%, EU SF 55%"
    assert preference_words(plan, Preference(cost=(("NATIONAL", D("0.50")),))) == \
        "Where the rules leave a choice, use the cheapest source first; cost per unit: National 0.5"


def test_where_a_rule_is_set_as_a_person_finds_it():
    plan = seed()
    assert origin_words(plan, "funding.caps[0]") == "bsr-stars-programme-c.toml, cap 1"
    assert origin_words(plan, "ec-cut-2014-2020.toml: funding.shares[2]") == \
        "ec-cut-2014-2020.toml, share rule 3"
    assert origin_words(plan, "x.toml: funding.pledges[0]") == "x.toml, pledge 1"
    assert origin_words(plan, "x.toml: funding.preference") == "x.toml, preference"
    assert origin_words(plan, "--vary cap.EC") == "--vary cap.EC"
    assert origin_words(plan, "") == ""


def test_the_rules_of_the_scenarios_laid_over_the_seed():
    plan = seed()
    for name in ("ec-cut-2014-2020.toml", "private-funds-capped.toml"):
        scenario, problems = load_scenario(SCENARIOS / name, plan)
        assert problems == []
        plan = apply_scenario(plan, scenario)
    rules = [(rule.kind, rule.words, rule.origin) for rule in funding_rules(plan)]
    assert rules == [
        ("Cap", "EC gives at most 9,600,000.00 in 2014-2020", "ec-cut-2014-2020.toml, cap 1"),
        ("Cap", "EU SF gives at most 8,000,000.00 in 2014-2020", "ec-cut-2014-2020.toml, cap 2"),
        ("Cap", "Other gives at most 5,000,000.00 in 2014-2020", "ec-cut-2014-2020.toml, cap 3"),
        ("Cap", "Other gives at most 1,000,000.00 over the whole programme",
         "private-funds-capped.toml, cap 1"),
        ("Pledge", "STARDUST has pledged 150,000.00 to “Programme management and reporting "
                   "(SD)” in 2010-2011", "private-funds-capped.toml, pledge 1"),
        ("Preference", "Where the rules leave a choice, keep the split near STARDUST 5%, "
                       "EC 45%, EU SF 20%, National 20%, Other 10%",
         "private-funds-capped.toml, preference")]
    # The seed itself sets no rule: the preference row alone says so.
    assert [rule.kind for rule in funding_rules(seed())] == ["Preference"]


def test_a_gap_names_the_rules_that_hold_it_back(tmp_path):
    # x (1000; EC at most 60 %, National at most 30 %): 600 + 300, 100 unfunded whatever the
    # split. z (1000; EC capped at 500 in Q, National pledged 400): 100 unfunded.
    path = tmp_path / "plan.toml"
    path.write_text(plan_text([("P", [("x", 1000, ["EC", "NATIONAL"]), ("u", 50, [])]),
                               ("Q", [("z", 1000, ["EC", "NATIONAL"])])], """
[[funding.shares]]
source = "EC"
max = "60%"
line = "x"

[[funding.shares]]
source = "NATIONAL"
max = "30%"
line = "x"

[[funding.pledges]]
source = "NATIONAL"
period = "Q"
line = "z"
amount = 400

[[funding.caps]]
source = "EC"
period = "Q"
amount = 500
"""), "utf-8")
    plan, problems = load_plan(path)
    assert problems == []
    gaps = {gap.line: gap for gap in allocate(plan).gaps}
    assert {line: gap.amount for line, gap in gaps.items()} == {
        "x": D("100.00"), "z": D("100.00"), "u": D("50.00")}
    assert gap_words(plan, gaps["x"]) == (
        "EC gives at most 60% of line “Activity x” in every period; "
        "NATIONAL gives at most 30% of line “Activity x” in every period")
    assert gap_words(plan, gaps["z"]) == (
        "EC's cap of 500.00 in Q is used up; "
        "NATIONAL gives exactly its pledge of 400.00")
    assert gap_words(plan, gaps["u"]) == "no funding source is marked for this line"
