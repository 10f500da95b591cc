"""The `budget-planner` command: parse options, call the library, render, set the exit code.

Each command is one call into `api`, which returns values; the command renders them with a
view and writes them out. Exit codes: 0 all well, 1 findings (errors, or warnings with
--strict), 2 invalid input, 3 an internal error (a bug: please report it). Heavy libraries are
imported inside the commands that use them, so `--help` starts at once.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .core.version import __version__
from .core.files import distinct_outputs, write_all_atomic
from .core.model import InvalidInput, InvalidRequest, Plan, Problem
from .core.text import terminal_text

if TYPE_CHECKING:
    from .planfile.defaults import Input

EXIT_FINDINGS = 1
EXIT_INVALID = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
#: Set (to anything but 0) to see the traceback of an internal error instead of one line.
DEBUG_VARIABLE = "BUDGET_PLANNER_DEBUG"


def fail_invalid(problems: Sequence[Problem]) -> NoReturn:
    """Print every problem in the input files (`file:line: field: message [code]`) to stderr
    and exit 2."""
    from .views.render import problems_text

    click.echo(problems_text(problems), err=True)
    sys.exit(EXIT_INVALID)


def fail_request(problem: Problem) -> NoReturn:
    """Print a problem with the request itself (an output, an option, the solver) as one
    `error:` line and exit 2."""
    click.echo(f"error: {problem}", err=True)
    sys.exit(EXIT_INVALID)


def fail_internal(error: Exception) -> NoReturn:
    """A bug or a failing library: one line asking for a report, exit 3 (no traceback unless
    BUDGET_PLANNER_DEBUG is set)."""
    if os.environ.get(DEBUG_VARIABLE, "0") not in ("", "0"):
        raise error
    detail = terminal_text(" ".join(f"{type(error).__name__}: {error}".split()))
    click.echo(f"budget-planner: internal error ({detail}); please report it with the command "
               f"and plan (set {DEBUG_VARIABLE}=1 to see where it happened)", err=True)
    sys.exit(EXIT_INTERNAL)


def _input_at(output: Path, inputs: Sequence[str]) -> str | None:
    for path in inputs:
        try:
            if os.path.samefile(path, output):
                return path
        except OSError:
            continue
    return None


def emit(text: str | bytes, output: Path | None, inputs: Sequence[str] = ()) -> None:
    """Write to stdout, or atomically to `output` (and say where); never over one of the
    `inputs`, the files the command read."""
    if output is None:
        if isinstance(text, bytes):
            click.get_binary_stream("stdout").write(text)
        else:
            click.echo(text, nl=False)
        return
    emit_files([(text, output)], inputs)


def emit_files(outputs: Sequence[tuple[str | bytes, Path]], inputs: Sequence[str] = ()) -> None:
    """Write each output file of a command atomically, all of them or none (and say where);
    never over one of the `inputs`."""
    for _, output in outputs:
        clash = _input_at(output, inputs)
        if clash is not None:
            raise InvalidRequest(Problem(str(output), "", "output-is-input",
                                         f"is the input file {clash}; writing the output there "
                                         "would replace it (choose another output file)"))
    write_all_atomic([(output, text) for text, output in outputs])  # OutputError: InvalidRequest
    for _, output in outputs:
        click.echo(terminal_text(f"wrote {output}"), err=True)


def say_why_strict(reason: str | None) -> None:
    """Say on standard error what made --strict fail, so that exit 1 is never silent."""
    if reason is not None:
        click.echo(reason, err=True)


def default_output(plan: Plan, suffix: str, scenarios: Sequence[Path] = ()) -> Path:
    """`output/<plan-name>[--<scenario>...]<suffix>`, creating the folder when it is missing."""
    from .core.files import default_output as named

    output = named(plan.name, scenarios, suffix)
    try:
        output.parent.mkdir(exist_ok=True)
    except OSError as error:
        raise InvalidRequest(Problem(str(output.parent), "", "output-folder",
                                     f"cannot create the output folder: {error.strerror}"))
    return output


def check_output_name(output: Path | None, kind: str) -> None:
    """Refuse, before any work, an output whose name says another kind of file (a workbook
    named .csv, Markdown named .html)."""
    from .core.files import misnamed_output

    problem = None if output is None else misnamed_output(output, kind)
    if problem is not None:
        raise InvalidRequest(problem)


class Commands(click.Group):
    """The command group: what the library raises becomes a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidInput as error:
            fail_invalid(error.problems)
        except InvalidRequest as error:
            fail_request(error.problem)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C: stop quietly, as a shell expects (128 + SIGINT)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as error:  # noqa: BLE001 - anything else is a bug to report
            fail_internal(error)


