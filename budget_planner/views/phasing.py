"""Views of the plan by year: text, Markdown, JSON and CSV of a `Phasing` the engine computed.

Nothing here spreads an amount or decides a finding; it lays out `engine.phasing.phasing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..core.model import Plan
from ..core.money import display, money_text
from ..core.text import terminal_text
from ..engine.phasing import DeadlineYear, Phasing, SourcePhasing, YearAmounts
from ..engine.phasing_sweep import ClaimSweep
from .render import (finding_json, findings_markdown, findings_summary, findings_table,
                     markdown_table, markdown_text, text_table, to_csv)

DEADLINE_HEADER = ["year", "committed", "claims", "target", "covered", "at risk"]


def _years_json(amounts: YearAmounts) -> dict[str, str | None]:
    return {str(year): money_text(amount) for year, amount in amounts.years}


def deadline_json(row: DeadlineYear) -> dict[str, Any]:
    return {"year": row.year, "target": money_text(row.target),
            "covered": money_text(row.covered), "at_risk": money_text(row.at_risk),
            "commitment": money_text(row.commitment), "claims": money_text(row.claims),
            "closed": row.closed}


def _source_json(source: SourcePhasing) -> dict[str, Any]:
    commitment = source.commitment
    return {
        "id": source.id, "name": source.name, "years": _years_json(source.forecast),
        "total": money_text(source.forecast.total),
        "commitment": None if commitment is None else {
            "lag_years": commitment.lag_years,
            "prefinancing": money_text(commitment.prefinancing),
            "years": {str(year): money_text(amount) for year, amount in commitment.years}},
        "claims": {str(year): money_text(amount) for year, amount in source.claims},
        "decommitment": [deadline_json(row) for row in source.decommitment],
        "at_risk": money_text(source.at_risk) if commitment is not None else None,
    }


def phasing_json(phasing: Phasing, plan: Plan) -> dict[str, Any]:
    return {
        "plan": plan.name,
        "currency": plan.programme.currency,
        "as_of": phasing.as_of.isoformat() if phasing.as_of else None,
        "years": list(phasing.years),
        "lines": [{"period": line.period, "line": line.key, "years": _years_json(line),
                   "total": money_text(line.total)} for line in phasing.lines],
        "periods": [{"period": period.key, "years": _years_json(period),
                     "total": money_text(period.total)} for period in phasing.periods],
        "programme": {"years": _years_json(phasing.programme),
                      "total": money_text(phasing.programme.total)},
        "sources": [_source_json(source) for source in phasing.sources],
        "unfunded": {"years": _years_json(phasing.unfunded),
                     "total": money_text(phasing.unfunded.total)},
        "findings": [finding_json(finding) for finding in phasing.findings],
    }


# --- tables shared by text and Markdown --------------------------------------------------------

Table = tuple[list[str], list[list[str]], tuple[int, ...]]


def _row(label: Sequence[str], amounts: YearAmounts, years: Sequence[int]) -> list[str]:
    return [*label, *(display(amounts.amount(year)) for year in years),
            display(amounts.total)]


def period_tables(phasing: Phasing, plan: Plan) -> list[tuple[str, Table]]:
    """Per period: its lines by year, and the period's total by year."""
    tables = []
    for period, totals in zip(plan.periods, phasing.periods):
        years = list(period.years)
        rows = [_row([line.key], line, years) for line in phasing.lines
                if line.period == period.id]
        rows.append(_row(["total"], totals, years))
        header = ["line", *map(str, years), "total"]
        title = f"{period.id}" + (f" ({period.title})" if period.title else "") + \
            (f", profile {':'.join(str(weight) for weight in period.profile)}"
             if period.profile else ", even spread")
        tables.append((title, (header, rows, tuple(range(1, len(header))))))
    return tables


def programme_table(phasing: Phasing) -> Table:
    years = list(phasing.years)
    rows = [_row([period.key], period, years) for period in phasing.periods]
    rows.append(_row(["programme"], phasing.programme, years))
    header = ["period", *map(str, years), "total"]
    return header, rows, tuple(range(1, len(header)))


def sources_table(phasing: Phasing) -> Table:
    """Each source's forecast by year, the unfunded part and the programme (they add up)."""
    years = list(phasing.years)
    rows = [_row([source.name], source.forecast, years) for source in phasing.sources]
    rows.append(_row(["not funded"], phasing.unfunded, years))
    rows.append(_row(["programme"], phasing.programme, years))
    header = ["source", *map(str, years), "total"]
    return header, rows, tuple(range(1, len(header)))


def deadline_title(source: SourcePhasing) -> str:
    commitment = source.commitment
    assert commitment is not None
    return (f"{source.name}: N+{commitment.lag_years}, committed "
            f"{display(commitment.total)}, pre-financing {display(commitment.prefinancing)}; "
            f"most at risk {display(source.at_risk)}")


def deadline_table(source: SourcePhasing) -> Table:
    rows = [[f"{row.year}{' (closed)' if row.closed else ''}", display(row.commitment),
             display(row.claims), display(row.target), display(row.covered),
             display(row.at_risk)] for row in source.decommitment]
    return DEADLINE_HEADER, rows, (1, 2, 3, 4, 5)


def _heading(phasing: Phasing, plan: Plan) -> str:
    as_of = f", as of {phasing.as_of.isoformat()}" if phasing.as_of else ""
    return f"{plan.programme.name} by year, amounts in {plan.programme.currency}{as_of}"


SOURCES_NOTE = ("each line's years split by its allocation"
                "; the claims the N+n check counts")
NOT_ALLOCATED = "The funding rules conflict: no claims can be forecast."


