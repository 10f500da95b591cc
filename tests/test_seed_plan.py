"""The shipped plan against the seed document's financing table, written out by hand here.

Each row below was read from the document's table (see docs/seed-programme.md), not from the
plan file: (line id, amount in euro or None, marked columns of STARDUST, EC, EU SF, National,
Other, note in the Other column).
"""

from decimal import Decimal

from budget_planner import load_plan, reconcile

from tests.support.plans import SEED_PLAN

S, EC, SF, NAT, OTH = "STARDUST", "EC", "EU_SF", "NATIONAL", "OTHER"

SEED_TABLE = {
    ("2010-2011", "Prove of concept and identification of SME networks", 1_850_000): [
        ("mapping", 150_000, {EC}, ""),
        ("pilot-launch", 300_000, {EC, NAT, OTH}, ""),
        ("capacity-building", 400_000, {S, SF, NAT}, ""),
        ("matchmaking-mobility", 500_000, {EC, NAT, OTH}, "(NCM?)"),
        ("financing-map", None, set(), ""),
        ("future-design", 200_000, {EC, NAT}, ""),
        ("policy-learning", 100_000, {S}, ""),
        ("management", 200_000, {S, NAT, OTH}, ""),
    ],
    ("2012-2013", "Identified and formed different types of SME networks launching joint "
                  "activities inside and outside the BSR market", 1_900_000): [
        ("mapping", 200_000, {EC, NAT}, ""),
        ("matchmaking", 500_000, {EC, NAT, OTH}, "(Nordic innovation council)"),
        ("facilitator-training", 200_000, {S, OTH}, "(Nordic innovation council)"),
        ("future-design", 150_000, {EC}, ""),
        ("continuation", 300_000, {S, EC, OTH}, ""),
        ("project-selection", 200_000, {SF, NAT, OTH}, ""),
        ("policy-influence", 150_000, {EC}, ""),
        ("management", 200_000, {S, NAT, OTH}, ""),
    ],
    ("2014-2020", "Transformation of SME networks into world class with a global "
                  "competitiveness", 26_400_000): [
        ("pilots-inside-bsr", 10_000_000, {EC, SF, OTH}, "(private funds)"),
        ("pilots-innovation", 5_000_000, {EC, SF, OTH}, "(private funds)"),
        ("pilots-outside-bsr", 10_000_000, {EC, SF, OTH}, "(private funds)"),
        ("continuation", 300_000, {EC, OTH}, ""),
        ("collaboration-events", 500_000, set(), ""),
        ("project-selection", 200_000, set(), ""),
        ("future-design", 200_000, {EC}, ""),
        ("management", 200_000, {EC}, ""),
    ],
}

ACTIVITIES = {
    ("2010-2011", "mapping"): "Mapping activities: identification of EU, national and regional "
                              "schemes. Mapping different types of SME networks in defined "
                              "priority sectors",
    ("2010-2011", "financing-map"): "Map existing financing & services offers provided (by "
                                    "Enterprise Europe Network, Eureka etc.)",
    ("2010-2011", "policy-learning"): "Policy learning activities",
    ("2014-2020", "pilots-outside-bsr"): "Open call for new pilots (for expansion of market share "
                                         "for different types of SME networks outside the BSR)",
}


def load_seed():
    plan, problems = load_plan(SEED_PLAN)
    assert problems == []
    return plan


def test_periods_titles_and_stated_totals():
    plan = load_seed()
    assert [(p.id, p.title, p.total) for p in plan.periods] == [
        (period_id, title, Decimal(total)) for period_id, title, total in SEED_TABLE]
    assert plan.programme.total == Decimal(30_150_000)
    assert plan.programme.currency == "EUR"
    assert [(p.first_year, p.last_year) for p in plan.periods] == [
        (2010, 2011), (2012, 2013), (2014, 2020)]


def test_funding_columns_in_the_seed_order():
    plan = load_seed()
    assert [s.name for s in plan.sources] == ["STARDUST", "EC", "EU SF", "National", "Other"]


def test_every_line_amount_marks_and_note_match_the_seed_table():
    plan = load_seed()
    for (period_id, _title, _total), expected in SEED_TABLE.items():
        period = plan.period(period_id)
        actual = [(line.id, line.amount, set(line.sources), line.note_for(OTH))
                  for line in period.lines]
        assert actual == [(line_id, None if amount is None else Decimal(amount), marks, note)
                          for line_id, amount, marks, note in expected], period_id


def test_activity_texts_are_the_seed_wording():
    plan = load_seed()
    for (period_id, line_id), activity in ACTIVITIES.items():
        line = next(line for line in plan.period(period_id).lines if line.id == line_id)
        assert line.activity == activity


def test_seed_reconciles_exactly_and_reports_the_unmarked_and_unpriced_lines():
    result = reconcile(load_seed())
    assert result.ok
    assert [(t.id, t.stated, t.computed) for t in result.periods] == [
        ("2010-2011", 1_850_000, 1_850_000), ("2012-2013", 1_900_000, 1_900_000),
        ("2014-2020", 26_400_000, 26_400_000)]
    assert result.programme.computed == 30_150_000
    warnings = [(f.code, f.period, f.line, f.actual) for f in result.findings
                if f.severity == "warning"]
    assert warnings == [
        ("line-without-amount", "2010-2011", "financing-map", None),
        ("line-without-source", "2014-2020", "collaboration-events", 500_000),
        ("line-without-source", "2014-2020", "project-selection", 200_000),
    ]
    unfunded = [f for f in result.findings if f.code == "unfunded-total"]
    assert [f.actual for f in unfunded] == [700_000]
