"""Sweeps of a claim: "how much must the EC be claimed in 2018 to lose nothing?"

`budget-planner sweep --vary claim.EC/2018=0:8_000_000:500_000` sets what a source with
commitments is claimed in one year to each value (its other years as forecast) and gives what
is at risk at every deadline. The allocation does not depend on a claim, so the plan is
allocated once; a point is one N+n table. The break-even is exact: the least claim with
nothing at risk (`phasing.claim_needed`), and the first swept value that reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..core.model import Plan
from ..core.money import ZERO
from .phasing import claim_needed, decommitment, phasing
from .sweep import Axis


@dataclass(frozen=True, slots=True)
class ClaimPoint:
    """One swept claim and what is at risk at each deadline year of the sweep."""

    value: Decimal
    at_risk: tuple[Decimal, ...]

    @property
    def most(self) -> Decimal:
        return max(self.at_risk, default=ZERO)


@dataclass(frozen=True, slots=True)
class ClaimSweep:
    plan: Plan
    axis: Axis
    years: tuple[int, ...]
    points: tuple[ClaimPoint, ...]
    #: The least claim with nothing at risk; None when a deadline before the year is short.
    needed: Decimal | None
    #: What the plan's forecast claims from the source that year.
    forecast: Decimal

    @property
    def value(self) -> Decimal | None:
        """The first swept value with nothing at risk."""
        return next((point.value for point in self.points if not point.most), None)


def run_claim_sweep(plan: Plan, axis: Axis, *, solver: str = "highs") -> ClaimSweep:
    from .allocation import allocate

    parameter = axis.parameter
    assert parameter.kind == "claim" and parameter.year is not None
    source = next(source for source in phasing(plan, allocate(plan, solver=solver)).committed
                  if source.id == parameter.source)
    assert source.commitment is not None
    claims = dict(source.claims)
    tables = [decommitment(source.commitment, {**claims, parameter.year: value})
              for value in axis.values]
    years = tuple(sorted({row.year for table in tables for row in table}))
    points = []
    for value, table in zip(axis.values, tables):
        at_risk = {row.year: row.at_risk for row in table}
        points.append(ClaimPoint(value, tuple(at_risk.get(year, ZERO) for year in years)))
    return ClaimSweep(plan, axis, years, tuple(points),
                      claim_needed(source.commitment, claims, parameter.year),
                      claims.get(parameter.year, ZERO))
