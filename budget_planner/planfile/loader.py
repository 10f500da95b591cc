"""Reading plan files: TOML in, a `Plan` and every problem out.

The loader never raises on a user's mistake. It reads every file (following `include`), checks
every field, and returns all problems at once, each with its file, line and field path, so that
one run tells the user everything to fix.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import tomli

from ..core.limits import INCLUDE_DEPTH, INCLUDED_FILES, INPUT_BYTES, MIB, TEXT_CHARACTERS
from ..core.model import Commitment, Line, Origin, Period, Plan, Problem, Programme, Source
from ..core.money import MoneyError, parse_money, type_name
from .fields import Fields, listed, suggest
from .phasing import read_commitments, read_profile, read_years
from .reporting import parse_date, parse_reporting
from .rules import Known, parse_funding

SOURCE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
PERIOD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
LINE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
CURRENCY = re.compile(r"[A-Z]{3}")

MAIN_KEYS = ("include", "programme", "sources", "periods", "funding", "reporting", "commitments")
INCLUDED_KEYS = ("include", "sources", "periods", "commitments")
PROGRAMME_KEYS = ("name", "currency", "total", "reference", "description", "date")
SOURCE_KEYS = ("id", "name", "description")
PERIOD_KEYS = ("id", "title", "first_year", "last_year", "total", "lines", "profile")
LINE_KEYS = ("id", "activity", "amount", "sources", "notes", "source_notes", "years")
_LINE_KEY_SET = frozenset(LINE_KEYS)
#: One dotted key of hundreds of parts (`a.a.a...`): TOML parsers need time and memory
#: quadratic in the parts (tomllib took 400 MB for 10,000; tomli stops at 1,000 with an error
#: that names no line), and no plan has more than a few. Refused first, with its line.
_LONG_DOTTED_KEY = re.compile(
    r"(?<![\w\"'.-])(?:(?:[A-Za-z0-9_-]++|\"[^\"\n]*+\"|'[^'\n]*+')[ \t]*+\.[ \t]*+){256}")
#: Every byte but "." and newline (see `_long_dotted_key`).
_NOT_DOT_OR_NEWLINE = bytes(sorted(set(range(256)) - set(b".\n")))


class LineIndex:
    """Maps field paths such as `periods[2].lines[4].amount` to line numbers in a TOML text.

    The TOML parser gives values without positions; this scan of table headers and `key =` lines
    recovers them for the usual layout of plan files. A path it does not know falls back to
    its nearest known parent.

    Every record's origin is an element of an array of tables (`periods[2].lines[4]`), so the
    `[[...]]` headers are found up front, by one regex over the whole text; the line-by-line
    scan of everything else waits until another path is asked for, when a problem is reported.
    """

    #: A table header line; `[^\S\n]` (white space but a newline) keeps it to one line of a text.
    #: The name is words separated by blanks, and every quantifier is possessive, so that a
    #: match fails in one pass: a long run of blanks (in a multi-line string) costs linear time.
    _HEADER_LINE = (r"[^\S\n]*+(\[\[?+)[^\S\n]*+([A-Za-z0-9_.\-]++(?:[^\S\n]++[A-Za-z0-9_.\-]++)*+)"
                    r"[^\S\n]*+\]\]?+[^\S\n]*+(#.*)?$")
    _HEADER = re.compile(_HEADER_LINE)
    #: The same after a newline: a pattern that starts with a plain character is searched fast.
    _HEADERS = re.compile(r"\n" + _HEADER_LINE, re.MULTILINE)
    _KEY = re.compile(r"\s*+([A-Za-z0-9_-]++)\s*+=")

    def __init__(self, text: str):
        self._text = text
        self._lines: dict[str, int] | None = None  # every path, once a problem asks for one
        self._elements: dict[str, int] = {}  # paths such as periods[2].lines[4]
        counters: dict[str, int] = {}
        lines = "\n" + _plain_newlines(text)
        lineno = counted = 0
        for header in self._HEADERS.finditer(lines):
            lineno += lines.count("\n", counted, header.start() + 1)
            counted = header.start() + 1
            path = self._header_path(header, counters)
            if header.group(1) == "[[":
                self._elements[path] = lineno

    def _scan(self) -> dict[str, int]:
        """The line of every header and `key =` line, by path (the first one when repeated)."""
        lines: dict[str, int] = {}
        counters: dict[str, int] = {}
        current = ""
        for lineno, raw in enumerate(self._text.splitlines(), start=1):
            header = self._HEADER.match(raw)
            if header:
                current = self._header_path(header, counters)
                lines.setdefault(current, lineno)
                continue
            key = self._KEY.match(raw)
            if key:
                lines.setdefault(f"{current}.{key.group(1)}" if current else key.group(1), lineno)
        return lines

    def _header_path(self, header: re.Match[str], counters: dict[str, int]) -> str:
        """The path of the table a header opens; `[[...]]` counts the elements of its array."""
        kind, name = header.group(1, 2)
        path = self._resolve(name.replace(" ", "").split("."), counters)
        if kind == "[[":
            number = counters[path] = counters.get(path, -1) + 1
            path = f"{path}[{number}]"
        return path

    @staticmethod
    def _resolve(parts: list[str], counters: dict[str, int]) -> str:
        path = ""
        for part in parts:
            path = f"{path}.{part}" if path else part
            if path in counters and part is not parts[-1]:
                path = f"{path}[{counters[path]}]"
        return path

    def lineno(self, path: str) -> int | None:
        if path in self._elements:  # a path ending in [n] comes from a [[...]] header only
            return self._elements[path]
        if self._lines is None:
            self._lines = self._scan()
        while path:
            if path in self._lines:
                return self._lines[path]
            parent = self._parent(path)
            path = parent if parent != path else ""
        return None

    @staticmethod
    def _parent(path: str) -> str:
        """The path without its last element (`[4]`) or key (`.amount`). String operations,
        not a regex anchored at the end, which would take time quadratic in a long key."""
        if path.endswith("]"):
            start = path.rfind("[")
            if start >= 0 and path[start + 1:-1].isdecimal():
                return path[:start]
        dot, bracket = path.rfind("."), path.rfind("[")
        return path[:dot] if dot > bracket else path[:bracket + 1]


def _plain_newlines(text: str) -> str:
    """The text with each line break `str.splitlines` knows (\\r\\n, \\x85, \\u2028...) written as
    a newline, so that a regex over it sees the very lines a line-by-line scan sees."""
    if text.isascii() and not any(mark in text for mark in "\r\x0b\x0c\x1c\x1d\x1e"):
        return text
    return "\n".join(text.splitlines())


@dataclass
class Document:
    """One file's parsed TOML, with what is needed to report problems at their place."""

    file: str
    data: dict[str, Any]
    index: LineIndex
    problems: list[Problem]
    size: int = 0  # bytes

    def report(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, code, message, self.index.lineno(path)))

    def origin(self, path: str) -> Origin:
        return Origin(self.file, path, self.index.lineno(path))


