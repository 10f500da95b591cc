"""The benchmark suite runs end to end at a tiny size, so that it cannot rot."""

import re
from decimal import Decimal

import pytest

from benchmarks.make_plan import SHAPES, plan_text
from benchmarks.run import ROOT, benchmarks, main, measure, objective_sentence, same_objective

from budget_planner import load_plan, reconcile



def ratio_agrees(subject: float, baseline: float, ratio: float) -> bool:
    """Whether the ratio cell is subject / baseline, each cell rounded to 3 places: a subject of
    0.011 s may have been 0.0105 s, which moves a small ratio by several per cent."""
    half = 0.0005
    low = (subject - half) / (baseline + half) - half
    high = (subject + half) / max(baseline - half, 1e-9) + half
    return low <= ratio <= high

@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_reconciles_and_marks_its_sources(tmp_path, shape):
    path = tmp_path / "plan.toml"
    path.write_text(plan_text(1200, sources=16, shape=shape), encoding="utf-8")
    plan, problems = load_plan(path)
    assert problems == [] and reconcile(plan).ok
    lines = [line for period in plan.periods for line in period.lines]
    assert len(lines) == 1200
    assert len(plan.periods) == (100 if shape == "many-periods" else 3)
    assert len(plan.funding.caps) == 16 * len(plan.periods)
    marks = {tuple(line.sources) for line in lines}
    if shape == "mixed":
        # Random subsets of 16 sources: nearly every line has a set of its own, none is empty;
        # every fourth source has a maximum share, every 500th line of a period a pledge.
        assert len(marks) > 1150 and all(marks)
        assert [rule.source for rule in plan.funding.shares] == ["S1", "S5", "S9", "S13"]
        assert len(plan.funding.pledges) == 3
    else:
        assert len(marks) <= 2 ** 16 and len(plan.funding.shares) == 1
        assert plan.funding.pledges == ()


def test_a_shape_run_past_its_time_limit_is_stopped_and_reported(tmp_path):
    out = tmp_path / "performance.md"
    out.write_text((ROOT / "docs" / "performance.md").read_text(encoding="utf-8"),
                   encoding="utf-8")
    # A twentieth of a second is too short for any allocate process to start.
    main(["--lines", "30", "--repeat", "1", "--time-limit", "0.05", "--out", str(out),
          "--only", "allocate mixed-16 30 (HiGHS)", "--only", "allocate mixed-16 30 (CBC baseline)"])
    text = out.read_text(encoding="utf-8")
    [highs] = [line for line in text.splitlines()
               if line.startswith("| allocate mixed-16 30 (HiGHS) |")]
    [cbc] = [line for line in text.splitlines()
             if line.startswith("| allocate mixed-16 30 (CBC baseline) |")]
    cells = [cell.strip() for cell in highs.split("|")[1:-1]]
    assert cells[1] == "30 lines, 16 sources" and cells[2] == "> 0.050"
    assert cells[4].startswith("> ") and cells[-1] == "NO"
    assert [cell.strip() for cell in cbc.split("|")[1:-1]][2] == "> 0.050"
    assert ("- allocate mixed-16 30 (HiGHS): stopped after 0.05 s, so the time, the ratio and "
            "the memory are lower bounds: almost every line is a group of its own") in text


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
    main(["--lines", "300", "--repeat", "1", "--no-shapes", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    names = [row.split("|")[1].strip() for row in rows[1:]]
    assert names == ["check", "allocate (HiGHS)", "allocation engine", "allocate (CBC)", "build",
                     "sweep", "progress", "serve (seed plan)", "serve (big plan)", "--help",
                     "allocate (seed plan)", "check (seed plan)"]
    seconds = {}
    for name, row in zip(names, rows[1:]):
        subject, baseline, ratio = (float(cell) for cell in row.split("|")[3:6])
        assert subject > 0 and baseline > 0
        assert ratio_agrees(subject, baseline, ratio)
        seconds[name] = subject, baseline
    # The engine row reuses the plain model's runs, timed inside the process: less than their
    # whole wall time, which the allocate row reports.
    assert seconds["allocation engine"][1] < seconds["allocate (HiGHS)"][1]
    assert "scaled" not in text  # measured at the full size by default
    # Both objectives on the same 300-line plan, judged by the plain model's exact optimum; CBC's
    # figure read from its solution file (more places than pulp's reading of the variables).
    found = re.search(r"on the 300-line plan the total gap is ([\d,]+\.\d\d) with "
                      r"budget-planner's `allocate` \(exact cents; the same with `--solver cbc`\) "
                      r"and ([\d,]+\.\d\d) for the plain model solved exactly .*: equal to the "
                      r"cent\. CBC's optimum .* is ([\d,]+\.\d{3,}) \(", text)
    assert found, text
    ours, exact, cbc = (Decimal(number.replace(",", "")) for number in found.groups())
    assert ours == exact and abs(cbc - exact) < Decimal("0.005")


def test_a_smaller_baseline_is_scaled_and_compared_on_its_own_plan(tmp_path):
    results = benchmarks(300, 100, tmp_path, shapes=False)
    named = {result.name: result for result in results}
    allocate, engine = named["allocate (HiGHS)"], named["allocation engine"]
    assert allocate.baseline_scale == engine.baseline_scale == 3
    assert "measured at 100 lines and its time scaled ×3" in allocate.note
    assert str(tmp_path / "plan-100.toml") in allocate.baseline
    assert str(tmp_path / "plan-300.toml") in allocate.subject
    allocate.baseline_runs.append(measure(allocate.baseline, ROOT))
    text = same_objective(results, 300, 100, tmp_path)
    assert "on the 100-line plan" in text and ": equal to the cent. " in text, text


def test_the_objective_sentence_says_whether_and_why_they_differ():
    ours, cbc = {Decimal("1000.10")}, {Decimal("1000.09987")}

    def sentence(exact: str, ours_cbc=ours, ours=ours) -> str:
        return objective_sentence(10, ours, ours_cbc, Decimal(exact), cbc, 1000.1234)

    equal = sentence("1000.100")
    assert ": equal to the cent. " in equal and "the same with `--solver cbc`" in equal
    assert "1,000.10 for the plain model" in equal and "1,000.09987 (-0.00013, floating" in equal
    assert "`value(objective)` says 1,000.12" in equal
    assert "budget-planner's is 0.004 larger (it allocates whole cents" in sentence("1000.096")
    assert "budget-planner's is 0.07 smaller, which cannot be" in sentence("1000.17")
    assert "varied between runs" in sentence("1000.10", ours={Decimal(1), Decimal(2)})
    assert "1,000.20 with `--solver cbc`" in sentence("1000.10", ours_cbc={Decimal("1000.20")})


def test_one_benchmark_alone_updates_its_row_and_keeps_the_others(tmp_path):
    out = tmp_path / "performance.md"
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    out.write_text(page, encoding="utf-8")
    main(["--lines", "300", "--repeat", "1", "--only", "progress", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    [row] = [line for line in text.splitlines() if line.startswith("| progress |")]
    assert row.startswith("| progress | 3,000 rows, 300 lines | ")
    subject, baseline, ratio = (float(cell) for cell in row.split("|")[3:6])
    assert ratio_agrees(subject, baseline, ratio)
    others = [line for line in page.splitlines() if not line.startswith(("| progress |",
                                                                          "- progress:"))]
    assert [line for line in text.splitlines() if line in others] == others  # all kept
    assert "- progress: the subject reads the plan" in text
