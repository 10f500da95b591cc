"""Reading and writing the funding rules of a plan or scenario (its `funding` table).

Every mistake is reported at its field path, nothing raises; the rules are the records of
`core.funding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..core.funding import Cap, Funding, Pledge, Preference, ShareRule, percent_text
from ..core.money import CENT, MoneyError, type_name
from .fields import Fields, Report, listed, suggest

FUNDING_KEYS = ("caps", "shares", "pledges", "preference")
CAP_KEYS = ("source", "period", "amount")
SHARE_KEYS = ("source", "period", "line", "min", "max", "exactly")
PLEDGE_KEYS = ("source", "period", "line", "amount")
PREFERENCE_KEYS = ("priority", "cost", "target_mix")

_PERCENT = re.compile(r"\s*(\d{1,3}(?:\.\d{1,2})?)\s*%\s*")
_DECIMAL = re.compile(r"\s*\d{1,9}(?:\.\d{1,4})?\s*")
HUNDRED = Decimal(100)
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Known:
    """The ids a funding section may refer to: sources, periods, and lines per period."""

    sources: tuple[str, ...]
    periods: tuple[str, ...]
    lines: dict[str, tuple[str, ...]]


# --- reading ---------------------------------------------------------------------------------

def parse_share(value: object) -> Decimal:
    """A share written as a percent string, "85%" or "12.5%", as an exact fraction."""
    if isinstance(value, str):
        found = _PERCENT.fullmatch(value)
        if found:
            share = Decimal(found.group(1)) / HUNDRED
            if share > ONE:
                raise MoneyError("share-range", f"{value!r} is more than 100%")
            return share
        raise MoneyError("share-invalid", f"{value!r} is not a share; write a percent such as "
                                          '"85%" or "12.5%" (at most two decimals)')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        guess = f"{value * 100:g}%" if 0 < value < 1 else f"{value}%"
        raise MoneyError("share-invalid", f"{value!r} is ambiguous as a share (a fraction or a "
                                          f'percent?); write a percent string such as "{guess}"')
    raise MoneyError("wrong-type", f'expected a percent string such as "85%", found '
                                   f"{type_name(value)}")


def parse_cost(value: object) -> Decimal:
    """A cost per euro: an integer or a decimal string with at most four decimals, 0 or more."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 10**9:
            return Decimal(value)
        raise MoneyError("cost-range", f"{value} is not a cost per euro between 0 and 1,000,000,000")
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern rules this out
            pass
    if isinstance(value, float):
        raise MoneyError("cost-float", f"{value!r} is a TOML float; write the cost as a string "
                                       f'such as "{value}"')
    raise MoneyError("cost-invalid", f"{value!r} is not a cost per euro; write 0 or more, "
                                     'such as 1 or "0.75" (at most four decimals)')


def _source(fields: Fields, known: Known, source: str, path: str) -> str | None:
    """`source` if the plan has it; else reported at `path`."""
    if source in known.sources:
        return source
    fields.report_at(path, "unknown-source",
                     f"unknown funding source {source!r}{suggest(str(source), known.sources)} "
                     f"(sources: {listed(known.sources)})")
    return None


def _rule_source(fields: Fields, known: Known) -> str | None:
    """The rule's required `source`, one of the plan's."""
    source = fields.text("source") if fields.require("source") else None
    return None if source is None else _source(fields, known, source, fields.at("source"))


def _period(fields: Fields, known: Known) -> tuple[bool, str | None]:
    """Whether the rule's `period` is valid, and the period (None: every period)."""
    period = fields.text("period")
    if period is not None and period not in known.periods:
        fields.report("period", "unknown-period",
                      f"unknown period {period!r}{suggest(period, known.periods)} "
                      f"(periods: {listed(known.periods)})")
        return False, None
    return True, period


def _line(fields: Fields, known: Known, period: str | None) -> tuple[bool, str | None]:
    """Whether the rule's `line` is valid (in `period`, or in any period), and the line."""
    line = fields.text("line")
    if line is None:
        return True, None
    if period is not None:
        candidates = known.lines.get(period, ())
        where = f"period {period!r}"
    else:
        candidates = tuple(dict.fromkeys(
            line_id for period_id in known.periods for line_id in known.lines.get(period_id, ())))
        where = "any period"
    if line not in candidates:
        fields.report("line", "unknown-line",
                      f"no line {line!r} in {where}{suggest(line, candidates)}")
        return False, None
    return True, line


