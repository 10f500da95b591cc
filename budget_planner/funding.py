"""Funding rules: caps, co-financing shares, pledges and preferences (the `funding` section).

This module holds the rule records and reads them from a plan's or scenario's `funding` table.
It does not import the model, so the model can hold a `Funding` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

#: report(path, code, message): how parsing tells the loader about a mistake.
Report = Callable[[str, str, str], None]


@dataclass(frozen=True, slots=True)
class Funding:
    """All funding rules of a plan; empty when the plan states none."""

    @property
    def empty(self) -> bool:
        return True


def parse_funding(raw: Any, report: Report, *, path: str = "funding", known: "Known") -> Funding:
    """Read a `funding` table; every mistake goes to `report`, nothing raises."""
    if raw is None:
        return Funding()
    if not isinstance(raw, dict):
        report(path, "wrong-type", "expected a table")
        return Funding()
    for key in raw:
        report(f"{path}.{key}", "unknown-key", f"unknown key {key!r} in the funding section")
    return Funding()


@dataclass(frozen=True, slots=True)
class Known:
    """The ids a funding section may refer to: sources, periods, and lines per period."""

    sources: tuple[str, ...]
    periods: tuple[str, ...]
    lines: dict[str, tuple[str, ...]]
