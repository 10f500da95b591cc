"""The commands as library calls: one function per `budget-planner` command, returning values.

Each function does the whole of its command's work (read the plan, lay scenarios over it,
solve, compare) and returns a result that a caller renders; nothing here prints or writes a
file. `cli` parses options, calls one of these, renders the result with a view and sets the
exit code. Input files that cannot be used raise `InvalidInput` with every problem found; a
request that cannot run as asked raises `InvalidRequest`. Every result names the files it read
(`inputs`), so that an output never replaces one of them.

Layers: this module sits on the views and workbooks, below `cli` and `serve` (the what-if
page, whose downloads are these commands' outputs).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .core.model import AllocationResult, Finding, InvalidInput, InvalidRequest, Plan, Problem
from .engine.reconcile import Reconciliation, reconcile
from .engine.scenario import Applied, Scenario, apply_scenarios, load_scenario
from .planfile.loader import load_plan

if TYPE_CHECKING:
    from .engine.actuals import Progress as Spending
    from .engine.diff import PlanDiff
    from .engine.phasing import Phasing
    from .engine.phasing_sweep import ClaimSweep
    from .engine.sweep import Sweep
    from .engine.whatif import Comparison
    from .views.reports import Report
    from .xlsx.workbook import BuildInfo

__all__ = ["InvalidInput", "InvalidRequest", "allocate", "build", "check", "default_plan",
           "diff", "import_workbook", "init", "phasing", "progress", "report", "show",
           "sweep", "whatif"]

P = ParamSpec("P")
R = TypeVar("R")


def default_plan() -> Path:
    """The plan read when none is named: plan.toml here, else plans/bsr-stars-programme-c.toml
    here, else the shipped seed plan (see `planfile.defaults`; the command line also says when
    it is the shipped one)."""
    from .planfile.defaults import default_plan as found

    return found().path


def _solver_refusals(command: Callable[P, R]) -> Callable[P, R]:
    """A solver that cannot run as asked (CBC missing, amounts beyond what it keeps to the
    cent) is a problem with the request, not a crash. Any other failure of the solver is an
    internal error, for the command line to report as one."""
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from .engine.allocation import SolverRefusal

        try:
            return command(*args, **kwargs)
        except SolverRefusal as error:
            raise InvalidRequest(Problem("", "", "solver-error", str(error))) from error

    return run


# --- reading ---------------------------------------------------------------------------------

def read_plan(path: Path | str | None) -> Plan:
    """The plan at `path` (the default plan when None)."""
    plan, problems = load_plan(path or default_plan())
    if plan is None:
        raise InvalidInput(problems)
    return plan


def lay_over(plan: Plan, scenarios: Sequence[Path | str]) -> Applied:
    """The plan with each scenario file laid over it in turn."""
    applied, problems = apply_scenarios(plan, scenarios)
    if applied is None:
        raise InvalidInput(problems)
    return applied


def is_workbook_path(path: Path | str | None) -> bool:
    return path is not None and Path(path).suffix.lower() in (".xlsx", ".xlsm")


def _load_any(path: Path) -> tuple[Plan | None, list[Problem]]:
    """A plan file, or a workbook made by `build` (told apart by the .xlsx suffix)."""
    if is_workbook_path(path):
        from .xlsx.reader import load_workbook_plan

        return load_workbook_plan(path)
    return load_plan(path)


def _solve(plan: Plan, solver: str = "highs") -> AllocationResult:
    from .engine.allocation import allocate as allocate_plan

    return allocate_plan(plan, solver=solver)


# --- the commands ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Checked:
    reconciliation: Reconciliation
    inputs: tuple[str, ...]


@_solver_refusals
def check(path: Path | None = None, actuals: Sequence[Path] = (),
          as_of: str | None = None) -> Checked:
    """The reconciliation of a plan, or of a workbook made by `build` (.xlsx), whose totals
    overwritten by typed numbers are findings too; with actuals (given, or listed in the
    plan), the findings of `progress` as well."""
    import dataclasses

    if path is not None and is_workbook_path(path):
        from .xlsx.reader import reconcile_workbook

        result, problems = reconcile_workbook(path)
        if result is None:
            raise InvalidInput(problems)
        plan, inputs = (_load_any(path)[0] if actuals else None), (str(path),)
        allocation = None
    else:
        plan = read_plan(path)
        claims = _claims(plan, actuals, as_of) if plan.commitments else Claims()
        allocation = _solve(plan) if plan.commitments else None
        result, inputs = _reconciled(plan, allocation, claims), plan.files
    spending, files = _spending(plan, actuals, as_of, allocation=allocation) \
        if plan is not None else (None, ())
    if spending is not None:
        result = dataclasses.replace(result, findings=result.findings + spending.findings)
    return Checked(result, (*inputs, *files))


def _reconciled(plan: Plan, allocation: AllocationResult | None = None,
                claims: Claims | None = None) -> Reconciliation:
    """The plan's reconciliation with the allocation's findings about its caps and, when the
    plan has commitments, the N+n check of its allocation (solved here when not given) at the
    date and with the validated claims of `claims`, as `check` shows it."""
    from .engine.allocation import funding_findings
    from .engine.phasing import decommitment_findings

    found = funding_findings(plan)
    if plan.commitments:
        claims = claims or Claims()
        found += decommitment_findings(plan, allocation or _solve(plan), as_of=claims.as_of,
                                       claimed=claims.claimed)
    return reconcile(plan, funding=found)


@dataclass(frozen=True, slots=True)
class Claims:
    """What the N+n check counts as claimed: the date and the validated claims by (source,
    year) of the actuals files (None: no actuals, the forecast stands), and those files."""

    as_of: date | None = None
    claimed: dict[tuple[str, int], Decimal] | None = None
    files: tuple[str, ...] = ()


def _claims(plan: Plan, actuals: Sequence[Path], as_of: str | None) -> Claims:
    """The date and validated claims of the actuals files (given, else listed in the plan);
    without any, the date given or the plan's `[reporting] as_of`."""
    from .core.money import MoneyError
    from .engine.actuals import reporting_date
    from .engine.phasing import validated_claims
    from .planfile.reporting import actuals_paths, parse_date
    from .xlsx.actuals import read_actuals

    given = None
    if as_of is not None:
        try:
            given = parse_date(as_of)
        except MoneyError as error:
            raise InvalidInput([Problem("--as-of", "", error.code, error.message)]) from error
    paths = tuple(actuals) or actuals_paths(plan)
    if not paths:
        return Claims(given or plan.reporting.as_of)
    rows, problems = read_actuals(paths, plan)
    if rows is None:
        raise InvalidInput(problems)
    day, _ = reporting_date(plan, rows, given, plan.reporting)
    return Claims(day, validated_claims(rows, day), tuple(str(path) for path in paths))


