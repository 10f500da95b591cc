"""The funding rules in words, for people who never read a plan file: "EU SF gives at most 60%
of each 2014-2020 line", each with where it is set. The workbook's Funding rules sheet, the
reports' Funding rules section and every gap's reason say them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.funding import Cap, Pledge, Preference, ShareRule, percent_text
from ..core.model import Gap, Plan
from ..core.money import display

#: What each list of rules is called, one of them, in the origins the plan reader gives.
_RULE_KINDS = {"caps": "cap", "shares": "share rule", "pledges": "pledge"}
_ORIGIN = re.compile(r"funding\.(?:(caps|shares|pledges)\[(\d+)\]|preference)")
NO_SOURCE_MARKED = "no funding source is marked for this line"


@dataclass(frozen=True, slots=True)
class RuleText:
    """One funding rule as documents list it."""

    kind: str  # Cap, Share, Pledge or Preference
    words: str
    origin: str


def source_name(plan: Plan, source_id: str) -> str:
    return plan.source(source_id).name if source_id in plan.source_ids else source_id


def _names(plan: Plan, source_ids: tuple[str, ...] | list[str]) -> list[str]:
    return [source_name(plan, source) for source in source_ids]


def _activity(plan: Plan, period: str | None, line: str) -> str:
    """A line as people know it: its activity, quoted; the first period that has it."""
    for each in plan.periods:
        if period in (None, each.id):
            for found in each.lines:
                if found.id == line:
                    return f"“{found.activity}”"
    return line


def _share_scope(plan: Plan, rule: ShareRule) -> str:
    if rule.line is not None:
        where = f" in {rule.period}" if rule.period else " in every period"
        return f"of line {_activity(plan, rule.period, rule.line)}{where}"
    return f"of each {rule.period} line" if rule.period else "of each line"


def rule_words(plan: Plan, rule: Cap | ShareRule | Pledge) -> str:
    """A cap, share rule or pledge in a sentence, with the plan's names of sources and lines."""
    name = source_name(plan, rule.source)
    if isinstance(rule, Cap):
        where = f"in {rule.period}" if rule.period else "over the whole programme"
        return f"{name} gives at most {display(rule.amount)} {where}"
    if isinstance(rule, Pledge):
        return (f"{name} has pledged {display(rule.amount)} to "
                f"{_activity(plan, rule.period, rule.line)} in {rule.period}")
    if rule.min is not None and rule.min == rule.max:
        bound = f"exactly {percent_text(rule.min)}"
    elif rule.min is not None and rule.max is not None:
        bound = f"between {percent_text(rule.min)} and {percent_text(rule.max)}"
    elif rule.min is not None:
        bound = f"at least {percent_text(rule.min)}"
    else:
        assert rule.max is not None
        bound = f"at most {percent_text(rule.max)}"
    return f"{name} gives {bound} {_share_scope(plan, rule)}"


def preference_words(plan: Plan, preference: Preference | None) -> str:
    """How the allocation chooses where the rules leave a choice."""
    if preference is None:
        return "None set: where the rules leave a choice, the allocation's default split applies"
    if preference.kind == "priority":
        return "Where the rules leave a choice, use " + ", then ".join(
            _names(plan, preference.priority)) + " (in that order)"
    pairs = preference.cost if preference.kind == "cost" else preference.target_mix
    if preference.kind == "cost":
        return ("Where the rules leave a choice, use the cheapest source first; cost per unit: "
                + ", ".join(f"{source_name(plan, source)} {value.normalize():f}"
                            for source, value in pairs))
    return ("Where the rules leave a choice, keep the split near " + ", ".join(
        f"{source_name(plan, source)} {percent_text(value)}" for source, value in pairs))


def origin_words(plan: Plan, origin: str) -> str:
    """Where a rule is set, as a person finds it: `ec-cut.toml, cap 1`, `plan.toml, preference`,
    `--vary cap.EC`. Rules of the plan itself name the plan's main file."""
    if not origin:
        return ""
    if origin.startswith("--"):
        return origin
    file, separator, path = origin.rpartition(": ")
    if not separator:
        file = Path(plan.files[0]).name if plan.files else "the plan"
    found = _ORIGIN.fullmatch(path)
    if found is None:
        return f"{file}, {path}"
    if found.group(1) is None:
        return f"{file}, preference"
    return f"{file}, {_RULE_KINDS[found.group(1)]} {int(found.group(2)) + 1}"


def funding_rules(plan: Plan) -> tuple[RuleText, ...]:
    """Every funding rule of the plan (scenarios laid over it included), caps first, then
    shares, pledges and the preference, which is always listed."""
    funding = plan.funding
    rows = [RuleText("Cap", rule_words(plan, cap), origin_words(plan, cap.origin))
            for cap in funding.caps]
    rows += [RuleText("Share", rule_words(plan, share), origin_words(plan, share.origin))
             for share in funding.shares]
    rows += [RuleText("Pledge", rule_words(plan, pledge), origin_words(plan, pledge.origin))
             for pledge in funding.pledges]
    preference = funding.preference
    rows.append(RuleText("Preference", preference_words(plan, preference),
                         origin_words(plan, preference.origin) if preference else ""))
    return tuple(rows)


def limit_words(plan: Plan, rule: Cap | ShareRule | Pledge) -> str:
    """How a rule holds a line's gap back, in words (where it is set is listed with the
    funding rules)."""
    name = source_name(plan, rule.source)
    if isinstance(rule, Cap):
        where = f"in {rule.period}" if rule.period else "for the whole programme"
        return f"{name}'s cap of {display(rule.amount)} {where} is used up"
    if isinstance(rule, Pledge):
        return f"{name} gives exactly its pledge of {display(rule.amount)}"
    return rule_words(plan, rule)


def gap_words(plan: Plan, gap: Gap) -> str:
    """Why a line is not (fully) funded, naming each rule that holds it back."""
    if gap.rules:
        return "; ".join(limit_words(plan, rule) for rule in gap.rules)
    line = next((found for period in plan.periods if period.id == gap.period
                 for found in period.lines if found.id == gap.line), None)
    if line is not None and not line.sources:
        return NO_SOURCE_MARKED
    return gap.reason
