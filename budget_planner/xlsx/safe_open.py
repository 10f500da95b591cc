"""Opening a workbook that may come from anyone, before anything in it is read.

Its zip directory is checked (size, part count, compression ratio) before anything is
unpacked, every XML part is refused if it declares a DTD or entities (parsed with defusedxml),
and only the cells actually present are read, whatever dimensions a sheet claims. What the
cells mean is `reader`'s business.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.limits import (SHARED_STRINGS, WORKBOOK_BYTES, WORKBOOK_CELLS, WORKBOOK_PARTS,
                           WORKBOOK_SHEETS, ZIP_RATIO, ZIP_RATIO_FROM)
from .layout import MAX_COLUMN, MAX_ROW, cell_name



@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as read: its value (a formula's cached result) and its formula, if any."""

    value: Any
    formula: str | None = None

    @property
    def blank(self) -> bool:
        return self.formula is None and (self.value is None or
                                         (isinstance(self.value, str) and not self.value.strip()))


EMPTY = Cell(None)


@dataclass
class Grid:
    """A sheet's cells by 1-based (row, column)."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def __getitem__(self, key: tuple[int, int]) -> Cell:
        return self.cells.get(key, EMPTY)

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self.cells), default=0)

    def rows(self, first: int, last: int | None = None) -> list[int]:
        """The rows from `first` (to `last`) that hold any cell, in order."""
        return sorted({row for row, _ in self.cells
                       if row >= first and (last is None or row <= last)})

    def text(self, row: int, col: int) -> str:
        value = self[row, col].value
        return "" if value is None else str(value).strip()

    def where(self, row: int, col: int) -> str:
        return f"{self.name}!{cell_name(row - 1, col - 1)}"


class Refused(Exception):
    """A workbook that is not read further; the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class OpenWorkbook:
    """Every sheet as a Grid, and the defined names: name -> [(sheet, reference)]."""

    grids: dict[str, Grid]
    names: dict[str, list[tuple[str, str]]]


def open_workbook(path: Path) -> OpenWorkbook:
    """The workbook's sheets and names; raises Refused when it is no workbook or unsafe."""
    _check_file(path)
    return _load_grids(path)


def _check_file(path: Path) -> None:
    """Refuse what is not a regular file of a sane size, then check the zip archive."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise Refused("file-not-found", "no such file") from None
    except (OSError, ValueError) as error:
        raise Refused("file-unreadable", f"cannot be read: {_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Refused("not-a-file", "is a directory, not a workbook")
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-a-file", "is not a regular file (a pipe or a device)")
    if info.st_size > WORKBOOK_BYTES:
        raise Refused("workbook-too-large",
                       f"is {info.st_size:,} bytes, more than a budget workbook needs")
    try:
        with path.open("rb") as stream:
            zipped = stream.read(4) == b"PK\x03\x04"
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive)
    except Refused:
        raise
    except OSError as error:
        raise Refused("file-unreadable", f"cannot be read: {_reason(error)}") from None
    except Exception as error:  # zipfile raises many kinds on a damaged directory
        if not zipped:
            raise Refused("not-a-workbook", "is not an Excel workbook (.xlsx)") from None
        raise Refused("damaged-workbook", "is a damaged or truncated Excel workbook "
                                           f"(.xlsx): {_first_line(error)}") from None


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Bound what the parts unpack to (zipfile never unpacks more than a part declares) and
    refuse XML that declares a DTD or entities: external entities read files, nested ones
    expand without bound, and a workbook needs neither."""
    parts = archive.infolist()
    if len(parts) > WORKBOOK_PARTS:
        raise Refused("workbook-too-large",
                       f"has {len(parts):,} parts, more than a budget workbook needs")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > WORKBOOK_BYTES:
        raise Refused("workbook-too-large",
                       f"unpacks to {unpacked:,} bytes, more than a budget workbook needs")
    for part in parts:
        if part.file_size > ZIP_RATIO_FROM and part.file_size > ZIP_RATIO * part.compress_size:
            raise Refused("zip-bomb",
                           f"its part {part.filename!r} unpacks to {part.file_size:,} bytes, "
                           f"{part.file_size // max(part.compress_size, 1):,} times its packed "
                           "size; refused as a zip bomb")
    for part in parts:
        if not part.is_dir() and _declares_dtd(archive, part):
            raise Refused("unsafe-xml",
                           f"its part {part.filename!r} declares a DTD or entities, which a "
                           "workbook never needs and which can make a reader fetch files or "
                           "expand text without bound; refused")
    sheets, strings = _count_elements(archive, parts)
    if sheets > WORKBOOK_SHEETS:
        raise Refused("workbook-too-large", f"has {sheets:,} sheets; a budget workbook has at "
                                             f"most {WORKBOOK_SHEETS:,}")
    if strings > SHARED_STRINGS:
        raise Refused("workbook-too-large", f"has {strings:,} shared strings; a budget workbook "
                                             f"has at most {SHARED_STRINGS:,}")


#: A sheet of the workbook part, or a shared string, with any namespace prefix.
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(sheet|si)[\s/>]")


