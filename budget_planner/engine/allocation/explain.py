"""The allocation's explanations: why lines keep gaps, how sources and their caps are used, what
one more euro of a cap is worth, and which periods' caps cannot cover their lines at all."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ...core.funding import Cap, Pledge, ShareRule
from ...core.model import Finding, Plan, SourceUse
from ...core.money import ZERO, display, from_cents
from .bounds import Item, Rule, origin_text
from .groups import CapKey, Component, ComponentKey
from .stages import Backend, least_gaps


def limiting_rules(item: Item, row: list[int],
                   exhausted: dict[CapKey, Cap]) -> tuple[Rule, ...]:
    """The rules that keep a line's eligible sources from paying its gap, one a source (the
    source's pledge, its share at the bound, or its used-up cap), in the line's source order."""
    found: list[Rule] = []
    for cell, amount, high in zip(item.cells, row, item.hi):
        if cell.pledge is not None:
            found.append(cell.pledge)
        elif amount >= high and cell.max_rule is not None:
            found.append(cell.max_rule)
        elif (cell.source, item.period) in exhausted:
            found.append(exhausted[cell.source, item.period])
        elif (cell.source, None) in exhausted:
            found.append(exhausted[cell.source, None])
    return tuple(found)


def gap_reason(item: Item, row: list[int], exhausted: dict[CapKey, Cap]) -> str:
    """Why a line keeps a gap: every eligible source is at its bound or out of money."""
    if not item.cells:
        return "no eligible source marked"
    capped, shares, pledges = [], [], []
    rules = limiting_rules(item, row, exhausted)
    for rule in rules:
        if isinstance(rule, Pledge):
            pledges.append(f"{rule.source}{origin_text(rule)}")
        elif isinstance(rule, ShareRule):
            shares.append(f"{rule.bound_text('max')}{origin_text(rule)}")
        else:
            scope = f"in {rule.period}" if rule.period is not None else "for the programme"
            capped.append(f"{rule.source} {scope}{origin_text(rule)}")
    limited = {rule.source for rule in rules}
    other = [cell.source for cell in item.cells if cell.source not in limited]
    parts = []
    if capped:
        parts.append("caps exhausted: " + ", ".join(capped))
    if shares:
        parts.append("share rules limit: " + ", ".join(shares))
    if pledges:
        parts.append("pledges fix: " + ", ".join(pledges))
    if other:  # pragma: no cover - optimality rules this out; kept so a reason is never empty
        parts.append("limited by the rules of lines sharing their caps: " + ", ".join(other))
    return "; ".join(parts)


#: Shadow prices remembered across allocations of one prepared plan, by component and cap.
Shadows = dict[tuple[ComponentKey, CapKey], Decimal]


def source_uses(plan: Plan, components: Sequence[Component], caps: dict[CapKey, int],
                used: dict[CapKey, int], exhausted: dict[CapKey, Cap],
                backend: Backend, shadows: Shadows | None = None) -> tuple[SourceUse, ...]:
    """Each source per period, then for the whole programme, with shadow prices of caps
    (remembered in `shadows` when given: a component whose data and caps are unchanged has
    the same prices)."""
    rows = []
    keys = [(source, period.id) for period in plan.periods for source in plan.source_ids]
    keys += [(source, None) for source in plan.source_ids]
    shadows = {} if shadows is None else shadows
    prices = _shadow_prices([key for key in keys if key in exhausted], components, backend,
                            shadows)
    for key in keys:
        allocated = used.get(key, 0)
        if key not in caps:
            rows.append(SourceUse(key[0], key[1], None, from_cents(allocated), None, False, None))
            continue
        rows.append(SourceUse(key[0], key[1], from_cents(caps[key]), from_cents(allocated),
                              from_cents(caps[key] - allocated), key in exhausted,
                              prices.get(key, ZERO)))
    return tuple(rows)


def _shadow_prices(binding: Sequence[CapKey], components: Sequence[Component],
                   backend: Backend, shadows: Shadows) -> dict[CapKey, Decimal]:
    """How much the least total gap falls if each binding cap were one euro higher (0 for a
    cap that ties no lines); solved only for components whose prices `shadows` does not
    remember yet.

    A finite difference of re-solved optima, not a solver's dual value: duals of degenerate
    optima differ between solvers, this difference does not.
    """
    prices = {}
    for component in components:
        keys = [key for key in binding if key in component.caps]
        if not keys:
            continue
        named = component.key
        missing = [key for key in keys if (named, key) not in shadows]
        if missing:
            least, raised = least_gaps(component.groups, component.caps, missing, backend)
            for key in missing:
                shadows[named, key] = from_cents(least - raised[key])
        prices.update((key, shadows[named, key]) for key in keys)
    return prices


def funding_findings(plan: Plan) -> list[Finding]:
    """Periods whose lines need more than the caps of their marked sources can give.

    Only where every source marked in the period has a cap (for the period or the programme);
    an uncapped source could pay for anything. No solving: these are the findings `check`
    reports beside reconciliation's (`reconcile(plan, funding=funding_findings(plan))`).
    """
    caps = {cap.key: cap.amount for cap in plan.funding.caps}
    if not caps:
        return []
    findings = []
    for period in plan.periods:
        need = period.computed_total
        marked = [source for source in plan.source_ids
                  if any(source in line.sources for line in period.lines)]
        limits = []
        for source in marked:
            limit = [caps[key] for key in ((source, period.id), (source, None)) if key in caps]
            if not limit:
                break
            limits.append(min(limit))
        else:
            available = sum(limits, ZERO)
            if available < need:
                findings.append(Finding(
                    "warning", "funding-short",
                    f"the caps of the sources marked in {period.id} "
                    f"({', '.join(marked) or 'none'}) give at most {display(available)}, "
                    f"its lines need {display(need)}",
                    period=period.id, expected=need, actual=available,
                    difference=available - need))
    return findings
