"""Real-client proof: LibreOffice recalculates every formula of the workbook to the engine's value.

The workbooks given to LibreOffice have every cached formula value replaced by a wrong one
(-1 or STALE), and LibreOffice runs with its own profile set to always recalculate on load: a
right value read back can only be LibreOffice's own result. A run with the default profile
shows that without that setting the stale values would be read back unchanged.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from budget_planner import load_plan
from tests.support.libreoffice import find_soffice, recalculate
from budget_planner.engine.scenario import apply_scenario, load_scenario
from budget_planner.xlsx.workbook import build_workbook

from tests.support.plans import SEED_PLAN
from tests.support.workbooks import formula_cells, name_values, poison_cached_values

pytestmark = pytest.mark.client

#: Illustrative caps: enough to make the Sources sheet compute remaining and utilisation.
CAPS_SCENARIO = """
name = "Tight caps"
illustrative = true

[[funding.caps]]
source = "EC"
amount = 20_000_000

[[funding.caps]]
source = "EU_SF"
period = "2014-2020"
amount = 4_000_000
"""


@pytest.fixture(scope="module")
def soffice() -> str:
    found = find_soffice()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing; .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


@pytest.fixture(scope="module")
def workbooks(soffice, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name -> (workbook as built, the poisoned copy after LibreOffice recalculated it)."""
    from budget_planner.engine.allocation import allocate

    folder = tmp_path_factory.mktemp("libreoffice")
    plan, problems = load_plan(SEED_PLAN)
    assert not problems
    (folder / "caps.toml").write_text(CAPS_SCENARIO, "utf-8")
    scenario, problems = load_scenario(folder / "caps.toml", plan)
    assert not problems
    capped = apply_scenario(plan, scenario)
    built = {}
    for name, which in (("seed", plan), ("capped", capped)):
        path = folder / f"{name}.xlsx"
        path.write_bytes(build_workbook(which, allocate(which)))
        poisoned = folder / f"{name}-poisoned.xlsx"
        assert poison_cached_values(path, poisoned) > 140
        built[name] = (path, poisoned)
    started = time.monotonic()
    outputs = recalculate([poisoned for _, poisoned in built.values()], folder / "recalculated")
    print(f"LibreOffice recalculated {len(outputs)} workbooks in "
          f"{time.monotonic() - started:.1f} s")
    return {name: (path, output) for (name, (path, _)), output in zip(built.items(), outputs)}


def _same(actual, expected) -> bool:
    if expected in (None, ""):
        return actual in (None, "")
    if isinstance(expected, str):
        return actual == expected
    return isinstance(actual, (int, float)) and actual == pytest.approx(expected, rel=1e-12,
                                                                        abs=1e-9)


@pytest.mark.parametrize("name", ["seed", "capped"])
def test_every_formula_recalculates_to_the_engine_value(workbooks, name):
    built, recalculated = workbooks[name]
    expected = formula_cells(built)  # the engine's exact values, cached by the build
    actual = formula_cells(recalculated)
    assert len(expected) > 140
    wrong = {key: (actual.get(key, (None, None))[1], value)
             for key, (_, value) in expected.items()
             if not _same(actual.get(key, (None, None))[1], value)}
    assert wrong == {}


def test_named_totals_are_the_published_figures(workbooks):
    values = name_values(workbooks["seed"][1])
    assert values["PeriodTotal_2010_2011"] == 1_850_000
    assert values["PeriodTotal_2012_2013"] == 1_900_000
    assert values["PeriodTotal_2014_2020"] == 26_400_000
    assert values["GrandTotal"] == 30_150_000
    # The seed has no caps: every marked line is funded; the two unmarked 2014-2020 lines
    # (500,000 and 200,000) are the gap.
    assert values["GapTotal"] == 700_000
    sources = sum(value for key, value in values.items() if key.startswith("SourceTotal_"))
    assert sources == 30_150_000 - 700_000


def test_caps_show_in_the_recalculated_sources_sheet(workbooks):
    from tests.support.workbooks import openpyxl_workbook

    ws = openpyxl_workbook(workbooks["capped"][1], data_only=True)["Sources"]
    rows = {(row[0].value, row[1].value): [cell.value for cell in row[2:6]]
            for row in ws.iter_rows(min_row=5) if row[0].value}
    cap, allocated, remaining, utilisation = rows[("EC", "Programme")]
    assert (cap, allocated + remaining) == (20_000_000, 20_000_000)
    assert utilisation == pytest.approx(allocated / 20_000_000)
    assert rows[("EU SF", "2014-2020")][0] == 4_000_000


def test_default_profile_would_keep_the_stale_values(soffice, workbooks, tmp_path):
    poisoned = tmp_path / "stale.xlsx"
    poison_cached_values(workbooks["seed"][0], poisoned)
    [kept] = recalculate([poisoned], tmp_path / "out", always_recalculate=False)
    assert name_values(kept)["GrandTotal"] == -1
