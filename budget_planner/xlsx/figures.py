"""Every amount the budget workbook shows, computed once from the plan, its reconciliation and
its allocation, before a cell is written.

The sheets write these figures as the cached values of their formulas, so readers that never
recalculate show the engine's exact numbers; the formulas themselves come from `layout`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from ..core.model import AllocationResult, Plan
from ..core.money import ZERO
from ..engine.phasing import Phasing, phasing
from ..engine.reconcile import Reconciliation
from ..views.funding_rules import gap_words

#: Why a line is not funded when there is no allocation to say it.
NO_ALLOCATION = "no allocation computed"
RULES_CONFLICT = "the funding rules conflict (see above)"


@dataclass(frozen=True, slots=True)
class SourceUseFigures:
    """One row of the Sources sheet: a source's cap in a period (None: the programme)."""

    cap: Decimal | None
    binding: bool | None
    shadow_price: Decimal | None
    allocated: Decimal
    remaining: Decimal | None
    #: allocated / cap; None without a cap above zero.
    utilisation: Decimal | None


@dataclass(frozen=True, slots=True)
class WorkbookFigures:
    plan: Plan
    reconciliation: Reconciliation
    allocation: AllocationResult | None
    #: (period, line, source) -> amount; a marked source that gives nothing is absent.
    allocated: Mapping[tuple[str, str, str], Decimal]
    #: (period, line) -> the part not funded, and why.
    gaps: Mapping[tuple[str, str], Decimal]
    gap_reasons: Mapping[tuple[str, str], tuple[str, ...]]
    #: (period, line) -> its sources plus its part not funded.
    line_funding: Mapping[tuple[str, str], Decimal]
    #: (source, period) -> allocated; period None is the programme.
    by_source: Mapping[tuple[str, str | None], Decimal]
    #: period -> not funded; None is the programme.
    gap_by_period: Mapping[str | None, Decimal]
    #: period -> every source plus not funded; None is the programme.
    funding_by_period: Mapping[str | None, Decimal]
    #: Sum of every line's funding, and of every line's amount.
    funding_total: Decimal
    amount_total: Decimal
    #: (source, period) -> the row of the Sources sheet.
    source_uses: Mapping[tuple[str, str | None], SourceUseFigures]
    #: The plan by year and its N+n tables, for the Phasing sheet.
    phasing: Phasing | None = None


def workbook_figures(plan: Plan, reconciliation: Reconciliation,
                     allocation: AllocationResult | None,
                     phased: Phasing | None = None) -> WorkbookFigures:
    """The workbook's amounts. Without an optimal allocation every amount is not funded.
    `phased` is the plan by year (computed when not given)."""
    allocated: dict[tuple[str, str, str], Decimal] = {}
    gaps: dict[tuple[str, str], Decimal] = {}
    reasons: dict[tuple[str, str], list[str]] = {}
    if allocation is None or allocation.status != "optimal":
        reason = NO_ALLOCATION if allocation is None else RULES_CONFLICT
        for period in plan.periods:
            for line in period.lines:
                if line.amount is not None:
                    gaps[period.id, line.id] = line.amount
                    reasons[period.id, line.id] = [reason]
    else:
        for item in allocation.allocations:
            key = (item.period, item.line, item.source)
            allocated[key] = allocated.get(key, ZERO) + item.amount
        for gap in allocation.gaps:
            gaps[gap.period, gap.line] = gaps.get((gap.period, gap.line), ZERO) + gap.amount
            reason = gap_words(plan, gap)
            if reason:
                reasons.setdefault((gap.period, gap.line), []).append(reason)

    periods = [period.id for period in plan.periods]
    by_source = {(source, period): ZERO for source in plan.source_ids
                 for period in (*periods, None)}
    for (period, _, source), amount in allocated.items():
        by_source[source, period] = by_source.get((source, period), ZERO) + amount
        by_source[source, None] = by_source.get((source, None), ZERO) + amount
    gap_by_period: dict[str | None, Decimal] = dict.fromkeys((*periods, None), ZERO)
    for (period, _), amount in gaps.items():
        gap_by_period[period] = gap_by_period.get(period, ZERO) + amount
        gap_by_period[None] += amount
    funding_by_period = {period: sum((by_source[source, period] for source in plan.source_ids),
                                     ZERO) + gap_by_period[period] for period in periods}
    funding_by_period[None] = sum(funding_by_period.values(), ZERO)

    line_funding: dict[tuple[str, str], Decimal] = {}
    amount_total = ZERO
    for period in plan.periods:
        for line in period.lines:
            key = (period.id, line.id)
            line_funding[key] = sum(
                (allocated[period.id, line.id, source] for source in plan.source_ids
                 if (period.id, line.id, source) in allocated), ZERO) + gaps.get(key, ZERO)
            if line.amount is not None:
                amount_total += line.amount

    source_uses = {}
    for use in allocation.sources if allocation is not None else ():
        used = by_source.get((use.source, use.period), ZERO)
        source_uses[use.source, use.period] = SourceUseFigures(
            use.cap, use.binding, use.shadow_price, used,
            None if use.cap is None else use.cap - used,
            None if use.cap is None or use.cap <= 0 else used / use.cap)
    for source in plan.source_ids:
        if (source, None) not in source_uses:
            source_uses[source, None] = SourceUseFigures(None, None, None, by_source[source, None],
                                                         None, None)

    return WorkbookFigures(
        plan, reconciliation, allocation, MappingProxyType(allocated), MappingProxyType(gaps),
        MappingProxyType({key: tuple(found) for key, found in reasons.items()}),
        MappingProxyType(line_funding), MappingProxyType(by_source),
        MappingProxyType(gap_by_period), MappingProxyType(funding_by_period),
        sum(line_funding.values(), ZERO), amount_total, MappingProxyType(source_uses),
        phased or phasing(plan, allocation))
