"""Reading actuals files (CSV): one row per expense, checked against the plan, every problem
reported at once as `file:ROW: column: message [code]`.

Two paths give the same columns. A plain file (no quoted cells, every row complete, every
value in its usual form) is read as bytes, a column at a time, with numpy: each distinct line
checked once, dates read as numbers, statuses and sources matched byte for byte, amounts
summed digit by digit as integers; a million rows take about a second. Anything else goes
through `actuals_from_cells`, which checks row by row and says what is wrong where; the
workbook reader feeds it a sheet's cells the same way. tests/test_actuals_properties.py
checks that the two paths agree.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import stat
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..core.actuals import COLUMNS, REQUIRED_COLUMNS, STATUSES, Actuals
from ..core.model import Plan, Problem
from ..core.limits import ACTUALS_BYTES, INPUT_BYTES, MIB
from ..core.money import CENT, MAX_AMOUNT
from .fields import suggest

#: An amount as a careful export writes it: what the fast path accepts without a closer look.
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: Beyond this many lines a "did you mean" looks only within the period named.
_SUGGEST_LIMIT = 2_000


class ActualsPlan:
    """What the reader needs of a plan: its lines by `PERIOD/LINE`, its sources, its years."""

    def __init__(self, plan: Plan):
        self.keys = tuple((period.id, line.id) for period in plan.periods for line in period.lines)
        self.index = {f"{period}/{line}": number for number, (period, line) in enumerate(self.keys)}
        self.sources = plan.source_ids
        self.source_index = {source: number for number, source in enumerate(self.sources)}
        self.currency = plan.programme.currency
        self.first_year = min(period.first_year for period in plan.periods)
        self.last_year = max(period.last_year for period in plan.periods)
        self._by_period: dict[str, list[str]] | None = None
        self._suggested: dict[str, str] = {}

    @property
    def _lines_by_period(self) -> dict[str, list[str]]:
        """Each period's line ids, made when a suggestion first needs them."""
        if self._by_period is None:
            self._by_period = {}
            for period, line in self.keys:
                self._by_period.setdefault(period, []).append(line)
        return self._by_period

    def suggest_line(self, text: str) -> str:
        """The "did you mean" of an unknown `PERIOD/LINE`, looking where it is cheap to."""
        if text not in self._suggested:
            period, _, line = text.partition("/")
            if period in self._lines_by_period:
                close = difflib.get_close_matches(line, self._lines_by_period[period], n=1)
                found = f"{period}/{close[0]}" if close else None
            elif len(self.index) <= _SUGGEST_LIMIT:
                close = difflib.get_close_matches(text, list(self.index), n=1)
                found = close[0] if close else None
            else:
                close = difflib.get_close_matches(period, list(self._lines_by_period), n=1)
                found = f"{close[0]}/{line}" if close and f"{close[0]}/{line}" in self.index \
                    else None
            self._suggested[text] = f"; did you mean {found!r}?" if found else ""
        return self._suggested[text]

    def empty(self, files: tuple[str, ...] = (),
              notes: tuple[tuple[str, str], ...] = ()) -> Actuals:
        return Actuals(self.keys, self.sources, [], [], [], [], [], [], [], [], files=files,
                       notes=notes)


# --- reading a file ---------------------------------------------------------------------------

