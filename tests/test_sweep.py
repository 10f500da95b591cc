"""Sweeps: parameters, hand-solved break-even points, agreement with `allocate`, the outputs."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_planner.engine.allocation import allocate
from budget_planner.cli import cli
from budget_planner.planfile.loader import load_plan
from budget_planner.engine.scenario import apply_scenario, load_scenario
from budget_planner.engine.sweep import (
    PARALLEL_FROM,
    PointSolver,
    grid,
    parse_vary,
    run_sweep,
    solve_points,
    with_values,
)
from budget_planner.views.sweep import sweep_csv, sweep_json, sweep_text
from budget_planner.views.sweep_chart import sweep_chart

from tests.support.plans import ROOT, SEED_PLAN, SMALL_PLAN, TWO_LINES, plan_text

D = Decimal

#: National is capped at 300.
PLAN = TWO_LINES + """
[[funding.caps]]
source = "NATIONAL"
period = "2020"
amount = 300
"""


@pytest.fixture
def two_lines(write):
    plan, problems = load_plan(write("plan.toml", PLAN))
    assert problems == []
    return plan


def _axis(text, plan):
    axis, problems = parse_vary(text, plan)
    assert problems == [] and axis is not None, problems
    return axis


def test_parse_vary_reads_money_and_percent_grids(two_lines):
    axis = _axis("cap.EC/2020=0:1_000:250", two_lines)
    assert axis.parameter.name == "cap.EC/2020" and axis.parameter.period == "2020"
    assert axis.values == (D(0), D(250), D(500), D(750), D(1000))
    axis = _axis("max.EC=10%:20%:2.5%", two_lines)
    assert axis.values == (D("0.1"), D("0.125"), D("0.15"), D("0.175"), D("0.2"))
    axis = _axis("min.NATIONAL/*/a=0%:1%:0.5%", two_lines)
    assert (axis.parameter.period, axis.parameter.line, axis.parameter.name) == (
        None, "a", "min.NATIONAL/*/a")
    # STOP off the grid: the last value is the last step below it.
    assert _axis("cap.EC=0:100:30", two_lines).values == (D(0), D(30), D(60), D(90))


@pytest.mark.parametrize(("text", "code", "message"), [
    ("cap.EC/2020", "vary-invalid", "write PARAM=START:STOP:STEP"),
    ("cop.EC=0:1:1", "vary-invalid", "did you mean 'cap'?"),
    ("cap.ECC=0:1:1", "unknown-source", "did you mean 'EC'?"),
    ("cap.EC/2021=0:1:1", "unknown-period", "did you mean '2020'?"),
    ("max.EC/2020/aa=0%:1%:1%", "unknown-line", "no line 'aa' in period '2020'"),
    ("cap.EC/2020/a=0:1:1", "vary-invalid", "a cap has a period at most"),
    ("cap.EC=0:1", "vary-invalid", "is not START:STOP:STEP"),
    ("cap.EC=0:1:0", "vary-invalid", "STEP must be more than zero"),
    ("cap.EC=5:1:1", "vary-invalid", "STOP is below START"),
    ("cap.EC=0:1e6:1", "money-invalid", "STOP: '1e6' is not an amount"),
    ("max.EC=0:1:1", "share-invalid", "START: '0' is not a share"),
    ("cap.EC=0:1_000_000:1", "vary-too-many", "more than 100,000 values"),
])
def test_parse_vary_refuses(two_lines, text, code, message):
    axis, problems = parse_vary(text, two_lines)
    assert axis is None
    assert [(problem.file, problem.path, problem.code) for problem in problems][:1] == [
        ("--vary", text, code)]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"--vary: {text}: ")


def test_the_cap_break_even_matches_the_hand_solved_one(two_lines):
    # By hand: everything is funded up to EC + 300 (National's cap), so the gap is
    # 1,500 - min(1,500, EC) - 300 ... = max(0, 1,200 - EC): zero from EC = 1,200 on.
    axis = _axis("cap.EC/2020=0:2_000:70", two_lines)
    sweep = run_sweep(two_lines, [axis], jobs=1)
    gaps = [sweep.gap(point, None) for point in sweep.points]
    assert gaps == [max(0, 120_000 - int(value * 100)) for value in axis.values]
    for item in sweep.break_evens:  # the period and the programme alike
        assert item.value == D(1260)  # 18 x 70, the first swept value with no gap
        assert item.exact == D("1200.00")
        assert (item.least, item.least_at) == (D(0), D("1200.00"))
    text = sweep_text(sweep)
    assert "2020       1,200.00 (first swept value with no gap: 1,260.00)" in text
    data = sweep_json(sweep)
    assert data["break_even"][0] == {"period": "2020", "value": "1260.00", "exact": "1200.00",
                                     "least_gap": "0.00", "least_gap_at": "1200.00",
                                     "gap_beyond": None, "still_falling": False}


def test_a_share_break_even_is_refined_to_a_hundredth_of_a_percent(write):
    # Only line a, and EC at most s of it: the gap is max(0, 1,000 - 1,000 s - 300), zero from
    # s = 70 %. The grid of 3 % first reaches it at 72 %.
    plan, problems = load_plan(write("plan.toml", PLAN.replace("total = 1_500", "total = 1_000")
                                     .split("[[periods.lines]]\nid = \"b\"")[0]
                                     + '[[funding.caps]]\nsource = "NATIONAL"\nperiod = "2020"\n'
                                       'amount = 300\n'))
    assert problems == [], problems
    axis = _axis("max.EC=0%:100%:3%", plan)
    sweep = run_sweep(plan, [axis], jobs=1)
    programme = sweep.break_evens[-1]
    assert programme.period is None
    assert (programme.value, programme.exact) == (D("0.72"), D("0.7000"))
    assert "70% (first swept value with no gap: 72%)" in sweep_text(sweep)


#: EC is capped at 200: line b (500, EC only) and line a (1,000, EC or National) get at most
#: 200 + min(National's cap, 1,000), so at least 300 stays unfunded whatever National's cap.
EC_SHORT = TWO_LINES + """
[[funding.caps]]
source = "EC"
period = "2020"
amount = 200
"""


def _sweep_command(runner, tmp_path, plan, *options):
    """The break-even table the sweep command prints, as {period: text}."""
    result = runner.invoke(cli, ["sweep", str(plan), *options, "-o", str(tmp_path / "s.csv"),
                                 "--chart", str(tmp_path / "s.svg")])
    assert result.exit_code == 0, result.output
    table = result.stdout.split("break-even\n", 1)[1].splitlines()[1:]
    return {row.split("  ", 1)[0]: row.split("  ", 1)[1].strip() for row in table}


def test_a_gap_still_falling_at_the_end_of_the_range_is_not_called_never(runner, write,
                                                                         tmp_path):
    # National's cap is 300: the gap is max(0, 1,200 - EC); at EC = 900 it is 300 and still
    # falling, and an EC cap of 1,200 would close it.
    plan = write("plan.toml", PLAN)
    rows = _sweep_command(runner, tmp_path, plan, "--vary", "cap.EC=0:900:100")
    expected = "not reached within the swept range (still falling; extend STOP)"
    assert rows == {"2020": expected, "programme": expected}
    sweep = run_sweep(load_plan(plan)[0], [_axis("cap.EC=0:900:100", load_plan(plan)[0])],
                      jobs=1)
    programme = sweep.break_evens[-1]
    assert (programme.value, programme.least, programme.least_at) == (None, D(300), D(900))
    assert (programme.beyond, programme.falling) == (D(0), True)
    assert sweep_json(sweep)["break_even"][-1]["gap_beyond"] == "0.00"


def test_a_gap_no_value_closes_is_never_closed_with_the_floor_it_keeps(runner, write, tmp_path):
    plan = write("plan.toml", EC_SHORT)
    # National's cap from 0 to 2,000: the gap is 1,300 - min(National, 1,000), 300 from
    # National = 1,000 on, and no cap closes it.
    rows = _sweep_command(runner, tmp_path, plan, "--vary", "cap.NATIONAL/2020=0:2_000:100")
    expected = "never: at least 300.00 stays unfunded (first reached at 1,000.00)"
    assert rows == {"2020": expected, "programme": expected}
    # Up to 500 only: 800 at its end, still falling, but the 300 stay whatever the cap.
    rows = _sweep_command(runner, tmp_path, plan, "--vary", "cap.NATIONAL/2020=0:500:100")
    expected = ("never: at least 300.00 stays unfunded, reached beyond the swept range "
                "(still falling; extend STOP)")
    assert rows == {"2020": expected, "programme": expected}


def test_two_parameters_tell_a_gap_still_falling_from_one_never_closed(runner, write, tmp_path):
    # EC's cap swept first, National's second. National at 300: the gap is 1,200 - EC, still
    # 300 at EC = 900 and closed from EC = 1,200 on. National at 1,300 pays all of line a
    # (1,000): the gap is max(0, 500 - EC), closed at the swept EC = 600.
    plan = write("plan.toml", PLAN)
    result = runner.invoke(cli, ["sweep", str(plan), "--vary", "cap.EC=0:900:300",
                                 "--vary", "cap.NATIONAL/2020=300:1_300:1_000",
                                 "-o", str(tmp_path / "s.csv"), "--chart", str(tmp_path / "s.png"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    programme = [item for item in json.loads(result.stdout)["break_even"]
                 if item["period"] is None]
    assert [(item["cap.NATIONAL/2020"], item["value"], item["least_gap"], item["gap_beyond"],
             item["still_falling"]) for item in programme] == [
        ("300.00", None, "300.00", "0.00", True), ("1300.00", "600.00", "0.00", None, False)]


def _figures(result, plan):
    """Unfunded per period and allocated per source and period from an allocation, in cents."""
    periods = [period.id for period in plan.periods]
    unfunded = [sum(int(gap.amount * 100) for gap in result.gaps if gap.period == period)
                for period in periods]
    allocated = [sum(int(a.amount * 100) for a in result.allocations
                     if a.source == source and a.period == period)
                 for source in plan.source_ids for period in periods]
    return tuple(unfunded), tuple(allocated)


def _check_against_allocate(plan, axes, values):
    point = PointSolver(plan, axes).solve(values)
    result = allocate(with_values(plan, axes, values))
    assert point.status == result.status
    if point.status == "optimal":
        assert (point.unfunded, point.allocated) == _figures(result, plan)


SHIPPED = sorted((ROOT / "plans" / "scenarios").glob("*.toml")) + \
    sorted((ROOT / "plans" / "scenarios" / "whatif").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
@pytest.mark.parametrize("vary", [
    "cap.EC/2014-2020=0:26_000_000:6_500_000",
    "cap.OTHER=0:2_000_000:500_000",              # a programme cap ties the periods together
    "min.NATIONAL=0%:40%:20%",
    "max.EC/2010-2011=50%:100%:25%",
])
def test_every_point_is_what_allocate_gives(path, vary):
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(path, plan)
    assert problems == []
    plan = apply_scenario(plan, scenario)
    axes = [_axis(vary, plan)]
    for values in grid(axes):
        _check_against_allocate(plan, axes, values)


def test_two_parameter_points_are_what_allocate_gives():
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(ROOT / "plans" / "scenarios" / "private-funds-capped.toml", plan)
    plan = apply_scenario(plan, scenario)
    axes = [_axis("cap.EC=0:30_000_000:15_000_000", plan), _axis("min.NATIONAL=0%:30%:15%", plan)]
    for values in grid(axes):
        _check_against_allocate(plan, axes, values)


def _random_plan(data) -> str:
    sources = ["EC", "NATIONAL", "OTHER"]
    lines = data.draw(st.lists(st.tuples(st.integers(0, 5_000),
                                         st.sets(st.sampled_from(sources), max_size=3)),
                               min_size=1, max_size=5))
    caps = data.draw(st.dictionaries(st.sampled_from(sources[1:]), st.integers(0, 6_000)))
    caps_text = "".join(f'[[funding.caps]]\nsource = "{source}"\namount = {cap}\n\n'
                        for source, cap in caps.items())
    return plan_text([("p", [(f"l{number}", amount, [s for s in sources if s in marked])
                             for number, (amount, marked) in enumerate(lines)])], caps_text, sources)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_gap_never_grows_as_a_cap_grows(write, data):
    plan, problems = load_plan(write("random.toml", _random_plan(data)))
    assert problems == []
    step = data.draw(st.integers(1, 2_000))
    axes = [_axis(f"cap.EC=0:{20 * step}:{step}", plan)]
    points = solve_points(plan, axes, jobs=1)
    gaps = [sum(point.unfunded) for point in points]
    assert all(later <= earlier for earlier, later in zip(gaps, gaps[1:]))
    # A cent more of cap never closes more than a cent of gap.
    assert all(earlier - later <= step * 100 for earlier, later in zip(gaps, gaps[1:]))
    for values in (grid(axes)[0], grid(axes)[7], grid(axes)[-1]):
        _check_against_allocate(plan, axes, values)


def test_worker_processes_give_the_same_points_in_the_same_order(two_lines):
    axes = [_axis(f"cap.EC=0:{PARALLEL_FROM * 20 + 30}:20", two_lines)]
    assert len(axes[0].values) > PARALLEL_FROM
    assert solve_points(two_lines, axes, jobs=2) == solve_points(two_lines, axes, jobs=1)


def test_the_csv_holds_every_point_with_exact_amounts(two_lines):
    axis = _axis("cap.EC/2020=0:1_500:500", two_lines)
    rows = list(csv.reader(io.StringIO(sweep_csv(run_sweep(two_lines, [axis], jobs=1)))))
    assert rows[0] == ["cap.EC/2020", "status", "unfunded", "unfunded 2020", "EC", "NATIONAL",
                       "EC 2020", "NATIONAL 2020"]
    # EC 500: National pays its 300 (of line a), EC 500; 1,500 - 800 unfunded.
    assert rows[2] == ["500.00", "optimal", "700.00", "700.00", "500.00", "300.00", "500.00",
                       "300.00"]
    # EC 1,500: all is funded, and the tie-break takes EC, first in source order, first.
    assert rows[4] == ["1500.00", "optimal", "0.00", "0.00", "1500.00", "0.00", "1500.00",
                       "0.00"]
    assert len(rows) == 5


def test_conflicting_points_are_marked_not_dropped(write):
    # A 25 % minimum share of National on line a (250) cannot hold under a cap below 250.
    plan, _ = load_plan(write("plan.toml", PLAN))
    axes = [_axis("min.NATIONAL=0%:50%:25%", plan)]
    sweep = run_sweep(plan, axes, jobs=1)
    assert [point.status for point in sweep.points] == ["optimal", "optimal", "infeasible"]
    assert "capped at 300.00" in sweep.points[2].conflict
    assert "the rules conflict at 1 of them" in sweep_text(sweep)
    assert list(csv.reader(io.StringIO(sweep_csv(sweep))))[3][:3] == ["50.00", "infeasible", ""]


def test_charts_are_deterministic(two_lines):
    one = run_sweep(two_lines, [_axis("cap.EC=0:2_000:100", two_lines)], jobs=1)
    svg = sweep_chart(one, "svg")
    assert svg == sweep_chart(one, "svg") and b"<svg" in svg and b"break-even" in svg
    two = run_sweep(two_lines, [_axis("cap.EC=0:2_000:500", two_lines),
                                _axis("cap.NATIONAL/2020=0:1_000:250", two_lines)], jobs=1)
    png = sweep_chart(two, "png")
    assert png.startswith(b"\x89PNG") and png == sweep_chart(two, "png")


def test_a_two_parameter_sweep_reports_break_even_per_value_of_the_second(two_lines):
    axes = [_axis("cap.EC=0:2_000:100", two_lines),
            _axis("cap.NATIONAL/2020=0:1_000:500", two_lines)]
    sweep = run_sweep(two_lines, axes, jobs=1)
    # The gap closes at EC = 1,500 - min(National, 1,000): 1,500, 1,000 and 500.
    programme = [(item.other, item.value) for item in sweep.break_evens if item.period is None]
    assert programme == [(D(0), D(1500)), (D(500), D(1000)), (D(1000), D(500))]
    assert "programme  1,000.00           500.00\n" in sweep_text(sweep)


def test_sweep_command_writes_csv_chart_and_break_even(runner, write, tmp_path, monkeypatch):
    plan = write("plan.toml", PLAN)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["sweep", str(plan), "--vary", "cap.EC/2020=0:2_000:70",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["break_even"][-1]["exact"] == "1200.00" and data["points"] == 29
    assert (tmp_path / "output" / "plan-sweep.csv").read_text().startswith("cap.EC/2020,status,")
    assert "<svg" in (tmp_path / "output" / "plan-sweep.svg").read_text()
    chart = tmp_path / "chart.png"
    result = runner.invoke(cli, ["sweep", str(plan), "--vary", "cap.EC=0:2_000:500",
                                 "--vary", "cap.NATIONAL=0:1_000:500",
                                 "-o", str(tmp_path / "s.csv"), "--chart", str(chart)])
    assert result.exit_code == 0 and chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(("options", "message"), [
    (["--vary", "cap.EK=0:1:1"], "--vary: cap.EK=0:1:1: unknown funding source 'EK'"),
    (["--vary", "cap.EC=0:1:1", "--vary", "cap.EC=0:2:1"], "the same parameter twice"),
    (["--vary", "cap.EC=0:1:1"] * 3, "vary one or two parameters"),
    (["--vary", "cap.EC=0:1:1", "--chart", "c.pdf"], "write the chart as .svg or .png"),
])
def test_sweep_command_refuses_bad_options(runner, write, tmp_path, options, message):
    plan = write("plan.toml", PLAN)
    output = tmp_path / "s.csv"
    output.write_text("old")
    result = runner.invoke(cli, ["sweep", str(plan), *options, "-o", str(output)])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and output.read_text() == "old"


@pytest.mark.parametrize("after", [0.3, 1.0])
def test_ctrl_c_ends_a_sweep_quietly_with_130(tmp_path, after):
    # Soon after the progress bar shows, the fork server and the workers are often still
    # starting (importing, unpickling); a second later they are solving. Neither may take the
    # Ctrl-C for itself and print a traceback.
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL_PLAN, encoding="utf-8")
    (tmp_path / "points.csv").write_text("before")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(
        [sys.executable, "-m", "budget_planner", "sweep", str(plan), "--vary",
         "cap.EC=0:400:0.01", "--jobs", "2", "-o", "points.csv", "--chart", "points.svg"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
        start_new_session=True)
    said: list[bytes] = []
    reader = threading.Thread(target=lambda: said.extend(iter(lambda: run.stderr.read(1), b"")),
                              daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while b"Solving" not in b"".join(said) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(after)
    os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    try:
        run.wait(timeout=60)
    finally:  # a sweep that would not stop fails the test, and is not left running
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    reader.join(10)
    stderr = b"".join(said)
    assert run.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"KeyboardInterrupt" not in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan.toml", "points.csv"]
    assert (tmp_path / "points.csv").read_text() == "before"
