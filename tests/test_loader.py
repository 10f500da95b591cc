"""Loading plan files: every mistake reported at once, with file, line and field path."""

from decimal import Decimal

import pytest

from budget_planner import load_plan
from budget_planner.core.model import Problem

from tests.support.plans import SMALL_PLAN

HEAD = """
[programme]
name = "P"
currency = "EUR"
total = 100

[[sources]]
id = "EC"

[[sources]]
id = "NATIONAL"
"""


def problems_of(path) -> list[tuple[str, str, int | None]]:
    plan, problems = load_plan(path)
    assert plan is None
    assert all(isinstance(problem, Problem) for problem in problems)
    return [(problem.path, problem.code, problem.lineno) for problem in problems]


def one_line_plan(line_fields: str) -> str:
    return HEAD + f"""
[[periods]]
id = "2020"
first_year = 2020
last_year = 2020
total = 100

[[periods.lines]]
id = "a"
activity = "A"
{line_fields}
"""


def test_small_plan_loads_exactly(small_plan):
    plan, problems = load_plan(small_plan)
    assert problems == []
    assert plan.name == "small"
    assert plan.source_ids == ("EC", "NATIONAL")
    assert [line.amount for period in plan.periods for line in period.lines] == [
        Decimal("400"), Decimal("200"), Decimal("400")]
    assert all(isinstance(line.amount, Decimal) for p in plan.periods for line in p.lines)


def test_marks_are_kept_in_source_order_whatever_the_file_order(write):
    plan, problems = load_plan(write("p.toml", one_line_plan('amount = 100\nsources = ["NATIONAL", "EC"]')))
    assert problems == []
    assert plan.periods[0].lines[0].sources == ("EC", "NATIONAL")


@pytest.mark.parametrize("amount, expected", [
    ("100", Decimal("100.00")),
    ('"100"', Decimal("100.00")),
    ('"99.5"', Decimal("99.50")),
    ('"0.01"', Decimal("0.01")),
    ("1_000", Decimal("1000.00")),
    ('"1 000"', Decimal("1000.00")),
])
def test_money_forms_accepted(write, amount, expected):
    plan, problems = load_plan(write("p.toml", one_line_plan(f"amount = {amount}")))
    assert problems == []
    assert plan.periods[0].lines[0].amount == expected


@pytest.mark.parametrize("amount, code", [
    ("100.0", "money-float"),
    ("nan", "money-float"),
    ("inf", "money-float"),
    ("1e30", "money-float"),
    ("-5", "money-negative"),
    ('"-5"', "money-negative"),
    ('"1.234"', "money-precision"),
    ('"NaN"', "money-invalid"),
    ('"Infinity"', "money-invalid"),
    ('"1e3"', "money-invalid"),
    ('"12,5"', "money-invalid"),
    ('"1000000000000000000"', "money-too-large"),
    ("true", "wrong-type"),
    ("[1]", "wrong-type"),
])
def test_money_mistakes(write, amount, code):
    path = write("p.toml", one_line_plan(f"amount = {amount}"))
    assert problems_of(path) == [("periods[0].lines[0].amount", code, 22)]


def test_float_message_says_what_to_write_instead(write):
    _, problems = load_plan(write("p.toml", one_line_plan("amount = 1234.56")))
    assert "1234.56" in problems[0].message and '"1234.56"' in problems[0].message


def test_broken_toml_gives_its_line(write):
    path = write("p.toml", HEAD + "\n[[periods]]\nid = \"x\nfirst_year = 2020\n")
    plan, problems = load_plan(path)
    assert plan is None
    assert [(p.code, p.lineno) for p in problems] == [("toml-syntax", 14)]
    assert str(problems[0]).startswith(f"{path}:14: ")


def test_all_problems_are_reported_at_once_with_lines_and_paths(write):
    path = write("p.toml", """
        [programme]
        name = "P"
        currency = "euro"
        totl = 100

        [[sources]]
        id = "EC"

        [[sources]]
        id = "EC"

        [[periods]]
        id = "2020-2021"
        first_year = "2020"
        last_year = 2021
        total = 50

        [[periods.lines]]
        id = "a"
        activity = "A"
        amount = 1.5
        sources = ["EC", "NATIONL"]

        [[periods.lines]]
        id = "a"
        activity = "A again"
        amount = 10
        colour = "red"

        [[periods]]
        id = "2020-2021"
        first_year = 2021
        last_year = 2022
        total = 0
        lines = []
    """)
    assert problems_of(path) == [
        ("programme.totl", "unknown-key", 5),
        ("programme.currency", "invalid-id", 4),
        ("programme.total", "missing-field", 2),
        ("sources[1].id", "duplicate-id", 11),
        ("periods[0].first_year", "wrong-type", 15),
        ("periods[0].lines[0].amount", "money-float", 22),
        ("periods[0].lines[0].sources[1]", "unknown-source", 23),
        ("periods[0].lines[1].colour", "unknown-key", 29),
        ("periods[0].lines[1].id", "duplicate-id", 26),
        ("periods[1].lines", "empty-period", 36),
        ("periods[1].id", "duplicate-id", 32),
    ]
    _, problems = load_plan(path)
    messages = {p.path: p.message for p in problems}
    assert "did you mean 'total'?" in messages["programme.totl"]
    assert messages["periods[0].lines[0].sources[1]"].endswith("(sources: EC)")
    assert messages["periods[0].lines[1].id"].startswith("line 'a' is already used")


