"""The `budget-planner` command: parse options, call the library, render, set the exit code.

Exit codes: 0 all well, 1 findings (errors, or warnings with --strict), 2 invalid input.
Heavy libraries are imported inside the commands that use them, so `--help` starts at once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .files import OutputError, write_atomic
from .loader import load_plan
from .model import Plan, Problem

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
    2 when the plan is invalid.
    """
    from .reconcile import reconcile
    from .render import check_json, check_markdown, check_text, to_json

    result = reconcile(read_plan(plan))
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


def main() -> None:
    cli(prog_name="budget-planner")