def read_document(path: Path | str, problems: list[Problem], *, shown: str | None = None,
                  at: tuple[Document, str] | None = None,
                  budget: int | None = None) -> Document | None:
    """Read one TOML file. A file that cannot be read is reported (at `at`, the field that named
    it, when there is one) and gives None. A file larger than `budget` bytes (what is left of
    INPUT_BYTES for the plan it belongs to) is refused before it is read."""
    path = Path(path)
    shown = shown or str(path)
    budget = INPUT_BYTES if budget is None else budget

    def fail(code: str, message: str, lineno: int | None = None) -> None:
        if at is not None:
            document, field_path = at
            document.report(field_path, code, f"{shown}: {message}")
        else:
            problems.append(Problem(shown, "", code, message, lineno))

    try:
        raw = _read_regular(path, budget)
    except _TooLarge as error:
        whole = error.size if error.size > budget else None
        return fail("input-too-large", _too_large(whole, budget))
    except FileNotFoundError:
        return fail("file-not-found", "no such file")
    except NotADirectoryError:
        return fail("file-not-found", "no such file (a part of the path is a file, not a folder)")
    except IsADirectoryError:
        return fail("not-a-file", "is a directory, not a TOML file")
    except PermissionError:
        return fail("file-unreadable", "cannot be read: permission denied")
    except (OSError, ValueError) as error:
        return fail("file-unreadable", f"cannot be read: {_reason(error)}")
    if raw is None:
        return fail("not-a-file", "is not a regular file (a pipe or a device); give a TOML plan file")
    return _document(raw, shown, problems, fail)


