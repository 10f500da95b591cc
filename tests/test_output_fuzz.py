"""Any text in every free-text field of a plan, through every output kind.

Hypothesis draws the programme's name, reference and description, the sources' names and
descriptions, the periods' titles, the lines' activities, notes and source notes, and a
scenario's name and description: any characters, and the hostile ones of the injection
classes (formulas, a bare CR, markup, terminal controls, mathtext). Each output must show
the text and make nothing of it:

- CSV parses back, with a real CSV reader, to exactly the rows the plan has;
- Markdown renders with a CommonMark parser (markdown-it-py, tables on) to no raw HTML, no
  link, and the same headings and table shapes as the same plan with plain texts;
- HTML holds no element the templates did not make: the same elements as with plain texts;
- in both workbooks, every cell starting with `=`, `+`, `-` or `@` is a text cell with the
  quote prefix, and there are as many formulas as with plain texts.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from budget_planner.core.model import Plan
from budget_planner.engine.allocation import allocate
from budget_planner.engine.reconcile import reconcile
from budget_planner.engine.scenario import load_scenario
from budget_planner.engine.whatif import Comparison, whatif
from budget_planner.planfile.loader import load_plan
from budget_planner.planfile.writer import toml_string
from budget_planner.views.render import check_markdown, csv_safe, show_csv
from budget_planner.views.reports import build_report, render_html, render_markdown
from budget_planner.views.tables import seed_table_rows
from budget_planner.views.whatif import render_whatif
from budget_planner.xlsx.comparison import build_comparison_workbook
from budget_planner.xlsx.workbook import build_workbook

#: Drawn text holds characters no font has; matplotlib says so, and draws a box.
#: Long labels leave a chart no room for a tight layout. openpyxl drops the extensions it
#: does not model.
pytestmark = [pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning"),
              pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning"),
              pytest.mark.filterwarnings("ignore:Unknown extension:UserWarning")]
FUZZ = settings(deadline=None, max_examples=25,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HOSTILE = [
    "=cmd|' /C calc'!A0", "Travel\r=HYPERLINK(\"http://x\")", "\r=1+1", "-1+2", "+SUM(1)",
    "@SUM(1)", "\t=1", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))", "![i](http://x/i.png)", "a | b", "# Fake heading",
    "line\n# heading\n- item", "<http://example.com>", "&lt;b&gt;", "*em* _em_ `code` ~~s~~",
    "---", "===", "1. one", "> quote", "    indented", "\x1b[31mred\x1b[0m\x07", "\u202eevil",
    "$\\foo{$", "$x^2$", "\\", "a\\|b", "]]>", "\"'", "x" * 300,
]
TEXT = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                 st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join))
REQUIRED = TEXT.filter(lambda text: text.strip())  # names and activities must not be blank
FIELDS = ("name", "reference", "description", "source_a", "source_a_description", "source_b",
          "title_1", "title_2", "activity_a", "activity_b", "activity_c", "notes_a", "note_ec",
          "scenario", "scenario_description")


def plain(t: dict[str, str]) -> dict[str, str]:
    """The same plan with plain texts, empty where the drawn text is (a template leaves out
    an empty reference or title)."""
    return {field: f"plain {field}" if value else "" for field, value in t.items()}


@st.composite
def texts(draw) -> dict[str, str]:
    return {field: draw(REQUIRED if field in ("name", "activity_a", "activity_b",
                                              "activity_c", "scenario") else TEXT)
            for field in FIELDS}


def plan_text(t: dict[str, str]) -> str:
    q = {field: toml_string(value) for field, value in t.items()}
    return f"""
[programme]
name = {q['name']}
currency = "EUR"
total = 1_000
reference = {q['reference']}
description = {q['description']}

[[sources]]
id = "EC"
name = {q['source_a']}
description = {q['source_a_description']}

[[sources]]
id = "NATIONAL"
name = {q['source_b']}

[[periods]]
id = "2020-2021"
title = {q['title_1']}
first_year = 2020
last_year = 2021
total = 600

[[periods.lines]]
id = "a"
activity = {q['activity_a']}
amount = 400
sources = ["EC", "NATIONAL"]
notes = {q['notes_a']}
source_notes = {{ EC = {q['note_ec']} }}

[[periods.lines]]
id = "b"
activity = {q['activity_b']}
amount = "200.00"
sources = ["NATIONAL"]

[[periods]]
id = "2022"
title = {q['title_2']}
first_year = 2022
last_year = 2022
total = 400

