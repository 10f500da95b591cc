"""Scenarios: named changes laid over a plan without copying it (`--scenario FILE`).

A scenario file is TOML with a `name`, an optional `description`, an `illustrative` flag for
figures made up for demonstration, and any of: a `funding` table in the plan's format (its
rules replace the plan's for the same source and scope, see `Funding.merged`), `[[lines.*]]`
edits (change, add or remove lines) and `[[scale]]` entries (a source's money or a period's
budget by a signed percent). See docs/scenarios.md.

A scenario is read for one plan: every id it names is checked against that plan (after the
scenario's own line edits), and every mistake is a coded `Problem` at its file, line and field.
Reading never solves: `engine.scenario` resolves a source scale to the amount it scales (which
may be an allocation) and lays the scenario over the plan.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Literal

from ..core.funding import Funding, percent_text
from ..core.model import Line, Origin, Plan, Problem
from ..core.money import CENT, MoneyError, display, money_text, type_name
from .fields import Fields, listed, suggest
from .loader import LINE_KEYS, Document, parse_document, read_document, read_line
from .phasing import (CommitmentChange, ProfileChange, read_commitment_changes,
                      read_profile_changes)
from .rules import Known, parse_funding

SCENARIO_KEYS = ("name", "description", "illustrative", "funding", "lines", "scale", "profiles",
                 "commitments")
LINES_KEYS = ("remove", "change", "add")
REMOVE_KEYS = ("period", "line")
CHANGE_KEYS = ("period", "line", "activity", "amount", "sources", "source_notes", "notes",
               "years")
ADD_KEYS = ("period", *LINE_KEYS)
SCALE_KEYS = ("source", "period", "by")

#: A signed percent: "-20%", "+12.5%". The sign is required: "20%" could mean "to" or "by".
_CHANGE = re.compile(r"\s*([+-])\s*(\d{1,4}(?:\.\d{1,2})?)\s*%\s*")
HUNDRED = Decimal(100)
LARGEST_RISE = Decimal(10)  # +1000 %
CHANGE_INVALID = "change-invalid"


@dataclass(frozen=True, slots=True)
class LineEdit:
    """One line removed, changed or added; `line` is the line after the edit (None: removed)."""

    action: Literal["remove", "change", "add"]
    period: str
    id: str
    line: Line | None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Scale:
    """A period's budget (lines and stated total) or a source's money, by a signed share.

    For a source, `base` is the amount scaled, resolved for the plan the scenario is read for
    (`engine.scenario.load_scenario`): the cap of that source and scope if one is set (by the
    scenario or the plan), else what the source is allocated there (`base_kind` says which).
    `where` is its `source` field, where a problem with resolving it is reported.
    """

    change: Decimal
    period: str | None = None
    source: str | None = None
    base: Decimal | None = None
    base_kind: Literal["", "cap", "allocation"] = ""
    origin: str = field(default="", compare=False)
    where: Origin | None = field(default=None, compare=False)

    @property
    def factor(self) -> Decimal:
        return 1 + self.change

    @property
    def cap(self) -> Decimal:
        """The cap a source scale sets: the base times the factor, rounded down to the cent."""
        assert self.base is not None
        return (self.base * self.factor).quantize(CENT, rounding=ROUND_FLOOR)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    file: str
    description: str = ""
    illustrative: bool = False
    funding: Funding = field(default_factory=Funding)
    lines: tuple[LineEdit, ...] = ()
    scales: tuple[Scale, ...] = ()
    profiles: tuple[ProfileChange, ...] = ()
    commitments: tuple[CommitmentChange, ...] = ()

    def changes(self) -> tuple[str, ...]:
        """What the scenario changes, one sentence each, in the order it applies them."""
        found = [_edit_text(edit) for edit in self.lines]
        found += [_scale_text(scale) for scale in self.scales if scale.source is None]
        found += [rule.describe() for rule in (*self.funding.caps, *self.funding.shares,
                                               *self.funding.pledges)]
        if self.funding.preference is not None:
            found.append(_preference_text(self.funding))
        found += [_scale_text(scale) for scale in self.scales if scale.source is not None]
        found += [change.describe() for change in (*self.profiles, *self.commitments)]
        return tuple(found)


def _edit_text(edit: LineEdit) -> str:
    where = f"{edit.period}/{edit.id}"
    if edit.line is None:
        return f"removes line {where}"
    sources = ", ".join(edit.line.sources) or "no source"
    return (f"{'adds' if edit.action == 'add' else 'changes'} line {where}: "
            f"{display(edit.line.amount, blank='no amount')}, {sources}")


def _scale_text(scale: Scale) -> str:
    change = f"{'+' if scale.change >= 0 else ''}{percent_text(scale.change)}"
    if scale.source is None:
        return f"scales the budget of {scale.period} by {change} (lines and stated total)"
    where = f"in {scale.period}" if scale.period else "for the whole programme"
    base = "cap" if scale.base_kind == "cap" else "allocation"
    return (f"scales {scale.source} {where} by {change}: {base} {display(scale.base)} "
            f"-> cap {display(scale.cap)}")


def _preference_text(funding: Funding) -> str:
    preference = funding.preference
    assert preference is not None
    if preference.kind == "priority":
        return "prefers " + ", then ".join(preference.priority)
    if preference.kind == "cost":
        return "costs per euro: " + ", ".join(f"{source} {cost}"
                                              for source, cost in preference.cost)
    return "aims at the mix " + ", ".join(f"{source} {percent_text(share)}"
                                         for source, share in preference.target_mix)


def parse_change(value: object) -> Decimal:
    """A signed percent such as "-20%" or "+5%" as a fraction (-0.2, 0.05); anything else
    raises MoneyError (a ValueError) with the code `change-invalid`."""
    if isinstance(value, str):
        found = _CHANGE.fullmatch(value)
        if found:
            change = Decimal(found.group(2)) / HUNDRED * (-1 if found.group(1) == "-" else 1)
            if change < -1:
                raise MoneyError(CHANGE_INVALID, f"{value!r} is a cut of more than 100%")
            if change > LARGEST_RISE:
                raise MoneyError(CHANGE_INVALID, f"{value!r} is a rise of more than 1000%")
            return change
        if re.fullmatch(r"\s*\d+(\.\d+)?\s*%\s*", value):
            raise MoneyError(CHANGE_INVALID, f"{value!r} has no sign; write \"-{value.strip()}\" "
                                             f"for a cut or \"+{value.strip()}\" for a rise")
        raise MoneyError(CHANGE_INVALID, f"{value!r} is not a change; write a signed percent such "
                                         "as \"-20%\" or \"+12.5%\" (at most two decimals)")
    raise MoneyError(CHANGE_INVALID, 'expected a signed percent string such as "-20%", found '
                                     f"{type_name(value)}")


# --- reading ---------------------------------------------------------------------------------

def read_scenario(path: Path | str, plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario file for `plan`: the scenario and no problems, or None and
    every problem. A source scale's base is left unset: `engine.scenario` resolves it."""
    problems: list[Problem] = []
    document = read_document(path, problems)
    if document is None:
        return None, problems
    return _scenario(document, plan, problems)


