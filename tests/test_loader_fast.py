"""The loader's fast paths give what the careful paths give: the same lines, line numbers,
amounts and problems.

Each fast path (`_plain_line`, the `[[...]]` index of `LineIndex`, the plain-amount branch of
`parse_money`, the dot count before the long-key search) only takes the
common case and hands everything else to the careful code, so each test here compares the two
on well-formed and slightly wrong input.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from budget_planner.planfile import loader
from budget_planner.planfile.loader import Document, LineIndex, load_plan, read_line
from budget_planner.core.money import MoneyError, parse_money

from tests.support.plans import ROOT, SEED_PLAN, SMALL_PLAN

FAST = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
SOURCE_IDS = ("EC", "EU_SF", "NATIONAL", "OTHER")
PATH = "periods[0].lines[0]"


def line_outcome(table: dict, *, careful_only: bool) -> tuple:
    """What reading one line table gives: the line (with its amount's exact digits and its
    origin) and the problems reported."""
    text = "[[periods]]\n[[periods.lines]]\n"
    document = Document("p.toml", {}, LineIndex(text), [])
    read = loader._checked_line if careful_only else read_line
    line = read(document, PATH, table, SOURCE_IDS)
    return repr(line), line and line.origin, document.problems


PLAIN_TABLES = [
    {"id": "a", "activity": "A", "amount": "1234.56", "sources": ["EC"]},
    {"id": "a.b-c_d", "activity": "Activity", "amount": 1_850_000, "sources": []},
    {"id": "L1", "activity": "A", "sources": ["OTHER", "EC"], "notes": "n",
     "source_notes": {"OTHER": "(private funds)"}},
    {"id": "9", "activity": " x ", "amount": "0", "sources": ["NATIONAL", "EU_SF", "OTHER", "EC"],
     "source_notes": {"NATIONAL": "b", "EC": ""}},  # kept in the plan's order of sources
    {"id": "a", "activity": "A"},
    {"id": "a", "activity": "A", "amount": " 1 000 "},  # read by parse_money's full path
]

#: Slightly wrong tables, each of which the careful path must report as it always did.
WRONG_TABLES = [
    {"id": "a", "activity": "A", "amount": 1, "colour": "red"},
    {"id": "a", "activity": "A", "amount": 1.5},
    {"id": "a", "activity": "A", "amount": "1.234"},
    {"id": "a", "activity": "A", "amount": "-5"},
    {"id": "a", "activity": "A", "amount": True},
    {"id": "a", "activity": "A", "amount": "1000000000000000"},
    {"id": "a", "activity": "A", "sources": ["NATIONL"]},
    {"id": "a", "activity": "A", "sources": ["EC", "EC"]},
    {"id": "a", "activity": "A", "sources": ["EC", 1, ["EC"], {"a": 1}]},
    {"id": "a", "activity": "A", "sources": "EC"},
    {"id": "a", "activity": ""},
    {"id": "a", "activity": "  "},
    {"id": "a", "activity": 5},
    {"id": "a"},
    {"id": "bad id", "activity": "A"},
    {"id": "-a", "activity": "A"},
    {"id": "", "activity": "A"},
    {"id": 7, "activity": "A"},
    {"activity": "A"},
    {"id": "a", "activity": "A", "notes": 5},
    {"id": "a", "activity": "A", "sources": ["EC"], "source_notes": {"OTHER": "x"}},
    {"id": "a", "activity": "A", "sources": ["EC"], "source_notes": {"EC": 5}},
    {"id": "a", "activity": "A", "sources": ["EC"], "source_notes": "x"},
]


@pytest.mark.parametrize("table", PLAIN_TABLES)
def test_a_plain_table_takes_the_fast_path_and_gives_the_careful_line(table):
    assert loader._plain_line(table, SOURCE_IDS, None) is not None
    assert line_outcome(table, careful_only=False) == line_outcome(table, careful_only=True)


@pytest.mark.parametrize("table", WRONG_TABLES)
def test_a_wrong_table_gets_the_careful_problems(table):
    assert loader._plain_line(table, SOURCE_IDS, None) is None
    fast = line_outcome(table, careful_only=False)
    assert fast == line_outcome(table, careful_only=True)
    assert fast[2] and fast[0] == "None"


#: Every kind of value TOML gives, with a bias towards the ones a line table holds.
toml_values = st.recursive(
    st.one_of(st.booleans(), st.integers(-3, 10**16), st.floats(), st.text(max_size=4),
              st.sampled_from([datetime.date(2020, 1, 1), datetime.time(12, 30)])),
    lambda inner: (st.lists(inner, max_size=3)
                   | st.dictionaries(st.text(max_size=3), inner, max_size=2)),
    max_leaves=4)
marks = st.sampled_from([*SOURCE_IDS, "XX", "ec"])
line_tables = st.fixed_dictionaries({}, optional={
    "id": (st.sampled_from(["a", "L1", "a.b-c_d", "", " ", "bad id", "-x", "é", "x\n", "٣"])
           | toml_values),
    "activity": st.sampled_from(["A", "", "  ", "\n", "Activity 1"]) | toml_values,
    "amount": st.sampled_from(["1234.56", "1234", "0", "00", "0.5", "-0", "1.234", "1_000", "1 000",
                               " 5", "+5", "١٢٣", "100.", ".5", "999999999999999.99",
                               "1000000000000000"]) | st.integers(-1, 10**16) | toml_values,
    "sources": (st.lists(marks, max_size=5) | st.lists(marks | toml_values, max_size=3)
                | toml_values),
    "notes": st.text(max_size=3) | toml_values,
    "source_notes": (st.dictionaries(marks, st.text(max_size=3) | toml_values, max_size=3)
                     | toml_values),
    "colour": toml_values,
})


@FAST
@given(line_tables)
def test_any_line_table_reads_as_the_careful_path_reads_it(table):
    assert line_outcome(table, careful_only=False) == line_outcome(table, careful_only=True)


def plan_files() -> list[Path]:
    files = [*ROOT.glob("plans/**/*.toml"), *ROOT.glob("tests/bad_inputs/*/*.toml")]
    return sorted(path for path in files if path.name != "case.toml")


@pytest.mark.parametrize("path", plan_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_whole_plans_read_the_same_without_the_fast_line_path(path, monkeypatch):
    def everything(plan):
        return plan, repr(plan), [(p.origin, [line.origin for line in p.lines])
                                  for p in (plan.periods if plan else ())]

    plan, problems = load_plan(path)
    monkeypatch.setattr(loader, "_plain_line", lambda *arguments: None)
    careful_plan, careful_problems = load_plan(path)
    assert problems == careful_problems
    assert everything(plan) == everything(careful_plan)


@FAST
@given(st.from_regex(r"[0-9]{1,17}(\.[0-9]{0,3})?", fullmatch=True))
@example("0")
@example("00.00")
@example("999999999999999.99")
def test_a_plain_amount_reads_as_the_full_parser_reads_it(text):
    """A leading space keeps a text off the fast path; the full parser strips it."""
    try:
        expected = parse_money(" " + text)
    except MoneyError as error:
        with pytest.raises(MoneyError) as caught:
            parse_money(text)
        assert caught.value.code == error.code
        return
    amount = parse_money(text)
    assert (amount, str(amount)) == (expected, str(expected))
    assert isinstance(amount, Decimal)


BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
INDEX_LINES = ["[[periods]]", "[[periods.lines]]", " [[ periods . lines ]] # note",
               "\t[[periods.lines]]", "\xa0[[periods.lines]]", "\x1f[[sources]]",
               "[periods.lines]", "[programme]", "[[funding.caps]]", '[["periods".lines]]',
               "[[a..b]]", "[[a.a]]", "[[a]]", "[[a.b]]", "id = 1", "amount = 2", "lines = [",
               "[[periods.lines]] x", "", "# [[periods]]", "x"]


@FAST
@given(st.lists(st.tuples(st.sampled_from(INDEX_LINES), st.sampled_from(BREAKS)), max_size=25))
def test_the_header_index_gives_the_lines_the_full_scan_gives(lines):
    text = "".join(line + brk for line, brk in lines)
    index = LineIndex(text)
    elements = {path: lineno for path, lineno in index._scan().items() if path.endswith("]")}
    assert index._elements == elements
    for path, lineno in elements.items():
        assert index.lineno(path) == lineno


def test_the_header_index_of_the_seed_plan_with_other_line_breaks():
    text = SEED_PLAN.read_text(encoding="utf-8")
    for brk in ["\r\n", "\u2028"]:
        index = LineIndex(text.replace("\n", brk))
        assert index._elements == {path: lineno for path, lineno in index._scan().items()
                                   if path.endswith("]")}
        assert index.lineno("periods[1].lines[2]") == LineIndex(text).lineno("periods[1].lines[2]")


@FAST
@given(st.lists(st.sampled_from(["a", ".", " . ", '"x.y"', "'q'", "\n", "=", "#", "é"]),
                max_size=700))
@example(["a", "."] * 256 + ["a"])
@example(["\n"] + ["a", " . "] * 256)
@example(['"x.y"', "."] * 256)
def test_the_dot_count_finds_every_long_dotted_key(parts):
    text = "".join(parts)
    found = loader._long_dotted_key(text.encode(), text)
    expected = loader._LONG_DOTTED_KEY.search(text)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize(("text", "lineno", "message"), [
    ("a = 1\na = 2\n", 2, "Cannot overwrite a value"),
    ("[[periods]\n", 1, "Expected ']]' at the end of an array declaration"),
    ('a = "\\q"\n', 1, "Unescaped '\\' in a string"),
    ("a = [1,", None, "Invalid value (at end of document)"),
])
def test_broken_toml_is_reported_at_its_line(tmp_path, text, lineno, message):
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    plan, problems = loader.load_plan(path)
    assert plan is None and [(p.code, p.lineno) for p in problems] == [("toml-syntax", lineno)]
    assert problems[0].message == f"is not valid TOML: {message}"


def test_toml_1_1_syntax_is_accepted(small_plan, tmp_path):
    """Plans are TOML 1.1: an inline table may end in a comma and span lines."""
    text = small_plan.read_text(encoding="utf-8").replace(
        'sources = ["EC", "NATIONAL"]',
        'sources = ["EC", "NATIONAL"]\nsource_notes = {\n  EC = "by letter",\n}', 1)
    assert "source_notes" in text
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    plan, problems = loader.load_plan(path)
    assert problems == []
    assert ("EC", "by letter") in [note for period in plan.periods for line in period.lines
                                   for note in line.source_notes]


def test_every_line_of_the_seed_plan_has_its_line_number(write):
    for path in (SEED_PLAN, write("small.toml", SMALL_PLAN)):
        plan, problems = load_plan(path)
        assert problems == [] and plan is not None
        text = path.read_text(encoding="utf-8").splitlines()
        for period in plan.periods:
            assert text[period.origin.lineno - 1].strip() == "[[periods]]"
            for line in period.lines:
                assert text[line.origin.lineno - 1].strip() == "[[periods.lines]]"
                assert f'id = "{line.id}"' in text[line.origin.lineno]