def parse_document(raw: bytes, shown: str, problems: list[Problem]) -> Document | None:
    """A TOML text that comes from elsewhere than a file (a request's body), read and checked
    as a file is; `shown` is the name its problems give."""
    def fail(code: str, message: str, lineno: int | None = None) -> None:
        problems.append(Problem(shown, "", code, message, lineno))

    return _document(raw, shown, problems, fail)


def _document(raw: bytes, shown: str, problems: list[Problem],
              fail: Callable[..., None]) -> Document | None:
    if raw.startswith(b"PK\x03\x04"):
        return fail("not-toml", "is a zip archive (an Excel workbook?), not a TOML plan file; "
                                "`budget-planner import` turns a workbook made by build into one")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as some Windows editors write
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return fail("not-utf8", "is UTF-16 text (as Notepad saves \"Unicode\"); save it as UTF-8",
                    1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        lineno = raw[: error.start].count(b"\n") + 1
        return fail("not-utf8", f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at line {lineno}); "
                                "save it as UTF-8", lineno)
    if not text.strip():
        return fail("file-empty", "is empty")
    long_key = _long_dotted_key(raw, text)
    if long_key:
        lineno = text.count("\n", 0, long_key.start()) + 1
        return fail("toml-too-deep", "has a dotted key of 256 parts or more; "
                                     "no plan needs more than a few", lineno)
    try:
        data = parse_toml(text)
    except RecursionError:
        return fail("toml-too-deep", "nests arrays or tables hundreds of levels deep; "
                                     "no plan needs more than a few")
    except tomli.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        lineno = int(found.group(1)) if found else None
        if found:
            message = message[: found.start()].strip()
        return fail("toml-syntax", f"is not valid TOML: {message}", lineno)
    return Document(shown, data, LineIndex(text), problems, len(raw))


def _long_dotted_key(raw: bytes, text: str) -> re.Match[str] | None:
    """The first dotted key of 256 parts or more in a file, if any.

    Such a key has its 256 dots on one line. Deleting every byte but dots and newlines shows
    whether any line has that many, some forty times faster than searching for the key.
    """
    if b"." * 256 not in raw.translate(None, _NOT_DOT_OR_NEWLINE):
        return None
    return _LONG_DOTTED_KEY.search(text)


def _reason(error: OSError | ValueError) -> str:
    """An error's reason for a message: "permission denied", "too many levels of ..."."""
    reason = getattr(error, "strerror", None)
    return reason.lower() if reason else str(error)


def parse_toml(text: str) -> dict[str, Any]:
    """The data of a TOML text (TOML 1.1, of which 1.0 is a part), by tomli: compiled, it reads
    a big plan two to three times as fast as the standard library's tomllib."""
    return tomli.loads(text)


class _TooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def _too_large(size: int | None, budget: int) -> str:
    limit = f"{INPUT_BYTES // MIB} MiB"
    if budget < INPUT_BYTES:
        return (f"brings the files of the plan to more than {limit}; a plan with every file it "
                f"includes may be at most {limit}")
    shown = f"{size / MIB:,.1f} MiB" if size is not None else f"more than {limit}"
    return f"is {shown}; a plan or scenario file may be at most {limit}"


