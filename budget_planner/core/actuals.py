"""Money actually spent: the `[reporting]` settings of a plan and the rows of actuals files.

An actuals file holds one row per expense or correction. A million rows are kept as columns
(one sequence per field, a row being an index into all of them), so that reading and summing
them needs no object per row; `ActualRow` is one row, for people and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

#: Statuses a row may have; an empty cell is `reported`.
STATUSES = ("reported", "validated")
#: The columns of an actuals file, the required ones first.
REQUIRED_COLUMNS = ("date", "line", "amount")
OPTIONAL_COLUMNS = ("source", "status", "reference", "currency", "rate")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


@dataclass(frozen=True, slots=True)
class Reporting:
    """The plan's `[reporting]` table: where its actuals are, their date and the programme's
    rules on overspending and underspending. Percentages are percent (10 is 10 %)."""

    #: Actuals files as written in the plan (relative to the plan's own folder).
    actuals: tuple[str, ...] = ()
    as_of: date | None = None
    flexibility_percent: Decimal = Decimal(10)
    flexibility_amount: Decimal = Decimal(0)
    underspend_after_percent: Decimal = Decimal(50)
    underspend_threshold_percent: Decimal = Decimal(90)


@dataclass(frozen=True, slots=True)
class ActualRow:
    """One expense or correction, in the plan's currency."""

    date: date
    period: str
    line: str
    amount: Decimal
    source: str | None = None
    status: str = "reported"
    reference: str = ""
    #: Where it was written: file and row (the header is row 1 of a file without notes).
    file: str = ""
    row: int = 0


@dataclass(frozen=True, slots=True)
class Actuals:
    """Rows of one or more actuals files, as columns of equal length.

    `line` indexes `keys` (the plan's (period, line) pairs in plan order); `source` indexes
    `sources` (the plan's source ids), -1 for a row assigned to no source; `day` is the date's
    proleptic ordinal (`date.toordinal()`); `cents` the amount in cents; `file` indexes `files`.
    """

    keys: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]
    line: Sequence[int]
    source: Sequence[int]
    day: Sequence[int]
    cents: Sequence[int]
    validated: Sequence[bool]
    #: Text, or UTF-8 bytes as the plain reader cuts them from a file: read `reference_at`.
    reference: Sequence[str] | Sequence[bytes]
    file: Sequence[int]
    row: Sequence[int]
    files: tuple[str, ...] = ()
    #: (file, text) of each note: the `#` lines before a file's header, such as "Illustrative
    #: figures"; every output that uses the file repeats them.
    notes: tuple[tuple[str, str], ...] = field(default=())

    def __len__(self) -> int:
        return len(self.cents)

    def reference_at(self, number: int) -> str:
        """A row's reference as text (the plain reader keeps them as UTF-8 bytes)."""
        value = self.reference[number]
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def rows(self) -> Iterator[ActualRow]:
        for number in range(len(self)):
            period, line = self.keys[self.line[number]]
            source = int(self.source[number])
            yield ActualRow(date.fromordinal(int(self.day[number])), period, line,
                            Decimal(int(self.cents[number])) / 100,
                            self.sources[source] if source >= 0 else None,
                            "validated" if self.validated[number] else "reported",
                            self.reference_at(number), self.files[int(self.file[number])]
                            if self.files else "", int(self.row[number]))


def actuals_from_rows(rows: Iterable[ActualRow], keys: Sequence[tuple[str, str]],
                      sources: Sequence[str], notes: Sequence[tuple[str, str]] = ()) -> Actuals:
    """Columns of rows whose lines and sources are among `keys` and `sources` (a plan's)."""
    key_index = {key: number for number, key in enumerate(keys)}
    source_index = {source: number for number, source in enumerate(sources)}
    files: dict[str, int] = {}
    columns: tuple[list, ...] = ([], [], [], [], [], [], [], [])
    for row in rows:
        values = (key_index[row.period, row.line],
                  -1 if row.source is None else source_index[row.source],
                  row.date.toordinal(), int(row.amount * 100), row.status == "validated",
                  row.reference, files.setdefault(row.file, len(files)), row.row)
        for column, value in zip(columns, values):
            column.append(value)
    return Actuals(tuple(keys), tuple(sources), *columns, files=tuple(files), notes=tuple(notes))


def join_actuals(parts: Sequence[Actuals]) -> Actuals:
    """One set of columns from several (read from several files of the same plan)."""
    if len(parts) == 1:
        return parts[0]
    files: list[str] = []
    columns: tuple[list, ...] = ([], [], [], [], [], [], [], [])
    for part in parts:
        offset = len(files)
        files += part.files
        for column, values in zip(columns, (part.line, part.source, part.day, part.cents,
                                            part.validated)):
            column.extend(int(value) for value in values)
        columns[5].extend(part.reference_at(number) for number in range(len(part)))
        columns[6].extend(int(number) + offset for number in part.file)
        columns[7].extend(part.row)
    first = parts[0] if parts else Actuals((), (), *([],) * 8)
    return Actuals(first.keys, first.sources, *columns, files=tuple(files),
                   notes=tuple(note for part in parts for note in part.notes))
