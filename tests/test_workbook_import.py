"""Workbook -> plan: the round trip, a workbook edited by a person, and every kind of bad cell."""

from __future__ import annotations

import dataclasses
import json
import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_planner import load_plan
from budget_planner.cli import cli
from budget_planner.core.model import Line, Period, Plan, Programme, Source
from budget_planner.core.money import MAX_AMOUNT
from budget_planner.planfile.writer import plan_toml
from budget_planner.xlsx.workbook import build_workbook
from budget_planner.xlsx.reader import read_workbook

from tests.support.plans import SEED_PLAN, SMALL_PLAN
from tests.support.workbooks import edit_workbook, hand_allocation, insert_line


def build(plan: Plan, path: Path) -> Path:
    path.write_bytes(build_workbook(plan, hand_allocation(plan)))
    return path


@pytest.fixture
def small_workbook(small_plan, tmp_path) -> Path:
    plan, _ = load_plan(small_plan)
    return build(plan, tmp_path / "small.xlsx")


def problems_of(path: Path) -> list[tuple[str, str]]:
    return [(problem.path, problem.code) for problem in read_workbook(path).problems]


# --- round trip ------------------------------------------------------------------------------

def test_seed_plan_round_trips_exactly(tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    read = read_workbook(build(plan, tmp_path / "seed.xlsx"))
    assert read.problems == () and read.findings == ()
    assert read.plan == plan


def test_import_writes_a_plan_file_that_loads_as_the_same_plan(runner, tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    workbook = build(plan, tmp_path / "seed.xlsx")
    target = tmp_path / "back.toml"
    result = runner.invoke(cli, ["import", str(workbook), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    back, problems = load_plan(target)
    assert not problems
    assert dataclasses.replace(back, name=plan.name) == plan
    text = target.read_text("utf-8")
    assert "total = 30_150_000" in text and 'id = "EU_SF"\nname = "EU SF"' in text
    assert 'source_notes = { OTHER = "(NCM?)" }' in text


ODD_PLAN = """
[programme]
name = "=Odd \\"programme\\" _x0041_"
currency = "SEK"
total = "999999999999999.55"
reference = "+ref"
description = "line one\\nline two\\ttabbed\\r\\n  spaced  "

[[sources]]
id = "EC"
name = "@EC"
description = "-desc"

[[sources]]
id = "N2"
name = "N2"

[[periods]]
id = "p1"
first_year = 2030
last_year = 2030
total = "999999999999999.99"

[[periods.lines]]
id = "big"
activity = "  Big\\u0001 line _x000D_ "
amount = "999999999999999.99"
sources = ["EC", "N2"]
notes = "=1+1"
source_notes = { EC = "", N2 = "  (odd)  " }

[[periods]]
id = "p2"
title = "Cents"
first_year = 2031
last_year = 2032
total = "0.56"

[[periods.lines]]
id = "c.1"
activity = "One cent"
amount = "0.01"

[[periods.lines]]
id = "c_2"
activity = "Zero"
amount = 0
sources = ["N2"]

[[periods.lines]]
id = "c-3"
activity = "Fifty-five cents"
amount = "0.55"
sources = ["EC"]

[[funding.caps]]
source = "EC"
amount = 500_000
"""


def test_odd_plan_round_trips_exactly(write, tmp_path):
    plan, problems = load_plan(write("odd.toml", ODD_PLAN))
    assert not problems, problems
    assert not plan.funding.empty
    read = read_workbook(build(plan, tmp_path / "odd.xlsx"))
    assert read.problems == ()
    assert read.plan == plan
    reloaded, problems = load_plan(write("again.toml", plan_toml(read.plan)))
    assert not problems and dataclasses.replace(reloaded, name="odd") == plan


_ids = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,8}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_required = _text.filter(lambda text: text.strip() != "")
_amounts = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False,
                       allow_infinity=False)


@st.composite
def plans(draw) -> Plan:
    source_ids = draw(st.lists(st.sampled_from(["EC", "NATIONAL", "OTHER", "EU_SF", "X1"]),
                               min_size=1, max_size=4, unique=True))
    sources = tuple(Source(source_id, draw(_required), draw(_text)) for source_id in source_ids)
    periods = []
    year = 2000
    for period_id in draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,12}",
                                                 fullmatch=True),
                                   min_size=1, max_size=3, unique_by=str.casefold)):
        lines = []
        for line_id in draw(st.lists(_ids, min_size=1, max_size=4, unique=True)):
            marked = tuple(s for s in source_ids if draw(st.booleans()))
            notes = tuple((s, draw(_text)) for s in marked if draw(st.booleans()))
            lines.append(Line(line_id, draw(_required), draw(st.none() | _amounts), marked,
                              draw(_text), notes))
        first = year + draw(st.integers(0, 3))
        year = first + draw(st.integers(0, 5)) + 1
        periods.append(Period(period_id, draw(_text), first, year - 1, draw(_amounts),
                              tuple(lines)))
    programme = Programme(draw(_required), "EUR", draw(_amounts), draw(_text), draw(_text))
    return Plan("generated", programme, sources, tuple(periods))


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(plan=plans())
def test_any_valid_plan_round_trips(tmp_path_factory, plan):
    folder = tmp_path_factory.mktemp("generated")
    # The generated plan is one the loader accepts, as written by the plan writer.
    (folder / "generated.toml").write_text(plan_toml(plan), "utf-8")
    loaded, problems = load_plan(folder / "generated.toml")
    assert not problems, problems
    assert loaded == plan
    read = read_workbook(build(plan, folder / "generated.xlsx"))
    assert read.problems == ()
    assert read.plan == plan