def read_actuals_csv(path: Path | str, plan: Plan | ActualsPlan) -> tuple[Actuals | None,
                                                                           list[Problem]]:
    """An actuals CSV file (UTF-8, a byte-order mark tolerated, a header row) as columns, or
    None and every problem in it."""
    known = plan if isinstance(plan, ActualsPlan) else ActualsPlan(plan)
    shown = str(path)
    raw, problem = read_bytes(Path(path), shown, "an actuals file (CSV)", ACTUALS_BYTES)
    if raw is None:
        return None, [problem] if problem else []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(shown, "", "not-utf8", "is UTF-16 text; save it as CSV UTF-8", 1)]
    if raw.startswith(b"PK\x03\x04"):
        return None, [Problem(shown, "", "not-csv", "is a zip archive (an Excel workbook?); "
                                                    "name it .xlsx to read it as a workbook")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\r\n" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        lineno = raw[: error.start].count(b"\n") + 1
        return None, [Problem(shown, "", "not-utf8", f"is not UTF-8 text (byte "
                                                     f"0x{raw[error.start]:02x} at line {lineno});"
                                                     " save it as CSV UTF-8", lineno)]
    notes, header_line, body, header_row = split_notes(text)
    if header_line is None:
        return None, [Problem(shown, "", "file-empty",
                              "is empty" if not text.strip() else
                              "has no header row (date,line,amount,...) after its notes")]
    notes_of = tuple((shown, note) for note in notes)
    fast = _plain_columns(shown, header_line, raw[len(raw) - len(body):] if len(raw) == len(text)
                          else body.encode("utf-8"), header_row, known, notes_of)
    if fast is not None:
        return fast, []
    rows = csv.reader(io.StringIO(body))
    header = next(csv.reader([header_line]), [])

    def numbered() -> Iterable[tuple[int, list[str]]]:
        start = header_row + 1
        for cells in rows:
            yield start, cells
            start = header_row + rows.line_num + 1

    try:
        return actuals_from_cells(shown, header, numbered(), known, header_row, notes_of)
    except csv.Error as error:
        return None, [Problem(shown, "", "csv-syntax", f"is not valid CSV: {error}",
                              header_row + rows.line_num)]


def read_bytes(path: Path, shown: str, what: str,
               limit: int = INPUT_BYTES) -> tuple[bytes | None, Problem | None]:
    """The bytes of a regular file of at most `limit` bytes, or None and the problem (a pipe
    is not opened to wait)."""
    def fail(code: str, message: str) -> tuple[None, Problem]:
        return None, Problem(shown, "", code, message)

    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return fail("file-not-found", "no such file")
    except NotADirectoryError:
        return fail("file-not-found", "no such file (a part of the path is a file, not a folder)")
    except IsADirectoryError:
        return fail("not-a-file", f"is a directory, not {what}")
    except PermissionError:
        return fail("file-unreadable", "cannot be read: permission denied")
    except (OSError, ValueError) as error:
        return fail("file-unreadable", f"cannot be read: {getattr(error, 'strerror', None) or error}")
    with os.fdopen(handle, "rb") as stream:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            return fail("not-a-file", f"is a directory, not {what}")
        if not stat.S_ISREG(status.st_mode):
            return fail("not-a-file", f"is not a regular file (a pipe or a device); give {what}")
        too_large = fail("input-too-large", f"is more than {limit // MIB} MiB; {what} may "
                                            f"be at most {limit // MIB} MiB")
        if status.st_size > limit:  # checked before reading, and while reading
            return too_large
        try:
            raw = stream.read(limit + 1)
        except OSError as error:
            return fail("file-unreadable", f"cannot be read: {error.strerror or error}")
        return (raw, None) if len(raw) <= limit else too_large


def split_notes(text: str) -> tuple[list[str], str | None, str, int]:
    """The `#` lines before the header (notes), the header line, the rest of the text and the
    header's line number; blank lines before the header are skipped."""
    notes = []
    start = lineno = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        lineno += 1
        if line.startswith("#"):
            notes.append(line[1:].strip())
        elif line.strip():
            return notes, line, text[end + 1:], lineno
        start = end + 1
    return notes, None, "", lineno


# --- the checked path: row by row, every problem where it is -----------------------------------

def actuals_from_cells(file: str, header: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]],
                       plan: ActualsPlan, header_row: int = 1,
                       notes: tuple[tuple[str, str], ...] = ()) -> tuple[Actuals | None,
                                                                        list[Problem]]:
    """Rows of cells (`(row number, cells)`; text from a CSV, typed values from a workbook)
    under a header, checked against the plan; None and every problem when anything is wrong."""
    problems: list[Problem] = []
    columns = header_columns(file, header, header_row, problems)
    if columns is None:
        return None, problems
    checker = _RowChecker(file, plan, columns, problems)
    for row, cells in rows:
        if all(_blank(cell) for cell in cells):
            continue  # an empty row, as spreadsheets leave at the end
        checker.check(row, cells)
    if problems:
        return None, problems
    return Actuals(plan.keys, plan.sources, *checker.columns, files=(file,), notes=notes), []