def read_scenario_text(text: str, file: str, plan: Plan) -> tuple[Scenario | None, list[Problem]]:
    """A scenario's text (a request's), read and checked for `plan` as `read_scenario` reads
    a file named `file`."""
    problems: list[Problem] = []
    document = parse_document(text.encode("utf-8", "surrogatepass"), file, problems)
    if document is None:
        return None, problems
    return _scenario(document, plan, problems)


def _scenario(document: Document, plan: Plan,
              problems: list[Problem]) -> tuple[Scenario | None, list[Problem]]:
    data = document.data
    fields = Fields(document.report, data, "", SCENARIO_KEYS, "a scenario")
    name = fields.text("name", required=True)
    description = fields.text("description") or ""
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        fields.report("illustrative", "wrong-type",
                      f"expected true or false, found {type_name(illustrative)}")
    line_edits = _LineEdits(document, plan)
    edits = line_edits.read(data.get("lines"))
    known = line_edits.known()
    scales = _read_scales(document, fields, known)
    funding = parse_funding(data.get("funding"), document.report, path="funding", known=known,
                            file=Path(document.file).name)
    edited = line_edits.plan_after()
    profiles = read_profile_changes(document.report, fields, edited, Path(document.file).name)
    commitments = read_commitment_changes(document.report, data.get("commitments"), edited,
                                          Path(document.file).name)
    if problems:
        return None, problems
    return Scenario(str(name), document.file, str(description), bool(illustrative), funding,
                    tuple(edits), tuple(scales), tuple(profiles), tuple(commitments)), []