def _count_elements(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> tuple[int, int]:
    """How many sheets and shared strings the workbook declares, counted in the XML itself
    (whatever its parts are named) before any XML is parsed: each costs the reader time, and
    the counts are bounded before that time is spent."""
    counts = {b"sheet": 0, b"si": 0}
    for part in parts:
        if part.is_dir() or not part.filename.lower().endswith(".xml"):
            continue
        with archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                end = max(0, len(block) - 64)  # an element starting later is counted next time
                for found in _ELEMENT.finditer(block):
                    if found.start() < end:
                        counts[found.group(1)] += 1
                tail = block[end:]
            for found in _ELEMENT.finditer(tail):
                counts[found.group(1)] += 1
    return counts[b"sheet"], counts[b"si"]


def _declares_dtd(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether an XML part has a document type declaration ahead of its root element. Only
    the start is parsed: a DTD cannot come after the root element's start tag."""
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
    from defusedxml.ElementTree import iterparse

    with archive.open(part) as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        return False  # not XML: an image, a binary part
    with archive.open(part) as stream:
        try:
            for _ in iterparse(stream, events=("start",), forbid_dtd=True):
                return False
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
            return True
        except ElementTree.ParseError:
            return False  # damaged XML: the reader reports it
    return False


def _load_grids(path: Path) -> OpenWorkbook:
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about parts it does not model (data bars, extensions); they are not read.
        warnings.simplefilter("ignore", UserWarning)
        try:
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
            values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise Refused("not-a-workbook", "cannot be read as an Excel workbook: "
                                             f"{_first_line(error)}") from None
        try:
            return OpenWorkbook(_grids(formulas, values), _names(formulas))
        except Refused:
            raise
        except Exception as error:  # a damaged sheet only shows when its rows are read
            raise Refused("not-a-workbook", "cannot be read as an Excel workbook: "
                                             f"{_first_line(error)}") from None
        finally:
            formulas.close()
            values.close()


def _grids(formulas: Any, values: Any) -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    count = 0
    for name in formulas.sheetnames:
        grid = Grid(name)
        for row, col, value, data_type in _present_cells(formulas, formulas[name]):
            if value is None:
                continue
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN):
                raise Refused("damaged-workbook", f"sheet {name!r} has a cell at row {row:,}, "
                                                   f"column {col:,}, outside any worksheet")
            if isinstance(value, MissingString):
                raise Refused("damaged-workbook", f"{name}!{cell_name(row - 1, col - 1)} refers "
                                                   f"to shared string {value.index:,}, but the "
                                                   f"workbook has {value.count:,}")
            count += 1
            if count > WORKBOOK_CELLS:
                raise Refused("workbook-too-large", f"holds more than {WORKBOOK_CELLS:,} filled "
                                                     "cells, more than a budget workbook needs")
            grid.cells[(row, col)] = (Cell(None, str(value)) if data_type == "f"
                                      else Cell(value))
        for row, col, value, _ in _present_cells(values, values[name]):
            cell = grid.cells.get((row, col))
            if cell is not None and cell.formula is not None:
                grid.cells[(row, col)] = Cell(value, cell.formula)
        grids[name] = grid
    return grids


def _names(formulas: Any) -> dict[str, list[tuple[str, str]]]:
    names: dict[str, list[tuple[str, str]]] = {}
    for name in formulas.defined_names:
        try:
            names[name] = list(formulas.defined_names[name].destinations)
        except Exception:  # a name whose text is no reference at all: the reader calls it broken
            names[name] = []
    return names


def _present_cells(book: Any, sheet: Any) -> Iterator[tuple[int, int, Any, str]]:
    """(row, column, value, data type) of each cell the sheet's XML holds, and no other: the
    public iterators fill every gap up to the farthest cell, which a hostile sheet puts at
    XFD1048576. This uses openpyxl's own sheet parser (as its read-only sheets do)."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        source = sheet._get_source()
        options = {"data_only": book.data_only, "epoch": book.epoch,
                   "date_formats": book._date_formats,
                   "timedelta_formats": book._timedelta_formats}
        strings = _CheckedStrings(sheet._shared_strings)
    except (ImportError, AttributeError):  # pragma: no cover - another openpyxl: the slow way
        for cells in sheet.iter_rows():
            for cell in cells:
                if getattr(cell, "row", None) is not None:
                    yield cell.row, cell.column, cell.value, cell.data_type
        return
    with source:
        for _, cells in WorkSheetParser(source, strings, **options).parse():
            for cell in cells:
                yield cell["row"], cell["column"], cell["value"], cell["data_type"]


class MissingString:
    """What a cell gives that names a shared string the workbook does not have."""

    def __init__(self, index: int, count: int):
        self.index, self.count = index, count


class _CheckedStrings:
    """The shared strings as a cell's index reaches them: an index outside the table (-1 would
    read the last string, 99999 fail naming no cell) gives a MissingString, which `_grids`
    reports at its cell."""

    def __init__(self, strings: Any):
        self.strings = strings

    def __getitem__(self, index: int) -> Any:
        if 0 <= index < len(self.strings):
            return self.strings[index]
        return MissingString(index, len(self.strings))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _reason(error: BaseException) -> str:
    strerror = getattr(error, "strerror", None)
    return strerror.lower() if strerror else str(error)
