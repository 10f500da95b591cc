"""Plan files with phasing: period profiles, line years and commitments read, checked and
written back."""

from __future__ import annotations

from decimal import Decimal

from budget_planner.core.model import Commitment
from budget_planner.planfile.loader import load_plan
from budget_planner.planfile.writer import plan_toml
from tests.support.phasing import EC_N2, PHASED

D = Decimal


def load(write, text: str, name: str = "plan.toml"):
    plan, problems = load_plan(write(name, text))
    assert problems == [], problems
    return plan


def test_profile_years_and_commitments_are_read(write):
    plan = load(write, PHASED + EC_N2.replace("prefinancing = 50", 'prefinancing = "50.50"'))
    period = plan.periods[0]
    assert period.profile == (D(1), D(4)) and list(period.years) == [2020, 2021]
    assert period.lines[0].years == ((2020, D(300)), (2021, D(700)))
    assert period.lines[1].years == ()
    [ec] = plan.commitments
    assert ec == Commitment("EC", 2, D("50.50"), ((2020, D(700)), (2021, D(500))))
    assert ec.total == D(1200) and ec.amount(2021) == D(500) and ec.amount(2019) == 0


def test_weights_may_be_decimal_strings(write):
    plan = load(write, PHASED.replace("profile = [1, 4]", 'profile = ["0.5", "1.25"]'))
    assert plan.periods[0].profile == (D("0.5"), D("1.25"))


def test_commitments_may_sit_in_an_included_file(write):
    write("ec.toml", EC_N2)
    plan = load(write, 'include = ["ec.toml"]\n' + PHASED)
    assert [(c.source, c.lag_years, c.prefinancing, c.total) for c in plan.commitments] == \
        [("EC", 2, D("50.00"), D("1200.00"))]


def test_every_phasing_mistake_is_reported_with_its_line_and_field(write):
    text = (PHASED.replace("profile = [1, 4]", 'profile = [1, 2.5]')
            .replace('sources = ["EC"]', 'sources = ["EC"]\nyears = { "20x" = 3 }')
            + EC_N2.replace("lag_years = 2", "lag_years = 11") + EC_N2 + """
[[commitments]]
source = "NATIONL"
prefinancing = -5
""")
    plan, problems = load_plan(write("plan.toml", text))
    assert plan is None
    assert [(problem.lineno, problem.path, problem.code) for problem in problems] == [
        (18, "periods[0].profile[1]", "weight-float"),
        (32, "periods[0].lines[1].years.20x", "invalid-year"),
        (41, "commitments[0].lag_years", "lag-range"),
        (46, "commitments[1].source", "duplicate-commitment"),
        (52, "commitments[2].source", "unknown-source"),
        (51, "commitments[2].lag_years", "missing-field"),
        (53, "commitments[2].prefinancing", "money-negative"),
        (51, "commitments[2].years", "missing-field"),
    ]  # and no follow-on 'unknown-line' for the pledge to a line of the period with mistakes
    assert "did you mean 'NATIONAL'?" in problems[4].message


def test_a_year_outside_its_period_is_reported_once_the_rest_is_read(write):
    _, problems = load_plan(write("plan.toml", PHASED.replace(
        'sources = ["EC"]', 'sources = ["EC"]\nyears = { "2020" = 500, "2022" = 0 }')))
    assert [(problem.path, problem.code, problem.message) for problem in problems] == [
        ("periods[0].lines[1].years.2022", "year-outside-period",
         "2022 is outside the period's years 2020-2021")]


def test_the_written_plan_reads_back_the_same(write):
    plan = load(write, PHASED.replace("profile = [1, 4]", 'profile = ["0.5", 2]') + EC_N2)
    text = plan_toml(plan)
    assert 'profile = ["0.5", 2]' in text and 'years = { "2020" = 300, "2021" = 700 }' in text
    again = load(write, text, "again.toml")
    assert again.periods == plan.periods and again.commitments == plan.commitments