class _LineEdits:
    """Reads `[[lines.remove]]`, `[[lines.change]]` and `[[lines.add]]`, in that order of
    effect, checking every id against the plan as the earlier edits leave it."""

    def __init__(self, document: Document, plan: Plan):
        self.document, self.plan = document, plan
        self.lines = {period.id: {line.id: line for line in period.lines}
                      for period in plan.periods}
        self.removed: dict[tuple[str, str], str] = {}
        self.edits: list[LineEdit] = []

    def read(self, raw: Any) -> list[LineEdit]:
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self.document.report("lines", "wrong-type",
                                 f"expected a table of edits ([[lines.change]], [[lines.add]], "
                                 f"[[lines.remove]]), found {type_name(raw)}")
            return []
        fields = Fields(self.document.report, raw, "lines", LINES_KEYS, "the line edits")
        for path, table in fields.tables("remove"):
            self.remove(path, table)
        for path, table in fields.tables("change"):
            self.change(path, table)
        for path, table in fields.tables("add"):
            self.add(path, table)
        return self.edits

    def plan_after(self) -> Plan:
        """The plan's periods and commitments as the edits leave its lines (for the ids and
        years a scenario's phasing names)."""
        return dataclasses.replace(self.plan, periods=tuple(
            dataclasses.replace(period, lines=tuple(self.lines[period.id].values()))
            for period in self.plan.periods))

    def known(self) -> Known:
        """The ids the scenario's rules may name: the plan's, as the line edits leave it."""
        return Known(sources=self.plan.source_ids, periods=tuple(self.lines),
                     lines={period: tuple(lines) for period, lines in self.lines.items()})

    def locate(self, fields: Fields, table: dict[str, Any]) -> tuple[str, str] | None:
        """The (period, line) an edit names; the period may be left out when the line id is
        in one period only."""
        period = fields.text("period")
        line = fields.text("line", required=True)
        periods = tuple(self.lines)
        if period is not None and period not in self.lines:
            fields.report("period", "unknown-period",
                          f"unknown period {period!r}{suggest(period, periods)} "
                          f"(periods: {listed(periods)})")
            return None
        if line is None:
            return None
        if period is None:
            having = [period_id for period_id in periods if line in self.lines[period_id]
                      or (period_id, line) in self.removed]
            if len(having) > 1:
                fields.report("period", "ambiguous-line",
                              f"line {line!r} is in periods {listed(having)}; say which with "
                              "'period'")
                return None
            if not having:
                every = sorted({line_id for lines in self.lines.values() for line_id in lines})
                fields.report("line", "unknown-line", f"no line {line!r} in any period"
                                                      f"{suggest(line, every)}")
                return None
            period = having[0]
        if (period, line) in self.removed:
            fields.report("line", "removed-line", f"line {period}/{line} is removed at "
                                                  f"{self.removed[period, line]}")
            return None
        if line not in self.lines[period]:
            fields.report("line", "unknown-line", f"no line {line!r} in period {period!r}"
                                                  f"{suggest(line, tuple(self.lines[period]))}")
            return None
        return period, line

    def remove(self, path: str, table: dict[str, Any]) -> None:
        fields = Fields(self.document.report, table, path, REMOVE_KEYS, "a line removal")
        found = self.locate(fields, table)
        if found is None or not fields.ok:
            return
        period, line = found
        del self.lines[period][line]
        self.removed[period, line] = path
        self.edits.append(LineEdit("remove", period, line, None, f"{self.document.file}: {path}"))

    def change(self, path: str, table: dict[str, Any]) -> None:
        fields = Fields(self.document.report, table, path, CHANGE_KEYS, "a line change")
        found = self.locate(fields, table)
        if found is None:
            # Still check the new values, so that one run reports every mistake.
            self._line(path, {"id": "x", "activity": "x", **{
                key: value for key, value in table.items() if key in CHANGE_KEYS[2:]}})
            return
        if not fields.ok:
            return
        period, line_id = found
        old = self.lines[period][line_id]
        merged: dict[str, Any] = {"id": old.id, "activity": old.activity, "notes": old.notes,
                                  "sources": list(old.sources)}
        if old.amount is not None:
            merged["amount"] = money_text(old.amount)
        notes = dict(old.source_notes)
        if "sources" in table and isinstance(table["sources"], list):
            notes = {source: note for source, note in notes.items() if source in table["sources"]}
        if notes:
            merged["source_notes"] = notes
        if old.years:
            merged["years"] = {str(year): money_text(amount) for year, amount in old.years}
        merged.update({key: value for key, value in table.items() if key not in REMOVE_KEYS})
        line = self._line(path, merged, period)
        if line is not None and old.years and "years" not in table:  # the years follow
            line = dataclasses.replace(line, years=old.with_amount(line.amount).years)
        if line is not None:
            self.lines[period][line_id] = line
            self.edits.append(LineEdit("change", period, line_id, line,
                                       f"{self.document.file}: {path}"))

    def add(self, path: str, table: dict[str, Any]) -> None:
        fields = Fields(self.document.report, table, path, ADD_KEYS, "an added line")
        period = fields.text("period", required=True)
        if period is not None and period not in self.lines:
            periods = tuple(self.lines)
            fields.report("period", "unknown-period",
                          f"unknown period {period!r}{suggest(period, periods)} "
                          f"(periods: {listed(periods)})")
        line = self._line(path, {key: value for key, value in table.items()
                                 if key in LINE_KEYS}, period)
        if line is None or not fields.ok or period is None:
            return
        if line.id in self.lines[period]:
            fields.report("id", "duplicate-id",
                          f"line {line.id!r} is already in period {period!r}; change it with "
                          "[[lines.change]] or remove it first")
            return
        self.lines[period][line.id] = line
        self.edits.append(LineEdit("add", period, line.id, line, f"{self.document.file}: {path}"))

    def _line(self, path: str, table: dict[str, Any], period: str | None = None) -> Line | None:
        # The plan's own line rules and messages, so a line reads the same in both files; its
        # stated years must lie in its period's.
        years = self.plan.period(period).years if period in self.lines else None
        return read_line(self.document, path, table, self.plan.source_ids, years)


