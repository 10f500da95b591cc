"""The short texts of a what-if comparison, the same in every view (text, templates, the
comparison workbook): a signed change, a cap's use, a run's title and status.
"""

from __future__ import annotations

from decimal import Decimal

from ..core.model import SourceUse
from ..core.money import display
from ..engine.whatif import CapRow, Comparison, Run


def signed(amount: Decimal | None, blank: str = "–") -> str:
    """A change for people: `+1,000.00`, `-250.00`, `0.00`."""
    if amount is None:
        return blank
    return ("+" if amount > 0 else "") + display(amount)


def cap_label(comparison: Comparison, cap: CapRow) -> str:
    """A cap as the tables name it: the source's name and the period, or the programme."""
    names = {source.id: source.name for source in comparison.sources}
    return f"{names.get(cap.source, cap.source)} {cap.period or 'programme'}"


def cap_text(use: SourceUse | None) -> str:
    if use is None:
        return "no cap"
    if use.binding:
        shadow = f", shadow price {display(use.shadow_price)}" if use.shadow_price else ""
        return f"binds at {display(use.cap)}{shadow}"
    return f"{display(use.remaining)} left of {display(use.cap)}"


def run_title(run: Run) -> str:
    flag = " (illustrative figures)" if run.illustrative else ""
    if not run.scenarios:
        return f"the plan {run.plan.name}"
    if run.key == "Baseline":
        names = ", then ".join(scenario.name for scenario in run.scenarios)
        return f"the plan {run.plan.name} with {names}{flag}"
    return f"{run.label}{flag}"


def status_text(run: Run) -> str:
    rec = run.reconciliation
    errors = rec.count("error")
    return f"{run.allocation.status}; reconciliation {'OK' if not errors else f'{errors} error(s)'}"