@dataclass(frozen=True, slots=True)
class Shown:
    plan: Plan
    inputs: tuple[str, ...]


def show(path: Path | None = None) -> Shown:
    """The plan, as read."""
    plan = read_plan(path)
    return Shown(plan, plan.files)


@dataclass(frozen=True, slots=True)
class Allocated:
    """The plan as the scenarios leave it, the scenarios, and its allocation."""

    plan: Plan
    scenarios: tuple[Scenario, ...]
    allocation: AllocationResult
    inputs: tuple[str, ...]


@_solver_refusals
def allocate(path: Path | None = None, scenarios: Sequence[Path] = (), *,
             solver: str = "highs") -> Allocated:
    """The co-financing split of the plan with the scenarios laid over it."""
    applied = lay_over(read_plan(path), scenarios)
    return Allocated(applied.plan, applied.scenarios, _solve(applied.plan, solver),
                     applied.plan.files)


@dataclass(frozen=True, slots=True)
class Built:
    """What the workbook shows: the plan as the scenarios leave it, its allocation (perhaps
    with conflicts) and the files it came from."""

    plan: Plan
    allocation: AllocationResult
    info: BuildInfo
    inputs: tuple[str, ...]
    #: With actuals: spending against the plan, for the Progress sheet.
    progress: Spending | None = None
    #: The plan by year with its N+n check at the actuals' date (None: no commitments).
    phased: Phasing | None = None