def _read_regular(path: Path, budget: int) -> bytes | None:
    """The bytes of a regular file, or None for a pipe or device (opened without waiting).
    A file of more than `budget` bytes raises _TooLarge, checked before it is read and again
    while reading (a file may grow)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(status.st_mode):
            return None
        if status.st_size > budget:
            raise _TooLarge(status.st_size)
        raw = stream.read(budget + 1)
        if len(raw) > budget:
            raise _TooLarge(len(raw))
        return raw


@dataclass
class _Collected:
    """What the documents of one plan contribute, before the plan is assembled."""

    problems: list[Problem] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    #: Every file read, by its real path, with the name it was shown under: each is read once.
    read: dict[str, str] = field(default_factory=dict)
    #: Bytes the plan's remaining files may hold (INPUT_BYTES for all of them together).
    budget: int = field(default_factory=lambda: INPUT_BYTES)


def _collect(path: Path, shown: str, collected: _Collected, chain: tuple[str, ...] = (),
             at: tuple[Document, str] | None = None, *, includes: bool = True) -> None:
    """Read a file and, depth first, the files it includes (in order).

    The one walker over includes: each file is read once (a second include of it is a
    problem, so a diamond of includes costs one read a file), a cycle is reported with its
    chain, and the chain may be INCLUDE_DEPTH files deep and the plan INCLUDED_FILES files
    large, so no input can make the walk recurse or read without bound.
    """
    here = os.path.realpath(path)
    collected.read[here] = shown
    document = read_document(path, collected.problems, shown=shown, at=at,
                             budget=collected.budget)
    if document is None:
        return
    collected.documents.append(document)
    collected.budget -= document.size
    if not includes:
        if "include" in document.data:
            document.report("include", "include-refused",
                            "this plan may not include other files")
        return
    chain = (*chain, here)
    fields = Fields(document.report, {"include": document.data.get("include", [])}, "",
                    ("include",), "")
    for include_path, name in fields.strings("include"):
        if not name.strip() or "\x00" in name:
            document.report(include_path, "invalid-include", f"{name!r} is not a file name")
            continue
        target = path.parent / name
        real = os.path.realpath(target)
        if real in chain:
            names = [Path(link).name for link in chain[chain.index(real):]]
            document.report(include_path, "include-cycle",
                            f"include cycle: {' -> '.join([*names, target.name])}")
        elif real in collected.read:
            document.report(include_path, "include-repeated",
                            f"{name}: is already included (as {collected.read[real]}); a file "
                            "is included once, or its sources and periods would count twice")
        elif len(chain) > INCLUDE_DEPTH:
            document.report(include_path, "include-too-deep",
                            f"{name}: includes nest more than {INCLUDE_DEPTH} files deep")
        elif len(collected.read) > INCLUDED_FILES:
            document.report(include_path, "include-too-many",
                            f"{name}: a plan may include at most {INCLUDED_FILES:,} files")
        else:
            _collect(target, str(Path(shown).parent / name), collected, chain,
                     at=(document, include_path))


def load_plan(path: Path | str, *, includes: bool = True) -> tuple[Plan | None, list[Problem]]:
    """Load a plan file and the files it includes.

    Returns the plan and an empty list, or None and every problem found in any file. With
    `includes=False` an `include` is a problem: a plan read from a workbook names no files.
    """
    path = Path(path)
    collected = _Collected()
    _collect(path, str(path), collected, includes=includes)
    if not collected.documents:
        return None, collected.problems
    main, *included = collected.documents
    if _is_scenario(main.data):
        return None, [Problem(main.file, "", "scenario-as-plan",
                              f"this is a scenario file, not a plan; use --scenario {main.file}")]
    builder = _PlanBuilder(collected.documents)
    builder.top_level(main, MAIN_KEYS, "the main plan file")
    for document in included:
        builder.top_level(document, INCLUDED_KEYS, "an included plan file "
                          "(only the main file has [programme] and [funding])")
    programme = builder.programme(main)
    sources = builder.sources(collected.documents)
    periods = builder.periods(collected.documents)
    commitments = builder.commitments(collected.documents)
    # Rules are checked against every id the files declare, also those of a source, period or
    # line with a mistake of its own: that mistake is reported once, not again at each rule.
    funding = parse_funding(
        main.data.get("funding"), main.report, path="funding",
        known=Known(sources=tuple(builder.declared_sources),
                    periods=tuple(builder.declared_lines),
                    lines={period_id: tuple(line_ids)
                           for period_id, line_ids in builder.declared_lines.items()}))
    reporting = parse_reporting(main.data.get("reporting"), main.report)
    problems = collected.problems
    if problems or not builder.ok or programme is None or reporting is None:
        return None, problems
    plan = Plan(name=path.stem, programme=programme, sources=tuple(sources),
                periods=tuple(periods), funding=funding,
                files=tuple(document.file for document in collected.documents),
                reporting=reporting, commitments=commitments)
    return plan, []


def _is_scenario(data: dict[str, Any]) -> bool:
    """Whether a file read as a plan is a scenario: none of a plan's tables, some of a
    scenario's keys."""
    return not {"programme", "sources", "periods"} & data.keys() and \
        bool({"name", "lines", "scale"} & data.keys())


