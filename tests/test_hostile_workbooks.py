"""Hostile and damaged workbooks for `import`, `check WORKBOOK` and `diff`.

Every one is refused or reported as a located problem or finding, within bounded time and
memory: the command-line runs here go through a subprocess with a 1 GiB address-space limit
and a generous timeout, and must end with exit 1 or 2 and no traceback. The helpers that damage
a workbook (tests/support/workbooks.py) are also used by the bad-input catalogue
(tests/bad_inputs).
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from budget_planner.planfile.loader import load_plan
from budget_planner.xlsx.reader import load_workbook_plan, read_workbook, reconcile_workbook
from budget_planner.core.limits import WORKBOOK_BYTES

from tests.support.plans import ROOT, SMALL_PLAN
from tests.support.workbooks import (add_zip_bomb, build_plan_workbook, declare_entity, drop_name,
                                     drop_sheet, edit_workbook, rewrite_parts, set_cell,
                                     truncate)

MEMORY_LIMIT = 1 << 30
TIMEOUT = 120  # seconds: generous, so that a slow machine passes; a hang or blow-up does not


# --- helpers ---------------------------------------------------------------------------------

@pytest.fixture
def workbook(write, tmp_path) -> Path:
    return build_plan_workbook(write("small.toml", SMALL_PLAN), tmp_path / "book.xlsx")


def codes(path: Path) -> list[tuple[str, str]]:
    read = read_workbook(path)
    return [(problem.path, problem.code) for problem in read.problems]


def finding_codes(path: Path) -> list[tuple[str, str]]:
    return [(finding.severity, finding.code) for finding in read_workbook(path).findings]


def limited() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess, with bounded memory and time. One BLAS thread: numpy
    (which openpyxl imports) reserves address space per thread, more on a machine with many
    cores than the limit allows."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "budget_planner", *args], cwd=folder,
                          capture_output=True, text=True, timeout=TIMEOUT, env=env,
                          preexec_fn=limited)


def assert_refused(folder: Path, book: str, code: str, *, plan: str = "small.toml") -> None:
    """`import`, `check` and `diff` each end with exit 2, the problem code and no traceback;
    `import -o` leaves an existing plan file untouched."""
    (folder / "out.toml").write_text("keep me\n", "utf-8")
    for args in (["import", book, "-o", "out.toml"], ["check", book], ["diff", plan, book]):
        done = run_cli(folder, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert f"{book}: " in done.stderr and f"[{code}]" in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout
    assert (folder / "out.toml").read_text("utf-8") == "keep me\n"


# --- not a workbook, or a damaged one ----------------------------------------------------------

@pytest.mark.parametrize("fraction", ["0.05", "0.5", "0.9", "0.999"])
def test_a_truncated_workbook_is_damaged(workbook, fraction):
    truncate(workbook, fraction)
    assert codes(workbook) == [("", "damaged-workbook")]


def test_not_a_zip_and_damaged_zips_from_the_command_line(workbook, tmp_path):
    (tmp_path / "text.xlsx").write_text("id;amount\na;400\n", "utf-8")
    assert codes(tmp_path / "text.xlsx") == [("", "not-a-workbook")]
    truncate(workbook)
    assert_refused(tmp_path, "book.xlsx", "damaged-workbook")
    assert_refused(tmp_path, "text.xlsx", "not-a-workbook")


def test_parts_whose_sizes_lie_are_never_unpacked_past_their_declared_size(workbook):
    """zipfile stops at a part's declared size; a part that unpacks to more fails its CRC."""
    data = bytearray(workbook.read_bytes())
    directory = data.find(b"PK\x01\x02")
    while directory >= 0:
        name_length = struct.unpack_from("<H", data, directory + 28)[0]
        if data[directory + 46: directory + 46 + name_length] == b"xl/sharedStrings.xml":
            struct.pack_into("<I", data, directory + 24, 10)  # the declared unpacked size
        directory = data.find(b"PK\x01\x02", directory + 4)
    workbook.write_bytes(bytes(data))
    assert codes(workbook)[0][1] in ("damaged-workbook", "not-a-workbook")


@pytest.mark.parametrize("flag, method", [(0x1, None), (None, 99)], ids=["encrypted", "aes"])
def test_encrypted_or_unknown_compression_is_refused(workbook, flag, method):
    data = bytearray(workbook.read_bytes())
    for header, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = data.find(header)
        while at >= 0:
            if flag is not None:
                bits = struct.unpack_from("<H", data, at + offset)[0]
                struct.pack_into("<H", data, at + offset, bits | flag)
            else:
                struct.pack_into("<H", data, at + offset + 2, method)
            at = data.find(header, at + 4)
    workbook.write_bytes(bytes(data))
    assert codes(workbook) == [("", "damaged-workbook")]


