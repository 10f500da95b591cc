"""The budget workbook: sheets, formulas with cached values, names, looks, safety, determinism.

Expected numbers are the seed document's published totals, or sums worked out by hand here.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from budget_planner import load_plan
from budget_planner.cli import cli
from budget_planner.views.dates import document_date
from budget_planner.xlsx.workbook import build_workbook, write_workbook

from tests.support.plans import SEED_PLAN, SMALL_PLAN
from tests.support.workbooks import formula_cells, hand_allocation, name_values, openpyxl_workbook

#: The seed document's published totals.
SEED_TOTALS = {"PeriodTotal_2010_2011": 1_850_000, "PeriodTotal_2012_2013": 1_900_000,
               "PeriodTotal_2014_2020": 26_400_000, "GrandTotal": 30_150_000}


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory) -> Path:
    plan, problems = load_plan(SEED_PLAN)
    assert not problems
    path = tmp_path_factory.mktemp("seed") / "seed.xlsx"
    path.write_bytes(build_workbook(plan, hand_allocation(plan)))
    return path


def build_small(write, tmp_path: Path, text: str = SMALL_PLAN, name: str = "small") -> Path:
    plan, problems = load_plan(write(f"{name}.toml", text))
    assert not problems, problems
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build_workbook(plan, hand_allocation(plan)))
    return path


def xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode("utf-8")


def test_sheets_in_order_and_the_plan_sheet_is_hidden(seed_workbook):
    book = openpyxl_workbook(seed_workbook)
    assert book.sheetnames == ["Summary", "2010-2011", "2012-2013", "2014-2020", "Funding rules",
                               "Allocation", "Sources", "Phasing", "Findings", "About", "_plan"]
    assert book["_plan"].sheet_state == "hidden"
    assert all(book[name].sheet_state == "visible" for name in book.sheetnames[:-1])


def test_named_totals_carry_the_published_values(seed_workbook):
    values = name_values(seed_workbook)
    for name, total in SEED_TOTALS.items():
        assert values[name] == total, name
    # By hand: every marked line goes to its first source; unmarked 2014-2020 lines are gaps.
    assert values["GapTotal"] == 700_000
    assert values["SourceTotal_STARDUST"] == (400_000 + 100_000 + 200_000  # 2010-2011
                                              + 200_000 + 300_000 + 200_000)  # 2012-2013
    assert values["SourceTotal_EU_SF"] == 200_000
    assert values["SourceTotal_NATIONAL"] == 0 and values["SourceTotal_OTHER"] == 0
    sources = sum(values[f"SourceTotal_{source}"]
                  for source in ("STARDUST", "EC", "EU_SF", "NATIONAL", "OTHER"))
    assert sources + values["GapTotal"] == 30_150_000


def test_totals_are_formulas_not_numbers(seed_workbook):
    cells = formula_cells(seed_workbook)
    assert cells[("2010-2011", "C13")] == ("=SUM(C5:C12)", 1_850_000)
    assert cells[("2014-2020", "C13")] == ("=SUM(C5:C12)", 26_400_000)
    assert cells[("Summary", "C6")] == ("=PeriodTotal_2010_2011", 1_850_000)
    assert cells[("Summary", "C9")] == ("=SUM(C6:C8)", 30_150_000)
    assert cells[("Summary", "D9")][1] == 0 and cells[("Summary", "E9")][1] == "OK"
    # Every formula cell caches a value, except those whose value is "" (an IF's empty branch).
    blank = [formula for formula, value in cells.values() if value is None]
    assert blank and all('""' in formula for formula in blank), blank


def test_allocation_matrix_checks_every_line(seed_workbook):
    book = openpyxl_workbook(seed_workbook, data_only=True)
    ws = book["Allocation"]
    header = next(row for row in ws.iter_rows() if row[0].value == "Activity")
    labels = [cell.value for cell in header]
    assert labels[1:6] == ["STARDUST", "EC", "EU SF", "National", "Other"]
    assert labels[6:10] == ["Not funded", "Amount (EUR)", "Check", "Why not funded"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=header[0].row + 1)]
    headings = [row[0] for row in rows if row[0] and row[0][:4].isdigit()]
    assert [heading[:10] for heading in headings] == ["2010-2011:", "2012-2013:", "2014-2020:"]
    subtotals = {row[0]: row[1:9] for row in rows if row[0] and row[0].startswith("Subtotal")}
    # By hand (every marked line to its first source): 2014-2020 is EC's but for the two
    # unmarked lines, 500,000 and 200,000, which are not funded.
    assert subtotals["Subtotal 2014-2020"] == [0, 25_700_000, 0, 0, 0, 700_000, 26_400_000,
                                               "OK"]
    assert subtotals["Subtotal 2010-2011"][5:8] == [0, 1_850_000, "OK"]
    total = next(row for row in rows if row[0] == "Total")
    assert total[1:9] == [1_400_000, 27_850_000, 200_000, 0, 0, 700_000, 30_150_000, "OK"]
    lines = [row for row in rows if row[0] and row[0] not in headings and row[0] != "Total"
             and not row[0].startswith("Subtotal")]
    assert len(lines) == 24
    checks = [row[8] for row in lines]
    assert checks.count("OK") == 23 and checks.count(None) + checks.count("") == 1
    gaps = {row[0]: (row[6], row[9]) for row in lines if row[6]}
    assert gaps == {
        "Matchmaking and other collaboration events": (
            500_000, "no funding source is marked for this line"),
        "Selection of the projects": (200_000, "no funding source is marked for this line")}


def test_summary_reads_right_in_pandas_without_recalculation(seed_workbook):
    import pandas

    frame = pandas.read_excel(seed_workbook, sheet_name="Summary", header=4, nrows=4)
    assert list(frame["Period"]) == ["2010-2011", "2012-2013", "2014-2020", "Programme total"]
    assert list(frame["Computed total"]) == [1_850_000, 1_900_000, 26_400_000, 30_150_000]
    assert list(frame["Status"]) == ["OK"] * 4


def test_funding_by_source_table_and_chart(seed_workbook):
    book = openpyxl_workbook(seed_workbook, data_only=True)
    ws = book["Summary"]
    header = next(row for row in ws.iter_rows() if row[0].value == "Source")
    r = header[0].row
    table = {ws.cell(row, 1).value: [ws.cell(row, col).value for col in range(2, 6)]
             for row in range(r + 1, r + 8)}
    # STARDUST by hand: 2010-2011 capacity-building 400k, policy-learning 100k, management
    # 200k; 2012-2013 facilitator-training 200k, continuation 300k, management 200k.
    assert table["STARDUST"] == [700_000, 700_000, 0, 1_400_000]
    assert table["Not funded"] == [0, 0, 700_000, 700_000]
    assert table["Total"] == [1_850_000, 1_900_000, 26_400_000, 30_150_000]
    chart = xml(seed_workbook, "xl/charts/chart1.xml")
    assert "<c:barChart>" in chart and '<c:grouping val="stacked"/>' in chart
    assert chart.count("<c:ser>") == 6  # five sources and the part not funded
    shares = xml(seed_workbook, "xl/charts/chart2.xml")
    assert '<c:grouping val="percentStacked"/>' in shares and shares.count("<c:ser>") == 6
    assert "M\u00a0€" in chart  # the amounts' axis is in millions of euros


def test_looks_of_a_finished_document(seed_workbook):
    sheet = xml(seed_workbook, "xl/worksheets/sheet2.xml")  # 2010-2011
    assert '<pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" state="frozen"/>' in sheet
    assert 'orientation="landscape"' in sheet and 'fitToHeight="0"' in sheet
    assert '<pageSetUpPr fitToPage="1"/>' in sheet
    assert re.search(r'<dataValidation type="decimal" operator="greaterThanOrEqual"[^>]*'
                     r'sqref="C5:C12"', sheet)
    workbook = xml(seed_workbook, "xl/workbook.xml")
    assert "_xlnm.Print_Titles" in workbook and "'2010-2011'!$4:$4" in workbook
    styles = xml(seed_workbook, "xl/styles.xml")
    assert '<name val="Verdana"/>' in styles  # the font column widths are measured in
    book = openpyxl_workbook(seed_workbook)
    ws = book["2010-2011"]
    assert ws["B4"].font.b and ws["C13"].font.b
    assert ws.column_dimensions["B"].width >= 50
    assert ws["C5"].number_format == "#,##0.00;[Red]-#,##0.00"
    assert "dataBar" in xml(seed_workbook, "xl/worksheets/sheet7.xml")  # Sources


def test_sources_sheet_with_a_cap(write, tmp_path):
    plan, _ = load_plan(write("small.toml", SMALL_PLAN))
    path = tmp_path / "capped.xlsx"
    path.write_bytes(build_workbook(plan, hand_allocation(plan, {"EC": Decimal(1000)})))
    ws = openpyxl_workbook(path, data_only=True)["Sources"]
    rows = {row[0].value: [cell.value for cell in row[:9]] for row in ws.iter_rows(min_row=5)}
    # EC pays line a (400) and line c (400): 800 of a 1,000 cap, 200 left, 80 %.
    assert rows["European Commission"][1:8] == ["Programme", 1000, 800, 200, 0.8, 0.8, "no"]
    # No cap: nothing to compare, and no "no" in the Cap binds column.
    assert rows["National"][2:9] == ["no cap", 200, None, None, None, None, None]


def test_same_plan_same_bytes_dated_today(write, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    plan, _ = load_plan(write("small.toml", SMALL_PLAN))
    today = datetime.now(timezone.utc).date()
    first = build_workbook(plan, hand_allocation(plan))
    second = build_workbook(plan, hand_allocation(plan))
    if datetime.now(timezone.utc).date() != today:
        pytest.skip("midnight (UTC) passed while building")
    assert second == first
    (tmp_path / "a.xlsx").write_bytes(first)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {
            (today.year, today.month, today.day, 0, 0, 0)}
        assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{today.isoformat()}T00:00:00Z' in \
            archive.read("docProps/core.xml").decode()
    about = {row[0].value: row[1].value
             for row in openpyxl_workbook(tmp_path / "a.xlsx")["About"].iter_rows(min_row=3)}
    assert about["Document date"].startswith(f"{today.isoformat()} (the day it was built")


def test_the_plans_date_dates_the_document(write, tmp_path, monkeypatch):
    # The plan's date wins over SOURCE_DATE_EPOCH: the same plan gives the same bytes on any day.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    text = SMALL_PLAN.replace('currency = "EUR"', 'currency = "EUR"\ndate = 2024-05-31')
    plan, problems = load_plan(write("dated.toml", text))
    assert problems == [] and plan.programme.date.isoformat() == "2024-05-31"
    data = build_workbook(plan, hand_allocation(plan))
    (tmp_path / "a.xlsx").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 31, 0, 0, 0)}
        assert "2024-05-31T00:00:00Z" in archive.read("docProps/core.xml").decode()
    book = openpyxl_workbook(tmp_path / "a.xlsx")
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=3)}
    assert about["Document date"] == \
        "2024-05-31 (the plan's date ([reporting] as_of or [programme] date))"
    assert "as of 31 May 2024" in book["Summary"]["A3"].value
    assert book["Summary"].oddFooter.left.text.endswith("31 May 2024")


def test_source_date_epoch_dates_the_document(write, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    plan, _ = load_plan(write("small.toml", SMALL_PLAN))
    data = build_workbook(plan, hand_allocation(plan))
    assert data == build_workbook(plan, hand_allocation(plan))
    (tmp_path / "a.xlsx").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert "2023-11-14T22:13:20Z" in archive.read("docProps/core.xml").decode()
    assert document_date(None, {"SOURCE_DATE_EPOCH": "0"}).day.year == 1970


def test_build_twice_from_the_command_line_gives_the_same_bytes(runner, small_plan, tmp_path,
                                                                 monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    for target in (first, second):
        result = runner.invoke(cli, ["build", str(small_plan), "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert f"wrote {target}" in result.output
    assert first.read_bytes() == second.read_bytes()


def test_build_writes_to_output_by_default(runner, small_plan, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", str(small_plan)])
    assert result.exit_code == 0, result.output
    assert "wrote output/small.xlsx" in result.output
    assert (tmp_path / "output" / "small.xlsx").is_file()


def test_a_failed_build_leaves_the_existing_workbook_untouched(runner, write, tmp_path,
                                                               monkeypatch):
    target = tmp_path / "budget.xlsx"
    target.write_bytes(b"the workbook from last time")
    bad = write("bad.toml", SMALL_PLAN.replace("amount = 400", "amount = -400", 1))
    result = runner.invoke(cli, ["build", str(bad), "-o", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "periods[0].lines[0].amount" in result.output
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    good = write("good.toml", SMALL_PLAN)
    result = runner.invoke(cli, ["build", str(good), "-o", str(target)])
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.output
    assert target.read_bytes() == b"the workbook from last time"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "budget.xlsx", "good.toml"]


def test_build_into_a_missing_folder_is_exit_2(runner, small_plan, tmp_path):
    result = runner.invoke(cli, ["build", str(small_plan), "-o", str(tmp_path / "no" / "x.xlsx")])
    assert result.exit_code == 2 and "does not exist" in result.output


FORMULA_TEXT = (SMALL_PLAN
                .replace('activity = "Activity A"',
                         'activity = "=HYPERLINK(\\"http://evil\\",\\"x\\")"')
                .replace('activity = "Activity B"', 'activity = "+1+1"\nnotes = "@SUM(A1)"')
                .replace('name = "National"', 'name = "-National"')
                .replace('title = "First"', 'title = "=1+1"'))


def test_formula_looking_text_stays_text(write, tmp_path):
    path = build_small(write, tmp_path, FORMULA_TEXT, "formula")
    book = openpyxl_workbook(path)
    ws = book["2020-2021"]
    assert ws["B5"].value == '=HYPERLINK("http://evil","x")'
    assert ws["B5"].data_type == "s" and ws["B5"].quotePrefix
    assert (ws["B6"].value, ws["B6"].data_type, ws["B6"].quotePrefix) == ("+1+1", "s", True)
    assert ws["F6"].value == "@SUM(A1)" and ws["F6"].data_type == "s"
    assert ws["E4"].value == "-National" and ws["E4"].data_type == "s"
    assert ws["A1"].value == "2020-2021: =1+1"
    every_formula = " ".join(formula for formula, _ in formula_cells(path).values())
    assert "HYPERLINK" not in every_formula and "@SUM" not in every_formula
    for name in zipfile.ZipFile(path).namelist():
        if name.startswith("xl/worksheets/"):
            assert "HYPERLINK" not in xml(path, name)  # only in the shared strings


def test_sheet_names_stay_valid_for_any_period_id(write, tmp_path):
    text = SMALL_PLAN.replace('id = "2020-2021"', 'id = "Summary"').replace(
        'id = "2022"', 'id = "a-very-long-period-identifier-beyond-31-chars"')
    path = build_small(write, tmp_path, text, "names")
    book = openpyxl_workbook(path)
    assert book.sheetnames[1:3] == ["Summary~2", "a-very-long-period-identifier-b"]
    values = name_values(path)
    assert values["PeriodTotal_Summary"] == 600
    assert values["PeriodTotal_a_very_long_period_identifier_beyond_31_chars"] == 400
    assert values["GrandTotal"] == 1000


def test_about_sheet_names_inputs_without_machine_folders(write, tmp_path):
    plan, _ = load_plan(write("small.toml", SMALL_PLAN))
    assert os.path.isabs(plan.files[0])
    path = tmp_path / "about.xlsx"
    path.write_bytes(build_workbook(plan, hand_allocation(plan)))
    ws = openpyxl_workbook(path)["About"]
    about = {row[0].value: row[1].value for row in ws.iter_rows(min_row=3, max_row=16)}
    assert about["Plan file"].startswith("small.toml  (sha256:")
    assert about["Plan content hash"].startswith("sha256:")
    assert about["Solver"].startswith("by hand (status optimal")
    assert about["Scenario"] == "none"
    assert about["Package"].startswith("budget-planner ")
    assert str(tmp_path) not in " ".join(str(value) for value in about.values())


def test_build_with_a_scenario(runner, small_plan, write, tmp_path):
    scenario = write("cap.toml", """
        name = "EC capped"
        [[funding.caps]]
        source = "EC"
        amount = 300
        """)
    target = tmp_path / "capped.xlsx"
    result = runner.invoke(cli, ["build", str(small_plan), "--scenario", str(scenario),
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl_workbook(target, data_only=True)
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=3)}
    assert about["Scenario"].startswith("cap.toml  (sha256:")
    sources = {(row[0].value, row[1].value): [cell.value for cell in row[2:6]]
               for row in book["Sources"].iter_rows(min_row=5) if row[0].value}
    cap, allocated, remaining, _ = sources[("European Commission", "Programme")]
    assert (cap, allocated, remaining) == (300, 300, 0)
    # EC is the only source of line c (400) and has 300 in all; National pays line a, so
    # exactly 100 stays unfunded.
    assert name_values(target)["GapTotal"] == 100


def test_a_bad_scenario_is_exit_2_and_writes_nothing(runner, small_plan, write, tmp_path):
    scenario = write("bad.toml", 'name = "x"\n[[funding.caps]]\nsource = "NOPE"\namount = 1\n')
    target = tmp_path / "never.xlsx"
    result = runner.invoke(cli, ["build", str(small_plan), "--scenario", str(scenario),
                                 "-o", str(target)])
    assert result.exit_code == 2 and "unknown-source" in result.output
    assert not target.exists()


def test_write_workbook_replaces_the_file_whole(write, tmp_path):
    plan, _ = load_plan(write("small.toml", SMALL_PLAN))
    target = tmp_path / "small.xlsx"
    target.write_bytes(b"old")
    write_workbook(target, plan, hand_allocation(plan))
    assert target.read_bytes() == build_workbook(plan, hand_allocation(plan))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["small.toml", "small.xlsx"]