def parse_funding(raw: Any, report: Report, *, path: str = "funding", known: Known,
                  file: str = "") -> Funding:
    """Read a `funding` table; every mistake goes to `report`, nothing raises.

    `file`, when given, prefixes each rule's origin so that conflicts can name where a rule
    came from (a scenario file rather than the plan).
    """
    if raw is None:
        return Funding()
    if not isinstance(raw, dict):
        report(path, "wrong-type", f"expected a table ([{path}]), found {type_name(raw)}")
        return Funding()
    section = Fields(report, raw, path, FUNDING_KEYS, "the funding section")
    prefix = f"{file}: " if file else ""
    caps = _unique(_caps(section, known, prefix), report, "cap")
    shares = _unique(_shares(section, known, prefix), report, "share rule")
    pledges = _unique(_pledges(section, known, prefix), report, "pledge")
    preference = _preference(raw.get("preference"), f"{path}.preference", report, known, prefix)
    return Funding(caps, shares, pledges, preference)


def _unique(rules: list[tuple[str, Any]], report: Report, what: str) -> tuple[Any, ...]:
    """Rules with distinct keys; a second rule with the same source and scope is a mistake."""
    seen: dict[Any, str] = {}
    kept = []
    for rule_path, rule in rules:
        if rule.key in seen:
            report(rule_path, "duplicate-rule",
                   f"a {what} for the same source and scope is already set at {seen[rule.key]}")
            continue
        seen[rule.key] = rule_path
        kept.append(rule)
    return tuple(kept)


def _caps(section: Fields, known: Known, prefix: str) -> list[tuple[str, Cap]]:
    found = []
    for cap_path, table in section.tables("caps"):
        fields = Fields(section.report_to, table, cap_path, CAP_KEYS, "a cap")
        source = _rule_source(fields, known)
        _, period = _period(fields, known)
        amount = fields.money("amount", required=True)
        if fields.ok and source and amount is not None:
            found.append((cap_path, Cap(source, amount, period, prefix + cap_path)))
    return found


def _shares(section: Fields, known: Known, prefix: str) -> list[tuple[str, ShareRule]]:
    found = []
    for share_path, table in section.tables("shares"):
        fields = Fields(section.report_to, table, share_path, SHARE_KEYS, "a share rule")
        source = _rule_source(fields, known)
        period_ok, period = _period(fields, known)
        _, line = _line(fields, known, period) if period_ok else (False, None)
        low, high, exactly = (fields.parsed(key, parse_share) for key in ("min", "max", "exactly"))
        if "exactly" in table and ("min" in table or "max" in table):
            fields.report("exactly", "conflicting-fields",
                          "'exactly' sets both bounds; leave out 'min' and 'max'")
        elif not any(key in table for key in ("min", "max", "exactly")):
            fields.report("max", "missing-field", "a share rule needs 'min', 'max' or 'exactly'")
        if exactly is not None:
            low = high = exactly
        if low is not None and high is not None and low > high:
            fields.report("min", "min-above-max",
                          f"min {percent_text(low)} is above max {percent_text(high)}")
        if fields.ok and source:
            found.append((share_path, ShareRule(source, low, high, period, line,
                                                prefix + share_path)))
    return found


def _pledges(section: Fields, known: Known, prefix: str) -> list[tuple[str, Pledge]]:
    found = []
    for pledge_path, table in section.tables("pledges"):
        fields = Fields(section.report_to, table, pledge_path, PLEDGE_KEYS, "a pledge")
        source = _rule_source(fields, known)
        period_ok, period = _period(fields, known)
        line_ok, line = _line(fields, known, period) if period_ok else (False, None)
        fields.require("line")
        amount = fields.money("amount", required=True)
        if line_ok and line is not None and period is None:
            periods = [period_id for period_id in known.periods
                       if line in known.lines.get(period_id, ())]
            if len(periods) > 1:
                fields.report("period", "ambiguous-line",
                              f"line {line!r} is in periods {listed(periods)}; "
                              "say which with 'period'")
            else:
                period = periods[0]
        if fields.ok and source and period and line and amount is not None:
            found.append((pledge_path, Pledge(source, period, line, amount, prefix + pledge_path)))
    return found