def header_columns(file: str, header: Sequence[Any], row: int,
                   problems: list[Problem]) -> dict[str, int] | None:
    """Each column's position; unknown, repeated and missing columns are problems."""
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
        if not name:
            if any(not _blank(other) for other in header[position + 1:]):
                problems.append(Problem(file, f"column {position + 1}", "unknown-column",
                                        "a column without a name", row))
            continue
        if name not in COLUMNS:
            problems.append(Problem(file, name, "unknown-column",
                                    f"unknown column {name!r}{suggest(name, COLUMNS)} "
                                    f"(columns: {', '.join(COLUMNS)})", row))
        elif name in columns:
            problems.append(Problem(file, name, "duplicate-column",
                                    f"column {name!r} appears twice", row))
        else:
            columns[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(file, name, "missing-column",
                                    f"the required column {name!r} is missing (the header "
                                    "needs date, line and amount)", row))
    return None if problems else columns


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class _RowChecker:
    def __init__(self, file: str, plan: ActualsPlan, columns: dict[str, int],
                 problems: list[Problem]):
        self.file, self.plan, self.positions, self.problems = file, plan, columns, problems
        self.width = max(columns.values()) + 1
        self.columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [], [])

    def problem(self, row: int, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, column, code, message, row))

    def cell(self, cells: Sequence[Any], name: str) -> Any:
        position = self.positions.get(name)
        if position is None or position >= len(cells):
            return None
        value = cells[position]
        return value.strip() if isinstance(value, str) else value

    def check(self, row: int, cells: Sequence[Any]) -> None:
        before = len(self.problems)
        if len(cells) > self.width and any(not _blank(cell) for cell in cells[self.width:]):
            self.problem(row, f"column {self.width + 1}", "extra-cells",
                         f"the row has {len(cells)} cells, the header names {self.width}")
        values = {name: self.cell(cells, name) for name in COLUMNS}
        for name in REQUIRED_COLUMNS:
            if _blank(values[name]):
                self.problem(row, name, "empty-cell", f"the required cell {name!r} is empty")
        day = None if _blank(values["date"]) else self.date(row, values["date"])
        line = None if _blank(values["line"]) else self.line(row, str(values["line"]))
        amount = None if _blank(values["amount"]) else self.amount(row, values["amount"])
        source = -1 if _blank(values["source"]) else self.source(row, str(values["source"]))
        status = "reported" if _blank(values["status"]) else str(values["status"])
        if status not in STATUSES:
            self.problem(row, "status", "invalid-status", f"{status!r} is not a status; write "
                                                          "reported or validated (or leave it "
                                                          "empty for reported)")
        if amount is not None:
            amount = self.converted(row, amount, values["currency"], values["rate"])
        if len(self.problems) > before:
            return
        reference = values["reference"]
        if isinstance(reference, float) and reference.is_integer():
            reference = int(reference)  # a number a spreadsheet holds as a float: 1042.0
        assert day is not None and line is not None and amount is not None and source is not None
        for column, value in zip(self.columns, (
                line, source, day, int(amount * 100), status == "validated",
                "" if reference is None else str(reference), 0, row)):
            column.append(value)

    def date(self, row: int, value: Any) -> int | None:
        if isinstance(value, datetime):
            if value.time() != datetime.min.time():
                self.problem(row, "date", "invalid-date", f"{value} has a time of day; give "
                                                          "the date alone")
                return None
            value = value.date()
        if isinstance(value, date):
            found = value
        else:
            text = str(value)
            try:
                if not _ISO_DATE.fullmatch(text):
                    raise ValueError
                found = date.fromisoformat(text)
            except ValueError:
                self.problem(row, "date", "invalid-date",
                             f"{text!r} is not a date; write YYYY-MM-DD, such as 2020-03-15")
                return None
        if not self.plan.first_year <= found.year <= self.plan.last_year:
            self.problem(row, "date", "date-outside-programme",
                         f"{found.isoformat()} is outside the programme's years "
                         f"({self.plan.first_year}-{self.plan.last_year})")
            return None
        return found.toordinal()

    def line(self, row: int, text: str) -> int | None:
        number = self.plan.index.get(text)
        if number is None:
            hint = ("" if "/" in text else " (write PERIOD/LINE, such as "
                    f"{'/'.join(self.plan.keys[0])!r})" if self.plan.keys else "")
            self.problem(row, "line", "unknown-line",
                         f"unknown line {text!r}{self.plan.suggest_line(text)}{hint}")
        return number

    def source(self, row: int, text: str) -> int | None:
        number = self.plan.source_index.get(text)
        if number is None:
            self.problem(row, "source", "unknown-source",
                         f"unknown funding source {text!r}{suggest(text, self.plan.sources)} "
                         f"(sources: {', '.join(self.plan.sources)})")
        return number

    def amount(self, row: int, value: Any) -> Decimal | None:
        try:
            return parse_actual_amount(value)
        except AmountError as error:
            self.problem(row, "amount", error.code, error.message)
            return None

    def converted(self, row: int, amount: Decimal, currency: Any, rate: Any) -> Decimal | None:
        """The amount in the plan's currency: `amount / rate`, half-even to the cent."""
        code = "" if _blank(currency) else str(currency)
        if code and not _CURRENCY.fullmatch(code):
            self.problem(row, "currency", "invalid-currency",
                         f"{code!r} is not a currency; write a three-letter code such as SEK")
            return None
        if not code or code == self.plan.currency:
            if not _blank(rate) and code != self.plan.currency:
                self.problem(row, "rate", "rate-without-currency",
                             "a rate without a currency; name the currency the amount is in")
                return None
            return amount
        if _blank(rate):
            self.problem(row, "rate", "missing-rate",
                         f"an amount in {code} needs its rate (units of {code} per 1 "
                         f"{self.plan.currency}, such as the Commission's monthly rate)")
            return None
        try:
            value = Decimal(str(rate).strip()) if not isinstance(rate, float) else Decimal(repr(rate))
            if not value.is_finite() or value <= 0:
                raise InvalidOperation
        except InvalidOperation:
            self.problem(row, "rate", "invalid-rate", f"{rate!r} is not a rate; write a number "
                                                      "above 0, such as 10.9465")
            return None
        return (amount / value).quantize(CENT, rounding=ROUND_HALF_EVEN)


