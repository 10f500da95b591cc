"""Views of a plan comparison: the text for a person and the JSON for a script."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.money import display, money_text
from ..core.text import terminal_text
from ..engine.diff import FieldChange, LineEntry, PlanDiff, Value


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + display(amount)


def _amount_text(amount: Decimal | None) -> str:
    return "(no amount)" if amount is None else display(amount)


def _change_text(change: FieldChange, names: dict[str, str]) -> str:
    def shown(value: Value) -> str:
        if change.field == "amount":
            return _amount_text(value if isinstance(value, Decimal) else None)
        return repr(value) if value else "(empty)"

    label = f"{names.get(change.source, change.source)} mark" if change.field == "mark" \
        else change.field
    text = f"{label}: {shown(change.old)} -> {shown(change.new)}"
    if change.difference is not None:
        text += f" ({_signed(change.difference)})"
    return text


def _move(label: str, old: Decimal | None, new: Decimal | None) -> str:
    if old == new:
        return f"{label} {_amount_text(old)} (unchanged)"
    text = f"{label} {_amount_text(old)} -> {_amount_text(new)}"
    if old is not None and new is not None:
        text += f" ({_signed(new - old)})"
    return text


def diff_text(diff: PlanDiff) -> str:
    if diff.equal:
        return terminal_text(f"No differences: {diff.a} and {diff.b} hold the same plan.") + "\n"
    names = dict(diff.source_names)
    out = [f"Differences from {diff.a} to {diff.b}"]

    def entry(sign: str, item: LineEntry) -> str:
        marks = ", ".join(names.get(source, source) for source in item.sources) or "no source"
        return (f"  {sign} {item.period}/{item.line}  {item.activity!r}  "
                f"{_amount_text(item.amount)}  [{marks}]")

    out += ["", f"Lines added: {len(diff.added)}", *(entry("+", item) for item in diff.added)]
    out += ["", f"Lines removed: {len(diff.removed)}",
            *(entry("-", item) for item in diff.removed)]
    out += ["", f"Lines changed: {len(diff.changed)}"]
    for line in diff.changed:
        out.append(f"  ~ {line.period}/{line.line}  {line.activity!r}")
        out += [f"      {_change_text(change, names)}" for change in line.changes]
    if diff.periods:
        out += ["", "Period totals:"]
        out += [f"  {total.id}  {_move('stated', total.stated_old, total.stated_new)};  "
                f"{_move('computed', total.computed_old, total.computed_new)}"
                for total in diff.periods]
    if diff.programme:
        total = diff.programme
        out += ["", "Programme total:",
                f"  {_move('stated', total.stated_old, total.stated_new)};  "
                f"{_move('computed', total.computed_old, total.computed_new)}"]
    if diff.other:
        out += ["", "Other changes:"]
        for change in diff.other:
            if change.field in ("added", "removed"):
                value = change.new if change.field == "added" else change.old
                out.append(f"  {change.where} {change.field}: {value!r}")
            else:
                out.append(f"  {change.where} {change.field}: {change.old!r} -> {change.new!r}")
    return "\n".join(map(terminal_text, out)) + "\n"


def _money_move(old: Decimal | None, new: Decimal | None) -> dict[str, Any]:
    return {"old": money_text(old), "new": money_text(new),
            "difference": None if old is None or new is None else money_text(new - old)}


def _entry_json(item: LineEntry) -> dict[str, Any]:
    return {"period": item.period, "line": item.line, "activity": item.activity,
            "amount": money_text(item.amount), "sources": list(item.sources)}


def _value_json(value: Value) -> Any:
    return money_text(value) if isinstance(value, Decimal) else value


def diff_json(diff: PlanDiff) -> dict[str, Any]:
    return {
        "equal": diff.equal,
        "a": diff.a,
        "b": diff.b,
        "lines": {
            "added": [_entry_json(item) for item in diff.added],
            "removed": [_entry_json(item) for item in diff.removed],
            "changed": [{"period": line.period, "line": line.line, "activity": line.activity,
                         "changes": [{"field": change.field, "source": change.source,
                                      "old": _value_json(change.old),
                                      "new": _value_json(change.new),
                                      "difference": money_text(change.difference)}
                                     for change in line.changes]}
                        for line in diff.changed],
        },
        "periods": [{"id": total.id, "stated": _money_move(total.stated_old, total.stated_new),
                     "computed": _money_move(total.computed_old, total.computed_new)}
                    for total in diff.periods],
        "programme": None if diff.programme is None else {
            "stated": _money_move(diff.programme.stated_old, diff.programme.stated_new),
            "computed": _money_move(diff.programme.computed_old, diff.programme.computed_new)},
        "other": [{"where": change.where, "field": change.field, "old": change.old,
                   "new": change.new} for change in diff.other],
    }
