"""The one palette of every chart, in the workbook and in the SVG of reports and sweeps.

The colours are Okabe and Ito's, which stay apart for the common colour-vision deficiencies
and in grey print; each source keeps its colour (by its place in the plan) in every chart, and
the money nobody pays for is grey.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Okabe–Ito, in the order sources take them (the most distinct first), then four of Paul Tol's
#: muted colours for plans with more sources.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#882255", "#44AA99", "#999933", "#AA4499")
#: Money no source pays for.
UNFUNDED_COLOUR = "#BBBBBB"
#: Text and lines that are not data: muted ink.
MUTED_COLOUR = "#5B6475"


def series_colour(number: int) -> str:
    """The colour of the `number`th series (counting from 0)."""
    return PALETTE[number % len(PALETTE)]


def source_colours(source_ids: Sequence[str]) -> dict[str, str]:
    """Each source's colour, by its place in the plan."""
    return {source: series_colour(number) for number, source in enumerate(source_ids)}
