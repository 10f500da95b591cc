"""Deterministic spreadsheet documents: fixed properties and zip dates, so the same content
and document date always give the same bytes, and the numbers cells hold. Shared by the budget
workbook and the comparison workbook.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.money import CENT
from .measure import FONT_NAME, FONT_SIZE

#: A default column in pixels for the default font (8.43 digits of 8 pixels and the padding),
#: as XlsxWriter knows it.
DEFAULT_COLUMN_PX = 72

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

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


def _plain_formula_worksheet() -> type:
    """xlsxwriter's Worksheet, minus the prefixing of newer functions where none is used.

    xlsxwriter runs some thirty regular-expression rewrites over every formula to prefix newer
    Excel functions; at 100,000 lines those rewrites were a quarter of the build. A formula that
    names only classic functions is passed through as xlsxwriter would leave it; any other takes
    xlsxwriter's full path.
    """
    import re

    from xlsxwriter.worksheet import Worksheet

    function_name = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")

    class PlainFormulaWorksheet(Worksheet):  # type: ignore[misc]
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            body = formula[1:] if formula.startswith("=") else formula
            if body.startswith("{") or body.endswith("}") or "_xlfn." in body \
                    or not CLASSIC_FUNCTIONS.issuperset(function_name.findall(body)):
                return str(super()._prepare_formula(formula, expand_future_functions))
            return body

    return PlainFormulaWorksheet


def deterministic_book(title: str, subject: str, comments: str,
                       when: datetime) -> tuple["Workbook", io.BytesIO]:
    """An in-memory XlsxWriter workbook with fixed properties, so that the same content
    always gives the same bytes (finish it with `finished_bytes`)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
        # The default font is the one column widths count in (see `measure`).
        "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE},
        "default_column_width": DEFAULT_COLUMN_PX})
    book.set_properties({"title": title[:255], "subject": subject, "author": "budget-planner",
                         "company": "", "comments": comments, "created": when})
    book.set_calc_mode("auto")
    book.worksheet_class = _plain_formula_worksheet()
    return book, buffer


def finished_bytes(book: "Workbook", buffer: io.BytesIO, when: datetime) -> bytes:
    """Close the workbook and date its zip entries `when`."""
    book.close()
    data = buffer.getvalue()
    stamp = zip_time(when)
    return data if stamp == ZIP_EPOCH else _restamp(data, stamp)
