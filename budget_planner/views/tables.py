"""Plans as tables: the rows behind `show` and a pandas DataFrame for library users.

Rows are plain tuples of exact values; pandas is imported only by `lines_frame`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.model import Plan, mark
from ..core.money import money_text

if TYPE_CHECKING:
    import pandas


def line_records(plan: Plan) -> list[dict[str, Any]]:
    """One record a line, in plan order: period, id, activity, amount, sources, notes."""
    return [
        {"period": period.id, "id": line.id, "activity": line.activity,
         "amount": line.amount, "sources": list(line.sources), "notes": line.notes,
         "source_notes": dict(line.source_notes)}
        for period in plan.periods for line in period.lines
    ]


def lines_frame(plan: Plan) -> "pandas.DataFrame":
    """The plan's lines as a DataFrame: exact Decimal amounts, one boolean column per source."""
    import pandas

    rows = []
    for record in line_records(plan):
        row = {key: record[key] for key in ("period", "id", "activity", "amount")}
        row.update({source_id: source_id in record["sources"] for source_id in plan.source_ids})
        row["notes"] = record["notes"]
        rows.append(row)
    columns = ["period", "id", "activity", "amount", *plan.source_ids, "notes"]
    return pandas.DataFrame(rows, columns=columns)


def seed_table_rows(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the plan as the seed's financing table, all cells as text."""
    header = ["period", "id", "activity", "amount", *(source.name for source in plan.sources),
              "notes"]
    rows = []
    for period in plan.periods:
        for line in period.lines:
            rows.append([period.id, line.id, line.activity, money_text(line.amount) or "",
                         *(mark(line.sources, line.note_for(source_id), source_id)
                           for source_id in plan.source_ids), line.notes])
    return header, rows
