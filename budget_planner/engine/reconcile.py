"""Reconciliation: do the lines add up to the period totals, and the periods to the programme?

Each check is a function from a plan to findings; `reconcile` runs them all, in order, and
returns one result that every view (CLI, workbook, reports) renders without recomputing.
Findings about the funding rules come from the allocation, which owns those rules
(`allocation.funding_findings`); the caller passes them in, so reconciling never solves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..core.model import Finding, Plan
from ..core.money import ZERO, display
from .phasing import phasing_mismatches


@dataclass(frozen=True, slots=True)
class TotalCheck:
    """A stated total beside the total computed from the lines."""

    id: str
    stated: Decimal
    computed: Decimal

    @property
    def difference(self) -> Decimal:
        return self.computed - self.stated

    @property
    def ok(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True, slots=True)
class Reconciliation:
    plan: str
    programme_name: str
    currency: str
    programme: TotalCheck
    periods: tuple[TotalCheck, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    @property
    def ok(self) -> bool:
        """No error finding."""
        return self.count("error") == 0

    def failed(self, strict: bool = False) -> bool:
        """Whether `check` should exit 1: errors, or with `strict` warnings too."""
        return not self.ok or (strict and self.count("warning") > 0)


def check_period_totals(plan: Plan) -> Iterable[Finding]:
    for period in plan.periods:
        computed = period.computed_total
        if computed != period.total:
            yield Finding("error", "period-total-mismatch",
                          f"the lines of {period.id} add up to {display(computed)}, "
                          f"the period states {display(period.total)}",
                          period=period.id, expected=period.total, actual=computed,
                          difference=computed - period.total)


def check_programme_total(plan: Plan) -> Iterable[Finding]:
    stated = plan.programme.total
    computed = plan.computed_total
    if computed != stated:
        yield Finding("error", "programme-total-mismatch",
                      f"all lines add up to {display(computed)}, the programme states "
                      f"{display(stated)}", expected=stated, actual=computed,
                      difference=computed - stated)
    periods_stated = sum((period.total for period in plan.periods), ZERO)
    if periods_stated != stated:
        yield Finding("error", "period-totals-mismatch",
                      f"the stated period totals add up to {display(periods_stated)}, the "
                      f"programme states {display(stated)}", expected=stated,
                      actual=periods_stated, difference=periods_stated - stated)


def check_lines(plan: Plan) -> Iterable[Finding]:
    unfunded = ZERO
    unfunded_lines = 0
    for period in plan.periods:
        for line in period.lines:
            if line.amount is None:
                yield Finding("warning", "line-without-amount",
                              f"{line.activity!r} has no amount", period=period.id, line=line.id)
            elif not line.sources and line.amount > 0:
                unfunded += line.amount
                unfunded_lines += 1
                yield Finding("warning", "line-without-source",
                              f"{line.activity!r} ({display(line.amount)}) has no funding source "
                              "marked", period=period.id, line=line.id, actual=line.amount)
    if unfunded_lines:
        yield Finding("info", "unfunded-total",
                      f"{unfunded_lines} line(s) with {display(unfunded)} in all have no funding "
                      "source marked", actual=unfunded)


CHECKS: tuple[Callable[[Plan], Iterable[Finding]], ...] = (
    check_period_totals,
    check_programme_total,
    check_lines,
    phasing_mismatches,
)


def reconcile(plan: Plan, *, funding: Iterable[Finding] = ()) -> Reconciliation:
    """The plan's totals checked; `funding` (the allocation's `funding_findings`) is added
    after the findings of the totals and lines."""
    findings = (*(finding for check in CHECKS for finding in check(plan)), *funding)
    return Reconciliation(
        plan=plan.name,
        programme_name=plan.programme.name,
        currency=plan.programme.currency,
        programme=TotalCheck("programme", plan.programme.total, plan.computed_total),
        periods=tuple(TotalCheck(period.id, period.total, period.computed_total)
                      for period in plan.periods),
        findings=findings,
    )