@_solver_refusals
def build(path: Path | None = None, scenarios: Sequence[Path] = (),
          actuals: Sequence[Path] = (), as_of: str | None = None) -> Built:
    """The figures of the workbook for the plan with the scenarios laid over it (and its
    spending, with actuals)."""
    from .xlsx.workbook import BuildInfo

    plan = read_plan(path)
    applied = lay_over(plan, scenarios)
    info = BuildInfo(plan_files=plan.files, scenario_files=tuple(str(path) for path in scenarios))
    allocation = _solve(applied.plan)
    spending, files = _spending(applied.plan, actuals, as_of, allocation=allocation)
    claims = _claims(applied.plan, actuals, as_of) if applied.plan.commitments else None
    return Built(applied.plan, allocation, info,
                 tuple(dict.fromkeys((*applied.plan.files, *files))), spending,
                 _phased(applied.plan, allocation, claims))


def _phased(plan: Plan, allocation: AllocationResult, claims: Claims | None) -> Phasing | None:
    """The plan by year with the N+n check at the date and with the validated claims of
    `claims`; None without them (a plan without commitments needs no date)."""
    from .engine.phasing import phasing as by_year

    if claims is None:
        return None
    return by_year(plan, allocation, as_of=claims.as_of, claimed=claims.claimed)


@dataclass(frozen=True, slots=True)
class Reported:
    """The report's figures, and the plan as the scenarios leave it."""

    report: Report
    plan: Plan
    inputs: tuple[str, ...]


@_solver_refusals
def report(path: Path | None = None, scenarios: Sequence[Path] = (),
           actuals: Sequence[Path] = (), as_of: str | None = None) -> Reported:
    """The report of the plan; with scenarios, of the plan as they leave it, with each step
    of laying them over compared; with actuals, its spending too."""
    import dataclasses

    from .engine.whatif import stacked
    from .views.reports import build_report

    base = read_plan(path)
    applied = lay_over(base, scenarios)
    names = [scenario.name for scenario in applied.scenarios]
    comparison = None
    if applied.scenarios:  # the comparison's last step is the plan as the scenarios leave it
        comparison = stacked(base, applied.scenarios)
        allocation = comparison.runs[-1].allocation
    else:
        allocation = _solve(applied.plan)
    plan = applied.plan
    claims = _claims(plan, actuals, as_of) if plan.commitments else None
    result = build_report(plan, _reconciled(plan, allocation, claims), allocation, names,
                          comparison, phased=_phased(plan, allocation, claims))
    spending, files = _spending(result.plan, actuals, as_of, allocation=result.allocation)
    if spending is not None:
        result = dataclasses.replace(result, progress=spending)
    return Reported(result, applied.plan, (*applied.plan.files, *files))


@dataclass(frozen=True, slots=True)
class Progressed:
    """Spending against the plan, and the plan."""

    progress: Spending
    plan: Plan
    inputs: tuple[str, ...]


@_solver_refusals
def progress(path: Path | None = None, actuals: Sequence[Path] = (),
             as_of: str | None = None) -> Progressed:
    """The plan's spending at a date, from its actuals files (given, else those the plan's
    `[reporting]` lists)."""
    plan = read_plan(path)
    spending, files = _spending(plan, actuals, as_of, required=True)
    assert spending is not None
    return Progressed(spending, plan, (*plan.files, *files))


