"""Writing a plan back to TOML, in the layout of the shipped plan file.

`import` turns a workbook into a plan file with this, so the result must read back as exactly
the same plan: whole amounts become TOML integers (`1_850_000`), others quoted decimal strings
(`"1234.56"`), because a TOML float cannot hold every amount exactly.
"""

from __future__ import annotations

from decimal import Decimal

from ..core.actuals import Reporting
from ..core.model import Commitment, Line, Period, Plan
from ..core.money import CENT
from ..core.text import terminal_text
from .rules import funding_toml

SEPARATOR = "# " + "-" * 93


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
               "\r": "\\r"}
    parts = []
    for char in text:
        if char in escapes:
            parts.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F or char in "\ufffe\uffff":
            parts.append(f"\\u{ord(char):04X}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def toml_amount(amount: Decimal) -> str:
    """`1_850_000` for a whole amount, `"1234.56"` otherwise (both read back exactly)."""
    amount = amount.quantize(CENT)
    if amount == amount.to_integral_value():
        return f"{int(amount):_}"
    return f'"{amount}"'


def toml_years(years: tuple[tuple[int, Decimal], ...]) -> str:
    """Amounts by year as an inline table: `{ "2014" = 1_000, "2015" = "250.50" }`."""
    return "{ " + ", ".join(f'"{year}" = {toml_amount(amount)}' for year, amount in years) + " }"


def _commitment(commitment: Commitment) -> list[str]:
    out = ["[[commitments]]", f"source = {toml_string(commitment.source)}",
           f"lag_years = {commitment.lag_years}"]
    if commitment.prefinancing:
        out.append(f"prefinancing = {toml_amount(commitment.prefinancing)}")
    out.append(f"years = {toml_years(commitment.years)}")
    return out


def _line(line: Line) -> list[str]:
    out = ["[[periods.lines]]", f"id = {toml_string(line.id)}",
           f"activity = {toml_string(line.activity)}"]
    if line.amount is not None:
        out.append(f"amount = {toml_amount(line.amount)}")
    if line.years:
        out.append(f"years = {toml_years(line.years)}")
    if line.sources:
        out.append(f"sources = [{', '.join(toml_string(source) for source in line.sources)}]")
    if line.notes:
        out.append(f"notes = {toml_string(line.notes)}")
    if line.source_notes:
        pairs = ", ".join(f"{source} = {toml_string(note)}" for source, note in line.source_notes)
        out.append(f"source_notes = {{ {pairs} }}")
    return out


def _period(period: Period) -> list[str]:
    out = [SEPARATOR, "[[periods]]", f"id = {toml_string(period.id)}"]
    if period.title:
        out.append(f"title = {toml_string(period.title)}")
    out += [f"first_year = {period.first_year}", f"last_year = {period.last_year}",
            f"total = {toml_amount(period.total)}"]
    if period.profile:
        weights = ", ".join(f'"{weight}"' if "." in str(weight) else str(weight)
                            for weight in period.profile)
        out.append(f"profile = [{weights}]")
    for line in period.lines:
        out += ["", *_line(line)]
    return out


def plan_toml(plan: Plan, *, comment: str = "") -> str:
    """The plan as one TOML file (included files are merged in); `comment` heads the file."""
    programme = plan.programme
    # A TOML comment may hold no control character (a CR in a workbook's name would make the
    # file unreadable): each is written as its escape.
    out = [f"# {terminal_text(text)}".rstrip() for text in comment.split("\n")] if comment else []
    if out:
        out.append("")
    out += ["[programme]", f"name = {toml_string(programme.name)}",
            f"currency = {toml_string(programme.currency)}",
            f"total = {toml_amount(programme.total)}"]
    if programme.reference:
        out.append(f"reference = {toml_string(programme.reference)}")
    if programme.description:
        out.append(f"description = {toml_string(programme.description)}")
    if programme.date is not None:
        out.append(f"date = {programme.date.isoformat()}")
    for source in plan.sources:
        out += ["", "[[sources]]", f"id = {toml_string(source.id)}",
                f"name = {toml_string(source.name)}"]
        if source.description:
            out.append(f"description = {toml_string(source.description)}")
    for period in plan.periods:
        out += ["", *_period(period)]
    for commitment in plan.commitments:
        out += ["", *_commitment(commitment)]
    if not plan.funding.empty:
        out += ["", *funding_lines(plan)]
    reporting = reporting_lines(plan.reporting)
    if reporting:
        out += ["", SEPARATOR, *reporting]
    return "\n".join(out) + "\n"


def funding_lines(plan: Plan) -> list[str]:
    """The `[funding]` section, as the funding module writes it."""
    return [SEPARATOR, *funding_toml(plan.funding).rstrip("\n").split("\n")]


def reporting_lines(reporting: Reporting) -> list[str]:
    """The `[reporting]` table; nothing when every setting is the default."""
    default = Reporting()
    if reporting == default:
        return []
    out = ["[reporting]"]
    if reporting.actuals:
        out.append(f"actuals = [{', '.join(toml_string(name) for name in reporting.actuals)}]")
    if reporting.as_of is not None:
        out.append(f"as_of = {reporting.as_of.isoformat()}")
    for key in ("flexibility_percent", "underspend_after_percent",
                "underspend_threshold_percent"):
        value = getattr(reporting, key)
        if value != getattr(default, key):
            out.append(f"{key} = " + (f"{int(value)}" if value == value.to_integral_value()
                                      else f'"{value}%"'))
    if reporting.flexibility_amount != default.flexibility_amount:
        out.append(f"flexibility_amount = {toml_amount(reporting.flexibility_amount)}")
    return out