# --- a workbook edited by a person -----------------------------------------------------------

def test_edited_workbook_is_imported_checked_and_diffed(runner, small_plan, small_workbook,
                                                        tmp_path):
    def person(book):
        first = book["2020-2021"]
        first["C5"] = 450  # line a: 400 -> 450
        first["D5"] = None  # line a: EC mark removed
        first["E6"] = "x (tbc)"  # line b: National already marked; note added
        first["D6"] = "X"  # line b: EC mark added
        insert_line(book, "2020-2021", 7, {"B": "New evaluation", "C": "25.50", "E": "x"},
                    "PeriodTotal_2020_2021")
        book["Summary"]["B6"] = 675.5  # the stated total follows: 450 + 200 + 25.50

    edit_workbook(small_workbook, person)
    read = read_workbook(small_workbook)
    assert read.problems == () and read.findings == ()
    period = read.plan.periods[0]
    assert [line.id for line in period.lines] == ["a", "b", "new-evaluation"]
    a, b, new = period.lines
    assert (a.amount, a.sources) == (Decimal("450.00"), ("NATIONAL",))
    assert (b.sources, b.source_notes) == (("EC", "NATIONAL"), (("NATIONAL", "(tbc)"),))
    assert (new.activity, new.amount, new.sources) == ("New evaluation", Decimal("25.50"),
                                                       ("NATIONAL",))
    assert period.total == Decimal("675.50")

    result = runner.invoke(cli, ["check", str(small_workbook), "--format", "json"])
    data = json.loads(result.output)
    # The programme still states 1,000; its lines now add up to 675.50 + 400 = 1,075.50.
    assert result.exit_code == 1
    assert data["totals"]["periods"][0] == {"id": "2020-2021", "stated": "675.50",
                                            "computed": "675.50", "difference": "0.00"}
    assert data["totals"]["programme"]["computed"] == "1075.50"
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == [
        "programme-total-mismatch", "period-totals-mismatch"]

    result = runner.invoke(cli, ["diff", str(small_plan), str(small_workbook), "--format", "json"])
    assert result.exit_code == 1, result.output
    diff = json.loads(result.output)
    assert diff["lines"]["added"] == [{"period": "2020-2021", "line": "new-evaluation",
                                       "activity": "New evaluation", "amount": "25.50",
                                       "sources": ["NATIONAL"]}]
    assert diff["lines"]["removed"] == []
    changed = {line["line"]: line["changes"] for line in diff["lines"]["changed"]}
    assert changed["a"] == [
        {"field": "amount", "source": None, "old": "400.00", "new": "450.00",
         "difference": "50.00"},
        {"field": "mark", "source": "EC", "old": "x", "new": "", "difference": None}]
    assert changed["b"] == [
        {"field": "mark", "source": "EC", "old": "", "new": "x", "difference": None},
        {"field": "mark", "source": "NATIONAL", "old": "x", "new": "x (tbc)",
         "difference": None}]
    assert diff["periods"] == [{"id": "2020-2021",
                                "stated": {"old": "600.00", "new": "675.50",
                                           "difference": "75.50"},
                                "computed": {"old": "600.00", "new": "675.50",
                                             "difference": "75.50"}}]
    assert diff["programme"]["computed"] == {"old": "1000.00", "new": "1075.50",
                                             "difference": "75.50"}

    target = tmp_path / "edited.toml"
    assert runner.invoke(cli, ["import", str(small_workbook), "-o", str(target)]).exit_code == 0
    result = runner.invoke(cli, ["diff", str(small_workbook), str(target)])
    assert result.exit_code == 0, result.output
    assert "No differences" in result.output


def test_a_deleted_row_removes_the_line(small_workbook):
    edit_workbook(small_workbook, lambda book: book["2020-2021"].delete_rows(6))
    read = read_workbook(small_workbook)
    assert [line.id for line in read.plan.periods[0].lines] == ["a"]