def _spending(plan: Plan, actuals: Sequence[Path], as_of: str | None, *,
              allocation: AllocationResult | None = None,
              required: bool = False) -> tuple[Spending | None, tuple[str, ...]]:
    """Progress against the actuals files (given, else listed in the plan) and the files;
    None when there are none and none are required."""
    from .core.money import MoneyError
    from .planfile.reporting import actuals_paths, parse_date
    from .xlsx.actuals import progress_of, read_actuals

    problems: list[Problem] = []
    date = None
    if as_of is not None:
        try:
            date = parse_date(as_of)
        except MoneyError as error:
            problems.append(Problem("--as-of", "", error.code, error.message))
    paths = tuple(actuals) or actuals_paths(plan)
    if not paths:
        if required:
            problems.append(Problem(plan.files[0] if plan.files else plan.name,
                                    "reporting.actuals", "no-actuals",
                                    "no actuals files: give --actuals FILE or list them in the "
                                    "plan's [reporting] actuals"))
        if problems:
            raise InvalidInput(problems)
        return None, ()
    if problems:  # a bad --as-of: say what else is wrong too
        raise InvalidInput(problems + read_actuals(paths, plan)[1])
    spending, problems = progress_of(plan, paths, as_of=date, allocation=allocation)
    if spending is None:
        raise InvalidInput(problems)
    return spending, tuple(str(path) for path in paths)


@dataclass(frozen=True, slots=True)
class Phased:
    """The plan by year as the scenarios leave it, with the N+n check of its commitments."""

    phasing: Phasing
    plan: Plan
    inputs: tuple[str, ...]


@_solver_refusals
def phasing(path: Path | None = None, scenarios: Sequence[Path] = (),
            actuals: Sequence[Path] = (), as_of: str | None = None) -> Phased:
    """Money by year, each source's forecast claims and the N+n tables. The date (`as_of`,
    else the plan's, else the actuals' latest) closes the years that ended by then, whose
    claims are the validated actuals (given, else listed in the plan)."""
    from .engine.phasing import phasing as by_year

    applied = lay_over(read_plan(path), scenarios)
    claims = _claims(applied.plan, actuals, as_of)
    return Phased(by_year(applied.plan, _solve(applied.plan), as_of=claims.as_of,
                          claimed=claims.claimed), applied.plan,
                  (*applied.plan.files, *claims.files))


@dataclass(frozen=True, slots=True)
class Compared:
    comparison: Comparison
    inputs: tuple[str, ...]


@_solver_refusals
def whatif(paths: Sequence[Path], base_scenarios: Sequence[Path] = (), *,
           solver: str = "highs") -> Compared:
    """The baseline and each scenario laid over it alone, side by side. The first of `paths`
    is the plan if it looks like one (it has a [programme] table), else the shipped plan is."""
    from .engine.whatif import looks_like_plan
    from .engine.whatif import whatif as compare_each

    plan_path = paths[0] if paths and looks_like_plan(paths[0]) else None
    scenario_paths = paths[1:] if plan_path is not None else paths
    if not scenario_paths:
        raise InvalidRequest(Problem("", "", "missing-scenario",
                                     "whatif needs at least one scenario file after the plan"))
    base = lay_over(read_plan(plan_path), base_scenarios)
    problems: list[Problem] = []
    loaded = []
    for path in scenario_paths:
        scenario, found = load_scenario(path, base.plan)
        problems += found
        if scenario is not None:
            loaded.append(scenario)
    if problems:
        raise InvalidInput(problems)
    comparison = compare_each(base.plan, loaded, base=base.scenarios, solver=solver)
    return Compared(comparison, (*base.plan.files, *map(str, scenario_paths)))


#: progress(points) gives a context whose value is told `update(n)` as n more points are solved.
Progress = Callable[[int], AbstractContextManager[Any]]