[[periods.lines]]
id = "c"
activity = {q['activity_c']}
amount = 400
sources = ["EC"]
"""


def scenario_text(t: dict[str, str]) -> str:
    return (f"name = {toml_string(t['scenario'])}\n"
            f"description = {toml_string(t['scenario_description'])}\n"
            '[[funding.caps]]\nsource = "EC"\namount = 300\n')


def loaded(folder: Path, t: dict[str, str]) -> tuple[Plan, Comparison]:
    path = folder / "plan.toml"
    path.write_text(plan_text(t), encoding="utf-8")
    plan, problems = load_plan(path)
    assert plan is not None, problems
    scenario_path = folder / "scenario.toml"
    scenario_path.write_text(scenario_text(t), encoding="utf-8")
    scenario, problems = load_scenario(scenario_path, plan)
    assert scenario is not None, problems
    return plan, whatif(plan, [scenario])


def report_of(plan: Plan) -> Any:
    return build_report(plan, reconcile(plan), allocate(plan))


# --- CSV ---------------------------------------------------------------------------------------

@FUZZ
@given(t=texts())
def test_csv_parses_back_to_the_plan_s_rows(tmp_path_factory, t):
    plan, _ = loaded(tmp_path_factory.mktemp("csv"), t)
    header, rows = seed_table_rows(plan)
    read = list(csv.reader(io.StringIO(show_csv(plan), newline="")))
    assert read == [[csv_safe(cell) for cell in row] for row in [header, *rows]]


# --- Markdown ----------------------------------------------------------------------------------

MARKDOWN = MarkdownIt("commonmark").enable("table")


def markdown_shape(text: str) -> list[Any]:
    """Headings and tables as a CommonMark parser sees them; raw HTML, links and images are
    refused on sight."""
    shape: list[Any] = []
    rows = cells = 0
    for token in MARKDOWN.parse(text):
        kinds = [token.type, *(child.type for child in token.children or ())]
        assert not {"html_block", "html_inline", "link_open", "image"} & set(kinds), token
        if token.type == "heading_open":
            shape.append(token.tag)
        elif token.type == "table_open":
            rows = cells = 0
        elif token.type == "tr_open":
            rows += 1
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "table_close":
            shape.append(("table", rows, cells))
    return shape


@FUZZ
@given(t=texts())
def test_markdown_renders_no_html_and_the_same_shape(tmp_path_factory, t):
    folder = tmp_path_factory.mktemp("markdown")
    plan, comparison = loaded(folder, t)
    plain_plan, plain_comparison = loaded(folder, plain(t))
    outputs = [(render_markdown(report_of(plan)), render_markdown(report_of(plain_plan))),
               (check_markdown(reconcile(plan)), check_markdown(reconcile(plain_plan))),
               (render_whatif(comparison, "markdown"),
                render_whatif(plain_comparison, "markdown"))]
    for fuzzed, expected in outputs:
        assert markdown_shape(fuzzed) == markdown_shape(expected)


# --- HTML --------------------------------------------------------------------------------------

class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found[tag] += 1
        assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)


def elements(html: str) -> Counter[str]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


@settings(FUZZ, max_examples=15)
@given(t=texts())
def test_html_holds_only_the_elements_the_templates_make(tmp_path_factory, t):
    folder = tmp_path_factory.mktemp("html")
    plan, comparison = loaded(folder, t)
    plain_plan, plain_comparison = loaded(folder, plain(t))
    # A chart draws a label with line breaks as one text element a line: count labels once.
    def made(html: str) -> Counter[str]:
        found = elements(html)
        found.pop("text", None)
        return found

    fuzzed, expected = made(render_html(report_of(plan))), made(render_html(report_of(plain_plan)))
    assert fuzzed == expected, (fuzzed - expected, expected - fuzzed)
    fuzzed = made(render_whatif(comparison, "html"))
    expected = made(render_whatif(plain_comparison, "html"))
    assert fuzzed == expected, (fuzzed - expected, expected - fuzzed)


# --- workbooks ---------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@")


def cells(data: bytes) -> tuple[int, list[Any]]:
    """The number of formula cells, and every text cell a spreadsheet would run if typed."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    formulas, risky = 0, []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas += 1
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    risky.append(cell)
    return formulas, risky


@settings(FUZZ, max_examples=15)
@given(t=texts())
def test_workbook_cells_that_look_like_formulas_are_quoted_text(tmp_path_factory, t):
    folder = tmp_path_factory.mktemp("xlsx")
    plan, comparison = loaded(folder, t)
    plain_plan, plain_comparison = loaded(folder, plain(t))
    for data, expected in [
            (build_workbook(plan, allocate(plan)), build_workbook(plain_plan, allocate(plain_plan))),
            (build_comparison_workbook(comparison), build_comparison_workbook(plain_comparison))]:
        formulas, risky = cells(data)
        assert formulas == cells(expected)[0]
        for cell in risky:
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
