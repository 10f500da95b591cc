"""Differences between two plans (either may come from a workbook): `budget-planner diff`.

`diff_plans` compares by period id and line id and returns one value; views/diff.py lays it
out as text and JSON. Two plans are equal exactly when the diff is empty: every field a plan
holds is compared, except its name (the file it came from).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..core.model import Commitment, Line, Period, Plan, mark
from ..core.money import display

Value = str | Decimal | None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a line that differs: activity, amount, notes, or a source's mark."""

    field: str
    old: Value
    new: Value
    source: str | None = None

    @property
    def difference(self) -> Decimal | None:
        if self.field == "amount" and isinstance(self.old, Decimal) \
                and isinstance(self.new, Decimal):
            return self.new - self.old
        return None


@dataclass(frozen=True, slots=True)
class LineEntry:
    """A line present on one side only."""

    period: str
    line: str
    activity: str
    amount: Decimal | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LineDiff:
    period: str
    line: str
    activity: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class TotalChange:
    """A stated and a computed total on both sides (None where the period is missing)."""

    id: str
    stated_old: Decimal | None
    stated_new: Decimal | None
    computed_old: Decimal | None
    computed_new: Decimal | None


@dataclass(frozen=True, slots=True)
class OtherChange:
    """Anything else that differs: programme fields, sources, period titles, funding rules."""

    where: str
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class PlanDiff:
    a: str
    b: str
    added: tuple[LineEntry, ...]
    removed: tuple[LineEntry, ...]
    changed: tuple[LineDiff, ...]
    periods: tuple[TotalChange, ...]
    programme: TotalChange | None
    other: tuple[OtherChange, ...]
    #: Source id -> name, for views (names from B, else A).
    source_names: tuple[tuple[str, str], ...] = ()

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed or self.periods
                    or self.programme or self.other)


def _entry(period: Period, line: Line) -> LineEntry:
    return LineEntry(period.id, line.id, line.activity, line.amount, line.sources)


def _line_changes(source_ids: list[str], old: Line, new: Line) -> tuple[FieldChange, ...]:
    changes = []
    if old.activity != new.activity:
        changes.append(FieldChange("activity", old.activity, new.activity))
    if old.amount != new.amount:
        changes.append(FieldChange("amount", old.amount, new.amount))
    for source in source_ids:
        was = mark(old.sources, old.note_for(source), source)
        now = mark(new.sources, new.note_for(source), source)
        if was != now:
            changes.append(FieldChange("mark", was, now, source))
    if old.source_notes != new.source_notes and not any(c.field == "mark" for c in changes):
        changes.append(FieldChange("source notes", repr(dict(old.source_notes)),
                                   repr(dict(new.source_notes))))
    if old.notes != new.notes:
        changes.append(FieldChange("notes", old.notes, new.notes))
    if old.years != new.years:
        changes.append(FieldChange("years", years_text(old.years), years_text(new.years)))
    return tuple(changes)


def years_text(years: tuple[tuple[int, Decimal], ...]) -> str:
    """A line's stated years for people, or how its period spreads it."""
    if not years:
        return "(the period's profile)"
    return ", ".join(f"{year} {display(amount)}" for year, amount in years)


def _profile_text(period: Period) -> str:
    return ":".join(str(weight) for weight in period.profile) or "even"


def _commitment_text(commitment: Commitment) -> str:
    return (f"N+{commitment.lag_years}, pre-financing {display(commitment.prefinancing)}; "
            f"{years_text(commitment.years)}")


def _commitment_changes(a: Plan, b: Plan) -> list[OtherChange]:
    old = {commitment.source: commitment for commitment in a.commitments}
    new = {commitment.source: commitment for commitment in b.commitments}
    return [OtherChange(f"commitments {source}", "changed" if source in old and source in new
                        else "removed" if source in old else "added",
                        _commitment_text(old[source]) if source in old else None,
                        _commitment_text(new[source]) if source in new else None)
            for source in dict.fromkeys([*old, *new]) if old.get(source) != new.get(source)]


def _funding_texts(plan: Plan) -> list[str]:
    funding = plan.funding
    texts = [rule.describe() for rule in (*funding.caps, *funding.shares, *funding.pledges)]
    if funding.preference is not None:
        preference = funding.preference
        texts.append(f"preference {preference.kind}: " + ", ".join(
            preference.priority if preference.kind == "priority" else
            [f"{source} {value}" for source, value in
             (preference.cost if preference.kind == "cost" else preference.target_mix)]))
    return texts


