"""Writing a worksheet that reads and prints well: one font, cell looks made once, columns as
wide as their headers and figures, rows as tall as their wrapped text, and every sheet set up
to print on A4 landscape, one page wide, its header row repeated on each page.

Shared by the budget workbook (`workbook`) and the what-if comparison workbook (`comparison`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.money import display
from .document import FORMULA_START, written_number
from .measure import (FONT_NAME, FONT_SIZE, STORED_PADDING, line_count, row_height, text_px,
                      widest_word_px, width_for)

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: Text that a spreadsheet would run as a formula if typed; such text is stored as text.
#: Currency symbols for chart axes; other currencies show their code.
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
HEADER_FILL, INPUT_FILL, BAND_FILL = "#DDE4EE", "#FFFBEA", "#F2F4F8"
MUTED, ERROR, WARNING, INFO = "#595959", "#C00000", "#9C5700", "#1F4E79"
MONEY = "#,##0.00;[Red]-#,##0.00"
#: A change: always signed, red when negative.
CHANGE = "+#,##0.00;[Red]-#,##0.00;0.00"
#: Sizes of type besides the body's.
TITLE_SIZE, SECTION_SIZE, SMALL_SIZE = 14, 11, 8
#: The looks of a sheet's title and of the line under it.
TITLE = {"bold": True, "font_size": TITLE_SIZE}
SUBTITLE = {"italic": True, "font_color": MUTED}
#: Room left beside the widest text of a column, so that neighbouring figures and headers
#: never touch (and `pdftotext` never reads them as one word).
GAP_PX = 12.0


class Styles:
    """The workbook's cell formats, created once each."""

    def __init__(self, book: "Workbook"):
        self._book = book
        self._cache: dict[tuple[tuple[str, Any], ...], "Format"] = {}
        self.base = {"font_name": FONT_NAME, "font_size": FONT_SIZE, "valign": "top"}

    def get(self, **props: Any) -> "Format":
        merged = {**self.base, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self._book.add_format(merged)
        return self._cache[key]

    def header(self, align: str = "left", quote: bool = False) -> "Format":
        return self.get(bold=True, bg_color=HEADER_FILL, bottom=1, text_wrap=True,
                        valign="bottom", align=align, **({"quote_prefix": True} if quote else {}))

    def money(self, **props: Any) -> "Format":
        return self.get(num_format=MONEY, **props)

    def money_dash(self) -> "Format":
        """Money that shows a zero as a dash: a source marked on a line that gives nothing."""
        return self.get(num_format=MONEY + ';"–"')

    def money_input(self, **props: Any) -> "Format":
        return self.get(num_format=MONEY, locked=False, bg_color=INPUT_FILL, **props)

    def total_money(self, **props: Any) -> "Format":
        return self.get(num_format=MONEY, bold=True, top=1, bottom=6, **props)

    def total_text(self, **props: Any) -> "Format":
        return self.get(bold=True, top=1, bottom=6, **props)


def money_text(amount: Decimal | str | None) -> str:
    """What a money cell shows, for sizing its column."""
    if amount is None or isinstance(amount, str):
        return amount or ""
    return display(amount)


@dataclass(slots=True)
class _Wrapped:
    row: int
    col: int
    text: str
    size: float
    bold: bool
    last_col: int


class Book:
    """The workbook being written, its cell formats, and what every printed page carries."""

    def __init__(self, book: "Workbook", programme: str, date_text: str):
        self.book = book
        self.styles = Styles(book)
        self.programme = programme
        self.date_text = date_text

    def sheet(self, name: str, widths: dict[int, float], wrapped: set[int] | None = None
              ) -> "Sheet":
        return Sheet(self, name, widths, wrapped or set())


class Sheet:
    """One worksheet. Columns in `wrapped` keep their width and wrap their text; the others
    widen to fit what is written in them; headers wrap between words."""

    def __init__(self, out: Book, name: str, widths: dict[int, float], wrapped: set[int]):
        self.out = out
        self.name = name
        self.ws: "Worksheet" = out.book.add_worksheet(name)
        self.styles = out.styles
        self.widths = dict(widths)
        self.wrapped_cols = wrapped
        self._wrapped: list[_Wrapped] = []
        self._heights: dict[int, float] = {}
        self._headers: dict[int, list[tuple[int, str]]] = {}

    # --- sizes --------------------------------------------------------------------------------

    def width(self, col: int) -> float:
        return self.widths.get(col, 8.43)

    def fit(self, col: int, text: str, size: float = FONT_SIZE, bold: bool = False,
            indent: int = 0) -> None:
        """Widen a column to show `text` on one line."""
        if col in self.wrapped_cols or not text:
            return
        need = width_for(max(text_px(part, size, bold) for part in text.split("\n"))
                         + indent * 3 * text_px("0", FONT_SIZE) + GAP_PX)
        if need > self.width(col):
            self.widths[col] = need

    def tall(self, row: int, points: float) -> None:
        """Make a row at least `points` tall."""
        self._heights[row] = max(self._heights.get(row, 0.0), points)

    # --- cells --------------------------------------------------------------------------------

    def text(self, row: int, col: int, value: str, *, wrap: bool | None = None,
             spill: bool = False, **props: Any) -> None:
        """Text from a plan is always a string cell; formula-looking text gets a quote prefix.
        Text that may `spill` into the empty cells beside it (a section's title) does not
        widen its column."""
        value = value or ""
        if not value and not props:
            return
        wrap = props.pop("text_wrap", wrap)
        wrap = col in self.wrapped_cols if wrap is None else wrap
        quote = {"quote_prefix": True} if value.startswith(FORMULA_START) else {}
        self.ws.write_string(row, col, value, self.styles.get(text_wrap=wrap, **props, **quote))
        size, bold = props.get("font_size", FONT_SIZE), bool(props.get("bold"))
        if wrap:
            self._wrapped.append(_Wrapped(row, col, value, size, bold, col))
        elif not spill:
            self.fit(col, value, size, bold, props.get("indent", 0))
            if size > FONT_SIZE:
                self.tall(row, row_height(1, size))

    def note(self, row: int, value: str, first_col: int, last_col: int, **props: Any) -> None:
        """Text across columns (a subtitle, a note above a table, a heading row), wrapped
        there; in the subtitle's look unless `props` give another."""
        props = {"text_wrap": True, **(props or SUBTITLE)}
        if value.startswith(FORMULA_START):
            props["quote_prefix"] = True
        fmt = self.styles.get(**props)
        if last_col > first_col:
            self.ws.merge_range(row, first_col, row, last_col, "", fmt)
        self.ws.write_string(row, first_col, value, fmt)
        self._wrapped.append(_Wrapped(row, first_col, value, props.get("font_size", FONT_SIZE),
                                      bool(props.get("bold")), last_col))

    def title(self, value: str, last_col: int, row: int = 0) -> None:
        """The sheet's title, across the table's columns."""
        self.note(row, value, 0, last_col, **TITLE)

    def header(self, row: int, col: int, label: str, align: str = "left") -> None:
        """A header cell: the column is made as wide as the header's longest word."""
        fmt = self.styles.header(align, quote=label.startswith(FORMULA_START))
        self.ws.write_string(row, col, label, fmt)
        self._headers.setdefault(row, []).append((col, label))
        if col not in self.wrapped_cols and label:
            need = width_for(widest_word_px(label, FONT_SIZE, True) + GAP_PX)
            if need > self.width(col):
                self.widths[col] = need

    def blank(self, row: int, col: int, fmt: "Format") -> None:
        self.ws.write_blank(row, col, None, fmt)

    def money(self, row: int, col: int, amount: Decimal | None, fmt: "Format",
              bold: bool = False) -> None:
        if amount is None:
            self.ws.write_blank(row, col, None, fmt)
        else:
            self.ws.write_number(row, col, written_number(amount), fmt)
            self.fit(col, money_text(amount), bold=bold or bool(fmt.bold))

    def number(self, row: int, col: int, value: float, fmt: "Format", shown: str) -> None:
        self.ws.write_number(row, col, value, fmt)
        self.fit(col, shown)

    def formula(self, row: int, col: int, formula: str, value: Decimal | str | None,
                fmt: "Format | None" = None, *, bold: bool = False,
                shown: str | None = None) -> None:
        """A formula with the engine's value cached, for readers that do not recalculate."""
        cached: Any = "" if value is None else (
            value if isinstance(value, str) else written_number(value))
        self.ws.write_formula(row, col, formula, fmt, cached)
        self.fit(col, money_text(value) if shown is None else shown,
                 bold=bold or bool(fmt is not None and fmt.bold))

    def status_colours(self, first_row: int, first_col: int, last_row: int,
                       last_col: int) -> None:
        """OK in green, MISMATCH in red, over a block of status cells."""
        for value, font, fill in (("OK", "#006100", "#C6EFCE"),
                                  ("MISMATCH", "#9C0006", "#FFC7CE")):
            self.ws.conditional_format(first_row, first_col, last_row, last_col, {
                "type": "cell", "criteria": "==", "value": f'"{value}"',
                "format": self.styles.get(font_color=font, bg_color=fill)})

    # --- finishing ----------------------------------------------------------------------------

    def finish(self) -> None:
        """Column widths, then row heights: for wrapped text and for headers."""
        for col, width in sorted(self.widths.items()):
            self.ws.set_column(col, col, width)
        for item in self._wrapped:
            if item.last_col == item.col:
                width = self.width(item.col)
            else:  # merged: the columns' widths, each with its stored padding
                width = sum(self.width(col) + STORED_PADDING
                            for col in range(item.col, item.last_col + 1)) - STORED_PADDING
            self.tall(item.row, row_height(line_count(item.text, width, item.size, item.bold),
                                           item.size))
        for row, headers in self._headers.items():
            lines = max(line_count(label, self.width(col), FONT_SIZE, True)
                        for col, label in headers)
            self.tall(row, row_height(lines))
        for row, points in sorted(self._heights.items()):
            if points > row_height(1) or row in self._headers:
                self.ws.set_row(row, points)

    def print_setup(self, header_rows: tuple[int, int] | int, last_row: int,
                    last_col: int, *, one_page: bool = False) -> None:
        """A4 landscape, one page wide (and, with `one_page`, one page high), the header rows
        repeated on every page, the print area the table; the programme, the sheet, the date
        and page numbers on every page."""
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 1 if one_page else 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        first, last = (header_rows, header_rows) if isinstance(header_rows, int) else header_rows
        ws.repeat_rows(first, last)
        ws.print_area(0, 0, max(last_row, last), last_col)
        # "&" starts a header code and digits after "&8" would extend the font size.
        name = "".join(char for char in self.out.programme if char.isprintable())
        title = name.replace("&", "&&")[:100]
        ws.set_header(f"&L&8 {title}&R&8 &A")
        ws.set_footer(f"&L&8 {self.out.date_text}&C&8 budget-planner&R&8 Page &P of &N")


def chart_rows(height_px: float) -> int:
    """How many rows of default height a chart of `height_px` pixels covers."""
    return math.ceil(height_px / (row_height(1) * 96 / 72)) + 1
