"""The `budget-planner` command: parse options, call the library, render, set the exit code.

Exit codes: 0 all well, 1 findings (errors, or warnings with --strict), 2 invalid input.
Heavy libraries are imported inside the commands that use them, so `--help` starts at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .files import OutputError, write_atomic
from .loader import load_plan
from .model import AllocationResult, Plan, Problem

if TYPE_CHECKING:
    from .scenario import Scenario

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
    from .render import problems_text

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
    return plan


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to stdout, or atomically to `output` (and say where)."""
    if output is None:
        if isinstance(text, bytes):
            click.get_binary_stream("stdout").write(text)
        else:
            click.echo(text, nl=False)
        return
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


output_option = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
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
    from .reconcile import reconcile
    from .render import check_json, check_markdown, check_text, to_json

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
    from .render import show_csv, show_json, show_text, to_json

    loaded = read_plan(plan)
    views = {"text": show_text, "csv": show_csv, "json": lambda value: to_json(show_json(value))}
    emit(views[fmt](loaded), output)


# --- workbooks: build, import, diff; check and diff read a workbook as well as a plan ---------

def is_workbook_path(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in (".xlsx", ".xlsm")


def load_any(path: Path) -> tuple[Plan | None, list[Problem]]:
    """A plan file, or a workbook made by `build` (told apart by the .xlsx suffix)."""
    if is_workbook_path(path):
        from .workbook_import import load_workbook_plan

        return load_workbook_plan(path)
    return load_plan(path)


def check_workbook(path: Path) -> Any:
    """The Reconciliation of a workbook, with its overwritten totals among the findings."""
    from .workbook_import import reconcile_workbook

    result, problems = reconcile_workbook(path)
    if result is None:
        fail_invalid(problems)
    return result


def apply_scenarios(plan: Plan, paths: tuple[Path, ...]) -> tuple[Plan, list[Scenario]]:
    """The plan with each scenario applied in turn, and the scenarios; on any problem in any
    file, every problem, then exit 2."""
    from .scenario import apply_scenario, load_scenario

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
    from .allocation import AllocationError, allocate

    try:
        return allocate(plan, solver=solver)
    except AllocationError as error:
        fail_invalid([str(error)])


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
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Workbook to write (atomically). Default: output/<plan-name>.xlsx.")
def build(plan: Path | None, scenarios: tuple[Path, ...], output: Path | None) -> None:
    """Build the Excel budget workbook: Summary, one sheet per period, Allocation, Sources,
    Findings and About, with live formulas for every total.

    The same plan always gives a byte-identical file (set SOURCE_DATE_EPOCH to date it).
    """
    from .workbook import BuildInfo, WorkbookError, build_workbook

    loaded = read_plan(plan)
    files = loaded.files
    loaded, _ = apply_scenarios(loaded, scenarios)
    info = BuildInfo(plan_files=files, scenario_files=tuple(str(path) for path in scenarios))
    try:
        data = build_workbook(loaded, solve(loaded), info=info)
    except WorkbookError as error:  # nothing is written: no traceback
        fail_invalid([str(error)])
    emit(data, output or default_output(loaded, ".xlsx"))


@cli.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@output_option
def import_workbook(workbook: Path, output: Path | None) -> None:
    """Read a workbook made by `build`, perhaps edited (amounts, marks, notes, lines added or
    removed, stated totals), back into a plan file."""
    from .plan_writer import plan_toml
    from .workbook_import import read_workbook

    if not is_workbook_path(workbook):
        fail_invalid([f"{workbook}: expected an Excel workbook (.xlsx) made by "
                      "budget-planner build"])
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
    from .diff import diff_json, diff_plans, diff_text
    from .render import to_json

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
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True,
              help="Linear programming solver; both give the same cents.")
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
    from .allocation_views import allocation_csv, allocation_json, allocation_text
    from .render import to_json

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
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Report to write (atomically). Default: output/<plan-name>.html or .md.")
def report(plan: Path | None, scenarios: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Write the report to hand over before reporting: totals and findings, the funding table,
    allocation by source per period (chart), gaps with reasons, source utilisation.

    HTML is one self-contained file (inline CSS and SVG), readable on screen and in print.
    """
    from .reconcile import reconcile
    from .reports import build_report, render_html, render_markdown

    loaded, applied = apply_scenarios(read_plan(plan), scenarios)
    result = build_report(loaded, reconcile(loaded), solve(loaded),
                          [scenario.name for scenario in applied])
    text = render_html(result) if fmt == "html" else render_markdown(result)
    emit(text, output or default_output(loaded, ".html" if fmt == "html" else ".md"))


def main() -> None:
    cli(prog_name="budget-planner")
