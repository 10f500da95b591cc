"""Views of an allocation: text (funding matrices), JSON and CSV.

Nothing here computes an allocation; it lays out an `AllocationResult` that `allocation` made.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.model import AllocationResult, Conflict, Plan
from ..core.money import ZERO, display, money_text
from ..core.text import terminal_text
from .render import finding_json, text_table

if TYPE_CHECKING:
    from ..engine.scenario import Scenario

ALLOCATION_COLUMNS = ["period", "line", "source", "amount", "reason"]
#: The source column of a gap row: no source id can be written so.
UNFUNDED = "(unfunded)"


def conflict_json(conflict: Conflict) -> dict[str, Any]:
    """A conflict with where to look: the file, line and field of the rule (or line) it is
    about, null where unknown."""
    origin = conflict.origin
    return {"code": conflict.code, "message": conflict.message,
            "file": origin.file or None if origin else None,
            "line": origin.lineno if origin else None,
            "field": origin.path or None if origin else None}


def allocation_json(result: AllocationResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "solver": result.solver,
        "objective": money_text(result.objective),
        "allocations": [{"period": a.period, "line": a.line, "source": a.source,
                         "amount": money_text(a.amount)} for a in result.allocations],
        "gaps": [{"period": g.period, "line": g.line, "amount": money_text(g.amount),
                  "reason": g.reason} for g in result.gaps],
        "sources": [{"source": s.source, "period": s.period, "cap": money_text(s.cap),
                     "allocated": money_text(s.allocated), "remaining": money_text(s.remaining),
                     "binding": s.binding, "shadow_price": money_text(s.shadow_price)}
                    for s in result.sources],
        "conflicts": [conflict_json(conflict) for conflict in result.conflicts],
        "notes": [finding_json(note) for note in result.notes],
    }


def allocation_csv(result: AllocationResult, plan: Plan) -> str:
    """One row per allocation and, after a line's allocations, one for its gap (source
    `(unfunded)`, with the reason), in plan order: the amounts add up to the plan's lines.
    Amounts are exact decimal strings."""
    import pandas

    rows: dict[tuple[str, str], list[list[str]]] = {
        (period.id, line.id): [] for period in plan.periods for line in period.lines}
    for a in result.allocations:
        rows[a.period, a.line].append([a.period, a.line, a.source, money_text(a.amount), ""])
    for gap in result.gaps:
        rows[gap.period, gap.line].append([gap.period, gap.line, UNFUNDED,
                                           money_text(gap.amount), gap.reason])
    frame = pandas.DataFrame([row for line_rows in rows.values() for row in line_rows],
                             columns=ALLOCATION_COLUMNS)
    return str(frame.to_csv(index=False, lineterminator="\n"))


def strict_gaps_text(result: AllocationResult, shown: int = 5) -> str | None:
    """Why `allocate --strict` fails: the lines left with a gap (the first `shown` of them)."""
    if not result.gaps:
        return None
    count = len(result.gaps)
    listed = ", ".join(f"{gap.period}/{gap.line} ({display(gap.amount)})"
                       for gap in result.gaps[:shown])
    more = f" and {count - shown:,} more" if count > shown else ""
    lines = "1 line keeps" if count == 1 else f"{count:,} lines keep"
    return f"--strict: {lines} a gap, {display(result.total_gap)} in all: {listed}{more}"


def _matrix(result: AllocationResult, plan: Plan, period_id: str) -> str:
    """Lines x sources of one period, with line totals, source totals and gaps."""
    amounts = {(a.line, a.source): a.amount for a in result.allocations if a.period == period_id}
    gaps = {g.line: g.amount for g in result.gaps if g.period == period_id}
    period = plan.period(period_id)
    rows = []
    totals = dict.fromkeys(plan.source_ids, ZERO)
    for line in period.lines:
        if line.amount is None:
            continue
        cells = []
        for source_id in plan.source_ids:
            amount = amounts.get((line.id, source_id))
            cells.append("" if amount is None else display(amount))
            totals[source_id] += amount or ZERO
        rows.append([line.id, display(line.amount), *cells, display(gaps.get(line.id), blank="")])
    gap_total = sum(gaps.values(), ZERO)
    rows.append(["Total", display(sum((line.amount for line in period.lines
                                       if line.amount is not None), ZERO)),
                 *(display(totals[source_id]) for source_id in plan.source_ids),
                 display(gap_total)])
    header = ["line", "amount", *(source.name for source in plan.sources), "gap"]
    return text_table(header, rows, right=range(1, len(header)))


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def allocation_text(result: AllocationResult, plan: Plan,
                    scenarios: Sequence[Scenario] = ()) -> str:
    parts = [terminal_text(f"Co-financing of {plan.programme.name}, amounts in "
                           f"{plan.programme.currency}")]
    for scenario in scenarios:
        flag = " (illustrative figures)" if scenario.illustrative else ""
        parts.append(terminal_text(f"Scenario: {scenario.name}{flag}"))
    for note in result.notes:
        where = "/".join(part for part in (note.period, note.line) if part)
        parts.append(terminal_text(f"{note.severity}: {where}: {note.message}"))
    if result.status == "infeasible":
        parts += ["", f"Infeasible (solver {result.solver}): the funding rules cannot all hold."]
        parts += [terminal_text(f"  - {conflict.message}") for conflict in result.conflicts]
        return "\n".join(parts) + "\n"
    parts.append(f"Solver {result.solver}: {result.status}; total gap {display(result.objective)}")
    for period in plan.periods:
        parts += ["", terminal_text(f"{period.id}  {period.title}".rstrip()),
                  _matrix(result, plan, period.id)]
    parts += ["", "Gaps"]
    if result.gaps:
        parts.append(text_table(["period", "line", "gap", "reason"],
                                [[g.period, g.line, display(g.amount), g.reason]
                                 for g in result.gaps], right=(2,)))
    else:
        parts.append("None: every line is fully funded.")
    parts += ["", "Sources (shadow price: fall in total gap per extra euro of the cap)"]
    names = {source.id: source.name for source in plan.sources}
    parts.append(text_table(
        ["source", "period", "cap", "allocated", "remaining", "binding", "shadow price"],
        [[names[s.source], s.period or "programme", display(s.cap, blank="-"),
          display(s.allocated), display(s.remaining, blank="-"),
          _yes(s.binding) if s.cap is not None else "-",
          "-" if s.shadow_price is None else _shadow(s.shadow_price)]
         for s in result.sources], right=(2, 3, 4, 6)))
    return "\n".join(parts) + "\n"


def _shadow(value: Decimal) -> str:
    return f"{value:.2f}"
