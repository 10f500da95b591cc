"""Views of a computed `Progress`: text, JSON, CSV, Markdown and the cumulative chart.

Nothing here sums or decides; the engine (`engine/actuals.py`) has.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.money import CENT, cents_text, display, money_text
from ..core.text import terminal_text
from ..engine.actuals import Figures, Progress
from .render import finding_json, markdown_table, markdown_text, text_table, to_csv, to_json

FIGURES = ("amount", "planned_to_date", "actual", "validated", "variance", "percent",
           "remaining")
FIGURE_HEADER = ["amount", "planned to date", "actual", "validated", "variance", "percent",
                 "remaining"]
SOURCE_HEADER = ["source", "allocated", "claimed", "claimable", "unassigned"]
FINDINGS_HEADER = ["severity", "code", "where", "message"]


def figures_json(figures: Figures) -> dict[str, Any]:
    return {"amount": cents_text(figures.amount_cents),
            "planned_to_date": cents_text(figures.planned_cents),
            "actual": cents_text(figures.actual_cents),
            "validated": cents_text(figures.validated_cents),
            "variance": cents_text(figures.variance_cents),
            "percent": cents_text(figures.percent_hundredths),
            "remaining": cents_text(figures.remaining_cents)}


def progress_json(result: Progress, *, lines: bool = True) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "programme": figures_json(result.programme),
        "periods": [{"id": period.id, **figures_json(period.figures)}
                    for period in result.periods],
        "lines": [{"period": line.period, "line": line.line, "activity": line.activity,
                   **figures_json(line.figures)} for line in result.lines] if lines else [],
        "sources": [{"id": source.id, "allocated": money_text(source.allocated),
                     "claimed": money_text(source.claimed),
                     "claimable": money_text(source.claimable),
                     "unassigned": money_text(source.unassigned)} for source in result.sources],
        "findings": [finding_json(finding) for finding in result.findings],
    }


_LINES = "\0lines\0"


def progress_json_text(result: Progress) -> str:
    """`to_json(progress_json(result))`, the same bytes, written faster: the lines (100,000
    on a big plan) are laid out one record a line here rather than through dicts."""
    data = progress_json(result, lines=False)
    data["lines"] = _LINES
    text = to_json(data)
    string = json.encoder.encode_basestring  # type: ignore[attr-defined]
    records = []

    def money(cents: int) -> str:  # cents_text of a number, in one formatting step
        return "%d.%02d" % divmod(cents, 100) if cents >= 0 else "-%d.%02d" % divmod(-cents, 100)

    for line in result.lines:
        figures = line.figures
        amount = figures.amount_cents
        planned, actual = figures.planned_cents, figures.actual_cents
        records.append(
            f'{{"period": {string(line.period)}, "line": {string(line.line)}, '
            f'"activity": {string(line.activity)}, '
            f'"amount": {"null" if amount is None else chr(34) + money(amount) + chr(34)}, '
            f'"planned_to_date": "{money(planned)}", '
            f'"actual": "{money(actual)}", '
            f'"validated": "{money(figures.validated_cents)}", '
            f'"variance": "{money(planned - actual)}", '
            f'"percent": "{money(figures.percent_hundredths)}", '
            f'"remaining": "{money((amount or 0) - actual)}"}}')
    lines = "[\n    " + ",\n    ".join(records) + "\n  ]" if records else "[]"
    return text.replace(string(_LINES), lines, 1)


def _cells(figures: Figures) -> list[str]:
    return [display(figures.amount, "-"), display(figures.planned_to_date),
            display(figures.actual), display(figures.validated), display(figures.variance),
            f"{figures.percent} %", display(figures.remaining)]


def as_of_text(result: Progress) -> str:
    chosen = {"given": "", "plan": " (the plan's [reporting] as_of)",
              "latest row": " (the latest row's date; give --as-of or [reporting] as_of)"}
    return f"as of {result.as_of.isoformat()}{chosen[result.as_of_from]}"


def _where(finding: Any) -> str:
    return "/".join(part for part in (finding.period, finding.line) if part) or "programme"


def summary_text(result: Progress) -> str:
    counts = [f"{result.count(severity)} {severity}{'s' if result.count(severity) != 1 else ''}"
              for severity in ("error", "warning")]
    return ", ".join([*counts, f"{result.count('info')} info"])


def _totals_rows(result: Progress) -> list[list[str]]:
    return [*([period.id, *_cells(period.figures)] for period in result.periods),
            ["programme", *_cells(result.programme)]]


def _source_rows(result: Progress) -> list[list[str]]:
    return [[source.name, display(source.allocated), display(source.claimed),
             display(source.claimable), display(source.unassigned)]
            for source in result.sources]


def _notes(result: Progress) -> list[str]:
    return [f"Note: {note}" for note in result.notes]


def progress_text(result: Progress) -> str:
    right = tuple(range(1, 8))
    parts = [terminal_text(f"Progress of {result.programme_name} ({result.plan}) "
                           f"{as_of_text(result)}, amounts in {result.currency}"),
             *map(terminal_text, _notes(result)), "",
             text_table(["period", *FIGURE_HEADER], _totals_rows(result), right=right), "",
             text_table(["period", "line", *FIGURE_HEADER],
                        [[line.period, line.line, *_cells(line.figures)] for line in result.lines],
                        right=tuple(range(2, 9))), "",
             text_table(SOURCE_HEADER, _source_rows(result), right=(1, 2, 3, 4)), "",
             f"Findings: {summary_text(result)}"]
    if result.findings:
        parts += ["", text_table(FINDINGS_HEADER, [[f.severity, f.code, _where(f), f.message]
                                                   for f in result.findings])]
    return "\n".join(parts) + "\n"


def progress_markdown(result: Progress) -> str:
    right = tuple(range(1, 8))
    parts = [f"# Progress: {markdown_text(result.programme_name)}", "",
             f"Plan {markdown_text(result.plan)} {as_of_text(result)}, amounts in "
             f"{markdown_text(result.currency)}. "
             f"Status: **{'OK' if result.ok else 'ERRORS'}** ({summary_text(result)}).", ""]
    parts += [f"> {markdown_text(note)}" for note in _notes(result)] + (
        [""] if result.notes else [])
    parts += ["## Periods", "", markdown_table(["period", *FIGURE_HEADER], _totals_rows(result),
                                               right=right), "",
              "## Sources", "", markdown_table(SOURCE_HEADER, _source_rows(result),
                                               right=(1, 2, 3, 4)), "",
              "## Findings", ""]
    if result.findings:
        parts.append(markdown_table(
            [*FINDINGS_HEADER, "expected", "actual", "difference"],
            [[f.severity, f.code, _where(f), f.message, display(f.expected), display(f.actual),
              display(f.difference)] for f in result.findings], right=(4, 5, 6)))
    else:
        parts.append("None.")
    parts += ["", "## Lines", "", markdown_table(
        ["period", "line", "activity", *FIGURE_HEADER],
        [[line.period, line.line, line.activity, *_cells(line.figures)] for line in result.lines],
        right=tuple(range(3, 10)))]
    return "\n".join(parts) + "\n"


def progress_csv(result: Progress) -> str:
    """One row a line, then one a period and one for the programme (level says which)."""
    def values(figures: Figures) -> list[Any]:
        # Decimals, not text: a negative amount is a number, not a formula to guard against.
        return [None if value is None else value.quantize(CENT) for value in (
            figures.amount, figures.planned_to_date, figures.actual, figures.validated,
            figures.variance, figures.percent, figures.remaining)]

    rows = [["line", line.period, line.line, line.activity, *values(line.figures)]
            for line in result.lines]
    rows += [["period", period.id, "", "", *values(period.figures)] for period in result.periods]
    rows.append(["programme", "", "", "", *values(result.programme)])
    return to_csv(["level", "period", "line", "activity", *FIGURES], rows)


def progress_chart(result: Progress) -> str:
    """Planned and actual money summed year by year, as SVG."""
    from .charts import cumulative_lines_svg

    years = [str(year.year) for year in result.years]
    return cumulative_lines_svg(
        years, [("Planned (cumulative)", [year.planned_cumulative for year in result.years]),
                ("Actual (cumulative)", [year.actual_cumulative for year in result.years])],
        title=f"Planned and actual, cumulative by year ({as_of_text(result).split(' (')[0]})",
        unit=result.currency)