class AmountError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def parse_actual_amount(value: Any) -> Decimal:
    """An amount of an actuals row: an exact decimal with at most two decimals, negative for a
    correction. A spreadsheet float (1234.5600000001) is refused with what to write."""
    if isinstance(value, bool):
        raise AmountError("money-invalid", f"{value!r} is not an amount")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value).strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text).quantize(CENT)
    if not _NUMBER.fullmatch(text):
        raise AmountError("money-invalid", f"{text!r} is not an amount; write digits with at "
                                           "most two decimals, such as 1234.56 or -80.00")
    amount = Decimal(text)
    if not amount.is_finite():  # pragma: no cover - the pattern rules out nan and infinity
        raise AmountError("money-invalid", f"{text!r} is not an amount")
    if abs(amount) > MAX_AMOUNT:
        raise AmountError("money-too-large", f"{text!r} is larger than the largest amount "
                                             f"accepted ({MAX_AMOUNT:,})")
    if amount != amount.quantize(CENT):
        cents = amount.quantize(CENT)
        if abs(amount - cents) < Decimal("0.000001"):
            raise AmountError("amount-float",
                              f"{text!r} is a spreadsheet float (binary rounding of an amount "
                              f"in cents); write {cents}")
        raise AmountError("money-precision", f"{text!r} has more than two decimals; amounts "
                                             "are kept in whole cents")
    return amount.quantize(CENT)


# --- the plain path: a column at a time, in bytes ----------------------------------------------

#: The widest value each column may have on the plain path (a longer one is checked row by row).
_WIDTH = {"date": 10, "line": 256, "amount": 19, "source": 64, "status": 9, "reference": 256,
          "currency": 3, "rate": 64}


