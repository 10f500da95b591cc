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


def stacked_bars_svg(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]],
                     *, title: str, unit: str) -> str:
    """Stacked bars, one bar a category, one stack segment a series; values in `unit`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context({"svg.hashsalt": "budget-planner", "svg.fonttype": "none",
                                "font.size": 9, "font.family": "DejaVu Sans"}):
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

    with matplotlib.rc_context({"svg.hashsalt": "budget-planner", "svg.fonttype": "none",
                                "font.size": 9, "font.family": "DejaVu Sans"}):
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