def _read_scales(document: Document, scenario: Fields, known: Known) -> list[Scale]:
    scales: list[Scale] = []
    seen: dict[tuple[str | None, str | None], str] = {}
    for path, table in scenario.tables("scale"):
        fields = Fields(document.report, table, path, SCALE_KEYS, "a scale")
        source = fields.text("source")
        period = fields.text("period")
        if source is not None and source not in known.sources:
            fields.report("source", "unknown-source",
                          f"unknown funding source {source!r}{suggest(source, known.sources)} "
                          f"(sources: {listed(known.sources)})")
        if period is not None and period not in known.periods:
            fields.report("period", "unknown-period",
                          f"unknown period {period!r}{suggest(period, known.periods)} "
                          f"(periods: {listed(known.periods)})")
        if source is None and period is None and "source" not in table and "period" not in table:
            fields.report("source", "missing-field",
                          "a scale needs a 'source' (its money), a 'period' (its budget) or both")
        change = None
        if "by" not in table:
            fields.report("by", "missing-field", "required field 'by' is missing (\"-20%\")")
        else:
            change = fields.parsed("by", parse_change)
        key = (source, period)
        if fields.ok and key in seen:
            fields.report("source" if source else "period", "duplicate-rule",
                          f"this {'source and period' if source else 'period'} is already scaled "
                          f"at {seen[key]}")
        if fields.ok and change is not None:
            seen[key] = path
            scales.append(Scale(change, period, source,
                                origin=f"{Path(document.file).name}: {path}",
                                where=document.origin(f"{path}.source")))
    # Budgets first, then money: the order they apply in.
    return [scale for scale in scales if scale.source is None] + \
        [scale for scale in scales if scale.source is not None]
