"""Views: text, JSON, Markdown and CSV renderings of results the engine has already computed.

Nothing here computes a total or decides a finding; it only lays out values.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from ..core.model import Finding, Plan, Problem
from ..core.money import display, money_text
from ..core.text import terminal_text
from ..engine.reconcile import Reconciliation, TotalCheck
from .tables import line_records, seed_table_rows

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_encode = json.JSONEncoder(ensure_ascii=False).encode
_string = json.encoder.encode_basestring  # written in C where available


def to_json(data: Any) -> str:
    """JSON indented by two spaces, except that an array of plain values, and an object of
    plain values in an array, take one line: a list of allocations reads as a table, and is
    written several times faster than when every value is indented."""
    return _layout(data, "\n") + "\n"


def _layout(value: Any, newline: str, in_array: bool = False) -> str:
    if isinstance(value, dict) and value:
        record = _record(value) if in_array else None
        if record is not None:
            return record
        inner = newline + "  "
        return ("{" + inner + ("," + inner).join(
            f"{_string(key)}: {_layout(item, inner)}" for key, item in value.items())
            + newline + "}")
    if isinstance(value, list) and value:
        if not any(isinstance(item, (dict, list)) for item in value):
            return _encode(value)
        inner = newline + "  "
        return "[" + inner + ("," + inner).join(_layout(item, inner, True) for item in value) \
            + newline + "]"
    return _encode(value)


def _record(value: dict[str, Any]) -> str | None:
    """An object of plain values on one line, or None if it holds an array or object."""
    parts = []
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            parts.append(f"{_string(key)}: {_string(item)}")
        elif kind is dict or kind is list:
            return None
        else:
            parts.append(f"{_string(key)}: {_encode(item)}")
    return "{" + ", ".join(parts) + "}"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]],
               right: Sequence[int] = ()) -> str:
    """A plain-text table with aligned columns; `right` lists the columns to right-align.
    Every cell is shown as `terminal_text`: one line of characters a terminal shows. The
    usual table needs no escape, which is checked on the whole table at once (in C): as
    many lines as rows, and nothing but printable characters between them."""
    table = _aligned(header, rows, right)
    if table.count("\n") == len(rows) + 1 and table.replace("\n", "").isprintable():
        return table
    return _aligned([terminal_text(str(cell)) for cell in header],
                    [[terminal_text(str(cell)) for cell in row] for row in rows], right)


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        parts = [str(cell).rjust(width) if number in right else str(cell).ljust(width)
                 for number, (cell, width) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


#: Line breaks and other control characters: a Markdown value is one line of text.
_MARKDOWN_BREAKS = re.compile("[\x00-\x1f\x7f\u2028\u2029]+")
#: What starts inline markup anywhere in a line: code, emphasis, links and images, raw HTML
#: and autolinks, entity references, strikethrough, headings' closing marks, table cells.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&~#|])")
#: What starts a block only at the start of a line: a list item (`- `, `+ `, `1. `, `1) `), a
#: thematic break or a setext underline (`---`, `===`). A signed amount (`-250.00`) is not.
_MARKDOWN_BLOCK = re.compile(r"(?:([-+=])(?=[-+= ]|$)|([0-9]{1,9})(?=[.)](?: |$)))")


def markdown_text(value: Any) -> str:
    """Plan text as Markdown that shows it as written and makes nothing else: one line (line
    breaks become spaces), with every character that could start markup escaped by a
    backslash, so it never becomes raw HTML, a link, a heading, a list or another table
    cell. The Markdown templates apply it to every value they show (jinja2's `finalize`)."""
    text = _MARKDOWN_BREAKS.sub(" ", str(value)).strip(" ")
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    found = _MARKDOWN_BLOCK.match(text)
    if found is None:
        return text
    if found.group(1):
        return "\\" + text
    return f"{found.group(2)}\\{text[found.end():]}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                   right: Sequence[int] = ()) -> str:
    align = ["---:" if number in right else "---" for number in range(len(header))]
    return "\n".join("| " + " | ".join(cell if row is align else markdown_text(cell)
                                       for cell in row) + " |"
                     for row in [header, align, *rows])


def csv_safe(cell: Any) -> Any:
    """Keep text that a spreadsheet would run as a formula as text (OWASP CSV injection)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV of plan text (source names in the header are plan text too): every cell `csv_safe`,
    and every cell with a line break quoted. Python's csv writer quotes a line feed but not
    a bare carriage return, which a reader takes as the end of a row (a forged row, whose
    first cell could be a formula); a row holding one is written with every cell quoted."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in (header, *rows):
        cells = [csv_safe(cell) for cell in row]
        writer = quoted if any(isinstance(cell, str) and "\r" in cell for cell in cells) else plain
        writer.writerow(cells)
    return buffer.getvalue()


def problems_text(problems: Sequence[Problem]) -> str:
    count = len(problems)
    heading = f"{count} problem{'s' if count != 1 else ''} in the input:"
    return "\n".join([heading, *(f"  {problem}" for problem in problems)])


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem as a record, where JSON reports one (the what-if page's API)."""
    return {"code": problem.code, "message": problem.message, "file": problem.file or None,
            "line": problem.lineno, "field": problem.path or None}


# --- check -----------------------------------------------------------------------------------

def finding_json(finding: Finding) -> dict[str, Any]:
    return {"severity": finding.severity, "code": finding.code, "message": finding.message,
            "period": finding.period, "line": finding.line,
            "expected": money_text(finding.expected), "actual": money_text(finding.actual),
            "difference": money_text(finding.difference), "source": finding.source,
            "year": finding.year}


def _total_json(total: TotalCheck, with_id: bool) -> dict[str, Any]:
    data = {"id": total.id} if with_id else {}
    data.update({"stated": money_text(total.stated), "computed": money_text(total.computed),
                 "difference": money_text(total.difference)})
    return data


def check_json(result: Reconciliation) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "plan": result.plan,
        "totals": {"programme": _total_json(result.programme, with_id=False),
                   "periods": [_total_json(period, with_id=True) for period in result.periods]},
        "findings": [finding_json(finding) for finding in result.findings],
    }