class _PlanBuilder:
    """Turns checked documents into model records; `ok` is False once anything was wrong.

    `declared_sources` and `declared_lines` (period id -> line ids) hold every id the files
    give as a string, whether or not the record around it has mistakes.
    """

    def __init__(self, documents: list[Document]) -> None:
        self.ok = True
        self._documents_by_file = {document.file: document for document in documents}
        # Ordered sets (dicts to None): a list's `in` made 100,000 lines cost 15 s.
        self.declared_sources: dict[str, None] = {}
        self.declared_lines: dict[str, dict[str, None]] = {}

    def _done(self, fields: Fields) -> bool:
        self.ok = self.ok and fields.ok
        return fields.ok

    def top_level(self, document: Document, allowed: tuple[str, ...], what: str) -> None:
        self._done(Fields(document.report, document.data, "", allowed, what))

    def programme(self, document: Document) -> Programme | None:
        table = document.data.get("programme")
        if not isinstance(table, dict):
            document.report("programme", "missing-field" if table is None else "wrong-type",
                            "the main plan file needs a [programme] table with name, currency "
                            "and total")
            self.ok = False
            return None
        fields = Fields(document.report, table, "programme", PROGRAMME_KEYS, "[programme]")
        name = fields.text("name", required=True)
        currency = fields.text("currency", required=True, pattern=CURRENCY,
                               rule="a three-letter ISO 4217 code such as EUR")
        total = fields.money("total", required=True)
        reference = fields.text("reference") or ""
        description = fields.text("description") or ""
        when = fields.parsed("date", parse_date)
        if not self._done(fields):
            return None
        assert name is not None and currency is not None and total is not None
        return Programme(name, currency, total, reference, description, when)

    def sources(self, documents: list[Document]) -> list[Source]:
        sources: list[Source] = []
        seen: dict[str, str] = {}
        for document in documents:
            top = Fields(document.report, {"sources": document.data.get("sources", [])}, "",
                          ("sources",), "")
            for path, table in top.tables("sources"):
                fields = Fields(document.report, table, path, SOURCE_KEYS, "a funding source")
                source_id = fields.text("id", required=True, pattern=SOURCE_ID,
                                        rule="a letter, then letters, digits or _")
                self._declare(self.declared_sources, table.get("id"))
                name = fields.text("name") or source_id
                description = fields.text("description") or ""
                if source_id is not None and source_id in seen:
                    fields.report("id", "duplicate-id",
                                  f"source {source_id!r} is already defined at {seen[source_id]}")
                if self._done(fields) and source_id and name:
                    seen[source_id] = f"{document.file}: {path}"
                    sources.append(Source(source_id, name, description))
            self.ok = self.ok and top.ok
        if not sources and documents:
            documents[0].report("sources", "missing-field",
                                "the plan defines no funding sources ([[sources]] with an id)")
            self.ok = False
        return sources

    def commitments(self, documents: list[Document]) -> tuple[Commitment, ...]:
        """Every file's `[[commitments]]`: one entry a source over all the files (checked
        against the declared sources, as lines are)."""
        found: list[Commitment] = []
        seen: dict[str, str] = {}
        source_ids = tuple(self.declared_sources)
        for document in documents:
            errors = len(document.problems)
            for entry in read_commitments(document.report, document.data.get("commitments"),
                                          "commitments", source_ids):
                where = f"{document.file}: {entry.path}"
                if entry.source in seen:
                    document.report(f"{entry.path}.source", "duplicate-commitment",
                                    f"the commitments of {entry.source!r} are already given at "
                                    f"{seen[entry.source]}; give each source's years in one "
                                    "table")
                    continue
                seen[entry.source] = where
                found.append(entry.commitment(where))
            self.ok = self.ok and len(document.problems) == errors
        return tuple(found)

    @staticmethod
    def _declare(declared: dict[str, None], record_id: Any) -> None:
        if isinstance(record_id, str):
            declared.setdefault(record_id, None)

    def periods(self, documents: list[Document]) -> list[Period]:
        """The periods, their lines marking the declared sources (a source with a mistake of
        its own is reported once, not again at every mark)."""
        periods: list[Period] = []
        seen: dict[str, str] = {}
        source_ids = tuple(self.declared_sources)
        for document in documents:
            top = Fields(document.report, {"periods": document.data.get("periods", [])}, "",
                          ("periods",), "")
            for path, table in top.tables("periods"):
                period = self._period(document, path, table, source_ids)
                if self._is_duplicate(document, path, table, seen, "period",
                                      "is already defined at") or period is None:
                    continue
                periods.append(period)
            self.ok = self.ok and top.ok
        if not periods and documents and self.ok:
            documents[0].report("periods", "missing-field",
                                "the plan has no periods ([[periods]] with lines)")
            self.ok = False
        self._check_overlaps(periods)
        return periods

    def _is_duplicate(self, document: Document, path: str, table: dict[str, Any],
                      seen: dict[str, str], what: str, already: str) -> bool:
        """Report a second use of an id (even on an entry with other mistakes)."""
        record_id = table.get("id")
        if not isinstance(record_id, str):
            return False
        if record_id in seen:
            document.report(f"{path}.id", "duplicate-id", f"{what} {record_id!r} {already} "
                                                           f"{seen[record_id]}")
            self.ok = False
            return True
        seen[record_id] = f"{document.file}: {path}" if what == "period" else path
        return False

    def _check_overlaps(self, periods: list[Period]) -> None:
        by_start = sorted(periods, key=lambda period: (period.first_year, period.last_year))
        for earlier, later in zip(by_start, by_start[1:]):
            if later.first_year <= earlier.last_year:
                origin = later.origin
                assert origin is not None
                self._report_at(origin, "first_year", "overlapping-periods",
                                f"period {later.id!r} ({later.first_year}-{later.last_year}) "
                                f"overlaps period {earlier.id!r} "
                                f"({earlier.first_year}-{earlier.last_year})")

    def _report_at(self, origin: Origin, key: str, code: str, message: str) -> None:
        self.ok = False
        self._documents_by_file[origin.file].report(f"{origin.path}.{key}", code, message)

    def _period(self, document: Document, path: str, table: dict[str, Any],
                source_ids: tuple[str, ...]) -> Period | None:
        fields = Fields(document.report, table, path, PERIOD_KEYS, "a period")
        period_id = fields.text("id", required=True, pattern=PERIOD_ID,
                                rule="letters, digits, - or _, such as 2010-2011")
        title = fields.text("title") or ""
        first_year = fields.year("first_year")
        last_year = fields.year("last_year")
        total = fields.money("total", required=True)
        years = None
        if first_year is not None and last_year is not None and first_year > last_year:
            fields.report("last_year", "invalid-years",
                          f"last_year {last_year} is before first_year {first_year}")
        elif first_year is not None and last_year is not None:
            years = range(first_year, last_year + 1)
        profile = read_profile(fields, "profile", years)
        entries = fields.tables("lines")
        if "lines" in table and isinstance(table["lines"], list) and not table["lines"]:
            fields.report("lines", "empty-period", "the period has no budget lines")
        elif "lines" not in table:
            fields.report("lines", "empty-period",
                          f"the period has no budget lines (add [[{path.split('[')[0]}.lines]] "
                          "tables after it)")
        lines: list[Line] = []
        seen: dict[str, str] = {}
        raw_id = table.get("id")
        declared = self.declared_lines.setdefault(raw_id, {}) if isinstance(raw_id, str) else {}
        for line_path, line_table in entries:
            self._declare(declared, line_table.get("id"))
            line = read_line(document, line_path, line_table, source_ids, years)
            self.ok = self.ok and line is not None
            if self._is_duplicate(document, line_path, line_table, seen, "line",
                                  "is already used in this period at") or line is None:
                continue
            lines.append(line)
        if not self._done(fields):
            return None
        assert period_id and first_year and last_year and total is not None
        assert profile is not None
        return Period(period_id, title, first_year, last_year, total, tuple(lines),
                      document.origin(path), profile)


