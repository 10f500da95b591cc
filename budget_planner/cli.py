"""The `budget-planner` command: parse options, call the library, render, set the exit code.

Exit codes: 0 all well, 1 findings (errors, or warnings with --strict), 2 invalid input.
Heavy libraries are imported inside the commands that use them, so `--help` starts at once.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .core.files import OutputError, write_atomic
from .planfile.loader import load_plan
from .core.model import AllocationResult, Plan, Problem

if TYPE_CHECKING:
    from .engine.scenario import Scenario

SHIPPED_PLAN = "plans/bsr-stars-programme-c.toml"
EXIT_FINDINGS = 1
EXIT_INVALID = 2


def default_plan() -> Path:
    """The shipped seed plan: in the current folder if there is one, else beside the package."""
    here = Path(SHIPPED_PLAN)
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / SHIPPED_PLAN


def fail_invalid(problems: list[Problem] | list[str]) -> NoReturn:
    """Print every problem (`file:line: field: message`) to stderr and exit 2."""
    from .views.render import problems_text

    if problems and isinstance(problems[0], Problem):
        click.echo(problems_text(problems), err=True)  # type: ignore[arg-type]
    else:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
    sys.exit(EXIT_INVALID)


def read_plan(path: Path | None) -> Plan:
    plan, problems = load_plan(path or default_plan())
    if plan is None:
        fail_invalid(problems)
    note_inputs(*plan.files)
    return plan


_INPUTS = "budget_planner.inputs"


def note_inputs(*paths: Path | str) -> None:
    """Remember the files this command reads, so that its output never replaces one of them."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta.setdefault(_INPUTS, []).extend(Path(path) for path in paths)


def _input_at(output: Path) -> Path | None:
    context = click.get_current_context(silent=True)
    for path in [] if context is None else context.meta.get(_INPUTS, []):
        try:
            if os.path.samefile(path, output):
                return path
        except OSError:
            continue
    return None


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to stdout, or atomically to `output` (and say where)."""
    if output is None:
        if isinstance(text, bytes):
            click.get_binary_stream("stdout").write(text)
        else:
            click.echo(text, nl=False)
        return
    clash = _input_at(output)
    if clash is not None:
        fail_invalid([f"{output}: is the input file {clash}; writing the output there would "
                      "replace it (choose another output file)"])
    try:
        write_atomic(output, text)
    except OutputError as error:
        fail_invalid([str(error)])
    click.echo(f"wrote {output}", err=True)


def plan_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("plan", required=False, type=click.Path(path_type=Path))(command)


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


class OutputPath(click.Path):
    """An output file name: one ending in a separator names a folder, which `Path` would hide
    (`notes.txt/` would replace `notes.txt`), so it is refused here."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.endswith(os.sep):
            self.fail(f"{value!r} ends with {os.sep!r}, so it names a folder; give the name of "
                      "a file", param, ctx)
        return super().convert(value, param, ctx)


output_option = click.option("-o", "--output", type=OutputPath(), default=None,
                             help="Write to this file (atomically) instead of standard output.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budget-planner")
def cli() -> None:
    """Programme budgets: plan files in; reconciled totals, co-financing and reports out.

    PLAN defaults to the shipped BSR Stars Subprogramme C plan.
    """


@cli.command()
@plan_argument
@format_option("text", "json", "markdown")
@output_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def check(plan: Path | None, fmt: str, output: Path | None, strict: bool) -> None:
    """Reconcile lines with period and programme totals; list every finding.

    Exit 0 when no error is found, 1 when one is (with --strict, a warning too),
    2 when the plan is invalid. PLAN may be a workbook made by `build` (.xlsx): a total whose
    formula was overwritten by a typed number is then an error too.
    """
    from .engine.reconcile import reconcile
    from .views.render import check_json, check_markdown, check_text, to_json

    result = check_workbook(plan) if is_workbook_path(plan) else reconcile(read_plan(plan))
    views = {"text": check_text, "markdown": check_markdown,
             "json": lambda value: to_json(check_json(value))}
    emit(views[fmt](result), output)
    sys.exit(EXIT_FINDINGS if result.failed(strict) else 0)


@cli.command()
@plan_argument
@format_option("text", "json", "csv")
@output_option
def show(plan: Path | None, fmt: str, output: Path | None) -> None:
    """Show the plan as the programme's financing table: lines, amounts, funding marks."""
    from .views.render import show_csv, show_json, show_text, to_json

    loaded = read_plan(plan)
    views = {"text": show_text, "csv": show_csv, "json": lambda value: to_json(show_json(value))}
    emit(views[fmt](loaded), output)


# --- workbooks: build, import, diff; check and diff read a workbook as well as a plan ---------

