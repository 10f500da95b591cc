"""Plans for tests: the shipped seed plan, small plans written out in full, and one builder of
plan text from periods and lines; TOML text of generated values and funding rules."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

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


#: A line for `plan_text`: (id, amount, marked sources) or (id, amount, marked sources, notes).
LineSpec = tuple[Any, ...]


def plan_text(periods: Sequence[tuple[str, Sequence[LineSpec]]], funding: str = "",
              sources: Sequence[str] = ("EC", "NATIONAL", "OTHER"), *,
              stated: Sequence[object] | None = None, name: str = "Test") -> str:
    """A plan from (period id, [(line id, amount, sources[, notes])]), one period a year from
    2000. An amount is written bare when an int, quoted when text or a Decimal. The stated
    period totals are `stated` or else the sums of the lines; the programme's is their sum."""
    def amount(value: object) -> str:
        return f'"{value}"' if isinstance(value, (str, Decimal)) else str(value)

    if stated is None:
        stated = [sum((D(str(line[1])) for line in lines), D(0)) for _, lines in periods]
    totals = [D(str(value)) for value in stated]
    parts = [f'[programme]\nname = {json.dumps(name)}\ncurrency = "EUR"\n',
             f'total = "{sum(totals, D(0)):.2f}"\n']
    parts += [f'[[sources]]\nid = "{source}"\n' for source in sources]
    for number, ((period_id, lines), total) in enumerate(zip(periods, totals)):
        parts.append(f'[[periods]]\nid = "{period_id}"\nfirst_year = {2000 + number}\n'
                     f'last_year = {2000 + number}\ntotal = "{total:.2f}"\n')
        for line_id, value, marked, *notes in lines:
            parts.append(f'[[periods.lines]]\nid = "{line_id}"\nactivity = "Activity {line_id}"\n'
                         f"amount = {amount(value)}\nsources = {json.dumps(list(marked))}\n"
                         + "".join(f"notes = {json.dumps(note)}\n" for note in notes))
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
