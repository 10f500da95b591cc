"""Views of a parameter sweep: the CSV of every point, the text summary and the JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.funding import percent_text
from ..core.money import CENT, display, from_cents, money_text
from ..core.text import terminal_text
from ..engine.sweep import Axis, BreakEven, Parameter, Sweep
from .render import text_table


def value_column(parameter: Parameter) -> str:
    return parameter.name if parameter.money else f"{parameter.name} (%)"


def value_cell(parameter: Parameter, value: Decimal) -> str:
    """A parameter value in the CSV: money as `9600000.00`, a share in percent as `12.50`."""
    return money_text(value) or "" if parameter.money else str((value * 100).quantize(CENT))


def sweep_frame(sweep: Sweep) -> Any:
    """The points as a pandas DataFrame; amounts as exact decimal strings."""
    import pandas

    periods, sources = sweep.periods, sweep.plan.source_ids
    columns = [value_column(axis.parameter) for axis in sweep.axes]
    columns += ["status", "unfunded", *(f"unfunded {period}" for period in periods)]
    columns += [f"{source}" for source in sources]
    columns += [f"{source} {period}" for source in sources for period in periods]
    rows = []
    for point in sweep.points:
        row = [value_cell(axis.parameter, value) for axis, value in zip(sweep.axes, point.values)]
        row.append(point.status)
        if point.status == "optimal":
            row += [money_text(from_cents(cents))
                    for cents in (sum(point.unfunded), *point.unfunded)]
            width = len(periods)
            by_source = [point.allocated[number * width:(number + 1) * width]
                         for number in range(len(sources))]
            row += [money_text(from_cents(sum(cents))) for cents in by_source]
            row += [money_text(from_cents(cents)) for cents in point.allocated]
        else:
            row += [""] * (1 + len(periods) + len(sources) * (1 + len(periods)))
        rows.append(row)
    return pandas.DataFrame(rows, columns=columns)


def sweep_csv(sweep: Sweep) -> str:
    return str(sweep_frame(sweep).to_csv(index=False, lineterminator="\n"))


def _range_text(axis: Axis) -> str:
    parameter, values = axis.parameter, axis.values
    step = values[1] - values[0] if len(values) > 1 else None
    return (f"{parameter.name} ({parameter.describe()}): {parameter.text(values[0])} to "
            f"{parameter.text(values[-1])}" + (f" by {parameter.text(step)}" if step else "")
            + f", {len(values)} value{'s' if len(values) != 1 else ''}")


NOT_REACHED = "not reached within the swept range"


def break_even_text(sweep: Sweep, item: BreakEven) -> str:
    parameter = sweep.axes[0].parameter
    if item.value is None:
        return _no_break_even_text(parameter, item)
    text = parameter.text(item.value)
    if item.exact is not None and item.exact != item.value:
        text = f"{parameter.text(item.exact)} (first swept value with no gap: {text})"
    elif item.value == sweep.axes[0].values[0]:
        text += " (no gap from the start of the range)"
    return text


def _no_break_even_text(parameter: Parameter, item: BreakEven) -> str:
    """A gap not closed in the range: closed by a larger value (extend STOP), or by none
    ("never", with the gap that stays), or, where the rules conflict past the range, what the
    range shows."""
    extend = "(still falling; extend STOP)" if item.falling else "(extend STOP)"
    if item.beyond == 0:
        return f"{NOT_REACHED} {extend}"
    if item.least is None:
        return "never: the rules conflict at every point"
    if item.beyond is not None and item.beyond < item.least:
        return (f"never: at least {display(item.beyond)} stays unfunded, reached beyond the "
                f"swept range {extend}")
    first = f"(first reached at {parameter.text(item.least_at)})"  # type: ignore[arg-type]
    if item.beyond is not None:
        return f"never: at least {display(item.least)} stays unfunded {first}"
    if item.falling:
        return f"{NOT_REACHED} {extend}"
    return f"{NOT_REACHED}: at least {display(item.least)} stays unfunded in it {first}"


def sweep_text(sweep: Sweep) -> str:

    plan = sweep.plan
    infeasible = sum(1 for point in sweep.points if point.status != "optimal")
    parts = [terminal_text(f"Sweep of {plan.programme.name}, amounts in {plan.programme.currency}")]
    parts += [f"  {_range_text(axis)}" for axis in sweep.axes]
    parts.append(f"{len(sweep.points):,} points solved"
                 + (f"; the rules conflict at {infeasible:,} of them" if infeasible else ""))
    parts += ["", f"Break-even: the smallest {sweep.axes[0].parameter.name} at which the gap "
                  "reaches zero"]
    if len(sweep.axes) == 1:
        parts.append(text_table(["period", "break-even"],
                                [[item.period or "programme", break_even_text(sweep, item)]
                                 for item in sweep.break_evens]))
    else:
        second = sweep.axes[1].parameter
        rows: list[list[str]] = []
        for item, first_other, last_other in _runs_of_equal(sweep):
            span = second.text(first_other) if first_other == last_other else \
                f"{second.text(first_other)} to {second.text(last_other)}"
            rows.append([item.period or "programme", span, break_even_text(sweep, item)])
        parts.append(text_table(["period", second.name, "break-even"], rows))
    return "\n".join(parts) + "\n"


def _runs_of_equal(sweep: Sweep) -> list[tuple[BreakEven, Decimal, Decimal]]:
    """Two-parameter break-evens with neighbouring values of the second parameter that give
    the same answer taken together: (the first of them, first value, last value)."""
    runs: list[tuple[BreakEven, Decimal, Decimal]] = []
    for item in sweep.break_evens:
        assert item.other is not None
        if runs:
            first, low, _ = runs[-1]
            if (first.period, first.value, first.least, first.least_at, first.beyond,
                    first.falling) == (item.period, item.value, item.least, item.least_at,
                                       item.beyond, item.falling):
                runs[-1] = (first, low, item.other)
                continue
        runs.append((item, item.other, item.other))
    return runs


def sweep_json(sweep: Sweep) -> dict[str, Any]:
    def value(parameter: Parameter, amount: Decimal | None) -> str | None:
        if amount is None:
            return None
        return money_text(amount) if parameter.money else percent_text(amount)

    first = sweep.axes[0].parameter
    second = sweep.axes[1].parameter if len(sweep.axes) > 1 else None
    return {
        "plan": sweep.plan.name,
        "parameters": [{"name": axis.parameter.name, "describe": axis.parameter.describe(),
                        "start": value(axis.parameter, axis.values[0]),
                        "stop": value(axis.parameter, axis.values[-1]),
                        "count": len(axis.values)} for axis in sweep.axes],
        "points": len(sweep.points),
        "infeasible": sum(1 for point in sweep.points if point.status != "optimal"),
        "break_even": [{"period": item.period,
                        **({second.name: value(second, item.other)} if second else {}),
                        "value": value(first, item.value), "exact": value(first, item.exact),
                        "least_gap": money_text(item.least),
                        "least_gap_at": value(first, item.least_at),
                        "gap_beyond": money_text(item.beyond), "still_falling": item.falling}
                       for item in sweep.break_evens],
    }