def test_a_directory_or_a_pipe_named_xlsx(tmp_path):
    (tmp_path / "folder.xlsx").mkdir()
    os.mkfifo(tmp_path / "pipe.xlsx")
    assert codes(tmp_path / "folder.xlsx") == [("", "not-a-file")]
    assert codes(tmp_path / "pipe.xlsx") == [("", "not-a-file")]  # and it does not wait


# --- zip bombs ---------------------------------------------------------------------------------

def test_a_zip_bomb_part_is_refused_by_its_ratio(workbook, tmp_path):
    add_zip_bomb(workbook, "20")
    read = read_workbook(workbook)
    assert [(p.code, p.path) for p in read.problems] == [("zip-bomb", "")]
    assert "'xl/media/padding.bin' unpacks to 20,971,520 bytes" in read.problems[0].message
    assert_refused(tmp_path, "book.xlsx", "zip-bomb")


def test_a_workbook_unpacking_past_the_limit_is_refused(workbook):
    """Parts small enough for the ratio check that add up to more than WORKBOOK_BYTES."""
    parts = WORKBOOK_BYTES // 1_000_000 + 1
    out = io.BytesIO(workbook.read_bytes())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(parts):
            archive.writestr(f"xl/media/pad{number}.bin", bytes(1_000_000))
    workbook.write_bytes(out.getvalue())
    read = read_workbook(workbook)
    assert [p.code for p in read.problems] == ["workbook-too-large"]
    assert "unpacks to 2" in read.problems[0].message  # 210,0xx,xxx bytes


def test_too_many_parts_are_refused(workbook):
    out = io.BytesIO(workbook.read_bytes())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        for number in range(10_001):
            archive.writestr(f"x/{number}", b"")
    workbook.write_bytes(out.getvalue())
    assert codes(workbook) == [("", "workbook-too-large")]