# --- the files a command reads: as given, or the default plan, or a shipped file -------------

def said(found: Input) -> Path:
    """The input's path, once its notice (a shipped file is read) is on standard error."""
    if found.notice is not None:
        click.echo(found.notice, err=True)
    return found.path


class InputPath(click.Path):
    """A file to read: the path as given, or the shipped file that a path under plans/ names
    when the current folder has no such file (see `planfile.defaults`)."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .planfile.defaults import resolve

        return said(resolve(super().convert(value, param, ctx)))


def or_default_plan(ctx: click.Context, param: click.Parameter, plan: Path | None) -> Path:
    """PLAN, or when it is left out the default plan (see `planfile.defaults`)."""
    from .planfile.defaults import default_plan

    return plan if plan is not None else said(default_plan())


def plan_first(ctx: click.Context, param: click.Parameter,
               paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """whatif's [PLAN] SCENARIO...: the default plan first when the first file is no plan."""
    from .engine.whatif import looks_like_plan

    if paths and not looks_like_plan(paths[0]):
        return (or_default_plan(ctx, param, None), *paths)
    return paths


def plan_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("plan", required=False, type=InputPath(),
                          callback=or_default_plan)(command)


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
solver_option = click.option(
    "--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True,
    help="Linear programming solver; both give the same cents.")
scenario_option = click.option(
    "--scenario", "scenarios", multiple=True, type=InputPath(),
    help="Lay a scenario file over the plan (repeatable, applied in order).")


