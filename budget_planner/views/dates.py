"""The date a document carries: in the workbook's About sheet and file properties, and in the
header of every report.

A plan that states a date (`[reporting] as_of`, the date of its actuals, or `[programme] date`,
the date its figures stand at) is dated by it, so that the same plan gives the same document
whenever it is built; otherwise SOURCE_DATE_EPOCH (reproducible builds) dates it, and failing
both, the day it is built.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..core.model import InvalidRequest, Plan, Problem

T = TypeVar("T")

UTC = dt.timezone.utc
#: Month names in English whatever the locale, so that documents do not depend on it.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class DocumentDateError(ValueError):
    """A SOURCE_DATE_EPOCH that is no number of seconds."""


@dataclass(frozen=True, slots=True)
class DocumentDate:
    """When a document is dated (UTC), and where that date comes from."""

    when: dt.datetime
    #: "plan", "SOURCE_DATE_EPOCH" or "today".
    origin: str

    @property
    def day(self) -> dt.date:
        return self.when.date()

    @property
    def text(self) -> str:
        """The date as documents show it: `31 May 2024`."""
        return f"{self.day.day} {MONTHS[self.day.month - 1]} {self.day.year}"

    @property
    def explained(self) -> str:
        """The date and where it comes from, for the About sheet."""
        why = {"plan": "the plan's date ([reporting] as_of or [programme] date)",
               "SOURCE_DATE_EPOCH": "SOURCE_DATE_EPOCH",
               "today": "the day it was built; set [programme] date in the plan to fix it"}
        return f"{self.day.isoformat()} ({why[self.origin]})"


def plan_date(plan: Plan | None) -> dt.date | None:
    """The date a plan states: the date of its actuals (`[reporting] as_of`), else the date
    its figures stand at (`[programme] date`), else None."""
    if plan is None:
        return None
    return plan.reporting.as_of or plan.programme.date


def source_date_epoch(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a UTC time, or None when it is not set."""
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise DocumentDateError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}")
    try:
        return dt.datetime.fromtimestamp(int(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise DocumentDateError(f"SOURCE_DATE_EPOCH {value} is out of range") from None


def document_date(plan: Plan | None = None, environ: Mapping[str, str] | None = None,
                  today: dt.date | None = None) -> DocumentDate:
    """The plan's date, else SOURCE_DATE_EPOCH, else today (at midnight UTC, so that builds
    on one day give the same bytes)."""
    stated = plan_date(plan)
    if stated is not None:
        return DocumentDate(dt.datetime(stated.year, stated.month, stated.day, tzinfo=UTC), "plan")
    epoch = source_date_epoch(environ)
    if epoch is not None:
        return DocumentDate(epoch, "SOURCE_DATE_EPOCH")
    day = today or dt.datetime.now(UTC).date()
    return DocumentDate(dt.datetime(day.year, day.month, day.day, tzinfo=UTC), "today")


def dated(render: Callable[[], T]) -> T:
    """What `render` makes (a document, which dates itself); one that cannot be dated as asked
    (a malformed SOURCE_DATE_EPOCH) is an invalid request, before anything is written."""
    try:
        return render()
    except DocumentDateError as error:
        raise InvalidRequest(Problem("", "", "bad-document-date", str(error))) from error