def test_a_file_too_large_to_be_a_workbook_is_refused_unread(tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as stream:  # sparse: no disk space used
        stream.truncate(WORKBOOK_BYTES + 1)
    read = read_workbook(big)
    assert [p.code for p in read.problems] == ["workbook-too-large"]


# --- XML with a DTD: external entities, entity expansion ------------------------------------------

def test_an_external_entity_is_refused_and_never_read(workbook, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP-SECRET-SALARY", "utf-8")
    declare_entity(workbook, declaration='<!DOCTYPE sst [<!ENTITY secret SYSTEM "file://'
                                         f'{tmp_path / "secret.txt"}">]>')
    read = read_workbook(workbook)
    assert [(p.code, p.path) for p in read.problems] == [("unsafe-xml", "")]
    assert "'xl/sharedStrings.xml' declares a DTD or entities" in read.problems[0].message
    assert_refused(tmp_path, "book.xlsx", "unsafe-xml")
    done = run_cli(tmp_path, "import", "book.xlsx")
    assert "TOP-SECRET-SALARY" not in done.stdout + done.stderr


def test_a_billion_laughs_is_refused(workbook, tmp_path):
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    sheet = next(name for name in zipfile.ZipFile(workbook).namelist()
                 if name.startswith("xl/worksheets/sheet2"))

    def change(name: str, data: bytes) -> bytes:
        if name != sheet:
            return data
        return data.replace(b"?>", f"?><!DOCTYPE worksheet [{entities}]>".encode(), 1)

    rewrite_parts(workbook, change)
    assert codes(workbook) == [("", "unsafe-xml")]
    assert_refused(tmp_path, "book.xlsx", "unsafe-xml")


def test_an_external_dtd_and_a_utf16_part_are_refused(workbook):
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        text = text.replace("?>", '?><!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd">', 1)
        return text.encode("utf-16")

    rewrite_parts(workbook, change)
    assert codes(workbook) == [("", "unsafe-xml")]


# --- enormous or out-of-bounds sheets ----------------------------------------------------------

def _sheets(path: Path) -> list[str]:
    """The worksheet parts in tab order (sheet2 before sheet10)."""
    return sorted((name for name in zipfile.ZipFile(path).namelist()
                   if name.startswith("xl/worksheets/sheet")),
                  key=lambda name: int(re.search(r"(\d+)\.xml$", name).group(1)))


def test_enormous_declared_dimensions_are_ignored(workbook, write):
    expected, _ = load_plan(write("small.toml", SMALL_PLAN))

    def change(name: str, data: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)

    rewrite_parts(workbook, change)
    plan, problems = load_workbook_plan(workbook)
    assert problems == [] and plan == expected


def test_cells_far_away_cost_only_what_they_hold(workbook, tmp_path, write):
    """20,000 rows with a cell in the last column: read in bounded time (a reader that pads
    each row to its last cell reads 300 million cells)."""
    period_sheet = _sheets(workbook)[1]
    rows = "".join(f'<row r="{row}"><c r="XFD{row}"><v>1</v></c></row>'
                   for row in range(100, 20_100))

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", rows.encode() + b"</sheetData>") \
            if name == period_sheet else data

    rewrite_parts(workbook, change)
    write("small.toml", SMALL_PLAN)
    done = run_cli(tmp_path, "check", "book.xlsx")
    assert done.returncode == 0, done.stderr
    assert "Findings: 0 errors" in done.stdout


def test_a_cell_in_the_last_row_of_the_plan_sheet(workbook, tmp_path):
    plan_sheet = _sheets(workbook)[-1]

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                              b"<is><t>x</t></is></c></row></sheetData>") \
            if name == plan_sheet else data

    rewrite_parts(workbook, change)
    read = read_workbook(workbook)
    assert [(p.path, p.code) for p in read.problems] == [("_plan!A1048576", "toml-syntax")]
    done = run_cli(tmp_path, "import", "book.xlsx")
    assert done.returncode == 2 and "_plan!A1048576" in done.stderr


@pytest.mark.parametrize("reference", ["XFE1", "A2000000"])
def test_a_cell_outside_any_worksheet_is_damage(workbook, reference):
    sheet = _sheets(workbook)[0]

    def change(name: str, data: bytes) -> bytes:
        row = re.sub(r"\D", "", reference)
        return data.replace(b"</sheetData>", f'<row r="{row}"><c r="{reference}"><v>1</v></c>'
                                             "</row></sheetData>".encode()) \
            if name == sheet else data

    rewrite_parts(workbook, change)
    read = read_workbook(workbook)
    assert [p.code for p in read.problems] == ["damaged-workbook"]
    assert "outside any worksheet" in read.problems[0].message


def test_a_stored_plan_larger_than_any_plan(workbook, monkeypatch):
    monkeypatch.setattr("budget_planner.xlsx.reader.STORED_PLAN_CHARACTERS", 100)
    assert codes(workbook) == [("_plan", "workbook-too-large")]


def test_more_filled_cells_than_a_budget_workbook_has(workbook, monkeypatch):
    monkeypatch.setattr("budget_planner.xlsx.safe_open.WORKBOOK_CELLS", 50)
    read = read_workbook(workbook)
    assert [p.code for p in read.problems] == ["workbook-too-large"]
    assert "more than 50 filled cells" in read.problems[0].message


# --- missing sheets, missing or broken defined names -------------------------------------------

@pytest.mark.parametrize("sheet, code", [("Summary", "missing-sheet"), ("2022", "missing-sheet"),
                                         ("_plan", "not-a-plan-workbook")])
def test_a_missing_sheet_is_a_problem(workbook, sheet, code):
    drop_sheet(workbook, sheet)
    assert code in [c for _, c in codes(workbook)]


def test_a_deleted_allocation_sheet_breaks_the_names_that_point_there(workbook, runner):
    drop_sheet(workbook, "Allocation")
    read = read_workbook(workbook)
    assert read.problems == ()
    broken = sorted(f.message.split()[3] for f in read.findings if f.code == "name-broken")
    assert broken == ["AllocationChecks", "GapTotal", "SourceTotal_EC", "SourceTotal_NATIONAL"]
    assert all(f.severity == "error" for f in read.findings)


@pytest.mark.parametrize("name", ["GrandTotal", "PeriodTotal_2022", "SourceTotal_EC",
                                  "SummaryChecks"])
def test_a_missing_defined_name_is_an_error_finding(workbook, tmp_path, write, name):
    drop_name(workbook, name)
    read = read_workbook(workbook)
    assert read.plan is not None and read.problems == ()
    assert [(f.severity, f.code) for f in read.findings] == [("error", "name-missing")]
    assert f"the defined name {name} (" in read.findings[0].message
    result, _ = reconcile_workbook(workbook)
    assert "name-missing" in [f.code for f in result.findings]
    write("small.toml", SMALL_PLAN)
    done = run_cli(tmp_path, "check", "book.xlsx")
    assert done.returncode == 1 and "name-missing" in done.stdout
    done = run_cli(tmp_path, "import", "book.xlsx", "-o", "back.toml")
    assert done.returncode == 0 and "warning: the defined name" in done.stderr
    back, _ = load_plan(tmp_path / "back.toml")
    assert back is not None and back.computed_total == 1000


@pytest.mark.parametrize("text", ["#REF!", "'Nowhere'!$A$1", "'Summary'!$A$1:$XFD$1048576"])
def test_a_name_that_points_nowhere_or_everywhere(workbook, text):
    def change(book):
        book.defined_names["GrandTotal"].attr_text = text

    edit_workbook(workbook, change)
    read = read_workbook(workbook)
    assert read.problems == ()
    if "XFD" in text:  # the whole Summary: its text and stated totals are not formulas
        assert {f.code for f in read.findings} == {"total-overwritten"}
    else:
        assert [(f.code, f.severity) for f in read.findings] == [("name-broken", "error")]


def test_a_total_overwritten_by_a_number_in_check_and_diff(workbook, tmp_path, write):
    set_cell(workbook, "2022!C6", "400")
    write("small.toml", SMALL_PLAN)
    done = run_cli(tmp_path, "check", "book.xlsx")
    assert done.returncode == 1
    assert "2022!C6, the total of period 2022, holds the typed number 400.00" in done.stdout
    done = run_cli(tmp_path, "diff", "small.toml", "book.xlsx")
    assert done.returncode == 0, done.stderr  # the same plan: the total is a finding, not data


# --- formulas and formula text in cells ------------------------------------------------------------

def test_formula_text_typed_into_cells_stays_text_through_the_round_trip(workbook, tmp_path,
                                                                         runner):
    from budget_planner.cli import cli

    def person(book):
        sheet = book["2020-2021"]
        sheet["B5"] = '=HYPERLINK("http://evil.example","click")'
        sheet["B5"].data_type = "s"  # typed as text (a quote prefix), not as a formula
        sheet["F6"] = "@SUM(1+1)"

    edit_workbook(workbook, person)
    read = read_workbook(workbook)
    assert read.problems == ()
    line_a, line_b = read.plan.periods[0].lines
    assert line_a.activity == '=HYPERLINK("http://evil.example","click")'
    assert line_b.notes == "@SUM(1+1)"
    plan_file = tmp_path / "back.toml"
    assert runner.invoke(cli, ["import", str(workbook), "-o", str(plan_file)]).exit_code == 0
    rebuilt = tmp_path / "rebuilt.xlsx"
    assert runner.invoke(cli, ["build", str(plan_file), "-o", str(rebuilt)]).exit_code == 0
    from tests.support.workbooks import openpyxl_workbook

    sheet = openpyxl_workbook(rebuilt)["2020-2021"]
    assert (sheet["B5"].data_type, sheet["B5"].quotePrefix) == ("s", True)
    csv_text = runner.invoke(cli, ["show", str(plan_file), "--format", "csv"]).output
    assert "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"" in csv_text
    assert "'@SUM(1+1)" in csv_text


def test_a_formula_in_an_input_cell_gives_its_result_with_a_warning(workbook):
    def person(book):
        book["2022"]["D5"] = '=IF(TRUE,"x","")'
        book["2022"]["F5"] = "=1+1"

    edit_workbook(workbook, person)
    read = read_workbook(workbook)  # openpyxl saved no results: the formulas cannot be read
    assert [(p.path, p.code) for p in read.problems] == [("2022!D5", "formula-without-value"),
                                                         ("2022!F5", "formula-without-value")]
    data = io.BytesIO()
    with zipfile.ZipFile(workbook) as archive, zipfile.ZipFile(data, "w") as new:
        for info in archive.infolist():  # as a spreadsheet program saves them: with results
            part = archive.read(info.filename)
            part = re.sub(rb'(<c r="D5"[^>]*?)( t="\w+")?><f>(IF[^<]*)</f><v ?/>',
                          rb'\1 t="str"><f>\3</f><v>x</v>', part)
            part = re.sub(rb"<f>1\+1</f><v ?/>", b"<f>1+1</f><v>2</v>", part)
            new.writestr(info, part)
    workbook.write_bytes(data.getvalue())
    read = read_workbook(workbook)
    assert read.problems == ()
    assert [(f.severity, f.code) for f in read.findings] == [("warning", "formula-in-cell")] * 2
    line = read.plan.periods[1].lines[0]
    assert line.sources == ("EC",) and line.notes == "2"


def test_a_plan_sheet_that_includes_a_file_is_refused(workbook, tmp_path):
    (tmp_path / "secret.toml").write_text('[[sources]]\nid = "LEAKED"\n', "utf-8")

    def person(book):
        first = book["_plan"]["A4"].value  # the plan's first line: put the include before it
        book["_plan"]["A4"] = f'include = ["{tmp_path / "secret.toml"}"]\n{first}'

    edit_workbook(workbook, person)
    read = read_workbook(workbook)
    assert [p.code for p in read.problems] == ["include-refused"]
    assert "LEAKED" not in str(read.problems)
