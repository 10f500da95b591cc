"""The benchmark suite runs end to end at a tiny size, so that it cannot rot."""

import re

from benchmarks.make_plan import plan_text
from benchmarks.run import main

from budget_planner import load_plan, reconcile


def test_generated_plans_reconcile_and_carry_caps(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(plan_text(50, periods=2, sources=3, seed=7), encoding="utf-8")
    plan, problems = load_plan(path)
    assert problems == []
    assert sum(len(period.lines) for period in plan.periods) == 50
    assert reconcile(plan).ok
    assert len(plan.funding.caps) == 2 * 3
    assert plan_text(50, seed=7) == plan_text(50, seed=7) != plan_text(50, seed=8)


def test_the_suite_runs_and_writes_its_report(tmp_path):
    out = tmp_path / "performance.md"
    main(["--lines", "300", "--baseline-lines", "100", "--repeat", "1", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split("|")[1].strip() for row in rows[1:]] == [
        "check", "allocate (HiGHS)", "allocation engine", "allocate (CBC)", "build", "sweep", "--help"]
    for row in rows[1:]:
        subject, baseline, ratio = (float(cell) for cell in row.split("|")[3:6])
        assert subject > 0 and baseline > 0
        assert abs(ratio - subject / baseline) <= 0.05 * ratio  # the cells are rounded to 3 places
    assert re.search(r"total gap is (\d+\.\d\d) \(budget-planner", text)