def _preference(raw: Any, path: str, report: Report, known: Known, prefix: str) -> Preference | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        report(path, "wrong-type", f"expected a table ([{path}]), found {type_name(raw)}")
        return None
    fields = Fields(report, raw, path, PREFERENCE_KEYS, "the preference")
    given = [key for key in PREFERENCE_KEYS if key in raw]
    if len(given) != 1:
        fields.report(given[1] if len(given) > 1 else "priority",
                      "conflicting-fields" if given else "missing-field",
                      "set exactly one of 'priority', 'cost' or 'target_mix'")
        return None
    kind = given[0]
    value = raw[kind]
    if kind == "priority":
        if not isinstance(value, list) or not value:
            fields.report(kind, "wrong-type", "expected a non-empty array of source ids, "
                                              "most wanted first")
            return None
        order: list[str] = []
        for number, item in enumerate(value):
            item_path = f"{path}.{kind}[{number}]"
            if not isinstance(item, str):
                fields.report_at(item_path, "wrong-type",
                                 f"expected a source id, found {type_name(item)}")
            elif _source(fields, known, item, item_path) and item in order:
                fields.report_at(item_path, "duplicate-source", f"source {item!r} is listed twice")
            elif item in known.sources:
                order.append(item)
        return Preference(priority=tuple(order), origin=prefix + path) if fields.ok else None
    if not isinstance(value, dict) or not value:
        example = "{ EC = 1 }" if kind == "cost" else '{ EC = "50%", NATIONAL = "50%" }'
        fields.report(kind, "wrong-type", f"expected a table such as {example}, "
                                          f"found {type_name(value)}")
        return None
    weights: dict[str, Decimal] = {}
    for source, weight in value.items():
        item_path = f"{path}.{kind}.{source}"
        if _source(fields, known, source, item_path) is None:
            continue
        try:
            weights[source] = parse_cost(weight) if kind == "cost" else parse_share(weight)
        except MoneyError as error:
            fields.report_at(item_path, error.code, error.message)
    if not fields.ok:
        return None
    ordered = tuple((source, weights[source]) for source in known.sources if source in weights)
    if kind == "cost":
        return Preference(cost=ordered, origin=prefix + path)
    total = sum(weights.values(), Decimal(0))
    if total != ONE:
        fields.report(kind, "mix-not-100", f"the target shares add up to {percent_text(total)}, "
                                           "not 100%")
        return None
    return Preference(target_mix=ordered, origin=prefix + path)


# --- writing ---------------------------------------------------------------------------------

def _amount_toml(amount: Decimal) -> str:
    amount = amount.quantize(CENT)
    return f"{int(amount):_}" if amount == amount.to_integral_value() else f'"{amount}"'


def funding_toml(funding: Funding) -> str:
    """The `[funding]` section as TOML that `parse_funding` reads back to the same rules.

    Ids are written unquoted-safe because the loader only accepts ids without quotes or spaces.
    """
    out: list[str] = []
    for cap in funding.caps:
        out += ["[[funding.caps]]", f'source = "{cap.source}"']
        if cap.period is not None:
            out.append(f'period = "{cap.period}"')
        out += [f"amount = {_amount_toml(cap.amount)}", ""]
    for share in funding.shares:
        out += ["[[funding.shares]]", f'source = "{share.source}"']
        if share.period is not None:
            out.append(f'period = "{share.period}"')
        if share.line is not None:
            out.append(f'line = "{share.line}"')
        if share.min is not None and share.min == share.max:
            out.append(f'exactly = "{percent_text(share.min)}"')
        else:
            if share.min is not None:
                out.append(f'min = "{percent_text(share.min)}"')
            if share.max is not None:
                out.append(f'max = "{percent_text(share.max)}"')
        out.append("")
    for pledge in funding.pledges:
        out += ["[[funding.pledges]]", f'source = "{pledge.source}"', f'period = "{pledge.period}"',
                f'line = "{pledge.line}"', f"amount = {_amount_toml(pledge.amount)}", ""]
    preference = funding.preference
    if preference is not None:
        out.append("[funding.preference]")
        if preference.kind == "priority":
            out.append("priority = [" + ", ".join(f'"{source}"' for source in preference.priority) + "]")
        elif preference.kind == "cost":
            out.append("cost = { " + ", ".join(f'{source} = "{cost}"'
                                               for source, cost in preference.cost) + " }")
        else:
            out.append("target_mix = { " + ", ".join(f'{source} = "{percent_text(share)}"'
                                                     for source, share in preference.target_mix) + " }")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n" if out else ""
