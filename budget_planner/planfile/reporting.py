"""The `[reporting]` table of a plan: its actuals files, their date and the programme's rules
on overspending (flexibility) and underspending.

```toml
[reporting]
actuals = ["actuals/2020.csv"]      # relative to the plan file
as_of = 2020-09-30                  # or "2020-09-30"
flexibility_percent = 20            # a line may exceed its amount by 20 % ...
flexibility_amount = 5_000          # ... or by this much, whichever is more
underspend_after_percent = 50       # once half of a period's months have passed,
underspend_threshold_percent = 90   # spending below 90 % of planned to date is at risk
```
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.actuals import Reporting
from ..core.model import Plan
from ..core.money import MoneyError, parse_money, type_name
from .fields import Fields, Report

REPORTING_KEYS = ("actuals", "as_of", "flexibility_percent", "flexibility_amount",
                  "underspend_after_percent", "underspend_threshold_percent")
PERCENT_KEYS = ("flexibility_percent", "underspend_after_percent",
                "underspend_threshold_percent")
_PERCENT = re.compile(r"\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object) -> date:
    """A date as TOML writes it (2020-09-30) or as text ("2020-09-30"); MoneyError if not."""
    if isinstance(value, datetime):
        raise MoneyError("invalid-date", f"{value.isoformat()} has a time of day; write the "
                                         "date alone, such as 2020-09-30")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise MoneyError("invalid-date", f"{value!r} is not a date of the calendar") from None
    raise MoneyError("invalid-date", f"{value!r} is not a date; write YYYY-MM-DD, such as "
                                     "2020-09-30")


def parse_percent(value: object) -> Decimal:
    """A percentage from 0 to 100: an integer, or a string such as "12.5" or "12.5%"."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("wrong-type", f"{value!r} is a {type_name(value)[2:]}; write a whole "
                                       'number (20) or a string such as "12.5%"')
    found = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    if isinstance(value, int):
        percent = Decimal(value)
    elif found:
        percent = Decimal(found.group(1))
    else:
        raise MoneyError("wrong-type", f"expected a percentage such as 20 or \"12.5%\", found "
                                       f"{type_name(value) if not isinstance(value, str) else repr(value)}")
    if not 0 <= percent <= 100:
        raise MoneyError("percent-range", f"{value!r} is not a percentage from 0 to 100")
    return percent


def parse_reporting(raw: Any, report: Report, *, path: str = "reporting") -> Reporting | None:
    """The `[reporting]` table (defaults when it is missing); None after reporting a problem."""
    if raw is None:
        return Reporting()
    if not isinstance(raw, dict):
        report(path, "wrong-type", f"expected a table ([reporting]), found {type_name(raw)}")
        return None
    fields = Fields(report, raw, path, REPORTING_KEYS, "[reporting]")
    values: dict[str, Any] = {}
    files = fields.strings("actuals")
    for at, name in files:
        if not name.strip():
            fields.report_at(at, "empty-field", "an actuals file needs a name")
    if "actuals" in raw:
        values["actuals"] = tuple(name for _, name in files)
    readers: dict[str, Callable[[object], Any]] = {
        "as_of": parse_date, "flexibility_amount": parse_money,
        **{key: parse_percent for key in PERCENT_KEYS}}
    for key, read in readers.items():
        value = fields.parsed(key, read)
        if value is not None:
            values[key] = value
    return Reporting(**values) if fields.ok else None


def actuals_paths(plan: Plan) -> tuple[Path, ...]:
    """The plan's actuals files, each relative to the folder of the plan's main file."""
    folder = Path(plan.files[0]).parent if plan.files else Path(".")
    return tuple(folder / name for name in plan.reporting.actuals)
