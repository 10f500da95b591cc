"""Deterministic spreadsheet documents: fixed properties and zip dates, so the same content
and document date always give the same bytes, and the numbers cells hold. Shared by the budget
workbook and the comparison workbook.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.limits import TEXT_CHARACTERS
from ..core.model import InvalidRequest, Problem
from ..core.money import CENT
from .layout import MAX_COLUMN, MAX_ROW, cell_name
from .measure import FONT_NAME, FONT_SIZE

#: A default column in pixels for the default font (8.43 digits of 8 pixels and the padding),
#: as XlsxWriter knows it.
DEFAULT_COLUMN_PX = 72

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

class WorkbookError(InvalidRequest):
    """A workbook that cannot be built as asked (a text longer than a cell, a cell outside a
    sheet): one problem with the request, so nothing is written and the run exits 2."""

    def __init__(self, message: str):
        super().__init__(Problem("", "", "workbook-not-built", message))


#: Text that a spreadsheet would run as a formula if typed; such text gets a quote prefix.
FORMULA_START = ("=", "+", "-", "@")

#: The zip format's first date: XlsxWriter dates every entry so, and no entry can be older.
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)
ZIP_LAST = datetime(2107, 12, 31, 23, 59, 58, tzinfo=timezone.utc)


def zip_time(when: datetime) -> datetime:
    """`when` as a zip entry can hold it: from 1980 to 2107."""
    return min(max(when, ZIP_EPOCH), ZIP_LAST)


def _restamp(data: bytes, when: datetime) -> bytes:
    """The same zip with every entry dated `when` (XlsxWriter dates them 1980-01-01)."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def written_number(amount: Decimal) -> int | float:
    """A cell number: an int when whole (written without a decimal point), else a float."""
    amount = amount.quantize(CENT)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def cell_number(amount: Decimal) -> float:
    """The number a cell holds for an amount: XlsxWriter writes 16 significant digits."""
    return float(f"{written_number(amount):.16G}")


#: Functions our formulas use; all predate Excel 2010, so none needs an `_xlfn.` prefix.
CLASSIC_FUNCTIONS = frozenset({"SUM", "IF", "ISNUMBER", "ROUND", "ABS", "AND", "OR", "MIN", "MAX",
                               "SUBTOTAL"})


def _worksheet_class(quoted: Callable[[Any], Any]) -> type:
    """xlsxwriter's Worksheet with two changes, for both workbooks.

    Text is written safely, in one place (`write_string`): text a spreadsheet would run as a
    formula if typed (`=`, `+`, `-`, `@` first) gets Excel's quote prefix, from `quoted`, the
    format with the prefix added, so that the cell stays text when a person edits it; text
    longer than a cell holds, or a cell outside a sheet, is a WorkbookError, where xlsxwriter
    would cut the text or drop the cell without a word.

    Newer functions are prefixed only where one is used: xlsxwriter runs some thirty
    regular-expression rewrites over every formula to prefix newer Excel functions; at 100,000
    lines those rewrites were a quarter of the build. A formula that names only classic
    functions is passed through as xlsxwriter would leave it; any other takes xlsxwriter's
    full path.
    """
    import re

    from xlsxwriter.worksheet import Worksheet

    function_name = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")

    class SafeWorksheet(Worksheet):  # type: ignore[misc]
        def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
            if len(string) > TEXT_CHARACTERS:
                raise WorkbookError(f"{self.name}!{cell_name(row, col)}: a text of "
                                    f"{len(string):,} characters, more than the "
                                    f"{TEXT_CHARACTERS:,} a cell holds")
            if string.startswith(FORMULA_START):
                cell_format = quoted(cell_format)
            return _written(self, row, col, super().write_string(row, col, string, cell_format))

        def write_number(self, row: int, col: int, *args: Any) -> int:
            return _written(self, row, col, super().write_number(row, col, *args))

        def write_formula(self, row: int, col: int, *args: Any) -> int:
            return _written(self, row, col, super().write_formula(row, col, *args))

        def write_blank(self, row: int, col: int, *args: Any) -> int:
            return _written(self, row, col, super().write_blank(row, col, *args))

        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            body = formula[1:] if formula.startswith("=") else formula
            if body.startswith("{") or body.endswith("}") or "_xlfn." in body \
                    or not CLASSIC_FUNCTIONS.issuperset(function_name.findall(body)):
                return str(super()._prepare_formula(formula, expand_future_functions))
            return body

    return SafeWorksheet


def _written(sheet: Any, row: int, col: int, status: int) -> int:
    """xlsxwriter's result of a write; a cell it could not write (-1: outside the sheet) is a
    WorkbookError rather than a cell silently missing."""
    if status == -1:
        raise WorkbookError(f"{sheet.name}: the cell at row {row + 1:,}, column {col + 1:,} is "
                            f"outside a worksheet ({MAX_ROW:,} rows, {MAX_COLUMN:,} columns)")
    return status


def deterministic_book(title: str, subject: str, comments: str,
                       when: datetime) -> tuple["Workbook", io.BytesIO]:
    """An in-memory XlsxWriter workbook with fixed properties, so that the same content
    always gives the same bytes (finish it with `finished_bytes`)."""
    import xlsxwriter

    class Book(xlsxwriter.Workbook):  # type: ignore[misc]
        """Remembers each format's properties, to make its quote-prefixed twin once."""

        def __init__(self, *args: Any):
            self.properties: dict[int, dict[str, Any]] = {}  # add_format is called at once
            self.quoted: dict[int, Any] = {}
            super().__init__(*args)

        def add_format(self, properties: dict[str, Any] | None = None) -> Any:
            made = super().add_format(properties)
            self.properties[id(made)] = dict(properties or {})
            return made

        def quote(self, cell_format: Any) -> Any:
            key = id(cell_format)
            if key not in self.quoted:
                self.quoted[key] = self.add_format(
                    {**self.properties.get(key, {}), "quote_prefix": True})
            return self.quoted[key]

    buffer = io.BytesIO()
    book = Book(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
        # The default font is the one column widths count in (see `measure`).
        "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE},
        "default_column_width": DEFAULT_COLUMN_PX})
    book.set_properties({"title": title[:255], "subject": subject, "author": "budget-planner",
                         "company": "", "comments": comments, "created": when})
    book.set_calc_mode("auto")
    book.worksheet_class = _worksheet_class(book.quote)
    return book, buffer


def finished_bytes(book: "Workbook", buffer: io.BytesIO, when: datetime) -> bytes:
    """Close the workbook and date its zip entries `when`."""
    book.close()
    data = buffer.getvalue()
    stamp = zip_time(when)
    return data if stamp == ZIP_EPOCH else _restamp(data, stamp)
