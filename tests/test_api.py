"""The commands as library calls (`budget_planner.api`): values out, problems as exceptions.

The figures are worked by hand on the small plan: lines a (400, EC or NATIONAL), b (200,
NATIONAL) and c (400, EC only). With EC capped at 300 for the programme, NATIONAL can pay all
of a, EC pays 300 of c, and the other 100 of c has no source.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from budget_planner import api
from budget_planner.cli import cli
from budget_planner.core.model import InvalidInput, InvalidRequest

from tests.support.plans import SMALL_PLAN

D = Decimal
EC_CAP = 'name = "EC capped"\n[[funding.caps]]\nsource = "EC"\namount = 300\n'


@pytest.fixture
def small(write):
    return write("plan.toml", SMALL_PLAN), write("cap.toml", EC_CAP)


def test_allocate_lays_the_scenarios_over_the_plan_and_solves(small):
    plan, cap = small
    alone = api.allocate(plan)
    assert alone.allocation.total_gap == 0 and alone.scenarios == ()
    capped = api.allocate(plan, [cap])
    assert [scenario.name for scenario in capped.scenarios] == ["EC capped"]
    assert {(gap.period, gap.line): gap.amount for gap in capped.allocation.gaps} == {
        ("2022", "c"): D("100.00")}
    assert capped.inputs == (str(plan), str(cap))


def test_report_and_whatif_compare_the_plan_with_the_scenario(small):
    plan, cap = small
    reported = api.report(plan, [cap])
    assert reported.report.allocation.total_gap == D("100.00")
    assert reported.report.comparison is not None
    compared = api.whatif([plan, cap])
    unfunded = next(row for row in compared.comparison.rows
                    if row.measure == "unfunded" and row.period is None)
    assert unfunded.values == (D("0.00"), D("100.00")) and unfunded.changes == (D("100.00"),)


def test_every_problem_in_the_inputs_is_raised_at_once(write):
    plan = write("bad.toml", SMALL_PLAN.replace("amount = 400", "amount = 400.0", 1)
                 .replace('sources = ["NATIONAL"]', 'sources = ["NATIONL"]'))
    with pytest.raises(InvalidInput) as raised:
        api.check(plan)
    assert [(problem.path, problem.code) for problem in raised.value.problems] == [
        ("periods[0].lines[0].amount", "money-float"),
        ("periods[0].lines[1].sources[0]", "unknown-source")]


def test_a_request_that_cannot_run_is_one_coded_problem(small):
    plan, cap = small
    with pytest.raises(InvalidRequest) as raised:
        api.import_workbook(plan)
    assert (raised.value.problem.file, raised.value.problem.code) == (str(plan), "not-a-workbook")
    with pytest.raises(InvalidRequest) as raised:
        api.whatif([plan])
    assert raised.value.problem.code == "missing-scenario"


def test_an_output_problem_is_one_coded_error_line(runner, small, tmp_path):
    plan, _ = small
    target = tmp_path / "missing" / "check.txt"
    result = runner.invoke(cli, ["check", str(plan), "-o", str(target)])
    assert result.exit_code == 2
    assert result.output == (f"error: {target}: the folder '{tmp_path / 'missing'}' does not "
                             "exist [output-folder-missing]\n")


def test_an_internal_error_exits_3_with_one_line_asking_for_a_report(runner, small,
                                                                     monkeypatch):
    plan, _ = small

    def broken(*arguments: object, **keywords: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "reconcile", broken)
    monkeypatch.delenv("BUDGET_PLANNER_DEBUG", raising=False)
    result = runner.invoke(cli, ["check", str(plan)])
    assert result.exit_code == 3
    assert result.output == ("budget-planner: internal error (ZeroDivisionError: division by "
                             "zero); please report it with the command and plan (set "
                             "BUDGET_PLANNER_DEBUG=1 to see where it happened)\n")
    monkeypatch.setenv("BUDGET_PLANNER_DEBUG", "1")
    result = runner.invoke(cli, ["check", str(plan)])
    assert isinstance(result.exception, ZeroDivisionError)


def test_a_solver_that_fails_inside_is_an_internal_error_and_a_refusal_is_not(runner, small,
                                                                             monkeypatch):
    """A solver failing is a bug (exit 3); a solver that cannot run as asked is the user's to
    fix (exit 2, with what to do)."""
    from budget_planner.engine.allocation import AllocationError, SolverRefusal

    plan, _ = small
    monkeypatch.delenv("BUDGET_PLANNER_DEBUG", raising=False)

    def fails(*arguments: object, **keywords: object) -> None:
        raise AllocationError("the highs solver found no optimum")

    monkeypatch.setattr("budget_planner.engine.allocation.solve.optimise", fails)
    result = runner.invoke(cli, ["allocate", str(plan)])
    assert result.exit_code == 3
    assert result.output.startswith("budget-planner: internal error (AllocationError: the highs "
                                    "solver found no optimum)")

    def missing() -> str:
        raise SolverRefusal("the CBC solver is not available; install pulp 3")

    monkeypatch.setattr("budget_planner.engine.allocation.solve.optimise",
                        lambda *arguments: missing())
    result = runner.invoke(cli, ["allocate", str(plan), "--solver", "cbc"])
    assert result.exit_code == 2
    assert result.output == ("error: the CBC solver is not available; install pulp 3 "
                             "[solver-error]\n")
