"""Scenarios: named sets of funding rules laid over a plan (`allocate --scenario FILE`).

A scenario file is TOML with a `name`, an optional `description`, an `illustrative` flag for
figures made up for demonstration, and a `funding` table in the plan's format. Its rules are
added to the plan's; a rule for the same source and scope replaces the plan's (see
`Funding.merged`). Applying a scenario returns a new plan; the plan file is never changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from .funding import Funding, Known, parse_funding
from .loader import read_document, suggest
from .model import Plan, Problem
from .money import type_name

SCENARIO_KEYS = ("name", "description", "illustrative", "funding")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    file: str
    description: str = ""
    illustrative: bool = False
    funding: Funding = field(default_factory=Funding)


def known_ids(plan: Plan) -> Known:
    """The ids a scenario's rules may name: the plan's sources, periods and lines."""
    return Known(sources=plan.source_ids, periods=tuple(period.id for period in plan.periods),
                 lines={period.id: tuple(line.id for line in period.lines)
                        for period in plan.periods})


def load_scenario(path: Path | str, plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """Read a scenario for `plan`: the scenario and no problems, or None and every problem."""
    problems: list[Problem] = []
    document = read_document(path, problems)
    if document is None:
        return None, problems
    data = document.data
    for key in data:
        if key not in SCENARIO_KEYS:
            document.report(key, "unknown-key",
                            f"unknown key {key!r} in a scenario{suggest(key, SCENARIO_KEYS)}")
    name = data.get("name")
    if name is None:
        document.report("name", "missing-field", "required field 'name' is missing")
    elif not isinstance(name, str) or not name.strip():
        document.report("name", "wrong-type", f"expected a non-empty string, found {type_name(name)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        document.report("description", "wrong-type",
                        f"expected a string, found {type_name(description)}")
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        document.report("illustrative", "wrong-type",
                        f"expected true or false, found {type_name(illustrative)}")
    funding = parse_funding(data.get("funding"), document.report, path="funding",
                            known=known_ids(plan), file=Path(document.file).name)
    if problems:
        return None, problems
    return Scenario(str(name), document.file, str(description), bool(illustrative), funding), []


def apply_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """The plan with the scenario's funding rules laid over its own."""
    return dataclasses.replace(plan, funding=plan.funding.merged(scenario.funding),
                               files=(*plan.files, scenario.file))
