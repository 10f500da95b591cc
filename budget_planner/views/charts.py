"""Charts as self-contained SVG text, drawn by matplotlib (imported only when a chart is made).

The SVG is deterministic: no creation date in its metadata and a fixed salt for element ids,
so the same figures give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

#: A palette that stays readable in print and for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
GAP_COLOUR = "#BBBBBB"
#: matplotlib settings of every chart: a fixed salt for SVG ids, text kept as text.
STYLE = {"svg.hashsalt": "budget-planner", "svg.fonttype": "none", "font.size": 9,
         "font.family": "DejaVu Sans"}


def stacked_bars_svg(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]],
                     *, title: str, unit: str) -> str:
    """Stacked bars, one bar a category, one stack segment a series; values in `unit`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        bottoms = [0.0] * len(categories)
        for number, (name, values) in enumerate(series):
            heights = [float(value) for value in values]  # drawing only: amounts stay Decimal
            colour = GAP_COLOUR if name.lower().startswith("unfunded") else \
                PALETTE[number % len(PALETTE)]
            axes.bar(categories, heights, bottom=bottoms, label=name, color=colour, width=0.6)
            bottoms = [bottom + height for bottom, height in zip(bottoms, heights)]
        axes.set_title(title)
        axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "budget-planner"})
        pyplot.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML


def cumulative_lines_svg(categories: Sequence[str],
                         series: Sequence[tuple[str, Sequence[Decimal | None]]], *, title: str,
                         unit: str) -> str:
    """Lines over categories (years), one a series; a None value ends its line there."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        for number, (name, values) in enumerate(series):
            shown = [(category, float(value)) for category, value in zip(categories, values)
                     if value is not None]  # drawing only: amounts stay Decimal
            axes.plot([category for category, _ in shown], [value for _, value in shown],
                      label=name, color=PALETTE[number % len(PALETTE)], marker="o",
                      linestyle="--" if number == 0 else "-")
        axes.set_xticks(range(len(categories)), list(categories))
        axes.set_title(title)
        axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", frameon=False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "budget-planner"})
        pyplot.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def lines_chart(xs: Sequence[float], series: Sequence[tuple[str, Sequence[Decimal]]], *,
                title: str, xlabel: str, ylabel: str, marks: Sequence[tuple[float, str]] = (),
                fmt: str = "svg") -> bytes:
    """Lines over amounts `xs` (a swept value), one a series, on money axes; `marks` draws
    labelled vertical lines. SVG (deterministic) or PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    money = FuncFormatter(lambda value, _: f"{value:,.0f}")
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        for number, (name, values) in enumerate(series):
            ys = [float(value) for value in values]  # drawing only: amounts stay Decimal
            axes.plot(xs, ys, label=name, color=PALETTE[number % len(PALETTE)], linewidth=1.6)
        for x, label in marks:
            axes.axvline(x, color=GAP_COLOUR, linestyle=":")
            axes.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -10),
                          textcoords="offset points", fontsize=8, color="#5B6475")
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.xaxis.set_major_formatter(money)
        axes.yaxis.set_major_formatter(money)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": "budget-planner"} if fmt == "svg" else \
            {"Software": "budget-planner"}
        figure.savefig(buffer, format=fmt, metadata=metadata)
        pyplot.close(figure)
    return buffer.getvalue()