def phasing_text(phasing: Phasing, plan: Plan) -> str:
    parts = [terminal_text(_heading(phasing, plan))]
    for title, (header, rows, right) in period_tables(phasing, plan):
        parts += ["", terminal_text(title), text_table(header, rows, right)]
    parts += ["", "Programme by year", text_table(*programme_table(phasing))]
    parts += ["", f"Sources by year (forecast: {SOURCES_NOTE})"]
    parts.append(text_table(*sources_table(phasing)) if phasing.allocated else NOT_ALLOCATED)
    for source in phasing.committed:
        parts += ["", terminal_text(deadline_title(source)), text_table(*deadline_table(source))]
    parts += ["", f"Findings: {findings_summary(phasing.findings)}"]
    if phasing.findings:
        parts += ["", findings_table(phasing.findings)]
    return "\n".join(parts) + "\n"


def phasing_markdown(phasing: Phasing, plan: Plan) -> str:
    parts = [f"# {markdown_text(_heading(phasing, plan))}", "", "## Lines by year"]
    for title, table in period_tables(phasing, plan):
        parts += ["", f"### {markdown_text(title)}", "", markdown_table(*table)]
    parts += ["", "## Programme by year", "", markdown_table(*programme_table(phasing)),
              "", "## Sources by year", "", f"Forecast: {SOURCES_NOTE}.", ""]
    parts.append(markdown_table(*sources_table(phasing)) if phasing.allocated else NOT_ALLOCATED)
    if phasing.committed:
        parts += ["", "## Decommitment (N+n)"]
    for source in phasing.committed:
        parts += ["", f"### {markdown_text(deadline_title(source))}", "",
                  markdown_table(*deadline_table(source))]
    parts += ["", "## Findings", "", f"{findings_summary(phasing.findings)}."]
    if phasing.findings:
        parts += ["", findings_markdown(phasing.findings)]
    return "\n".join(parts) + "\n"


def phasing_csv(phasing: Phasing) -> str:
    """One table: a row for each line, period, the programme, each source's forecast and the
    unfunded part, then each source's N+n rows (committed, claims, target, covered, at risk),
    a column a year; amounts as exact decimal strings."""
    deadline_years = {row.year for source in phasing.committed for row in source.decommitment}
    years = sorted(set(phasing.years) | deadline_years)
    rows: list[list[Any]] = []

    def add(kind: str, period: str, key: str, cells: dict[int, Decimal | None],
            total: Decimal | None) -> None:
        rows.append([kind, period, key, *(money_text(cells.get(year)) or "" for year in years),
                     money_text(total) or ""])

    for line in phasing.lines:
        add("line", line.period or "", line.key, dict(line.years), line.total)
    for period in phasing.periods:
        add("period", period.key, "", dict(period.years), period.total)
    add("programme", "", "", dict(phasing.programme.years), phasing.programme.total)
    for source in phasing.sources:
        add("source", "", source.id, dict(source.forecast.years), source.forecast.total)
    add("unfunded", "", "", dict(phasing.unfunded.years), phasing.unfunded.total)
    for source in phasing.committed:
        table = source.decommitment
        for kind in ("commitment", "claims", "target", "covered", "at_risk"):
            cells = {row.year: getattr(row, kind) for row in table}
            total = sum(cells.values(), Decimal("0.00")) if kind in ("commitment", "claims") \
                else None
            add(kind, "", source.id, cells, total)
    return to_csv(["kind", "period", "id", *map(str, years), "total"], rows)


# --- claim sweeps ----------------------------------------------------------------------------

def claim_break_even_text(sweep: ClaimSweep) -> str:
    parameter = sweep.axis.parameter
    if sweep.needed is None:
        return (f"never: a deadline before {parameter.year} is short already, and a claim in "
                f"{parameter.year} cannot count towards it")
    text = f"{display(sweep.needed)} (the forecast claims {display(sweep.forecast)})"
    if sweep.value is None:
        return text + "; no swept value reaches it"
    return text + f"; first swept value with nothing at risk: {display(sweep.value)}"


def claim_sweep_text(sweep: ClaimSweep) -> str:
    parameter = sweep.axis.parameter
    values = sweep.axis.values
    parts = [terminal_text(f"Sweep of {sweep.plan.programme.name}, amounts in "
                           f"{sweep.plan.programme.currency}"),
             f"  {parameter.name} ({parameter.describe()}): {display(values[0])} to "
             f"{display(values[-1])}, {len(values)} value{'s' if len(values) != 1 else ''}",
             "", f"Break-even: the least {parameter.name} with nothing of {parameter.source}'s "
                 f"commitments at risk: {claim_break_even_text(sweep)}", "",
             text_table([parameter.name, "most at risk"],
                        [[display(point.value), display(point.most)] for point in sweep.points],
                        right=(0, 1))]
    return "\n".join(parts) + "\n"


def claim_sweep_json(sweep: ClaimSweep) -> dict[str, Any]:
    parameter = sweep.axis.parameter
    values = sweep.axis.values
    return {
        "plan": sweep.plan.name,
        "parameters": [{"name": parameter.name, "describe": parameter.describe(),
                        "start": money_text(values[0]), "stop": money_text(values[-1]),
                        "count": len(values)}],
        "points": len(sweep.points),
        "break_even": [{"source": parameter.source, "year": parameter.year,
                        "value": money_text(sweep.value), "exact": money_text(sweep.needed),
                        "forecast": money_text(sweep.forecast)}],
    }


def claim_sweep_csv(sweep: ClaimSweep) -> str:
    """A row a swept value: the most at risk, then what is at risk at each deadline year."""
    header = [sweep.axis.parameter.name, "at risk", *(f"at risk {year}" for year in sweep.years)]
    rows = [[money_text(point.value), money_text(point.most),
             *(money_text(amount) for amount in point.at_risk)] for point in sweep.points]
    return to_csv(header, rows)