def read_line(document: Document, path: str, table: dict[str, Any],
              source_ids: tuple[str, ...], years: range | None = None) -> Line | None:
    """A budget line of `document` at `path`, or None with its problems reported: the same
    rules and messages for a plan's lines and a scenario's added or changed ones. Its stated
    `years` must lie in its period's `years` (when they are known).

    A plain, well-formed table (nearly every one) is read directly, any other goes through
    `_checked_line`, which reports each of its problems.
    """
    line = _plain_line(table, source_ids, document.origin(path))
    return line if line is not None else _checked_line(document, path, table, source_ids, years)


def _checked_line(document: Document, path: str, table: dict[str, Any],
                  source_ids: tuple[str, ...],
                  period_years: range | None = None) -> Line | None:
    fields = Fields(document.report, table, path, LINE_KEYS, "a budget line")
    line_id = fields.text("id", required=True, pattern=LINE_ID,
                          rule="letters, digits, '.', '-' or '_', no spaces")
    activity = fields.text("activity", required=True)
    amount = fields.money("amount")
    notes = fields.text("notes") or ""
    years = read_years(fields, "years", period_years)
    marked: set[str] = set()
    for mark_path, source_id in fields.strings("sources"):
        if source_id not in source_ids:
            fields.report_at(mark_path, "unknown-source",
                             f"unknown funding source {source_id!r}{suggest(source_id, source_ids)}"
                             f" (sources: {listed(source_ids)})")
        elif source_id in marked:
            fields.report_at(mark_path, "duplicate-source",
                             f"source {source_id!r} is marked twice on this line")
        marked.add(source_id)
    raw_notes = table.get("source_notes", {})
    if not isinstance(raw_notes, dict):
        fields.report("source_notes", "wrong-type",
                      f"expected a table such as {{ OTHER = \"(private funds)\" }}, "
                      f"found {type_name(raw_notes)}")
        raw_notes = {}
    notes_fields = Fields(document.report, raw_notes, f"{path}.source_notes", tuple(raw_notes), "")
    for source_id in raw_notes:
        if notes_fields.text(source_id) is not None and source_id not in marked:
            notes_fields.report(source_id, "note-without-mark",
                                f"a note for source {source_id!r}, which this line does not mark"
                                f"{suggest(source_id, sorted(marked))}")
    if not (fields.ok and notes_fields.ok):
        return None
    assert line_id and activity and years is not None
    source_notes = [(source_id, raw_notes[source_id]) for source_id in source_ids
                    if source_id in raw_notes]
    return Line(line_id, activity, amount,
                tuple(source_id for source_id in source_ids if source_id in marked),
                notes, tuple(source_notes), document.origin(path), years)