def is_workbook_path(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in (".xlsx", ".xlsm")


def load_any(path: Path) -> tuple[Plan | None, list[Problem]]:
    """A plan file, or a workbook made by `build` (told apart by the .xlsx suffix)."""
    note_inputs(path)
    if is_workbook_path(path):
        from .xlsx.reader import load_workbook_plan

        return load_workbook_plan(path)
    return load_plan(path)


def check_workbook(path: Path) -> Any:
    """The Reconciliation of a workbook, with its overwritten totals among the findings."""
    from .xlsx.reader import reconcile_workbook

    note_inputs(path)
    result, problems = reconcile_workbook(path)
    if result is None:
        fail_invalid(problems)
    return result


def apply_scenarios(plan: Plan, paths: tuple[Path, ...]) -> tuple[Plan, list[Scenario]]:
    """The plan with each scenario applied in turn, and the scenarios; on any problem in any
    file, every problem, then exit 2."""
    from .engine.scenario import apply_scenario, load_scenario

    note_inputs(*paths)
    problems: list[Problem] = []
    applied = []
    for path in paths:
        scenario, found = load_scenario(path, plan)
        problems += found
        if scenario is not None and not problems:
            plan = apply_scenario(plan, scenario)
            applied.append(scenario)
    if problems:
        fail_invalid(problems)
    return plan, applied


def solve(plan: Plan, solver: str = "highs") -> AllocationResult:
    """The allocation; a missing or failing solver exits 2 without a traceback."""
    from .engine.allocation import AllocationError, allocate

    try:
        return allocate(plan, solver=solver)
    except AllocationError as error:
        fail_invalid([str(error)])


solver_option = click.option(
    "--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True,
    help="Linear programming solver; both give the same cents.")
scenario_option = click.option(
    "--scenario", "scenarios", multiple=True, type=click.Path(path_type=Path),
    help="Lay a scenario file over the plan (repeatable, applied in order).")


def default_output(plan: Plan, suffix: str) -> Path:
    """`output/<plan-name><suffix>`, creating the folder when it is missing."""
    output = Path("output") / f"{plan.name}{suffix}"
    try:
        output.parent.mkdir(exist_ok=True)
    except OSError as error:
        fail_invalid([f"{output.parent}: cannot create the output folder: {error.strerror}"])
    return output


@cli.command()
@plan_argument
@scenario_option
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Workbook to write (atomically). Default: output/<plan-name>.xlsx.")
def build(plan: Path | None, scenarios: tuple[Path, ...], output: Path | None) -> None:
    """Build the Excel budget workbook: Summary, one sheet per period, Allocation, Sources,
    Findings and About, with live formulas for every total.

    The same plan always gives a byte-identical file (set SOURCE_DATE_EPOCH to date it).
    """
    from .xlsx.workbook import BuildInfo, WorkbookError, build_workbook

    loaded = read_plan(plan)
    files = loaded.files
    loaded, _ = apply_scenarios(loaded, scenarios)
    info = BuildInfo(plan_files=files, scenario_files=tuple(str(path) for path in scenarios))
    allocation = solve(loaded)
    for conflict in allocation.conflicts:  # the workbook lists them too; do not let them pass
        click.echo(f"warning: conflicting funding rules, nothing is allocated: {conflict}",
                   err=True)
    try:
        data = build_workbook(loaded, allocation, info=info)
    except WorkbookError as error:  # nothing is written: no traceback
        fail_invalid([str(error)])
    emit(data, output or default_output(loaded, ".xlsx"))


@cli.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@output_option
def import_workbook(workbook: Path, output: Path | None) -> None:
    """Read a workbook made by `build`, perhaps edited (amounts, marks, notes, lines added or
    removed, stated totals), back into a plan file."""
    from .planfile.writer import plan_toml
    from .xlsx.reader import read_workbook

    if not is_workbook_path(workbook):
        fail_invalid([f"{workbook}: expected an Excel workbook (.xlsx) made by "
                      "budget-planner build"])
    note_inputs(workbook)
    read = read_workbook(workbook)
    if read.plan is None:
        fail_invalid(list(read.problems))
    for finding in read.findings:
        click.echo(f"warning: {finding.message} [{finding.code}]", err=True)
    emit(plan_toml(read.plan, comment=f"Imported by budget-planner {__version__} from the "
                                      f"workbook {workbook.name}."), output)


@cli.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@format_option("text", "json")
@output_option
def diff(a: Path, b: Path, fmt: str, output: Path | None) -> None:
    """Compare two plans or workbooks: lines added, removed and changed (amount, marks),
    period and programme total changes.

    Exit 0 when A and B hold the same plan, 1 when they differ, 2 when either is invalid.
    """
    from .engine.diff import diff_json, diff_plans, diff_text
    from .views.render import to_json

    old, old_problems = load_any(a)
    new, new_problems = load_any(b)
    if old is None or new is None:
        fail_invalid(old_problems + new_problems)
    result = diff_plans(old, new, a_name=str(a), b_name=str(b))
    views = {"text": diff_text, "json": lambda value: to_json(diff_json(value))}
    emit(views[fmt](result), output)
    sys.exit(0 if result.equal else EXIT_FINDINGS)


@cli.command()
@plan_argument
@scenario_option
@solver_option
@format_option("text", "json", "csv")
@output_option
@click.option("--strict", is_flag=True, help="Exit 1 when any line is left with a gap.")
def allocate(plan: Path | None, scenarios: tuple[Path, ...], solver: str, fmt: str,
             output: Path | None, strict: bool) -> None:
    """Split each line's cost over its eligible funding sources under the funding rules:
    a funding matrix per period, gaps with their reasons, source caps and shadow prices.

    Exit 0 when solved, 1 when the rules conflict (or, with --strict, a gap is left),
    2 when the plan or a scenario is invalid.
    """
    from .views.allocation import allocation_csv, allocation_json, allocation_text
    from .views.render import to_json

    loaded, applied = apply_scenarios(read_plan(plan), scenarios)
    result = solve(loaded, solver)
    views = {"text": lambda value: allocation_text(value, loaded, applied),
             "json": lambda value: to_json(allocation_json(value)), "csv": allocation_csv}
    if fmt == "csv":
        for note in result.notes:
            click.echo(f"{note.severity}: {note.period}/{note.line}: {note.message}", err=True)
        for conflict in result.conflicts:
            click.echo(f"conflict: {conflict}", err=True)
    emit(views[fmt](result), output)
    failed = result.status == "infeasible" or (strict and bool(result.gaps))
    sys.exit(EXIT_FINDINGS if failed else 0)


@cli.command()
@plan_argument
@scenario_option
@format_option("html", "markdown")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Report to write (atomically). Default: output/<plan-name>.html or .md.")
def report(plan: Path | None, scenarios: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Write the report to hand over before reporting: totals and findings, the funding table,
    allocation by source per period (chart), gaps with reasons, source utilisation.

    HTML is one self-contained file (inline CSS and SVG), readable on screen and in print.
    """
    from .engine.reconcile import reconcile
    from .views.reports import build_report, render_html, render_markdown

    base = read_plan(plan)
    loaded, applied = apply_scenarios(base, scenarios)
    names = [scenario.name for scenario in applied]
    if applied:  # the comparison's last step is the plan as the scenarios leave it
        comparison = compare_stacked(base, applied)
        last = comparison.runs[-1]
        result = build_report(last.plan, last.reconciliation, last.allocation, names, comparison)
    else:
        result = build_report(loaded, reconcile(loaded), solve(loaded), names)
    text = render_html(result) if fmt == "html" else render_markdown(result)
    emit(text, output or default_output(loaded, ".html" if fmt == "html" else ".md"))


# --- what-if runs and parameter sweeps ------------------------------------------------------

def compare_stacked(plan: Plan, applied: list[Scenario], solver: str = "highs") -> Any:
    """The baseline, then each scenario added in turn; a failing solver exits 2."""
    from .engine.allocation import AllocationError
    from .engine.whatif import stacked

    try:
        return stacked(plan, applied, solver=solver)
    except AllocationError as error:
        fail_invalid([str(error)])


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="[PLAN] SCENARIO...")
@click.option("--scenario", "base_scenarios", multiple=True, type=click.Path(path_type=Path),
              help="Lay a scenario over the baseline itself (repeatable, applied in order).")
@solver_option
@format_option("text", "json", "markdown", "html")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Write to this file (atomically); a name ending in .xlsx writes the "
                   "comparison workbook.")
def whatif(paths: tuple[Path, ...], base_scenarios: tuple[Path, ...], solver: str, fmt: str,
           output: Path | None) -> None:
    """Run the baseline and each scenario (reconcile and allocate) and show them side by side:
    funded and unfunded per period, allocation per source, binding caps, and each change
    against the baseline.

    PLAN may be left out (the shipped plan); a first file with a [programme] table is the plan.
    Exit 0 when every run is solved and reconciles, 1 when a run's rules conflict or its
    totals do not reconcile, 2 when a file is invalid.
    """
    from .engine.allocation import AllocationError
    from .views.render import to_json
    from .engine.scenario import load_scenario
    from .engine.whatif import looks_like_plan, render_whatif, whatif_json, whatif_text
    from .engine.whatif import whatif as compare_each

    plan_path = paths[0] if looks_like_plan(paths[0]) else None
    scenario_paths = paths[1:] if plan_path is not None else paths
    if not scenario_paths:
        fail_invalid(["whatif needs at least one scenario file after the plan"])
    try:
        base, layers = apply_scenarios(read_plan(plan_path), base_scenarios)
        note_inputs(*scenario_paths)
        problems: list[Problem] = []
        loaded = []
        for path in scenario_paths:
            scenario, found = load_scenario(path, base)
            problems += found
            if scenario is not None:
                loaded.append(scenario)
        if problems:
            fail_invalid(problems)
        comparison = compare_each(base, loaded, base=layers, solver=solver)
    except AllocationError as error:
        fail_invalid([str(error)])
    if output is not None and output.suffix.lower() == ".xlsx":
        from .xlsx.comparison import build_comparison_workbook
        from .xlsx.workbook import WorkbookError

        try:
            emit(build_comparison_workbook(comparison), output)
        except WorkbookError as error:
            fail_invalid([str(error)])
    else:
        views: dict[str, Callable[[Any], str]] = {
            "text": whatif_text, "json": lambda value: to_json(whatif_json(value)),
            "markdown": lambda value: render_whatif(value, "markdown"),
            "html": lambda value: render_whatif(value, "html")}
        emit(views[fmt](comparison), output)
    sys.exit(EXIT_FINDINGS if comparison.failed else 0)


@cli.command()
@plan_argument
@click.option("--vary", "varies", multiple=True, required=True, metavar="PARAM=START:STOP:STEP",
              help="A rule to vary, one or two times: cap.SOURCE[/PERIOD] (money) or "
                   "min.SOURCE[/PERIOD[/LINE]], max.SOURCE[/PERIOD[/LINE]] (percent), "
                   "e.g. cap.EC/2014-2020=0:26_400_000:100_000 or min.NATIONAL=0%:50%:5%.")
@scenario_option
@solver_option
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes. Default: one per core.")
@format_option("text", "json")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="CSV of every point (atomically). Default: output/<plan-name>-sweep.csv.")
@click.option("--chart", type=OutputPath(), default=None,
              help="Chart to write, .svg or .png. Default: output/<plan-name>-sweep.svg.")
def sweep(plan: Path | None, varies: tuple[str, ...], scenarios: tuple[Path, ...], solver: str,
          jobs: int | None, fmt: str, output: Path | None, chart: Path | None) -> None:
    """Solve the allocation at every point of a grid of one or two rule values and report the
    break-even points: the smallest value at which each period's gap reaches zero.

    Writes a CSV of every point and a chart (a line chart for one parameter, a heatmap for
    two); prints the break-even points. Exit 0, or 2 when an input is invalid.
    """
    import time

    from .engine.allocation import AllocationError
    from .views.render import to_json
    from .engine.sweep import parse_vary, run_sweep, sweep_csv, sweep_json, sweep_text, workers
    from .views.sweep_chart import sweep_chart

    loaded, _ = apply_scenarios(read_plan(plan), scenarios)
    problems: list[Problem] = []
    axes = []
    for text in varies:
        axis, found = parse_vary(text, loaded)
        problems += found
        if axis is not None:
            axes.append(axis)
    if len(varies) > 2:
        problems.append(Problem("--vary", "", "vary-too-many", "vary one or two parameters"))
    names = [axis.parameter.name for axis in axes]
    if len(set(names)) != len(names):
        problems.append(Problem("--vary", names[0], "vary-twice", "the same parameter twice"))
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        problems.append(Problem("--chart", str(chart), "chart-format",
                                "write the chart as .svg or .png"))
    if problems:
        fail_invalid(problems)
    count = 1
    for axis in axes:
        count *= len(axis.values)
    processes = workers(count, jobs)
    started = time.perf_counter()
    try:
        with click.progressbar(length=count, label=f"Solving {count:,} points",
                               file=sys.stderr) as bar:
            result = run_sweep(loaded, axes, solver=solver, jobs=jobs, progress=bar.update)
    except AllocationError as error:
        fail_invalid([str(error)])
    click.echo(f"solved {count:,} points in {time.perf_counter() - started:.1f} s "
               f"({processes} process{'es' if processes > 1 else ''})", err=True)
    chart = chart or default_output(loaded, "-sweep.svg")
    emit(sweep_csv(result), output or default_output(loaded, "-sweep.csv"))
    emit(sweep_chart(result, "png" if chart.suffix.lower() == ".png" else "svg"), chart)
    views = {"text": sweep_text, "json": lambda value: to_json(sweep_json(value))}
    emit(views[fmt](result), None)


def main() -> None:
    # A command builds large acyclic structures (a plan's lines, an allocation, a workbook's
    # cells) and exits. The cyclic garbage collector would scan them again and again as they
    # grow, a third of the time on a big plan, and find nothing to free: reference counting
    # frees them. (Sweep workers are processes of their own and keep the collector.)
    gc.disable()
    cli(prog_name="budget-planner")