class _Silent:
    def update(self, points: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Swept:
    #: A sweep of funding rules, or (`--vary claim.SOURCE/YEAR`) of one year's claim.
    sweep: Sweep | ClaimSweep
    plan: Plan
    points: int
    processes: int
    seconds: float
    inputs: tuple[str, ...]


@_solver_refusals
def sweep(path: Path | None, varies: Sequence[str], scenarios: Sequence[Path] = (), *,
          solver: str = "highs", jobs: int | None = None, chart: Path | None = None,
          progress: Progress | None = None) -> Swept:
    """The allocation at every point of a grid of one or two rule values (`--vary` texts),
    and the break-even points; or, for `claim.SOURCE/YEAR` alone, what is at risk of
    decommitment at each claim. `chart`, the chart's file if one is asked for, is checked with
    the other options so that every mistake is reported at once."""
    from .core.limits import SWEEP_POINTS
    from .engine.phasing_sweep import run_claim_sweep
    from .engine.sweep import grid_size, parse_vary, run_sweep, workers

    applied = lay_over(read_plan(path), scenarios)
    problems: list[Problem] = []
    axes = []
    for text in varies:
        axis, found = parse_vary(text, applied.plan)
        problems += found
        if axis is not None:
            axes.append(axis)
    if len(varies) > 2:
        problems.append(Problem("--vary", "", "vary-too-many", "vary one or two parameters"))
    names = [axis.parameter.name for axis in axes]
    if len(set(names)) != len(names):
        problems.append(Problem("--vary", names[0], "vary-twice", "the same parameter twice"))
    points = grid_size(axes)
    if points > SWEEP_POINTS:
        problems.append(Problem("--vary", "", "vary-too-many",
                                f"the values make {points:,} points; a sweep solves at most "
                                f"{SWEEP_POINTS:,}: take larger STEPs"))
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        problems.append(Problem("--chart", str(chart), "chart-format",
                                "write the chart as .svg or .png"))
    claims = [axis for axis in axes if axis.parameter.kind == "claim"]
    if claims and len(varies) > 1:
        problems.append(Problem("--vary", claims[0].parameter.name, "vary-claim-alone",
                                "a claim is swept alone, with no other parameter"))
    if problems:
        raise InvalidInput(problems)
    if claims:  # the allocation does not depend on a claim: one solve, one N+n table a point
        started = time.perf_counter()
        claimed = run_claim_sweep(applied.plan, claims[0], solver=solver)
        return Swept(claimed, applied.plan, len(claims[0].values), 1,
                     time.perf_counter() - started, applied.plan.files)
    started = time.perf_counter()
    with (progress or (lambda _: nullcontext(_Silent())))(points) as bar:
        result = run_sweep(applied.plan, axes, solver=solver, jobs=jobs, progress=bar.update)
    return Swept(result, applied.plan, points, workers(points, jobs),
                 time.perf_counter() - started, applied.plan.files)


@dataclass(frozen=True, slots=True)
class Diffed:
    diff: PlanDiff
    inputs: tuple[str, ...]


def diff(a: Path, b: Path) -> Diffed:
    """What changed from plan (or workbook) `a` to `b`."""
    from .engine.diff import diff_plans

    old, old_problems = _load_any(a)
    new, new_problems = _load_any(b)
    if old is None or new is None:
        raise InvalidInput(old_problems + new_problems)
    return Diffed(diff_plans(old, new, a_name=str(a), b_name=str(b)), (str(a), str(b)))


@dataclass(frozen=True, slots=True)
class Imported:
    """The plan a workbook holds, and what was noticed reading it (warnings)."""

    plan: Plan
    findings: tuple[Finding, ...]
    inputs: tuple[str, ...]


def import_workbook(path: Path) -> Imported:
    """The plan in a workbook made by `build`, perhaps edited."""
    from .xlsx.reader import read_workbook

    if not is_workbook_path(path):
        raise InvalidRequest(Problem(str(path), "", "not-a-workbook",
                                     "expected an Excel workbook (.xlsx) made by "
                                     "budget-planner build"))
    read = read_workbook(path)
    if read.plan is None:
        raise InvalidInput(read.problems)
    return Imported(read.plan, tuple(read.findings), (str(path),))


@dataclass(frozen=True, slots=True)
class Started:
    """The files a new budget folder was given."""

    written: tuple[Path, ...]


def init(folder: Path = Path(), *, from_seed: bool = False) -> Started:
    """A new budget folder: plan.toml (the starter plan, or the seed plan), an example
    scenario and output/; nothing is written when a file is in the way."""
    from .planfile.starter import start_folder

    written, problems = start_folder(folder, from_seed=from_seed)
    if problems:
        raise InvalidInput(problems)
    return Started(tuple(written))