def _other(a: Plan, b: Plan) -> list[OtherChange]:
    out: list[OtherChange] = []
    for field_name in ("name", "currency", "reference", "description", "date"):
        old, new = getattr(a.programme, field_name), getattr(b.programme, field_name)
        if old != new:
            out.append(OtherChange("programme", field_name, None if old is None else str(old),
                                   None if new is None else str(new)))
    a_sources = {source.id: source for source in a.sources}
    b_sources = {source.id: source for source in b.sources}
    for source in a.sources:
        if source.id not in b_sources:
            out.append(OtherChange(f"source {source.id}", "removed", source.name, None))
            continue
        for field_name in ("name", "description"):
            old, new = getattr(source, field_name), getattr(b_sources[source.id], field_name)
            if old != new:
                out.append(OtherChange(f"source {source.id}", field_name, old, new))
    out += [OtherChange(f"source {source.id}", "added", None, source.name)
            for source in b.sources if source.id not in a_sources]
    common = [s for s in a.source_ids if s in b_sources]
    if common != [s for s in b.source_ids if s in a_sources]:
        out.append(OtherChange("sources", "order", ", ".join(a.source_ids),
                               ", ".join(b.source_ids)))
    b_periods = {period.id: period for period in b.periods}
    for period in a.periods:
        other = b_periods.get(period.id)
        if other is None:
            out.append(OtherChange(f"period {period.id}", "removed", period.title, None))
            continue
        if period.title != other.title:
            out.append(OtherChange(f"period {period.id}", "title", period.title, other.title))
        years_old = f"{period.first_year}-{period.last_year}"
        years_new = f"{other.first_year}-{other.last_year}"
        if years_old != years_new:
            out.append(OtherChange(f"period {period.id}", "years", years_old, years_new))
        if period.profile != other.profile:
            out.append(OtherChange(f"period {period.id}", "profile", _profile_text(period),
                                   _profile_text(other)))
        kept_old = [line.id for line in period.lines if line.id in {x.id for x in other.lines}]
        kept_new = [line.id for line in other.lines if line.id in {x.id for x in period.lines}]
        if kept_old != kept_new:
            out.append(OtherChange(f"period {period.id}", "line order", ", ".join(kept_old),
                                   ", ".join(kept_new)))
    a_ids = {period.id for period in a.periods}
    out += [OtherChange(f"period {period.id}", "added", None, period.title)
            for period in b.periods if period.id not in a_ids]
    kept_old = [p.id for p in a.periods if p.id in b_periods]
    kept_new = [p.id for p in b.periods if p.id in a_ids]
    if kept_old != kept_new:
        out.append(OtherChange("periods", "order", ", ".join(kept_old), ", ".join(kept_new)))
    out += _commitment_changes(a, b)
    if a.funding != b.funding:
        old_rules, new_rules = _funding_texts(a), _funding_texts(b)
        out += [OtherChange("funding", "removed", text, None)
                for text in old_rules if text not in new_rules]
        out += [OtherChange("funding", "added", None, text)
                for text in new_rules if text not in old_rules]
        if set(old_rules) == set(new_rules):  # the same rules, in another order
            out.append(OtherChange("funding", "order", "; ".join(old_rules),
                                   "; ".join(new_rules)))
    return out


def diff_plans(a: Plan, b: Plan, *, a_name: str = "A", b_name: str = "B") -> PlanDiff:
    """What changed from plan `a` to plan `b`."""
    added: list[LineEntry] = []
    removed: list[LineEntry] = []
    changed: list[LineDiff] = []
    totals: list[TotalChange] = []
    source_ids = list(dict.fromkeys([*a.source_ids, *b.source_ids]))
    b_periods = {period.id: period for period in b.periods}
    a_periods = {period.id: period for period in a.periods}
    for period in a.periods:
        other = b_periods.get(period.id)
        new_lines = {line.id: line for line in other.lines} if other else {}
        for line in period.lines:
            if line.id not in new_lines:
                removed.append(_entry(period, line))
            else:
                changes = _line_changes(source_ids, line, new_lines[line.id])
                if changes:
                    changed.append(LineDiff(period.id, line.id, new_lines[line.id].activity,
                                            changes))
        if other is not None:
            old_ids = {line.id for line in period.lines}
            added += [_entry(other, line) for line in other.lines if line.id not in old_ids]
            if (period.total, period.computed_total) != (other.total, other.computed_total):
                totals.append(TotalChange(period.id, period.total, other.total,
                                          period.computed_total, other.computed_total))
        else:
            totals.append(TotalChange(period.id, period.total, None, period.computed_total, None))
    for period in b.periods:
        if period.id not in a_periods:
            added += [_entry(period, line) for line in period.lines]
            totals.append(TotalChange(period.id, None, period.total, None, period.computed_total))
    programme = None
    if (a.programme.total, a.computed_total) != (b.programme.total, b.computed_total):
        programme = TotalChange("programme", a.programme.total, b.programme.total,
                                a.computed_total, b.computed_total)
    names = {**{s.id: s.name for s in a.sources}, **{s.id: s.name for s in b.sources}}
    return PlanDiff(a_name, b_name, tuple(added), tuple(removed), tuple(changed), tuple(totals),
                    programme, tuple(_other(a, b)), tuple(names.items()))
