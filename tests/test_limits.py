"""The limits and the escaping of plan text, guard by guard: each test fails when its guard goes.

The bad-input catalogue (tests/bad_inputs) runs each class through the command line; here the
boundaries are pinned (a limit's value is accepted, one more is not) and each escaping
function is checked on its own.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget_planner import api
from budget_planner.core import limits
from budget_planner.core.files import OutputError, write_all_atomic
from budget_planner.core.model import InvalidInput, Problem
from budget_planner.core.text import terminal_text
from budget_planner.engine import sweep as sweep_engine
from budget_planner.planfile.fields import listed, suggest
from budget_planner.planfile.loader import LineIndex, load_plan, read_document
from budget_planner.planfile.writer import plan_toml
from budget_planner.views.render import markdown_text, to_csv
from budget_planner.xlsx.document import ZIP_EPOCH, WorkbookError, deterministic_book
from budget_planner.xlsx.reader import detached_formula as detached
from tests.support.plans import ROOT, SMALL_PLAN

ACTED_ON = "\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u200e\u202e\u2066\u061c"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the limits table -------------------------------------------------------------------------

def _documented() -> dict[str, int]:
    docs = (ROOT / "docs" / "errors.md").read_text("utf-8")
    table = docs[docs.index("## Limits"):]
    found = {}
    for name, value in re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", table, re.MULTILINE):
        number, _, unit = value.strip().partition(" ")
        found[name] = int(number.replace(",", "")) * (limits.MIB if unit == "MiB" else 1)
    return found


def test_the_documented_limits_are_the_code_s():
    code = {name: value for name, value in vars(limits).items()
            if name.isupper() and name != "MIB"}
    assert _documented() == code


# --- includes ---------------------------------------------------------------------------------

def chain(folder: Path, length: int) -> Path:
    """plan.toml including c1.toml including ... c<length>.toml."""
    main = write(folder, "plan.toml", 'include = ["c1.toml"]\n' + SMALL_PLAN)
    for number in range(1, length + 1):
        write(folder, f"c{number}.toml", f'include = ["c{number + 1}.toml"]\n'
              if number < length else "")
    return main


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


def test_includes_nest_32_deep_and_no_deeper(tmp_path):
    _, problems = load_plan(chain(tmp_path, limits.INCLUDE_DEPTH))
    assert "include-too-deep" not in codes(problems)  # the last file is empty: file-empty
    _, problems = load_plan(chain(tmp_path, limits.INCLUDE_DEPTH + 1))
    assert codes(problems) == ["include-too-deep"]
    deep = next(problem for problem in problems if problem.code == "include-too-deep")
    assert Path(deep.file).name == f"c{limits.INCLUDE_DEPTH}.toml"


def test_a_plan_includes_at_most_its_number_of_files(tmp_path, monkeypatch):
    monkeypatch.setattr("budget_planner.planfile.loader.INCLUDED_FILES", 3)
    names = [f"s{number}.toml" for number in range(4)]
    for number, name in enumerate(names):
        write(tmp_path, name, f'[[sources]]\nid = "X{number}"\n')
    included = ", ".join(f'"{name}"' for name in names)
    _, problems = load_plan(write(tmp_path, "plan.toml", f"include = [{included}]\n" + SMALL_PLAN))
    assert codes(problems) == ["include-too-many"]
    assert problems[0].path == "include[3]"
    _, problems = load_plan(write(tmp_path, "plan.toml",
                                  f"include = [{included.rsplit(', ', 1)[0]}]\n" + SMALL_PLAN))
    assert "include-too-many" not in codes(problems)


def test_a_diamond_reads_each_file_once(tmp_path, monkeypatch):
    for number in range(24):
        following = f"d{number + 1}.toml"
        write(tmp_path, f"d{number}.toml", f'include = ["{following}", "{following}"]\n'
              if number < 23 else '[[sources]]\nid = "OTHER"\n')
    reads = []
    real = read_document

    def counted(*args, **kwargs):
        reads.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr("budget_planner.planfile.loader.read_document", counted)
    _, problems = load_plan(write(tmp_path, "plan.toml", 'include = ["d0.toml"]\n' + SMALL_PLAN))
    assert len(reads) == 25 and len(set(map(str, reads))) == 25
    assert codes(problems) == ["include-repeated"] * 23


def test_a_cycle_names_its_chain_from_where_it_closes(tmp_path):
    write(tmp_path, "a.toml", 'include = ["b.toml"]\n')
    write(tmp_path, "b.toml", 'include = ["a.toml"]\n')
    _, problems = load_plan(write(tmp_path, "plan.toml", 'include = ["a.toml"]\n' + SMALL_PLAN))
    assert [(problem.code, problem.message) for problem in problems] == [
        ("include-cycle", "include cycle: a.toml -> b.toml -> a.toml")]


# --- sizes and texts --------------------------------------------------------------------------

def test_a_file_of_the_budget_is_read_and_one_byte_more_is_not(tmp_path):
    text = SMALL_PLAN.encode("utf-8")
    path = tmp_path / "plan.toml"
    path.write_bytes(text)
    assert read_document(path, [], budget=len(text)) is not None
    problems: list[Problem] = []
    assert read_document(path, problems, budget=len(text) - 1) is None
    assert codes(problems) == ["input-too-large"]
    assert "may be at most 32 MiB" in problems[0].message


def test_the_files_of_a_plan_share_one_budget(tmp_path, monkeypatch):
    monkeypatch.setattr("budget_planner.planfile.loader.INPUT_BYTES", len(SMALL_PLAN) + 60)
    write(tmp_path, "more.toml", '[[sources]]\nid = "OTHER"\nname = "' + "o" * 80 + '"\n')
    _, problems = load_plan(write(tmp_path, "plan.toml", 'include = ["more.toml"]\n' + SMALL_PLAN))
    assert codes(problems) == ["input-too-large"]
    assert problems[0].message.endswith("more.toml: brings the files of the plan to more than 0 MiB; "
                                        "a plan with every file it includes may be at most 0 MiB")


def test_an_actuals_file_of_the_limit_is_read_and_one_byte_more_is_not(tmp_path, monkeypatch):
    from budget_planner.planfile.actuals import read_actuals_csv

    plan, problems = load_plan(write(tmp_path, "plan.toml", SMALL_PLAN))
    assert plan is not None, problems
    text = b"date,line,amount\n2020-03-01,2020-2021/a,10.00\n"
    path = tmp_path / "actuals.csv"
    path.write_bytes(text)
    monkeypatch.setattr("budget_planner.planfile.actuals.ACTUALS_BYTES", len(text))
    actuals, problems = read_actuals_csv(path, plan)
    assert problems == [] and actuals is not None and list(actuals.cents) == [1000]
    monkeypatch.setattr("budget_planner.planfile.actuals.ACTUALS_BYTES", len(text) - 1)
    actuals, problems = read_actuals_csv(path, plan)
    assert actuals is None and codes(problems) == ["input-too-large"]
    assert limits.ACTUALS_BYTES == 128 * limits.MIB > limits.INPUT_BYTES


@pytest.mark.parametrize("field", ["activity", "notes"])
def test_a_text_of_32767_characters_is_read_and_one_more_is_not(tmp_path, field):
    def plan(length: int) -> Path:
        text = SMALL_PLAN.replace('activity = "Activity A"',
                                  f'activity = "Activity A"\nnotes = "n"'
                                  if field == "notes" else 'activity = "Activity A"')
        old = 'notes = "n"' if field == "notes" else 'activity = "Activity A"'
        return write(tmp_path, "plan.toml", text.replace(old, f'{field} = "{"y" * length}"'))

    read, problems = load_plan(plan(limits.TEXT_CHARACTERS))
    assert problems == [] and read is not None
    assert getattr(read.periods[0].lines[0], field) == "y" * limits.TEXT_CHARACTERS
    _, problems = load_plan(plan(limits.TEXT_CHARACTERS + 1))
    assert codes(problems) == ["text-too-long"]
    assert problems[0].path == f"periods[0].lines[0].{field}"


def test_a_source_note_is_a_text_too(tmp_path):
    text = SMALL_PLAN.replace('sources = ["EC", "NATIONAL"]',
                              f'sources = ["EC", "NATIONAL"]\nsource_notes = {{ EC = '
                              f'"{"z" * (limits.TEXT_CHARACTERS + 1)}" }}')
    _, problems = load_plan(write(tmp_path, "plan.toml", text))
    assert [(problem.code, problem.path) for problem in problems] == [
        ("text-too-long", "periods[0].lines[0].source_notes.EC")]


def test_a_long_run_of_blanks_leaves_the_line_index_correct():
    text = 'x = 1\nnote = """\n[a' + " " * 50_000 + 'x\n"""\n[[periods]]\nid = "p"\n'
    index = LineIndex(text)
    assert index.lineno("periods[0]") == 5 and index.lineno("periods[0].id") == 6
    assert index.lineno("periods[0].id.deeper[3]") == 6 and index.lineno("note") == 2


# --- did you mean -----------------------------------------------------------------------------

def test_a_short_list_is_searched_as_difflib_does():
    names = [f"SOURCE{number}" for number in range(limits.SUGGESTION_CANDIDATES)]
    for typo in ("SORCE3", "SOURC12", "XOURCE7", "source1"):
        close = difflib.get_close_matches(typo, names, n=1, cutoff=0.6)
        assert suggest(typo, names) == (f"; did you mean {close[0]!r}?" if close else "")


def test_a_long_list_is_searched_near_the_name_forwards_and_backwards():
    names = [f"{prefix}{number:04}" for prefix in ("AB", "CD", "EF") for number in range(2000)]
    assert suggest("CD1234X", names) == "; did you mean 'CD1234'?"  # a slip at the end
    assert suggest("XD1234", names) == "; did you mean 'CD1234'?"  # a slip at the start
    assert suggest("ZZZZZZZZ", names) == ""


def test_a_message_lists_ten_names_and_counts_the_rest():
    assert listed(["A", "B"]) == "A, B"
    names = [f"S{number}" for number in range(limits.NAMES_LISTED)]
    assert listed(names) == ", ".join(names)
    assert listed([*names, "more"]) == f"{', '.join(names)} and 1 more"


# --- the terminal, messages, CSV, Markdown, TOML ----------------------------------------------

@given(st.text())
def test_terminal_text_is_one_line_of_shown_characters(text):
    shown = terminal_text(text)
    assert not any(char in shown for char in ACTED_ON)
    if text.isprintable():
        assert shown == text


def test_terminal_text_writes_each_control_as_its_escape():
    assert terminal_text("a\x1b[2Jb\x07\nc\u202e") == "a\\x1b[2Jb\\x07\\nc\\u202e"
    assert all(terminal_text(char) != char for char in ACTED_ON)


def test_a_problem_is_one_line_whatever_its_file_is_called():
    problem = Problem("a\nerror: forged.toml", "x", "file-not-found", "no such file\r")
    assert str(problem) == "a\\nerror: forged.toml: x: no such file\\r [file-not-found]"


def test_a_carriage_return_is_quoted_and_reads_back_as_one_row():
    rows = [["a\rb", "=1+1"], ["plain", "c\r\n=2"], ["x", "y"]]
    text = to_csv(["h1", "h2"], rows)
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["h1", "h2"], ["a\rb", "'=1+1"], ["plain", "c\r\n=2"], ["x", "y"]]
    assert text.splitlines()[-1] == "x,y"  # rows without a CR stay unquoted


@pytest.mark.parametrize("text, markdown", [
    ("<b>x</b>", "\\<b\\>x\\</b\\>"),
    ("a|b", "a\\|b"),
    ("[x](javascript:y)", "\\[x\\](javascript:y)"),
    ("line\r\n# two", "line \\# two"),
    ("- item", "\\- item"), ("+", "\\+"), ("===", "\\==="), ("12. item", "12\\. item"),
    ("-250.00", "-250.00"), ("+3,100.00", "+3,100.00"), ("1,850,000.00", "1,850,000.00"),
    ("*a* _b_ `c` ~d~ &amp; \\", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\&amp; \\\\"),
    ("  indented code", "indented code"),
])
def test_markdown_text_escapes_what_starts_markup(text, markdown):
    assert markdown_text(text) == markdown


def test_an_imported_plan_s_comment_never_breaks_its_toml(tmp_path):
    plan, _ = load_plan(write(tmp_path, "plan.toml", SMALL_PLAN))
    assert plan is not None
    text = plan_toml(plan, comment="from the workbook a\rb\x00c.xlsx\nsecond line")
    again, problems = load_plan(write(tmp_path, "again.toml", text))
    assert problems == [] and again == replace(plan, name="again")
    assert text.startswith("# from the workbook a\\rb\\x00c.xlsx\n# second line\n")


# --- outputs all or none ----------------------------------------------------------------------

def test_outputs_are_written_all_or_none(tmp_path):
    first = tmp_path / "first.csv"
    first.write_text("before")
    with pytest.raises(OutputError) as refused:
        write_all_atomic([(first, "new"), (tmp_path / "missing" / "chart.svg", "<svg/>")])
    assert refused.value.problem.code == "output-folder-missing"
    assert first.read_text() == "before"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.csv"]
    write_all_atomic([(first, "new"), (tmp_path / "chart.svg", "<svg/>")])
    assert first.read_text() == "new" and (tmp_path / "chart.svg").read_text() == "<svg/>"


def test_two_outputs_naming_one_file_are_refused(tmp_path):
    target = tmp_path / "x.svg"
    with pytest.raises(OutputError) as refused:
        write_all_atomic([(target, "a"), (tmp_path / "." / "x.svg", "b")])
    assert refused.value.problem.code == "output-twice" and not target.exists()


# --- sweeps -----------------------------------------------------------------------------------

def test_workers_are_never_more_than_the_cores(monkeypatch):
    monkeypatch.setattr(sweep_engine, "cores", lambda: 4)
    assert sweep_engine.workers(10_000, 10_000) == 4
    assert sweep_engine.workers(10_000, 3) == 3
    assert sweep_engine.workers(10_000) == 4
    assert sweep_engine.workers(sweep_engine.PARALLEL_FROM - 1, 8) == 1


def test_the_grid_is_refused_before_it_is_built(tmp_path, monkeypatch):
    def never(*_args, **_kwargs):
        raise AssertionError("the grid was built")

    monkeypatch.setattr("budget_planner.engine.sweep.run_sweep", never)
    plan = write(tmp_path, "plan.toml", SMALL_PLAN)
    side = 317  # 317 * 317 = 100,489: just over the limit
    with pytest.raises(InvalidInput) as refused:
        api.sweep(plan, [f"cap.EC=0:{side - 1}:1", f"cap.NATIONAL=0:{side - 1}:1"])
    assert codes(list(refused.value.problems)) == ["vary-too-many"]
    assert "100,489 points" in refused.value.problems[0].message


def test_a_grid_of_the_limit_is_allowed():
    axis = sweep_engine.Axis(sweep_engine.Parameter("cap", "EC"),
                             tuple(Decimal(number) for number in range(1000)))
    assert sweep_engine.grid_size([axis, replace(axis, values=axis.values[:100])]) == 100_000
    with pytest.raises(ValueError):
        sweep_engine.grid([axis, replace(axis, values=axis.values[:101])])


# --- workbooks --------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, reason", [
    ("=600", "refers to no cell"), ("=SUM(600)", "refers to no cell"),
    ("=1E3+2", "refers to no cell"), ("=TRUE", "refers to no cell"),
    ('="a"&"C5"', "refers to no cell"),
    ("=[1]Sheet1!$A$1", "refers to another workbook"),
    ("=SUM(C5:C9)", None), ("=GrandTotal", None), ("='2022'!$C$6", None),
    ("=IF(ISNUMBER(C5),1,0)", None),
])
def test_a_formula_that_no_longer_follows_the_cells_is_told_apart(formula, reason):
    assert detached(formula) == reason


def _book():
    book, buffer = deterministic_book("t", "s", "c", ZIP_EPOCH)
    return book, book.add_worksheet("Sheet")


def test_a_cell_holds_32767_characters_and_no_more():
    book, sheet = _book()
    sheet.write_string(0, 0, "a" * limits.TEXT_CHARACTERS)
    with pytest.raises(WorkbookError, match=r"Sheet!A2: a text of 32,768 characters"):
        sheet.write_string(1, 0, "a" * (limits.TEXT_CHARACTERS + 1))


def test_a_cell_outside_the_sheet_is_an_error_not_a_loss():
    book, sheet = _book()
    with pytest.raises(WorkbookError, match="outside a worksheet"):
        sheet.write_string(0, 16_384, "x")
    with pytest.raises(WorkbookError, match="outside a worksheet"):
        sheet.write_number(1_048_576, 0, 1)


def test_formula_looking_text_gets_the_quote_prefix_in_its_own_format():
    book, sheet = _book()
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, "=1+1", bold)
    sheet.write_string(1, 0, "plain", bold)
    sheet.write_string(2, 0, "@x")
    quoted = book.quote(bold)
    assert (quoted.quote_prefix, quoted.bold) == (True, True) and book.quote(bold) is quoted
    assert not bold.quote_prefix and book.quote(None).quote_prefix


def test_a_plan_with_more_sources_than_columns_is_refused(tmp_path, monkeypatch):
    from budget_planner.xlsx.workbook import build_workbook

    plan, _ = load_plan(write(tmp_path, "plan.toml", SMALL_PLAN))
    assert plan is not None
    build_workbook(plan)
    # The Allocation sheet's last column: the sources' first (B) + 2 sources, then the gap,
    # amount, check and reason columns: G, the seventh.
    monkeypatch.setattr("budget_planner.xlsx.workbook.MAX_COLUMN", 6)
    with pytest.raises(WorkbookError, match="the plan has 2 funding sources, a column each; a "
                                            "sheet has 6 columns, so a workbook holds 1 sources"):
        build_workbook(plan)
    monkeypatch.setattr("budget_planner.xlsx.workbook.MAX_COLUMN", 9)
    build_workbook(plan)
    monkeypatch.setattr("budget_planner.xlsx.workbook.MAX_COLUMN", 10)
    build_workbook(plan)