def test_a_total_overwritten_by_a_typed_number_is_an_error(runner, small_workbook):
    def person(book):
        book["2022"]["C6"] = 400  # the period total's SUM, typed over with its own value
        book["Summary"]["C8"] = 1000  # the grand total too

    edit_workbook(small_workbook, person)
    result = runner.invoke(cli, ["check", str(small_workbook), "--format", "json"])
    assert result.exit_code == 1
    found = [f for f in json.loads(result.output)["findings"] if f["code"] == "total-overwritten"]
    assert [(f["severity"], f["period"], f["actual"]) for f in found] == [
        ("error", "2022", "400.00"), ("error", None, "1000.00")]
    assert found[0]["message"].startswith("2022!C6, the total of period 2022, holds the typed "
                                          "number 400.00 instead of its formula")
    assert found[1]["message"].startswith("Summary!C8, the programme's computed total")
    text = runner.invoke(cli, ["check", str(small_workbook)]).output
    assert "total-overwritten" in text
    # Importing still works (the numbers are the lines'), with a warning.
    result = runner.invoke(cli, ["import", str(small_workbook)])
    assert result.exit_code == 0 and "warning: 2022!C6" in result.output


def test_a_line_left_out_of_the_total_is_an_error(small_workbook):
    def person(book):
        ws = book["2022"]
        ws.insert_rows(6)  # openpyxl moves the rows but not the SUM: as a careless edit would
        ws["B6"], ws["C6"] = "Forgotten", 99

    edit_workbook(small_workbook, person)
    read = read_workbook(small_workbook)
    assert [line.id for line in read.plan.periods[1].lines] == ["c", "forgotten"]
    codes = {(f.code, f.period) for f in read.findings}
    assert ("total-range", "2022") in codes


# --- bad cells -------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, value, code", [
    ("C5", "abc", "money-invalid"),
    ("C5", -5, "money-negative"),
    ("C5", 1.234, "money-precision"),
    ("C5", True, "wrong-type"),
    ("D5", "yes", "mark-invalid"),
    ("D5", 1, "mark-invalid"),
    ("A5", "has space", "invalid-id"),
    ("A6", "a", "duplicate-id"),
    ("B5", None, "missing-field"),
    ("C5", "=1+1", "formula-without-value"),
])
def test_each_bad_cell_is_a_located_problem(runner, small_workbook, tmp_path, cell, value, code):
    def person(book):
        book["2020-2021"][cell] = value

    edit_workbook(small_workbook, person)
    assert problems_of(small_workbook) == [(f"2020-2021!{cell}", code)]
    target = tmp_path / "plan.toml"
    target.write_text("keep me", "utf-8")
    result = runner.invoke(cli, ["import", str(small_workbook), "-o", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{small_workbook}: 2020-2021!{cell}:" in result.output
    assert target.read_text("utf-8") == "keep me"
    assert runner.invoke(cli, ["check", str(small_workbook)]).exit_code == 2


def test_every_problem_is_reported_at_once(small_workbook):
    def person(book):
        book["2020-2021"]["C5"] = "lots"
        book["2022"]["D5"] = "maybe"
        book["Summary"]["B7"] = -1

    edit_workbook(small_workbook, person)
    assert problems_of(small_workbook) == [("Summary!B7", "money-negative"),
                                           ("2020-2021!C5", "money-invalid"),
                                           ("2022!D5", "mark-invalid")]


def test_a_line_below_the_total_row_is_a_problem(small_workbook):
    edit_workbook(small_workbook, lambda book: book["2022"].__setitem__("C8", 10))
    assert problems_of(small_workbook) == [("2022!A8", "line-below-total")]


def test_not_a_workbook_of_build(runner, tmp_path):
    import openpyxl

    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    assert problems_of(plain) == [("", "not-a-plan-workbook")]
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a zip", "utf-8")
    assert problems_of(junk) == [("", "not-a-workbook")]
    assert problems_of(tmp_path / "missing.xlsx") == [("", "file-not-found")]
    result = runner.invoke(cli, ["import", str(junk)])
    assert result.exit_code == 2 and "is not an Excel workbook" in result.output
    result = runner.invoke(cli, ["import", str(tmp_path / "plan.toml")])
    assert result.exit_code == 2 and "expected an Excel workbook" in result.output


def test_a_renamed_source_column_is_a_problem(small_workbook):
    edit_workbook(small_workbook, lambda book: book["2022"].__setitem__("E4", "Regional"))
    assert problems_of(small_workbook) == [("2022!C4", "missing-column")]


def test_import_without_output_prints_the_plan(runner, small_workbook, small_plan):
    result = runner.invoke(cli, ["import", str(small_workbook)])
    assert result.exit_code == 0
    assert result.output.startswith("# Imported by budget-planner")
    assert 'amount = "200.00"' not in result.output and "amount = 200" in result.output
    assert set(string.whitespace) & set(result.output[-1])


def test_a_programme_reference_reading_period_is_not_the_summary_header(write, tmp_path):
    # The reference sits in column A above the period table; import found it first.
    plan, _ = load_plan(write("plan.toml", SMALL_PLAN.replace(
        'total = 1_000\n', 'total = 1_000\nreference = "Period"\n', 1)))
    read = read_workbook(build(plan, tmp_path / "period.xlsx"))
    assert read.problems == () and read.plan == plan