def test_unknown_source_suggests_the_close_one(write):
    path = write("p.toml", one_line_plan('amount = 100\nsources = ["NATIONL"]'))
    _, problems = load_plan(path)
    assert [(p.code, p.path) for p in problems] == [("unknown-source", "periods[0].lines[0].sources[0]")]
    assert "did you mean 'NATIONAL'?" in problems[0].message


def test_missing_required_fields(write):
    path = write("p.toml", HEAD + """
[[periods]]
title = "no id, no years, no total"

[[periods.lines]]
amount = 5
""")
    assert problems_of(path) == [
        ("periods[0].id", "missing-field", 13),
        ("periods[0].first_year", "missing-field", 13),
        ("periods[0].last_year", "missing-field", 13),
        ("periods[0].total", "missing-field", 13),
        ("periods[0].lines[0].id", "missing-field", 16),
        ("periods[0].lines[0].activity", "missing-field", 16),
    ]


def test_period_without_lines_is_empty(write):
    path = write("p.toml", HEAD + "[[periods]]\nid = \"2020\"\nfirst_year = 2020\nlast_year = 2020\ntotal = 0\n")
    assert problems_of(path) == [("periods[0].lines", "empty-period", 12)]


def test_overlapping_periods(write):
    path = write("p.toml", SMALL_PLAN.replace("first_year = 2022", "first_year = 2021"))
    assert problems_of(path) == [("periods[1].first_year", "overlapping-periods", 37)]


def test_years_in_the_wrong_order(write):
    path = write("p.toml", SMALL_PLAN.replace("last_year = 2021", "last_year = 2019"))
    assert [code for _, code, _ in problems_of(path)] == ["invalid-years"]


def test_note_for_an_unmarked_source_is_a_mistake(write):
    path = write("p.toml", one_line_plan('amount = 1\nsources = ["EC"]\nsource_notes = { NATIONAL = "x" }'))
    assert problems_of(path) == [("periods[0].lines[0].source_notes.NATIONAL", "note-without-mark", 24)]


def test_a_plan_split_over_included_files(write):
    write("periods/second.toml", """
        [[periods]]
        id = "2022"
        first_year = 2022
        last_year = 2022
        total = 400

        [[periods.lines]]
        id = "c"
        activity = "Activity C"
        amount = 400
        sources = ["EC"]
    """)
    main_text = SMALL_PLAN.split('[[periods]]\nid = "2022"')[0]
    main = write("main.toml", 'include = ["periods/second.toml"]\n' + main_text)
    plan, problems = load_plan(main)
    assert problems == []
    assert [p.id for p in plan.periods] == ["2020-2021", "2022"]
    assert plan.computed_total == 1000
    assert len(plan.files) == 2


def test_problems_in_an_included_file_name_that_file(write):
    write("extra.toml", '[[periods]]\nid = "2030"\nfirst_year = 2030\nlast_year = 2030\ntotal = 1\n'
                        '[[periods.lines]]\nid = "z"\nactivity = "Z"\namount = 1.0\n')
    main = write("main.toml", 'include = ["extra.toml"]\n' + SMALL_PLAN)
    _, problems = load_plan(main)
    assert [(p.file.endswith("extra.toml"), p.path, p.code, p.lineno) for p in problems] == [
        (True, "periods[0].lines[0].amount", "money-float", 9)]


def test_missing_included_file(write):
    main = write("main.toml", 'include = ["nowhere.toml"]\n' + SMALL_PLAN)
    _, problems = load_plan(main)
    assert [(p.path, p.code, p.lineno) for p in problems] == [("include[0]", "file-not-found", 1)]
    assert "nowhere.toml" in problems[0].message


def test_include_cycle(write):
    write("b.toml", 'include = ["main.toml"]\n')
    main = write("main.toml", 'include = ["b.toml"]\n' + SMALL_PLAN)
    _, problems = load_plan(main)
    assert [(p.file.endswith("b.toml"), p.code) for p in problems] == [(True, "include-cycle")]
    assert "main.toml -> b.toml -> main.toml" in problems[0].message


def test_programme_in_an_included_file_is_refused(write):
    write("b.toml", '[programme]\nname = "X"\n')
    main = write("main.toml", 'include = ["b.toml"]\n' + SMALL_PLAN)
    _, problems = load_plan(main)
    assert [(p.path, p.code) for p in problems] == [("programme", "unknown-key")]


@pytest.mark.parametrize("content, code", [
    (b"", "file-empty"),
    (b"   \n\n", "file-empty"),
    (b"name = \"caf\xe9\"\n", "not-utf8"),
])
def test_unreadable_files(tmp_path, content, code):
    path = tmp_path / "p.toml"
    path.write_bytes(content)
    assert [p.code for p in load_plan(path)[1]] == [code]


def test_missing_file_and_directory(tmp_path):
    assert [p.code for p in load_plan(tmp_path / "none.toml")[1]] == ["file-not-found"]
    assert [p.code for p in load_plan(tmp_path)[1]] == ["not-a-file"]


def test_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL_PLAN.encode())
    plan, problems = load_plan(path)
    assert problems == [] and plan.computed_total == 1000