def _plain_line(table: dict[str, Any], source_ids: tuple[str, ...], origin: Origin) -> Line | None:
    """The line of a table `_checked_line` would accept as it is, or None.

    Only the fast path: it accepts a table when each value has its usual, checked form (known
    keys, a valid id, a non-empty activity, a plain amount, known sources marked once, notes
    only for marked sources) and leaves everything else to `_checked_line`, which gives the
    same line or reports what is wrong. tests/test_loader_fast.py checks the two agree.
    """
    if "years" in table or not _LINE_KEY_SET.issuperset(table):
        return None
    line_id, activity, notes = table.get("id"), table.get("activity"), table.get("notes", "")
    if not (isinstance(line_id, str) and LINE_ID.fullmatch(line_id) and isinstance(activity, str)
            and activity.strip() and isinstance(notes, str)
            and max(len(line_id), len(activity), len(notes)) <= TEXT_CHARACTERS):
        return None
    amount = table.get("amount")
    if amount is not None:
        try:
            amount = parse_money(amount)
        except MoneyError:
            return None
    marks = table.get("sources", [])
    if not isinstance(marks, list):
        return None
    try:
        sources = _in_plan_order(tuple(marks), source_ids)
    except TypeError:  # a mark that is an array or a table: unhashable, and wrong anyway
        return None
    if sources is None:
        return None
    source_notes: tuple[tuple[str, str], ...] = ()
    if "source_notes" in table:
        notes_by_source = table["source_notes"]
        if not isinstance(notes_by_source, dict) or not all(
                isinstance(note, str) and source_id in sources and len(note) <= TEXT_CHARACTERS
                for source_id, note in notes_by_source.items()):
            return None
        source_notes = tuple((source_id, notes_by_source[source_id]) for source_id in sources
                             if source_id in notes_by_source)
    return Line(line_id, activity, amount, sources, notes, source_notes, origin)


@functools.lru_cache(maxsize=4096)
def _in_plan_order(marks: tuple[Any, ...], source_ids: tuple[str, ...]) -> tuple[str, ...] | None:
    """The marked sources in the plan's order, or None if a mark is unknown or repeated. A plan
    has few distinct lists of marks, so each is worked out once."""
    if len(set(marks)) < len(marks) or not set(marks) <= set(source_ids):
        return None
    return tuple(source_id for source_id in source_ids if source_id in marks)
