"""Phasing charts: a source's cumulative claims against its N+n target, and a claim sweep."""

from __future__ import annotations

from typing import Literal

from ..engine.phasing import SourcePhasing
from ..engine.phasing_sweep import ClaimSweep
from .charts import cumulative_lines_svg, lines_chart
from .sweep_chart import axis_label


def claims_chart_svg(source: SourcePhasing, currency: str) -> str:
    """Per year: what must have been claimed by its end (the target, dashed) against what is
    (pre-financing and claims); the gap between them is at risk."""
    assert source.commitment is not None
    rows = source.decommitment
    return cumulative_lines_svg(
        [str(row.year) for row in rows],
        [(f"target (N+{source.commitment.lag_years})", [row.target for row in rows]),
         ("pre-financing and claims", [row.covered for row in rows])],
        title=f"{source.name}: cumulative claims against the decommitment target", unit=currency)


def claim_sweep_chart(sweep: ClaimSweep, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """The most at risk at any deadline against the swept claim, the break-even marked."""
    parameter = sweep.axis.parameter
    marks = [] if sweep.needed is None else [(float(sweep.needed), "break-even")]
    described = axis_label(sweep.plan, parameter)
    return lines_chart([float(value) for value in sweep.axis.values],
                       [("most at risk", [point.most for point in sweep.points])],
                       title=f"At risk of decommitment against {described}",
                       xlabel=described, currency=sweep.plan.programme.currency,
                       marks=marks, fmt=fmt)
