"""Charts as self-contained SVG text, drawn by matplotlib (imported only when a chart is made).

The SVG is deterministic: no creation date in its metadata and a fixed salt for element ids,
so the same figures give the same bytes. Colours come from `palette`: each source its own,
the unfunded part grey.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .palette import MUTED_COLOUR, UNFUNDED_COLOUR, series_colour

#: matplotlib settings of every chart: a fixed salt for SVG ids, text kept as text, and
#: plan text drawn as written: with `text.parse_math` off, a name such as `$\foo{$` is not
#: read as mathtext (which fails on it, or draws something else).
STYLE = {"svg.hashsalt": "budget-planner", "svg.fonttype": "none", "font.size": 9,
         "font.family": "DejaVu Sans", "text.parse_math": False, "text.usetex": False}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def money_scale(largest: float, currency: str) -> tuple[float, str]:
    """The divisor and the unit an axis of money up to `largest` is best read in:
    (1e6, "million €"), (1e3, "thousand €") or (1, "€")."""
    symbol = SYMBOLS.get(currency, currency)
    if largest >= 1_000_000:
        return 1_000_000.0, f"million {symbol}"
    if largest >= 10_000:
        return 1_000.0, f"thousand {symbol}"
    return 1.0, symbol


def compact(value: float, divisor: float) -> str:
    """A tick or a label in the axis's unit, to two decimals at most: 26.4, 1.85, 700."""
    if divisor == 1.0:
        return f"{value:,.0f}"
    return f"{value / divisor:,.2f}".rstrip("0").rstrip(".")


def svg_text(figure: Any) -> str:
    """A matplotlib figure as SVG to sit inside HTML (no XML prolog, no date)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "budget-planner"})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def stacked_bars_svg(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]],
                     unfunded: Sequence[Decimal], *, title: str, currency: str) -> str:
    """Stacked bars, one bar a category, one segment a source (in plan order, so each keeps its
    colour), the unfunded part grey on top; each bar's total written above it, so that a short
    bar can be read as well as a tall one."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    totals = [float(sum(values, Decimal(0))) for values in zip(*(values for _, values in series),
                                                              unfunded)] \
        if series else [float(value) for value in unfunded]
    divisor, unit = money_scale(max(totals, default=0.0), currency)
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        bottoms = [0.0] * len(categories)
        drawn = [(name, values, series_colour(number)) for number, (name, values)
                 in enumerate(series)] + [("Unfunded", unfunded, UNFUNDED_COLOUR)]
        for name, values, colour in drawn:
            heights = [float(value) for value in values]  # drawing only: amounts stay Decimal
            axes.bar(categories, heights, bottom=bottoms, label=name, color=colour, width=0.6,
                     edgecolor="white", linewidth=0.5)
            bottoms = [bottom + height for bottom, height in zip(bottoms, heights)]
        for number, total in enumerate(totals):
            axes.annotate(compact(total, divisor), (number, total), xytext=(0, 3),
                          textcoords="offset points", ha="center", va="bottom", fontsize=8)
        axes.set_title(title)
        axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value, divisor)))
        axes.set_ylim(0, max(totals, default=0.0) * 1.1 or 1.0)
        axes.spines[["top", "right"]].set_visible(False)
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
                    frameon=False)
        figure.tight_layout()
        svg = svg_text(figure)
        pyplot.close(figure)
    return svg


def cumulative_lines_svg(categories: Sequence[str],
                         series: Sequence[tuple[str, Sequence[Decimal | None]]], *, title: str,
                         unit: str) -> str:
    """Lines over categories (years), one a series; a None value ends its line there. `unit`
    is the currency the amounts are in."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    largest = max((float(value) for _, values in series for value in values
                   if value is not None), default=0.0)
    divisor, label = money_scale(largest, unit)
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        for number, (name, values) in enumerate(series):
            shown = [(category, float(value)) for category, value in zip(categories, values)
                     if value is not None]  # drawing only: amounts stay Decimal
            axes.plot([category for category, _ in shown], [value for _, value in shown],
                      label=name, color=series_colour(number), marker="os^D"[number % 4],
                      linestyle="--" if number == 0 else "-")
        axes.set_xticks(range(len(categories)), list(categories))
        axes.set_title(title)
        axes.set_ylabel(label)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value, divisor)))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", frameon=False)
        figure.tight_layout()
        svg = svg_text(figure)
        pyplot.close(figure)
    return svg


def lines_chart(xs: Sequence[float], series: Sequence[tuple[str, Sequence[Decimal]]], *,
                title: str, xlabel: str, currency: str,
                marks: Sequence[tuple[float, str]] = (), fmt: str = "svg") -> bytes:
    """Lines over amounts `xs` (a swept value), one a series, on money axes in `currency`;
    `marks` draws labelled vertical lines. SVG (deterministic) or PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    x_divisor, x_unit = money_scale(max(xs, default=0.0), currency)
    y_divisor, y_unit = money_scale(max((float(value) for _, values in series
                                         for value in values), default=0.0), currency)
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, 3.6))
        for number, (name, values) in enumerate(series):
            ys = [float(value) for value in values]  # drawing only: amounts stay Decimal
            axes.plot(xs, ys, label=name, color=series_colour(number), linewidth=1.6)
        for x, label in marks:
            axes.axvline(x, color=UNFUNDED_COLOUR, linestyle=":")
            axes.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -10),
                          textcoords="offset points", fontsize=8, color=MUTED_COLOUR)
        axes.set_title(title)
        axes.set_xlabel(f"{xlabel} ({x_unit})")
        axes.set_ylabel(y_unit)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value, x_divisor)))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value, y_divisor)))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": "budget-planner"} if fmt == "svg" else \
            {"Software": "budget-planner"}
        figure.savefig(buffer, format=fmt, metadata=metadata)
        pyplot.close(figure)
    return buffer.getvalue()
