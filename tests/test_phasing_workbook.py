"""The Phasing sheet: yearly amounts with live totals and the N+n tables with their formulas.

LibreOffice recalculates a copy whose cached values are all poisoned, and every Phasing
formula must come back as the engine's value: the yearly totals, the checks, and the target,
covered and at-risk figures of each source's N+n table.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from budget_planner.engine.allocation import allocate
from budget_planner.engine.diff import diff_plans
from budget_planner.engine.phasing import phasing
from budget_planner.engine.scenario import apply_scenario, load_scenario
from budget_planner.planfile.loader import load_plan
from budget_planner.xlsx.layout import PHASING, at_risk_names
from budget_planner.xlsx.reader import read_workbook
from budget_planner.xlsx.workbook import build_workbook
from tests.support.libreoffice import find_soffice, recalculate
from tests.support.phasing import EC_N2, ILLUSTRATIVE, PHASED
from tests.support.plans import SEED_PLAN
from tests.support.workbooks import (edit_workbook, formula_cells, name_values,
                                     openpyxl_workbook, poison_cached_values)


@pytest.fixture(scope="module")
def phased():
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(ILLUSTRATIVE, plan)
    assert problems == []
    plan = apply_scenario(plan, scenario)
    allocation = allocate(plan)
    return plan, allocation, phasing(plan, allocation)


@pytest.fixture(scope="module")
def built(phased, tmp_path_factory):
    plan, allocation, _ = phased
    path = tmp_path_factory.mktemp("phasing") / "phased.xlsx"
    path.write_bytes(build_workbook(plan, allocation))
    return path


def test_the_sheet_sits_after_sources_and_caches_the_engine_figures(phased, built):
    _, _, result = phased
    book = openpyxl_workbook(built, data_only=True)
    assert book.sheetnames.index(PHASING) == book.sheetnames.index("Sources") + 1
    values, names = name_values(built), at_risk_names(phased[0])
    for source in result.committed:
        assert values[names[source.id]] == float(source.at_risk) > 0
    ws = book[PHASING]
    checks = [cell.value for row in ws.iter_rows() for cell in row
              if cell.value in ("OK", "MISMATCH")]
    assert len(checks) > 30 and set(checks) == {"OK"}
    findings = {row[1].value for row in book["Findings"].iter_rows(min_row=5)}
    assert {"decommitment-risk", "commitment-exceeds-allocation"} <= findings


def test_libreoffice_recalculates_every_phasing_formula_to_the_engine_value(phased, built,
                                                                            tmp_path):
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing")
        pytest.skip("LibreOffice (soffice) is not installed")
    _, _, result = phased
    poisoned = tmp_path / "phased-poisoned.xlsx"
    poison_cached_values(built, poisoned)
    [recalculated] = recalculate([poisoned], tmp_path / "out")
    expected = {key: value for key, (_, value) in formula_cells(built).items()
                if key[0] == PHASING}
    actual = {key: value for key, (_, value) in formula_cells(recalculated).items()
              if key[0] == PHASING}
    assert len(expected) > 200
    wrong = {key: (actual.get(key), value) for key, value in expected.items()
             if not (actual.get(key) == value if isinstance(value, str) or value is None
                     else actual.get(key) == pytest.approx(value, rel=1e-12, abs=1e-9))}
    assert wrong == {}
    # The N+n figures read back are the engine's, year by year.
    ws = openpyxl_workbook(recalculated, data_only=True)[PHASING]
    read = [(row[0], row[3], row[4], row[5]) for row in ws.iter_rows(values_only=True)
            if isinstance(row[0], int) and 1900 < row[0] < 2200]
    engine = [(item.year, float(item.target), float(item.covered), float(item.at_risk))
              for source in result.committed for item in source.decommitment]
    assert read == [pytest.approx(row) for row in engine]
    values, names = name_values(recalculated), at_risk_names(phased[0])
    assert {source.id: Decimal(str(values[names[source.id]]))
            for source in result.committed} == \
        {source.id: source.at_risk for source in result.committed}


def test_import_gives_back_the_phasing_and_an_edited_amount_moves_its_years(write, tmp_path):
    plan, _ = load_plan(write("plan.toml", PHASED + EC_N2))
    path = tmp_path / "phased.xlsx"
    path.write_bytes(build_workbook(plan, allocate(plan)))
    read = read_workbook(path)
    assert read.problems == () and read.plan is not None
    assert (read.plan.periods, read.plan.commitments) == (plan.periods, plan.commitments)

    def person(book):  # line a: 1,000 -> 500, its period total with it
        book["2020-2021"]["C5"] = 500
        book["Summary"]["C6"] = 1_000

    edit_workbook(path, person)
    edited = read_workbook(path).plan
    assert edited is not None
    assert edited.periods[0].lines[0].years == ((2020, Decimal(150)), (2021, Decimal(350)))


def test_diff_names_changed_years_profiles_and_commitments(write):
    a, _ = load_plan(write("a.toml", PHASED + EC_N2))
    b, _ = load_plan(write("b.toml", (PHASED + EC_N2).replace('"2021" = 700', '"2021" = 600')
                           .replace("profile = [1, 4]", "").replace('"2021" = 500 }',
                                                                     '"2021" = 400 }')))
    diff = diff_plans(a, b)
    [line] = diff.changed
    assert [(change.field, change.old, change.new) for change in line.changes] == [
        ("years", "2020 300.00, 2021 700.00", "2020 300.00, 2021 600.00")]
    assert [(other.where, other.field, other.old, other.new) for other in diff.other] == [
        ("period 2020-2021", "profile", "1:4", "even"),
        ("commitments EC", "changed", "N+2, pre-financing 50.00; 2020 700.00, 2021 500.00",
         "N+2, pre-financing 50.00; 2020 700.00, 2021 400.00")]
