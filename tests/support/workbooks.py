"""Helpers for the workbook tests: a hand-made allocation, editing a workbook as a person would,
reading every formula cell with its cached value, and damaging a workbook as a hostile or
broken file would be."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from budget_planner.core.model import Allocation, AllocationResult, Gap, Plan, SourceUse
from budget_planner.engine.allocation import allocate
from budget_planner.planfile.loader import load_plan
from budget_planner.xlsx.workbook import build_workbook

ZERO = Decimal(0)


def hand_allocation(plan: Plan, caps: dict[str, Decimal] | None = None) -> AllocationResult:
    """Each line paid in full by its first marked source; unmarked lines are gaps.

    Independent of the LP: enough to test how a result is laid out.
    """
    allocations, gaps = [], []
    for period in plan.periods:
        for line in period.lines:
            if line.amount is None:
                continue
            if line.sources:
                allocations.append(Allocation(period.id, line.id, line.sources[0], line.amount))
            else:
                gaps.append(Gap(period.id, line.id, line.amount, "no source marked"))
    uses = []
    for source in plan.sources:
        allocated = sum((item.amount for item in allocations if item.source == source.id), ZERO)
        cap = (caps or {}).get(source.id)
        uses.append(SourceUse(source.id, None, cap, allocated,
                              None if cap is None else cap - allocated,
                              cap is not None and cap == allocated, None))
    return AllocationResult("optimal", "by hand", ZERO, tuple(allocations), tuple(gaps),
                            tuple(uses))


def openpyxl_workbook(path: Path, **options: Any) -> Any:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # data bars: openpyxl does not model them
        return openpyxl.load_workbook(path, **options)


def edit_workbook(path: Path, change: Callable[[Any], None]) -> None:
    """Open with openpyxl, let `change` edit the workbook, save it in place."""
    book = openpyxl_workbook(path)
    change(book)
    book.save(path)


def insert_line(book: Any, sheet: str, row: int, cells: dict[str, Any], period_name: str) -> None:
    """Insert a row above `row` as a spreadsheet program does: the rows below move down and the
    period total's SUM and defined name follow (openpyxl does not adjust them itself)."""
    ws = book[sheet]
    ws.insert_rows(row)
    for column, value in cells.items():
        ws[f"{column}{row}"] = value
    total_row = row + 1
    found = re.fullmatch(r"=SUM\(C(\d+):C(\d+)\)", ws[f"C{total_row}"].value)
    assert found, ws[f"C{total_row}"].value
    ws[f"C{total_row}"] = f"=SUM(C{found.group(1)}:C{int(found.group(2)) + 1})"
    book.defined_names[period_name].attr_text = f"'{sheet}'!$C${total_row}"


def formula_cells(path: Path) -> dict[tuple[str, str], tuple[str, Any]]:
    """(sheet, cell) -> (formula, cached value) for every formula cell of a workbook."""
    formulas = openpyxl_workbook(path)
    values = openpyxl_workbook(path, data_only=True)
    cells = {}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cells[(ws.title, cell.coordinate)] = (
                        cell.value, values[ws.title][cell.coordinate].value)
    return cells


def name_values(path: Path) -> dict[str, Any]:
    """The cached value of every single-cell defined name."""
    book = openpyxl_workbook(path, data_only=True)
    found = {}
    for name in book.defined_names:
        for sheet, reference in book.defined_names[name].destinations:
            if ":" not in reference:
                found[name] = book[sheet][reference.replace("$", "")].value
    return found


def poison_cached_values(source: Path, target: Path) -> int:
    """A copy whose formulas all cache a wrong value (-1 or STALE): a client that shows the
    right values afterwards must have recalculated them. Returns how many were poisoned."""
    count = 0

    def poison(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match.group(1) + ("<v>STALE</v>" if 't="str"' in match.group(0) else "<v>-1</v>")

    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = re.sub(r'(<c [^>]*>(?:<f>[^<]*</f>))<v>[^<]*</v>', poison,
                              data.decode("utf-8"))
                text = re.sub(r'(<c [^>]*>(?:<f>[^<]*</f>))(?=</c>)', poison, text)
                data = text.encode("utf-8")
            new.writestr(info, data)
    target.write_bytes(out.getvalue())
    return count


# --- making workbooks hostile ----------------------------------------------------------------

def build_plan_workbook(plan_path: Path, target: Path) -> Path:
    """The workbook `build` makes of a plan (library calls: no subprocess)."""
    plan, problems = load_plan(plan_path)
    assert plan is not None, problems
    target.write_bytes(build_workbook(plan, allocate(plan)))
    return target


def rewrite_parts(path: Path, change: Callable[[str, bytes], bytes | None],
                  extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite a workbook's zip, part by part (`change` returns None to drop a part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in archive.infolist():
            data = change(info.filename, archive.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def truncate(path: Path, fraction: str = "0.4") -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * float(fraction))])
    return path


def add_zip_bomb(path: Path, megabytes: str = "20") -> Path:
    """A part of zeros that unpacks to about 1,000 times its packed size."""
    out = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
            for _ in range(int(megabytes)):
                part.write(bytes(1 << 20))
    path.write_bytes(out.getvalue())
    return path


def declare_entity(path: Path, part: str = "xl/sharedStrings.xml",
                   declaration: str = '<!DOCTYPE sst [<!ENTITY secret SYSTEM "secret.txt">]>',
                   use: str = "&secret;") -> Path:
    """Put a document type declaration into one XML part and use its entity in the first
    string (XXE, or a billion laughs with another declaration)."""
    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = data.decode("utf-8")
        text = re.sub(r"^(<\?xml[^>]*\?>)", lambda found: found.group(1) + declaration, text)
        return re.sub(r"<t>", "<t>" + use, text, count=1).encode("utf-8")

    return rewrite_parts(path, change)


def drop_sheet(path: Path, sheet: str) -> Path:
    edit_workbook(path, lambda book: book.remove(book[sheet]))
    return path


def drop_name(path: Path, name: str) -> Path:
    def change(book):
        del book.defined_names[name]

    edit_workbook(path, change)
    return path


def set_cell(path: Path, where: str, value: str) -> Path:
    """Type a value into `Sheet!C5` as a person would: a number when it reads as one, a
    formula when it starts with `=` (saved with no result, as a program that does not
    calculate saves it), else text."""
    sheet, cell = where.rsplit("!", 1)
    typed: object = value
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        typed = float(value) if "." in value else int(value)

    def change(book):
        book[sheet][cell] = typed

    edit_workbook(path, change)
    return path


def shared_string_index(path: Path, where: str, index: str) -> Path:
    """Make the text cell `Sheet!C5` refer to shared string `index` (-1, or past the table's
    end), as a damaged or forged workbook would."""
    import openpyxl

    sheet, cell = where.rsplit("!", 1)
    book = openpyxl.load_workbook(path, read_only=True)
    part = f"xl/worksheets/sheet{book.sheetnames.index(sheet) + 1}.xml"
    book.close()

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text, count = re.subn(rf'(<c r="{cell}"[^>]*t="s"[^>]*><v>)\d+(</v>)',
                              rf"\g<1>{index}\g<2>", data.decode("utf-8"))
        assert count == 1, f"{where} is not a shared-string cell"
        return text.encode("utf-8")

    return rewrite_parts(path, change)


def plain_workbook(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "Budget"
    book.save(path)
    return path
