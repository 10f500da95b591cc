"""The chart of a sweep, drawn by matplotlib: a line chart for one parameter, a heatmap for two.

Deterministic like `charts`: no date in the metadata and a fixed salt for SVG ids, so the same
sweep gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Literal

from .charts import GAP_COLOUR, PALETTE
from ..engine.sweep import Sweep


def sweep_chart(sweep: Sweep, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """One parameter: the unfunded amount per period (and in all) against the value, with the
    break-even points marked. Two parameters: the programme's unfunded amount as a heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    currency = sweep.plan.programme.currency
    axes_of = sweep.axes
    money = FuncFormatter(lambda value, _: f"{value:,.0f}")
    percent = FuncFormatter(lambda value, _: f"{value:g}%")

    def scale(parameter_money: bool, value: object) -> float:
        number = float(value)  # type: ignore[arg-type]  # drawing only: amounts stay Decimal
        return number if parameter_money else number * 100

    with matplotlib.rc_context({"svg.hashsalt": "budget-planner", "svg.fonttype": "none",
                                "font.size": 9, "font.family": "DejaVu Sans"}):
        figure, axes = pyplot.subplots(figsize=(7.5, 4.2))
        first = axes_of[0].parameter
        xs = [scale(first.money, value) for value in axes_of[0].values]
        if len(axes_of) == 1:
            series = [(period, period) for period in sweep.periods] + [("All periods", None)]
            for number, (label, period) in enumerate(series):
                ys = [None if (gap := sweep.gap(point, period)) is None else gap / 100
                      for point in sweep.points]
                colour = "#000000" if period is None else PALETTE[number % len(PALETTE)]
                axes.plot(xs, [float("nan") if y is None else y for y in ys], label=label,
                          color=colour, linewidth=2.2 if period is None else 1.4,
                          linestyle="--" if period is None else "-")
            for item in sweep.break_evens:
                if item.period is not None:
                    continue
                where = item.exact if item.exact is not None else item.value
                label = "break-even"
                if where is None:
                    where, label = item.least_at, "least gap from here"
                if where is not None:
                    x = scale(first.money, where)
                    axes.axvline(x, color=GAP_COLOUR, linestyle=":")
                    axes.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"),
                                  xytext=(3, -10), textcoords="offset points", fontsize=8,
                                  color="#5B6475")
            axes.set_ylabel(f"unfunded ({currency})")
            axes.yaxis.set_major_formatter(money)
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
            axes.spines[["top", "right"]].set_visible(False)
            axes.set_title(f"Unfunded against {first.describe()}")
        else:
            second = axes_of[1].parameter
            ys = [scale(second.money, value) for value in axes_of[1].values]
            width = len(ys)
            grid = [[float("nan")] * len(xs) for _ in ys]
            for number, point in enumerate(sweep.points):
                gap = sweep.gap(point, None)
                grid[number % width][number // width] = float("nan") if gap is None else gap / 100
            mesh = axes.pcolormesh(xs, ys, grid, shading="nearest", cmap="viridis")
            bar = figure.colorbar(mesh, ax=axes, format=money)
            bar.set_label(f"unfunded, all periods ({currency})")
            axes.set_ylabel(f"{second.name}")
            axes.yaxis.set_major_formatter(money if second.money else percent)
            axes.set_title("Unfunded over two parameters")
        axes.set_xlabel(first.name)
        axes.xaxis.set_major_formatter(money if first.money else percent)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": "budget-planner"} if fmt == "svg" else \
            {"Software": "budget-planner"}
        figure.savefig(buffer, format=fmt, metadata=metadata)
        pyplot.close(figure)
    return buffer.getvalue()