def actuals_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--actuals FILE` (repeatable) and `--as-of DATE`, which override the plan's
    `[reporting]` table."""
    command = click.option(
        "--as-of", "as_of", default=None, metavar="DATE",
        help="Report as of this date (YYYY-MM-DD). Default: the plan's [reporting] as_of, "
             "else the latest row's date.")(command)
    return click.option(
        "--actuals", "actuals", multiple=True, type=InputPath(),
        help="Actuals file, CSV or .xlsx (repeatable). Default: the plan's [reporting] "
             "actuals.")(command)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budget-planner")
def cli() -> None:
    """Programme budgets: plan files in; reconciled totals, co-financing and reports out.

    PLAN defaults to plan.toml in the current folder (`init` makes one), else
    plans/bsr-stars-programme-c.toml here, else the shipped BSR Stars Subprogramme C plan.
    """


@cli.command()
@plan_argument
@format_option("text", "json", "markdown")
@output_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@actuals_options
def check(plan: Path | None, fmt: str, output: Path | None, strict: bool,
          actuals: tuple[Path, ...], as_of: str | None) -> None:
    """Reconcile lines with period and programme totals; list every finding.

    Exit 0 when no error is found, 1 when one is (with --strict, a warning too),
    2 when the plan is invalid. PLAN may be a workbook made by `build` (.xlsx): a total whose
    formula was overwritten by a typed number is then an error too. With actuals (--actuals,
    or the plan's [reporting] actuals), the findings of `progress` are added.
    """
    from . import api
    from .views.render import check_json, check_markdown, check_text, strict_warnings_text
    from .views.render import to_json

    checked = api.check(plan, actuals, as_of)
    result = checked.reconciliation
    views = {"text": check_text, "markdown": check_markdown,
             "json": lambda value: to_json(check_json(value))}
    emit(views[fmt](result), output, checked.inputs)
    if strict and result.failed(strict):
        say_why_strict(strict_warnings_text(result.findings))
    sys.exit(EXIT_FINDINGS if result.failed(strict) else 0)


@cli.command()
@plan_argument
@format_option("text", "json", "csv")
@output_option
def show(plan: Path | None, fmt: str, output: Path | None) -> None:
    """Show the plan as the programme's financing table: lines, amounts, funding marks."""
    from . import api
    from .views.render import show_csv, show_json, show_text, to_json

    shown = api.show(plan)
    views = {"text": show_text, "csv": show_csv, "json": lambda value: to_json(show_json(value))}
    emit(views[fmt](shown.plan), output, shown.inputs)


# --- workbooks: build, import, diff; check and diff read a workbook as well as a plan ---------

@cli.command()
@plan_argument
@scenario_option
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Workbook to write (atomically). Default: output/<plan-name>.xlsx.")
@actuals_options
def build(plan: Path | None, scenarios: tuple[Path, ...], output: Path | None,
          actuals: tuple[Path, ...], as_of: str | None) -> None:
    """Build the Excel budget workbook: Summary, one sheet per period, Allocation, Sources,
    Findings and About, with live formulas for every total.

    The same plan always gives a byte-identical file (set SOURCE_DATE_EPOCH to date it).
    With actuals (--actuals, or the plan's [reporting] actuals) a Progress sheet is added.
    """
    from . import api
    from .views.dates import dated
    from .xlsx.progress import progress_sheets
    from .xlsx.workbook import build_workbook

    check_output_name(output, "xlsx")
    built = api.build(plan, scenarios, actuals, as_of)
    for conflict in built.allocation.conflicts:  # the workbook lists them too; do not let them pass
        click.echo(terminal_text(f"warning: conflicting funding rules, nothing is allocated: "
                                 f"{conflict}"), err=True)
    sheets = progress_sheets(built.progress) if built.progress is not None else ()
    data = dated(lambda: build_workbook(built.plan, built.allocation, info=built.info,
                                        sheets=sheets, phased=built.phased))
    emit(data, output or default_output(built.plan, ".xlsx", scenarios), built.inputs)


@cli.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@output_option
def import_workbook(workbook: Path, output: Path | None) -> None:
    """Read a workbook made by `build`, perhaps edited (amounts, marks, notes, lines added or
    removed, stated totals), back into a plan file."""
    from . import api
    from .planfile.writer import plan_toml

    imported = api.import_workbook(workbook)
    for finding in imported.findings:
        click.echo(terminal_text(f"warning: {finding.message} [{finding.code}]"), err=True)
    emit(plan_toml(imported.plan, comment=f"Imported by budget-planner {__version__} from the "
                                          f"workbook {workbook.name}."), output, imported.inputs)


@cli.command()
@click.argument("a", type=InputPath())
@click.argument("b", type=InputPath())
@format_option("text", "json")
@output_option
def diff(a: Path, b: Path, fmt: str, output: Path | None) -> None:
    """Compare two plans or workbooks: lines added, removed and changed (amount, marks),
    period and programme total changes.

    Exit 0 when A and B hold the same plan, 1 when they differ, 2 when either is invalid.
    """
    from . import api
    from .views.diff import diff_json, diff_text
    from .views.render import to_json

    diffed = api.diff(a, b)
    views = {"text": diff_text, "json": lambda value: to_json(diff_json(value))}
    emit(views[fmt](diffed.diff), output, diffed.inputs)
    sys.exit(0 if diffed.diff.equal else EXIT_FINDINGS)


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
    from . import api
    from .views.allocation import allocation_csv, allocation_json, allocation_text
    from .views.allocation import strict_gaps_text
    from .views.render import to_json

    allocated = api.allocate(plan, scenarios, solver=solver)
    result = allocated.allocation
    views = {"text": lambda value: allocation_text(value, allocated.plan,
                                                   list(allocated.scenarios)),
             "json": lambda value: to_json(allocation_json(value)),
             "csv": lambda value: allocation_csv(value, allocated.plan)}
    if fmt == "csv":
        for note in result.notes:
            click.echo(terminal_text(f"{note.severity}: {note.period}/{note.line}: "
                                     f"{note.message}"), err=True)
        for conflict in result.conflicts:
            click.echo(terminal_text(f"conflict: {conflict}"), err=True)
    emit(views[fmt](result), output, allocated.inputs)
    if strict and result.status != "infeasible":
        say_why_strict(strict_gaps_text(result))
    failed = result.status == "infeasible" or (strict and bool(result.gaps))
    sys.exit(EXIT_FINDINGS if failed else 0)


@cli.command()
@plan_argument
@scenario_option
@format_option("html", "markdown")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Report to write (atomically). Default: output/<plan-name>.html or .md.")
@actuals_options
def report(plan: Path | None, scenarios: tuple[Path, ...], fmt: str, output: Path | None,
           actuals: tuple[Path, ...], as_of: str | None) -> None:
    """Write the report to hand over before reporting: totals and findings, the funding table,
    allocation by source per period (chart), gaps with reasons, source utilisation.

    HTML is one self-contained file (inline CSS and SVG), readable on screen and in print.
    With actuals (--actuals, or the plan's [reporting] actuals) a Progress section is added.
    """
    from . import api
    from .views.dates import dated
    from .views.reports import render_html, render_markdown

    check_output_name(output, fmt)
    reported = api.report(plan, scenarios, actuals, as_of)
    text = dated(lambda: render_html(reported.report) if fmt == "html"
                 else render_markdown(reported.report))
    suffix = ".html" if fmt == "html" else ".md"
    emit(text, output or default_output(reported.plan, suffix, scenarios), reported.inputs)


@cli.command()
@plan_argument
@actuals_options
@format_option("text", "json", "csv", "markdown")
@output_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def progress(plan: Path | None, actuals: tuple[Path, ...], as_of: str | None, fmt: str,
             output: Path | None, strict: bool) -> None:
    """Spending against the plan: planned to date, actual, validated, variance, percent and
    remaining per line, period and programme; allocated, claimed and claimable per source;
    overspending, ineligible claims, underspend risk and duplicates as findings.

    Exit 0, 1 on an error finding (with --strict, a warning too), 2 on invalid input.
    """
    from . import api
    from .views.progress import (progress_csv, progress_json_text, progress_markdown,
                                 progress_text)
    from .views.render import strict_warnings_text

    check_output_name(output, fmt)
    progressed = api.progress(plan, actuals, as_of)
    result = progressed.progress
    views = {"text": progress_text, "markdown": progress_markdown, "csv": progress_csv,
             "json": progress_json_text}
    if fmt == "csv":
        for finding in result.findings:
            click.echo(f"{finding.severity}: {finding.code}: {finding.message}", err=True)
    emit(views[fmt](result), output, progressed.inputs)
    if strict and result.failed(strict):
        say_why_strict(strict_warnings_text(result.findings))
    sys.exit(EXIT_FINDINGS if result.failed(strict) else 0)


@cli.command("phasing")
@plan_argument
@scenario_option
@actuals_options
@format_option("text", "json", "csv", "markdown")
@output_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def phasing_command(plan: Path | None, scenarios: tuple[Path, ...], actuals: tuple[Path, ...],
                    as_of: str | None, fmt: str, output: Path | None, strict: bool) -> None:
    """The plan by year: each line's amount over its period's years (by the period's profile
    or the line's own years), each source's forecast claims by year, and the decommitment
    (N+n) table of every source with commitments.

    The years that ended by the date (--as-of, else the plan's [reporting] as_of, else the
    latest actuals row) are closed: their claims are the validated actuals (--actuals, or the
    plan's [reporting] actuals) and money at risk there is an error.

    Exit 0 when nothing is wrong, 1 on an error finding (a line's years that do not add up, a
    deadline passed with money at risk; with --strict, a warning too), 2 on invalid input.
    """
    from . import api
    from .views.phasing import phasing_csv, phasing_json, phasing_markdown, phasing_text
    from .views.render import strict_warnings_text, to_json

    check_output_name(output, fmt)
    phased = api.phasing(plan, scenarios, actuals, as_of)
    result, loaded = phased.phasing, phased.plan
    views: dict[str, Callable[[Any], str]] = {
        "text": lambda value: phasing_text(value, loaded),
        "markdown": lambda value: phasing_markdown(value, loaded),
        "json": lambda value: to_json(phasing_json(value, loaded)), "csv": phasing_csv}
    emit(views[fmt](result), output, phased.inputs)
    severities = {finding.severity for finding in result.findings}
    if strict and "warning" in severities:
        say_why_strict(strict_warnings_text(result.findings))
    sys.exit(EXIT_FINDINGS if "error" in severities or (strict and "warning" in severities)
             else 0)


# --- what-if runs and parameter sweeps ------------------------------------------------------

@cli.command()
@click.argument("paths", nargs=-1, required=True, type=InputPath(),
                metavar="[PLAN] SCENARIO...", callback=plan_first)
@click.option("--scenario", "base_scenarios", multiple=True, type=InputPath(),
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

    PLAN may be left out (the default plan); a first file with a [programme] table is the plan.
    Exit 0 when every run is solved and reconciles, 1 when a run's rules conflict or its
    totals do not reconcile, 2 when a file is invalid.
    """
    from . import api
    from .views.dates import dated
    from .views.render import to_json
    from .views.whatif import render_whatif, whatif_json, whatif_text

    is_workbook = output is not None and output.suffix.lower() == ".xlsx"
    check_output_name(output, "xlsx" if is_workbook else fmt)
    comparison = api.whatif(paths, base_scenarios, solver=solver)
    if is_workbook:
        from .xlsx.comparison import build_comparison_workbook

        data = dated(lambda: build_comparison_workbook(comparison.comparison))
        emit(data, output, comparison.inputs)
    else:
        views: dict[str, Callable[[Any], str]] = {
            "text": whatif_text, "json": lambda value: to_json(whatif_json(value)),
            "markdown": lambda value: render_whatif(value, "markdown"),
            "html": lambda value: render_whatif(value, "html")}
        emit(dated(lambda: views[fmt](comparison.comparison)), output, comparison.inputs)
    sys.exit(EXIT_FINDINGS if comparison.comparison.failed else 0)


@cli.command()
@plan_argument
@click.option("--vary", "varies", multiple=True, required=True, metavar="PARAM=START:STOP:STEP",
              help="A rule to vary, one or two times: cap.SOURCE[/PERIOD] (money) or "
                   "min.SOURCE[/PERIOD[/LINE]], max.SOURCE[/PERIOD[/LINE]] (percent), "
                   "e.g. cap.EC/2014-2020=0:26_400_000:100_000 or min.NATIONAL=0%:50%:5%; "
                   "or, alone, claim.SOURCE/YEAR (money claimed that year, against the "
                   "source's commitments).")
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
    from . import api
    from .engine.phasing_sweep import ClaimSweep
    from .views.dates import dated
    from .views.phasing import claim_sweep_csv, claim_sweep_json, claim_sweep_text
    from .views.phasing_charts import claim_sweep_chart
    from .views.sweep import sweep_csv, sweep_json, sweep_text
    from .views.render import to_json
    from .views.sweep_chart import sweep_chart

    def progress(points: int) -> Any:
        return click.progressbar(length=points, label=f"Solving {points:,} points",
                                 file=sys.stderr)

    check_output_name(output, "csv")
    distinct_outputs([output, chart])  # before solving: -o x.svg --chart x.svg is refused
    swept = api.sweep(plan, varies, scenarios, solver=solver, jobs=jobs, chart=chart,
                      progress=progress)
    click.echo(f"solved {swept.points:,} points in {swept.seconds:.1f} s "
               f"({swept.processes} process{'es' if swept.processes > 1 else ''})", err=True)
    chart = chart or default_output(swept.plan, "-sweep.svg", scenarios)
    kind = "png" if chart.suffix.lower() == ".png" else "svg"
    result = swept.sweep
    if isinstance(result, ClaimSweep):
        csv = claim_sweep_csv(result)
        drawn = dated(lambda: claim_sweep_chart(result, kind))
        text = claim_sweep_text(result) if fmt == "text" else to_json(claim_sweep_json(result))
    else:
        csv = sweep_csv(result)
        drawn = dated(lambda: sweep_chart(result, kind))
        text = sweep_text(result) if fmt == "text" else to_json(sweep_json(result))
    emit_files([(csv, output or default_output(swept.plan, "-sweep.csv", scenarios)),
                (drawn, chart)], swept.inputs)
    emit(text, None)


# --- the what-if page ------------------------------------------------------------------------

@cli.command()
@plan_argument
@click.option("--scenario", "scenarios", multiple=True, type=InputPath(),
              help="Lay a scenario over the plan first: the page's baseline (repeatable).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine's loopback lets other "
                   "machines open the page (a warning is printed).")
@click.option("--open", "open_page", is_flag=True, help="Open the page in the web browser.")
@click.option("--save-dir", type=click.Path(path_type=Path), default=None,
              help="Folder 'Save as scenario' writes to. Default: scenarios/ beside the plan.")
def serve(plan: Path | None, scenarios: tuple[Path, ...], port: int, host: str, open_page: bool,
          save_dir: Path | None) -> None:
    """Open the what-if page: move a cap, a rate or a pledge and see the allocation change
    at once; save the changes as a scenario, download the workbook or the report.

    The page is served on this machine only (127.0.0.1) until Ctrl+C. The plan file is only
    read; scenarios are saved in the --save-dir folder. See docs/serve.md.
    """
    from . import api
    from .serve.app import is_loopback, listen, run
    from .serve.workspace import Workspace

    gc.enable()  # a server runs for hours: its cycles (tracebacks, event loop) must be freed
    plan_path = plan or api.default_plan()
    workspace = Workspace(plan_path, scenarios, save_dir)
    sock = listen(host, port)
    if not is_loopback(host):
        click.echo(f"warning: listening on {host}: other machines that reach this address can "
                   "open the page, see the plan and save scenarios; it has no login", err=True)

    def started(url: str) -> None:
        click.echo(f"Serving {workspace.plan.programme.name} ({plan_path}) at {url}\n"
                   f"Scenarios are saved in {workspace.save_dir}. Press Ctrl+C to stop.",
                   err=True)
        if open_page:
            import webbrowser

            webbrowser.open(url)

    run(workspace, sock, host, started)


# --- a new budget folder --------------------------------------------------------------------

@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path),
                metavar="[DIR]")
@click.option("--from-seed", is_flag=True,
              help="Start from the shipped BSR Stars plan instead of the small starter plan.")
def init(folder: Path, from_seed: bool) -> None:
    """Start a budget folder in DIR (default: here): plan.toml, a small commented starter
    plan (or with --from-seed the shipped BSR Stars plan), scenarios/example.toml and output/.

    Commands run inside DIR read its plan.toml. Never overwrites a file: when one is in the
    way nothing is written and the exit status is 2.
    """
    from . import api

    for path in api.init(folder, from_seed=from_seed).written:
        click.echo(f"wrote {path}", err=True)
    place = "" if folder == Path() else f"cd {folder} && "
    click.echo(f"Next: {place}budget-planner check", err=True)


def main() -> None:
    # A command builds large acyclic structures (a plan's lines, an allocation, a workbook's
    # cells) and exits. The cyclic garbage collector would scan them again and again as they
    # grow, a third of the time on a big plan, and find nothing to free: reference counting
    # frees them. (Sweep workers are processes of their own and keep the collector.)
    gc.disable()
    cli(prog_name="budget-planner")
