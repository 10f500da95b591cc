"""Reading the fields of TOML tables: what plans, funding rules and scenarios share.

`Fields` gives typed access to one table and reports every unknown, missing or wrong field at
its path (`periods[0].lines[2].amount`), so a reader reports every mistake and goes on.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ..core.limits import NAMES_LISTED, SUGGESTION_CANDIDATES, TEXT_CHARACTERS
from ..core.money import MoneyError, parse_money, type_name

#: report(path, code, message): how a reader tells its document about a mistake.
Report = Callable[[str, str, str], None]
T = TypeVar("T")


def suggest(key: str, allowed: Sequence[str]) -> str:
    """The 'did you mean' part of a message, or nothing.

    The search is bounded: a misspelt name is compared with at most SUGGESTION_CANDIDATES
    known names, those nearest to it in alphabetical order, written forwards and backwards (a
    slip near the start of a name keeps its end), so that thousands of misspelt names among
    thousands of known ones cost seconds, not minutes.
    """
    candidates = list(allowed)
    if len(candidates) > SUGGESTION_CANDIDATES:
        candidates = _nearest(key, tuple(candidates))
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _nearest(key: str, allowed: tuple[str, ...]) -> list[str]:
    forwards, backwards = _orders(allowed)
    half = SUGGESTION_CANDIDATES // 4
    near = set()
    for order, probe, turn in ((forwards, key, False), (backwards, key[::-1], True)):
        at = bisect.bisect_left(order, probe)
        near.update(name[::-1] if turn else name for name in order[max(0, at - half):at + half])
    return sorted(near)


@functools.lru_cache(maxsize=8)
def _orders(allowed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The names sorted, and sorted as written backwards (each kept backwards)."""
    names = set(allowed)
    return sorted(names), sorted(name[::-1] for name in names)


def listed(names: Iterable[str]) -> str:
    """Known names for a message: all of them, or the first NAMES_LISTED and how many more."""
    names = list(names)
    if len(names) <= NAMES_LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:NAMES_LISTED])} and {len(names) - NAMES_LISTED:,} more"


class Fields:
    """Typed access to one TOML table at `path`; `ok` is False once a field was wrong.

    Every key of the table must be in `allowed`; `what` names the table in that message
    ("a budget line").
    """

    def __init__(self, report: Report, table: dict[str, Any], path: str,
                 allowed: tuple[str, ...], what: str):
        self.report_to, self.table, self.path = report, table, path
        self.ok = True
        for key in table:
            if key not in allowed:
                self.report(key, "unknown-key",
                            f"unknown key {key!r} in {what}{suggest(key, allowed)}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def report(self, key: str, code: str, message: str) -> None:
        self.report_at(self.at(key), code, message)

    def report_at(self, path: str, code: str, message: str) -> None:
        """Report a mistake at any path (an element of an array, a key of an inline table)."""
        self.ok = False
        self.report_to(path, code, message)

    def require(self, key: str) -> bool:
        """Whether the table has `key`; a missing one is reported."""
        if key in self.table:
            return True
        self.report(key, "missing-field", f"required field {key!r} is missing")
        return False

    def get(self, key: str, *, required: bool = False) -> Any:
        if required:
            self.require(key)
        return self.table.get(key)

    def text(self, key: str, *, required: bool = False, pattern: re.Pattern[str] | None = None,
             rule: str = "") -> str | None:
        """A string; a required one must not be blank, and must match `pattern` if given."""
        value = self.get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.report(key, "wrong-type", f"expected a string, found {type_name(value)}")
            return None
        if len(value) > TEXT_CHARACTERS:
            self.report(key, "text-too-long",
                        f"is {len(value):,} characters long; a text may be at most "
                        f"{TEXT_CHARACTERS:,} (what a workbook cell holds)")
            return None
        if required and not value.strip():
            self.report(key, "empty-field", f"{key!r} must not be empty")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.report(key, "invalid-id", f"{value!r} is not a valid {key}: {rule}")
            return None
        return value

    def year(self, key: str) -> int | None:
        value = self.get(key, required=True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(key, "wrong-type", f"expected a year (integer), found {type_name(value)}")
            return None
        if not 1900 <= value <= 2200:
            self.report(key, "invalid-year", f"{value} is not a plausible year (1900-2200)")
            return None
        return value

    def parsed(self, key: str, parse: Callable[[object], T], *, required: bool = False) -> T | None:
        """A value read by `parse`, which raises MoneyError (its code and message are reported)."""
        value = self.get(key, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except MoneyError as error:
            self.report(key, error.code, error.message)
            return None

    def money(self, key: str, *, required: bool = False) -> Decimal | None:
        return self.parsed(key, parse_money, required=required)

    def tables(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        """An array of tables as (path, table) pairs; wrong elements are reported and skipped."""
        return self._array(key, dict, "a table", f"an array of tables ([[{self.at(key)}]])")

    def strings(self, key: str) -> list[tuple[str, str]]:
        """An array of strings as (path, string) pairs."""
        return self._array(key, str, "a string", "an array of strings")

    def _array(self, key: str, kind: type, item_name: str, array_name: str) -> list[Any]:
        value = self.table.get(key, [])
        if not isinstance(value, list):
            self.report(key, "wrong-type", f"expected {array_name}, found {type_name(value)}")
            return []
        path = self.at(key)
        found = []
        for number, item in enumerate(value):
            if isinstance(item, kind):
                found.append((f"{path}[{number}]", item))
            else:
                self.report_at(f"{path}[{number}]", "wrong-type",
                               f"expected {item_name}, found {type_name(item)}")
        return found