def _plain_columns(file: str, header_line: str, body: bytes, header_row: int,
                   plan: ActualsPlan, notes: tuple[tuple[str, str], ...]) -> Actuals | None:
    """The columns of a plain file, or None when any cell needs a closer look (quotes, a
    missing cell, an unusual value, a currency): then the checked path reads it.

    The body is read as one array of bytes: the cells of a column are gathered into a matrix
    of fixed width, each distinct value is checked once, and amounts are turned into cents
    digit by digit, as integers.
    """
    import numpy as np

    names = [name.strip() for name in header_line.split(",")]
    if len(set(names)) != len(names) or not set(REQUIRED_COLUMNS) <= set(names) \
            or not set(names) <= set(COLUMNS) or b'"' in body or b"\0" in body \
            or b"\r" in body:
        return None
    if not body.strip():
        return plan.empty((file,), notes)
    data = np.frombuffer(body if body.endswith(b"\n") else body + b"\n", dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    commas = np.flatnonzero(data == 44)
    count, width = len(ends), len(names)
    if len(commas) != count * (width - 1):
        return None
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas = commas.reshape(count, width - 1)
    if width > 1 and not ((commas[:, 0] >= starts).all() and (commas[:, -1] < ends).all()
                          and (commas[1:, 0] > ends[:-1]).all()):
        return None  # a row with too many or too few cells

    def firsts(number: int) -> Any:  # where each row's cell of column `number` starts...
        return starts if number == 0 else commas[:, number - 1] + 1

    def lasts(number: int) -> Any:  # ...and ends (no matrix of every cell's ends is built)
        return ends if number == width - 1 else commas[:, number]

    cells = {name: _gathered(data, firsts(number), lasts(number), _WIDTH[name])
             for number, name in enumerate(names) if name != "reference"}
    if any(matrix is None for matrix in cells.values()):
        return None
    for name in ("currency", "rate"):
        if name in cells and cells[name].any():
            if name == "rate" or set(_distinct(cells[name])[0]) - {"", plan.currency}:
                return None
    day = _plain_days(cells["date"], plan)
    line = _coded(cells["line"], lambda texts: plan.index)
    source = (_matched(cells["source"], {"": -1, **plan.source_index})
              if "source" in cells else np.full(count, -1))
    validated = (_matched(cells["status"], {"": 0, "reported": 0, "validated": 1})
                 if "status" in cells else np.zeros(count, dtype=np.int64))
    cents = _plain_cents(cells["amount"])
    if day is None or line is None or source is None or validated is None or cents is None:
        return None
    reference: Any = [""] * count
    if "reference" in names:
        at = names.index("reference")
        reference = Cells(body, firsts(at), lasts(at))
    first = header_row + 1
    return Actuals(plan.keys, plan.sources, line, source, day, cents, validated.astype(bool),
                   reference, np.zeros(count, dtype=np.int64),
                   np.arange(first, first + count), files=(file,), notes=notes)


class Cells:
    """A column's cells as UTF-8 bytes, cut from the file's bytes only when one is asked for
    (references are needed only for the rows a finding names)."""

    def __init__(self, body: bytes, firsts: Any, lasts: Any):
        self.body, self.firsts, self.lasts = body, firsts, lasts

    def __len__(self) -> int:
        return len(self.firsts)

    def __getitem__(self, number: int) -> bytes:
        return self.body[int(self.firsts[number]):int(self.lasts[number])]


def _gathered(data: Any, firsts: Any, lasts: Any, limit: int) -> Any:
    """A column's cells as a matrix of bytes, one row a cell, zeros after its end; None when
    a cell is wider than `limit`."""
    import numpy as np

    lengths = lasts - firsts
    width = int(lengths.max()) if len(lengths) else 0
    if width > limit:
        return None
    if width == 0:
        return np.zeros((len(lengths), 1), dtype=np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.concatenate((data, np.zeros(width, dtype=np.uint8))), width)
    matrix = windows[firsts]  # each cell's bytes and those after it, one copy
    matrix *= np.arange(width) < lengths[:, None]  # zeros after each cell's end
    return matrix


def _as_strings(matrix: Any) -> Any:
    """A byte matrix as a numpy array of fixed-width byte strings (zeros trail each)."""
    import numpy as np

    return np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").ravel()


def _distinct(matrix: Any) -> tuple[list[str], Any]:
    """The distinct cells of a column as text, and each cell's index among them.

    Cells are told apart by a 64-bit hash of their bytes (sorting a million integers is
    quick, sorting a million strings is not); every cell is then compared with the cell that
    stands for its hash, and on any collision the strings themselves are sorted.
    """
    import numpy as np

    count, width = matrix.shape
    padded = np.zeros((count, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = matrix
    words = padded.view(np.uint64)
    hashes = words[:, 0].copy()
    for column in range(1, words.shape[1]):
        hashes = hashes * np.uint64(0x9E3779B97F4A7C15) + words[:, column]
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    standing = matrix[first]
    if not (matrix == standing[inverse]).all():  # pragma: no cover - a 64-bit collision
        values, inverse = np.unique(_as_strings(matrix), return_inverse=True)
        standing = [value for value in values.tolist()]
        return [value.decode("utf-8") for value in standing], inverse.ravel()
    return [bytes(row).rstrip(b"\0").decode("utf-8") for row in standing], inverse


def _coded(matrix: Any, table_of: Any) -> Any:
    """Each cell's value in the table `table_of(distinct texts)` gives, as a numpy array, or
    None when a cell is not in it."""
    import numpy as np

    texts, inverse = _distinct(matrix)
    table = table_of(texts)
    values = [table.get(text) for text in texts]
    if None in values:
        return None
    return np.asarray(values, dtype=np.int64)[inverse]


def _matched(matrix: Any, table: dict[str, int]) -> Any:
    """Each cell's value in a small table (statuses, a plan's sources), found by comparing
    the cells with each entry's bytes; None when a cell matches none."""
    import numpy as np

    if len(table) > 64:
        return _coded(matrix, lambda texts: table)
    width = matrix.shape[1]
    codes = np.full(len(matrix), -2, dtype=np.int64)
    for text, code in table.items():
        key = text.encode("utf-8")
        if len(key) <= width:
            wanted = np.frombuffer(key.ljust(width, b"\0"), dtype=np.uint8)
            codes[(matrix == wanted).all(axis=1)] = code
    return None if (codes == -2).any() else codes


def _plain_days(matrix: Any, plan: ActualsPlan) -> Any:
    """Each date cell (YYYY-MM-DD) as its ordinal, or None when one is not a date within the
    programme's years. The digits are read as YYYYMMDD numbers; each distinct one is checked
    once."""
    import numpy as np

    if matrix.shape[1] != 10:
        return None
    digits = matrix - 48
    places = [0, 1, 2, 3, 5, 6, 8, 9]
    if not ((digits[:, places] <= 9).all() and (matrix[:, [4, 7]] == 45).all()):
        return None  # (uint8: a byte below "0" wraps above 9)
    number = np.zeros(len(matrix), dtype=np.int64)
    for place in places:
        number = number * 10 + digits[:, place]
    lowest = int(number.min())
    seen = np.flatnonzero(np.bincount(number - lowest)) + lowest
    texts = [f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
             for value in seen.tolist()]
    days = _plain_dates(texts, plan)
    if len(days) != len(texts):
        return None
    lookup = np.zeros(int(seen[-1]) - lowest + 1, dtype=np.int64)
    lookup[seen - lowest] = [days[text] for text in texts]
    return lookup[number - lowest]


def _plain_dates(values: list[str], plan: ActualsPlan) -> dict[str, int]:
    """Ordinal of each distinct date that is well-formed and within the programme's years."""
    days = {}
    for text in values:
        if _ISO_DATE.fullmatch(text):
            try:
                found = date.fromisoformat(text)
            except ValueError:
                continue
            if plan.first_year <= found.year <= plan.last_year:
                days[text] = found.toordinal()
    return days


def _plain_cents(chars: Any) -> Any:
    """Every amount of a byte matrix in cents (numpy int64), or None when one is not of the
    plain form -?DIGITS[.D[D]] with at most 15 digits before the point. Exact: the digits are
    summed as integers, never read as floats."""
    import numpy as np

    digit = (chars >= 48) & (chars <= 57)
    dot = chars == 46
    minus = chars == 45
    used = chars != 0
    lengths = used.sum(axis=1)
    negative = minus[:, 0]
    if (minus[:, 1:].any() or not (digit | dot | ~used | minus).all()
            or (used[:, :-1] < used[:, 1:]).any() or (lengths == 0).any()):
        return None
    dots = dot.sum(axis=1)
    if (dots > 1).any():
        return None
    at = np.where(dots == 1, dot.argmax(axis=1), lengths)
    decimals = np.where(dots == 1, lengths - at - 1, 0)
    whole = at - negative
    if ((dots == 1) & (decimals == 0)).any() or (decimals > 2).any() or (whole < 1).any() \
            or (whole > 15).any():
        return None
    value = np.zeros(len(chars), dtype=np.int64)
    for column in range(chars.shape[1]):  # digit by digit, as integers
        value = np.where(digit[:, column], value * 10 + (chars[:, column] - 48), value)
    cents = value * np.array([100, 10, 1], dtype=np.int64)[decimals]
    return np.where(negative, -cents, cents)