def _totals_rows(result: Reconciliation) -> list[list[str]]:
    return [[total.id, display(total.stated), display(total.computed),
             display(total.difference), "OK" if total.ok else "MISMATCH"]
            for total in (*result.periods, result.programme)]


TOTALS_HEADER = ["period", "stated", "computed", "difference", "status"]
FINDINGS_HEADER = ["severity", "code", "where", "message"]


def where(finding: Finding) -> str:
    """Where a finding is: `period/line`, `EC 2025` for a source's year, or `programme`."""
    place = "/".join(part for part in (finding.period, finding.line) if part)
    money = " ".join(str(part) for part in (finding.source, finding.year) if part is not None)
    return " ".join(part for part in (place, money) if part) or "programme"


def findings_summary(findings: Sequence[Finding]) -> str:
    """`1 error, 2 warnings, 0 info`."""
    count = {severity: sum(1 for finding in findings if finding.severity == severity)
             for severity in ("error", "warning", "info")}
    counts = [f"{count[severity]} {severity}{'s' if count[severity] != 1 else ''}"
              for severity in ("error", "warning")]
    counts.append(f"{count['info']} info")
    return ", ".join(counts)


def findings_table(findings: Sequence[Finding]) -> str:
    """The findings as a text table: severity, code, where, message."""
    return text_table(FINDINGS_HEADER, [[f.severity, f.code, where(f), f.message]
                                        for f in findings])


def findings_markdown(findings: Sequence[Finding]) -> str:
    """The findings as a Markdown table, with expected, actual and difference."""
    return markdown_table(
        [*FINDINGS_HEADER, "expected", "actual", "difference"],
        [[f.severity, f.code, where(f), f.message, display(f.expected), display(f.actual),
          display(f.difference)] for f in findings], right=(4, 5, 6))


def check_text(result: Reconciliation) -> str:
    parts = [terminal_text(f"{result.programme_name} ({result.plan}), amounts in "
                           f"{result.currency}"), "",
             text_table(TOTALS_HEADER, _totals_rows(result), right=(1, 2, 3)), "",
             f"Findings: {findings_summary(result.findings)}"]
    if result.findings:
        parts += ["", findings_table(result.findings)]
    return "\n".join(parts) + "\n"


def strict_warnings_text(findings: Sequence[Finding]) -> str | None:
    """Why `check --strict` (or `progress --strict`) fails where it would not without: the
    warnings, counted by code."""
    codes: dict[str, int] = {}
    for finding in findings:
        if finding.severity == "warning":
            codes[finding.code] = codes.get(finding.code, 0) + 1
    if not codes:
        return None
    count = sum(codes.values())
    counted = "1 warning counts as an error" if count == 1 else \
        f"{count} warnings count as errors"
    return f"--strict: {counted}: " + ", ".join(f"{code} ({number})"
                                                for code, number in codes.items())


def check_markdown(result: Reconciliation) -> str:
    parts = [f"# Reconciliation: {markdown_text(result.programme_name)}", "",
             f"Plan {markdown_text(result.plan)}, amounts in {markdown_text(result.currency)}. "
             f"Status: **{'OK' if result.ok else 'ERRORS'}** "
             f"({findings_summary(result.findings)}).", "",
             "## Totals", "", markdown_table(TOTALS_HEADER, _totals_rows(result), right=(1, 2, 3)),
             "", "## Findings", ""]
    if result.findings:
        parts.append(findings_markdown(result.findings))
    else:
        parts.append("None.")
    return "\n".join(parts) + "\n"


# --- show ------------------------------------------------------------------------------------

def show_json(plan: Plan) -> dict[str, Any]:
    return {
        "sources": [{"id": source.id, "name": source.name} for source in plan.sources],
        "lines": [{**record, "amount": money_text(record["amount"])}
                  for record in line_records(plan)],
    }


def show_csv(plan: Plan) -> str:
    header, rows = seed_table_rows(plan)
    return to_csv(header, rows)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def show_text(plan: Plan) -> str:
    parts = [terminal_text(f"{plan.programme.name}, amounts in {plan.programme.currency}")]
    source_names = [source.name for source in plan.sources]
    for period in plan.periods:
        rows = [[line.id, _shorten(line.activity, 52), display(line.amount, blank="-"),
                 *("x" if source_id in line.sources else "" for source_id in plan.source_ids),
                 "; ".join(filter(None, [*(f"{plan.source(s).name} {note}"
                                           for s, note in line.source_notes), line.notes]))]
                for line in period.lines]
        rows.append(["", "Total", display(period.computed_total), *([""] * len(source_names)), ""])
        parts += ["", terminal_text(f"{period.id}  {period.title}"),
                  text_table(["id", "activity", "amount", *source_names, "notes"], rows,
                             right=(2,))]
    parts += ["", f"Programme total {display(plan.computed_total)}"]
    return "\n".join(parts) + "\n"
