"""The workbook's Progress sheet: live formulas that LibreOffice recalculates to the engine's
figures, a cumulative chart, and a workbook that still imports."""

from __future__ import annotations

import os
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from budget_planner import load_plan
from budget_planner.engine.actuals import progress
from budget_planner.engine.allocation import allocate
from budget_planner.xlsx.actuals import read_actuals
from budget_planner.xlsx.progress import progress_sheets
from budget_planner.xlsx.reader import read_workbook
from budget_planner.xlsx.workbook import build_workbook
from tests.support.libreoffice import find_soffice, recalculate

from tests.support.plans import ROOT, SEED_PLAN
from tests.support.workbooks import formula_cells, openpyxl_workbook, poison_cached_values

SHIPPED = ROOT / "plans" / "actuals" / "bsr-stars-illustrative.csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    plan, _ = load_plan(SEED_PLAN)
    actuals, problems = read_actuals([SHIPPED], plan)
    assert problems == []
    allocation = allocate(plan)
    result = progress(plan, actuals, allocation, as_of=date(2016, 6, 30))
    path = tmp_path_factory.mktemp("progress") / "progress.xlsx"
    path.write_bytes(build_workbook(plan, allocation, sheets=progress_sheets(result)))
    return path, result


def rows_by_label(path, label_col=0):
    """The first row with each label (a period's row in the period table comes before its
    lines)."""
    sheet = openpyxl_workbook(path, data_only=True)["Progress"]
    rows: dict = {}
    for row in sheet.iter_rows():
        if row[label_col].value is not None:
            rows.setdefault(row[label_col].value, [cell.value for cell in row])
    return sheet, rows


def test_the_progress_sheet_holds_formulas_over_the_actual_figures(built):
    path, result = built
    cells = {key: formula for key, (formula, _) in formula_cells(path).items()
             if key[0] == "Progress"}
    # Each line's variance, percent and remaining, each period's and the programme's sums.
    assert len(cells) >= 4 * len(result.lines) + 7 * (len(result.periods) + 1)
    assert any("ROUND(" in formula and "*100/" in formula for formula in cells.values())
    assert any("'2014-2020'!C" in formula for formula in cells.values())  # amounts are live
    with zipfile.ZipFile(path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/")]
        assert len(charts) == 3  # the Summary's two funding charts and the cumulative one
        assert b"<c:lineChart>" in archive.read(sorted(charts)[-1])


def test_the_cached_figures_are_the_engines(built):
    path, result = built
    sheet, rows = rows_by_label(path)
    programme = rows["Programme"]
    figures = result.programme
    assert programme[3:10] == [float(figures.amount), float(figures.planned_to_date),
                               float(figures.actual), float(figures.validated),
                               float(figures.variance), float(figures.percent),
                               float(figures.remaining)]
    assert "Note: bsr-stars-illustrative.csv: Illustrative figures, invented" in str(
        sheet["A3"].value)


def test_a_workbook_with_a_progress_sheet_still_imports(built):
    path, _ = built
    read = read_workbook(path)
    assert read.problems == () and read.plan is not None
    assert read.plan == load_plan(SEED_PLAN)[0]


@pytest.mark.client
def test_libreoffice_recalculates_the_progress_sheet_to_the_engines_figures(built, tmp_path):
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing; .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    path, result = built
    poisoned = tmp_path / "progress-poisoned.xlsx"
    assert poison_cached_values(path, poisoned) > 100
    [recalculated] = recalculate([poisoned], tmp_path / "out")
    expected = {key: value for key, (_, value) in formula_cells(path).items()
                if key[0] == "Progress"}
    actual = {key: value for key, (_, value) in formula_cells(recalculated).items()
              if key[0] == "Progress"}
    wrong = {key: (actual.get(key), value) for key, value in expected.items()
             if not isinstance(actual.get(key), (int, float))
             or actual[key] != pytest.approx(value, rel=1e-12, abs=1e-9)}
    assert wrong == {}
    # And the figures themselves, read back as LibreOffice computed them.
    _, rows = rows_by_label(recalculated)
    by_period = {period.id: period.figures for period in result.periods}
    for period_id, figures in by_period.items():
        assert rows[period_id][7:10] == [float(figures.variance), float(figures.percent),
                                         float(figures.remaining)]
    assert Decimal(str(rows["Programme"][8])) == result.programme.percent
