"""Plans for tests: the shipped seed plan, small plans written out in full, and one builder of
plan text from periods and lines; TOML text of generated values and funding rules."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

D = Decimal

ROOT = Path(__file__).resolve().parents[2]
SEED_PLAN = ROOT / "plans" / "bsr-stars-programme-c.toml"

SMALL_PLAN = """
[programme]
name = "Small programme"
currency = "EUR"
total = 1_000

[[sources]]
id = "EC"
name = "European Commission"

[[sources]]
id = "NATIONAL"
name = "National"

[[periods]]
id = "2020-2021"
title = "First"
first_year = 2020
last_year = 2021
total = 600

[[periods.lines]]
id = "a"
activity = "Activity A"
amount = 400
sources = ["EC", "NATIONAL"]

[[periods.lines]]
id = "b"
activity = "Activity B"
amount = "200.00"
sources = ["NATIONAL"]

[[periods]]
id = "2022"
title = "Second"
first_year = 2022
last_year = 2022
total = 400

[[periods.lines]]
id = "c"
activity = "Activity C"
amount = 400
sources = ["EC"]
"""

#: One period: line a (1,000) may be paid by EC or National, line b (500) by EC only; tests
#: add the caps they need.
TWO_LINES = """
[programme]
name = "Two lines"
currency = "EUR"
total = 1_500

[[sources]]
id = "EC"

[[sources]]
id = "NATIONAL"

[[periods]]
id = "2020"
first_year = 2020
last_year = 2020
total = 1_500

[[periods.lines]]
id = "a"
activity = "A"
amount = 1_000
sources = ["EC", "NATIONAL"]

[[periods.lines]]
id = "b"
activity = "B"
amount = 500
sources = ["EC"]
"""


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def plan_text(periods: list[tuple[str, list[tuple[str, object, list[str]]]]], funding: str = "",
              sources: tuple[str, ...] = ("EC", "NATIONAL", "OTHER")) -> str:
    """A plan from (period id, [(line id, amount, sources)]); stated totals are the sums."""
    def amount(value: object) -> str:
        return f'"{value}"' if isinstance(value, (str, Decimal)) else str(value)

    total = sum((D(str(a)) for _, lines in periods for _, a, _ in lines), D(0))
    parts = ['[programme]\nname = "Test"\ncurrency = "EUR"\n', f'total = "{total:.2f}"\n']
    parts += [f'[[sources]]\nid = "{source}"\n' for source in sources]
    for number, (period_id, lines) in enumerate(periods):
        period_total = sum((D(str(a)) for _, a, _ in lines), D(0))
        parts.append(f'[[periods]]\nid = "{period_id}"\nfirst_year = {2000 + number}\n'
                     f'last_year = {2000 + number}\ntotal = "{period_total:.2f}"\n')
        for line_id, value, marked in lines:
            parts.append(f'[[periods.lines]]\nid = "{line_id}"\nactivity = "Activity {line_id}"\n'
                         f"amount = {amount(value)}\nsources = {json.dumps(marked)}\n")
    return "\n".join(parts) + "\n" + funding


def funding_text(rules) -> str:
    """The `funding` section of the generated rules, as TOML."""
    text = []
    for source, period, cents in rules["caps"]:
        text.append(f'[[funding.caps]]\nsource = "{source}"\n'
                    + (f'period = "{period}"\n' if period else "") + f'amount = "{D(cents) / 100:.2f}"\n')
    for source, low, high in rules["shares"]:
        text.append(f'[[funding.shares]]\nsource = "{source}"\n'
                    + (f'min = "{low}%"\n' if low is not None else "")
                    + (f'max = "{D(high) / 100}%"\n' if high is not None else ""))
    for source, period, line, cents in rules["pledges"]:
        text.append(f'[[funding.pledges]]\nsource = "{source}"\nperiod = "{period}"\n'
                    f'line = "{line}"\namount = "{D(cents) / 100:.2f}"\n')
    return "\n".join([*text, rules["preference"]])
