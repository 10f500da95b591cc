"""The chart of a sweep, drawn by matplotlib: a line chart for one parameter, a heatmap for two.

Deterministic like `charts`: no date in the metadata and a fixed salt for SVG ids, so the same
sweep gives the same bytes. Lines that would lie on top of each other (periods with the same
gap at every value) are drawn once, with all their names; each line has its own dash and
marker as well as its colour, so that it can be told apart in grey print too.
"""

from __future__ import annotations

import io
import re
from typing import Literal

from ..core.model import Plan
from ..engine.sweep import Parameter, Sweep
from .charts import STYLE, compact, money_scale
from .dates import source_date_epoch
from .funding_rules import source_name
from .palette import MUTED_COLOUR, UNFUNDED_COLOUR, series_colour

#: Line styles and markers, in the order lines take them.
DASHES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")


def axis_label(plan: Plan, parameter: Parameter) -> str:
    """A parameter as an axis names it: `EC cap in 2014-2020` with the source's name, not
    the option's `cap.EC/2014-2020`."""
    return re.sub(rf"\b{re.escape(parameter.source)}\b", source_name(plan, parameter.source),
                  parameter.describe(), count=1)


def sweep_chart(sweep: Sweep, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """One parameter: the unfunded amount per period (and in all) against the value, with the
    break-even points marked. Two parameters: the programme's unfunded amount as a heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    source_date_epoch()  # matplotlib dates a chart by it: a malformed one is refused first
    plan = sweep.plan
    currency = plan.programme.currency
    axes_of = sweep.axes
    gaps = [sweep.gap(point, None) for point in sweep.points]
    divisor, unit = money_scale(max((gap / 100 for gap in gaps if gap is not None), default=0.0),
                                currency)
    money = FuncFormatter(lambda value, _: compact(value, divisor))

    def scaled_axis(parameter: Parameter) -> tuple[FuncFormatter, str, float]:
        """The tick format, the unit and the factor of a parameter's axis."""
        if not parameter.money:
            return FuncFormatter(lambda value, _: f"{value:g}%"), "%", 100.0
        largest = max(float(value) for axis in axes_of if axis.parameter == parameter
                      for value in axis.values)
        factor, name = money_scale(largest, currency)
        return FuncFormatter(lambda value, _: compact(value, factor)), name, 1.0

    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 4.2))
        first = axes_of[0].parameter
        x_format, x_unit, x_factor = scaled_axis(first)
        xs = [float(value) * x_factor for value in axes_of[0].values]
        if len(axes_of) == 1:
            _lines(axes, sweep, xs)
            for item in sweep.break_evens:
                if item.period is not None:
                    continue
                where = item.exact if item.exact is not None else item.value
                label = "break-even"
                if where is None:
                    where, label = item.least_at, "least gap from here"
                if where is not None:
                    x = float(where) * x_factor
                    axes.axvline(x, color=UNFUNDED_COLOUR, linestyle=":", zorder=1)
                    axes.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"),
                                  xytext=(3, -10), textcoords="offset points", fontsize=8,
                                  color=MUTED_COLOUR)
            axes.set_ylabel(f"unfunded ({unit})")
            axes.yaxis.set_major_formatter(money)
            axes.set_ylim(bottom=0)
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
            axes.spines[["top", "right"]].set_visible(False)
            axes.set_title(f"Unfunded against the {axis_label(plan, first)}")
        else:
            second = axes_of[1].parameter
            y_format, y_unit, y_factor = scaled_axis(second)
            ys = [float(value) * y_factor for value in axes_of[1].values]
            width = len(ys)
            grid = [[float("nan")] * len(xs) for _ in ys]
            for number, gap in enumerate(gaps):
                grid[number % width][number // width] = float("nan") if gap is None else gap / 100
            mesh = axes.pcolormesh(xs, ys, grid, shading="nearest", cmap="viridis")
            bar = figure.colorbar(mesh, ax=axes, format=money)
            bar.set_label(f"unfunded, all periods ({unit})")
            axes.set_ylabel(f"{axis_label(plan, second)} ({y_unit})")
            axes.yaxis.set_major_formatter(y_format)
            axes.yaxis.set_major_locator(MaxNLocator(6))
            axes.set_title("Unfunded over two parameters")
        axes.set_xlabel(f"{axis_label(plan, first)} ({x_unit})")
        axes.xaxis.set_major_formatter(x_format)
        axes.xaxis.set_major_locator(MaxNLocator(7))
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": "budget-planner"} if fmt == "svg" else \
            {"Software": "budget-planner"}
        figure.savefig(buffer, format=fmt, metadata=metadata)
        pyplot.close(figure)
    return buffer.getvalue()


def _lines(axes: object, sweep: Sweep, xs: list[float]) -> None:
    """The unfunded amount of each period and of the programme, one line for each different
    series: periods with the same figures at every point share a line and a legend entry."""
    named: dict[tuple[int | None, ...], list[str]] = {}
    series = [(period, period) for period in sweep.periods] + [("all periods", None)]
    for label, period in series:
        key = tuple(sweep.gap(point, period) for point in sweep.points)
        named.setdefault(key, []).append(label)
    for number, (key, labels) in enumerate(named.items()):
        ys = [float("nan") if gap is None else gap / 100 for gap in key]
        everything = "all periods" in labels
        colour = "#000000" if everything else series_colour(number)
        axes.plot(xs, ys, label=", ".join(labels),  # type: ignore[attr-defined]
                  color=colour, linewidth=2.4 if everything else 1.6,
                  linestyle=DASHES[number % len(DASHES)], marker=MARKERS[number % len(MARKERS)],
                  markevery=max(1, len(xs) // 8), markersize=4, zorder=2 if everything else 3)
