"""No lost data: atomic writes everywhere, killed and concurrent builds, no leftover temporary
files, outputs that never replace inputs, and plan text that never becomes a formula."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from budget_planner.core import files
from budget_planner.cli import cli
from budget_planner.core.files import OutputError, sweep_stale, write_atomic
from budget_planner.xlsx.reader import as_read

from tests.support.plans import ROOT, SMALL_PLAN, plan_text
from tests.support.workbooks import formula_cells, openpyxl_workbook

TIMEOUT = 120  # seconds: generous; only a hang fails


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def big_plan(lines: int, tag: str) -> str:
    """A plan whose workbook is a few megabytes (long, varied notes), so that writing it takes
    long enough for a kill to land in the middle."""
    rng = random.Random(tag)
    notes = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(400))
             for _ in range(lines)]
    return plan_text([("p", [(f"l{number}", 100, ["EC", "NATIONAL"], notes[number])
                             for number in range(lines)])],
                     sources=("EC", "NATIONAL"), name=f"Kill test {tag}")


def build(folder: Path, plan: str, output: str = "out.xlsx") -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "budget_planner", "build", plan, "-o", output],
                            cwd=folder, env=environment(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def finished(process: subprocess.Popen[bytes]) -> int:
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert b"Traceback" not in stderr, stderr.decode()
    return process.returncode


def temporaries(folder: Path, name: str = "out.xlsx") -> list[str]:
    return sorted(path.name for path in folder.glob(f".{name}.*.tmp"))


def assert_whole_workbook(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert "xl/workbook.xml" in archive.namelist()


@pytest.fixture(scope="module")
def two_workbooks(tmp_path_factory) -> tuple[Path, bytes, bytes]:
    """A folder with plans a.toml and b.toml, and the bytes `build` makes of each."""
    folder = tmp_path_factory.mktemp("kill")
    (folder / "a.toml").write_text(big_plan(1500, "a"), "utf-8")
    (folder / "b.toml").write_text(big_plan(1500, "b"), "utf-8")
    made = {}
    for name in ("a", "b"):
        assert finished(build(folder, f"{name}.toml", f"{name}.xlsx")) == 0
        made[name] = (folder / f"{name}.xlsx").read_bytes()
    assert made["a"] != made["b"]
    return folder, made["a"], made["b"]


# --- killed builds ---------------------------------------------------------------------------

def test_sigkill_at_random_moments_never_damages_the_previous_workbook(two_workbooks):
    """Kill `build` at random moments (half of them the moment its temporary file appears):
    the workbook is always one of the two complete ones, never a mix or a stub; the next run
    removes what the killed runs left behind."""
    folder, workbook_a, workbook_b = two_workbooks
    out = folder / "out.xlsx"
    out.write_bytes(workbook_a)
    rng = random.Random(8)
    started = time.monotonic()
    assert finished(build(folder, "b.toml")) == 0
    full_run = time.monotonic() - started
    out.write_bytes(workbook_a)
    left_behind: set[str] = set()
    number = 0
    # Ten kills; then more that wait for the temporary file, until one has left it behind
    # (each has a fair chance; the kill must land between its creation and its rename).
    while number < 10 or (not left_behind and number < 40):
        plan = "b.toml" if number % 4 < 2 else "a.toml"
        earlier = set(temporaries(folder))  # left by a kill before: not this run's
        process = build(folder, plan)
        if number % 2 or number >= 10:  # wait for this run's temporary file, then kill at once
            deadline = time.monotonic() + TIMEOUT
            while not set(temporaries(folder)) - earlier and process.poll() is None:
                assert time.monotonic() < deadline
        else:
            time.sleep(rng.uniform(0.0, full_run * 1.2))
        process.kill()
        process.communicate(timeout=TIMEOUT)
        left_behind.update(temporaries(folder))
        assert len(temporaries(folder)) <= 1  # a run removes what the runs before it left
        assert out.read_bytes() in (workbook_a, workbook_b), f"iteration {number}"
        assert_whole_workbook(out)
        number += 1
    assert left_behind, "no kill landed while the workbook was being written"
    assert finished(build(folder, "b.toml")) == 0
    assert out.read_bytes() == workbook_b
    assert temporaries(folder) == []


HOLDING_CHILD = """
import os, sys
real_replace = os.replace

def held_replace(source, target):
    print("holding", flush=True)       # the temporary file is written, fsynced and locked
    sys.stdin.readline()               # wait here until told to go on (or killed)
    real_replace(source, target)

os.replace = held_replace
from budget_planner.cli import main
sys.argv = ["budget-planner", "build", sys.argv[1], "-o", "out.xlsx"]
main()
"""


def held_build(folder: Path, plan: str) -> subprocess.Popen[str]:
    """A build that stops just before its rename, holding its locked temporary file."""
    process = subprocess.Popen([sys.executable, "-c", HOLDING_CHILD, plan], cwd=folder,
                               env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "holding\n"
    return process


def test_a_killed_builds_temporary_file_is_removed_by_the_next_run(two_workbooks, tmp_path):
    folder, workbook_a, workbook_b = two_workbooks
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "out.xlsx").write_bytes(workbook_a)
    process = held_build(tmp_path, "b.toml")
    [left] = temporaries(tmp_path)
    process.kill()
    process.communicate(timeout=TIMEOUT)
    assert temporaries(tmp_path) == [left]  # SIGKILL: nothing could remove it
    assert (tmp_path / "out.xlsx").read_bytes() == workbook_a
    assert finished(build(tmp_path, "b.toml")) == 0
    assert temporaries(tmp_path) == []
    assert (tmp_path / "out.xlsx").read_bytes() == workbook_b


def test_a_live_builds_temporary_file_is_never_removed(two_workbooks, tmp_path):
    """A second build while the first holds its temporary file: both end whole, and the
    second does not take the first's file for a leftover."""
    folder, workbook_a, workbook_b = two_workbooks
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    first = held_build(tmp_path, "b.toml")
    [held] = temporaries(tmp_path)
    assert finished(build(tmp_path, "a.toml")) == 0
    assert (tmp_path / "out.xlsx").read_bytes() == workbook_a
    assert temporaries(tmp_path) == [held]
    first.stdin.write("go on\n")  # type: ignore[union-attr]
    first.stdin.flush()  # type: ignore[union-attr]
    _, stderr = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, stderr
    assert (tmp_path / "out.xlsx").read_bytes() == workbook_b
    assert temporaries(tmp_path) == []


def test_concurrent_builds_end_with_one_complete_workbook(tmp_path):
    folder = tmp_path
    workbooks = []
    for name in ("a", "b"):
        (folder / f"{name}.toml").write_text(big_plan(200, name), "utf-8")
        assert finished(build(folder, f"{name}.toml", f"{name}.xlsx")) == 0
        workbooks.append((folder / f"{name}.xlsx").read_bytes())
    workbook_a, workbook_b = workbooks
    out = folder / "together.xlsx"
    for _ in range(2):
        processes = [build(folder, plan, "together.xlsx")
                     for plan in ("a.toml", "b.toml", "a.toml", "b.toml")]
        assert [finished(process) for process in processes] == [0, 0, 0, 0]
        assert out.read_bytes() in (workbook_a, workbook_b)
        assert_whole_workbook(out)
        assert temporaries(folder, "together.xlsx") == []


# --- write_atomic ----------------------------------------------------------------------------

def stale(folder: Path, target: str, middle: str = "abcd1234") -> Path:
    path = folder / f".{target}.{middle}.tmp"
    path.write_bytes(b"half a workbook")
    return path


def test_the_sweep_removes_only_unlocked_temporaries_of_the_same_target(tmp_path):
    killed = stale(tmp_path, "out.xlsx")
    live = stale(tmp_path, "out.xlsx", "live_123")
    other_target = stale(tmp_path, "other.xlsx")
    not_ours = [tmp_path / name for name in (".out.xlsx.backup.tmp", ".out.xlsx.tmp",
                                            "out.xlsx.abcd1234.tmp", ".out.xlsx.ABCD1234.tmp")]
    for path in not_ours:
        path.write_bytes(b"a person's file")
    with live.open("rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as a running writer holds its own
        assert sweep_stale(tmp_path / "out.xlsx") == [killed]
    assert not killed.exists()
    assert live.exists() and other_target.exists() and all(path.exists() for path in not_ours)
    write_atomic(tmp_path / "out.xlsx", b"new")
    assert not live.exists()  # its writer is gone now: the next write removes it
    assert (tmp_path / "out.xlsx").read_bytes() == b"new"


def test_a_temporary_swept_before_it_is_locked_is_made_again(tmp_path, monkeypatch):
    """Another run's sweep can remove a temporary file between its creation and its lock;
    the writer notices and makes a new one."""
    real_lock, made = files._lock, []

    def racing_lock(handle: int, *, wait: bool) -> bool | None:
        if wait and not made:
            made.append(os.readlink(f"/proc/self/fd/{handle}"))
            os.unlink(made[0])  # the sweep of another run got there first
        return real_lock(handle, wait=wait)

    monkeypatch.setattr(files, "_lock", racing_lock)
    write_atomic(tmp_path / "out.txt", "whole")
    assert made and (tmp_path / "out.txt").read_text() == "whole"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     KeyboardInterrupt()], ids=["disk-full", "interrupted"])
def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path, monkeypatch, failure):
    target = tmp_path / "out.txt"
    target.write_text("previous")

    def fail(handle: int) -> None:
        raise failure

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(OutputError if isinstance(failure, OSError) else KeyboardInterrupt) as raised:
        write_atomic(target, "next")
    if isinstance(failure, OSError):
        assert "no space left on device" in str(raised.value)
    assert target.read_text() == "previous"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]


def test_permissions_and_links_are_kept(tmp_path):
    private = tmp_path / "private.txt"
    private.write_text("old")
    private.chmod(0o600)
    write_atomic(private, "new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    umask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "fresh.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.txt").stat().st_mode) == 0o640
    (tmp_path / "link.txt").symlink_to("private.txt")
    write_atomic(tmp_path / "link.txt", "through the link")
    assert (tmp_path / "link.txt").is_symlink()
    assert private.read_text() == "through the link"


def test_a_pipe_is_written_to_not_replaced(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    write_atomic(pipe, "through the pipe")
    reader.join(timeout=TIMEOUT)  # a daemon: if nothing was written, the test fails, not hangs
    assert not reader.is_alive() and received == [b"through the pipe"]
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_directory_is_not_a_target(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "x")


# --- every command writes atomically, and never over its inputs ---------------------------------

WRITERS = {
    "check": ["check", "{plan}"],
    "show": ["show", "{plan}", "--format", "csv"],
    "allocate": ["allocate", "{plan}", "--format", "json"],
    "build": ["build", "{plan}"],
    "import": ["import", "{book}"],
    "diff": ["diff", "{plan}", "{book}"],
    "report": ["report", "{plan}", "--format", "markdown"],
}


@pytest.fixture
def inputs(write, tmp_path) -> dict[str, str]:
    from budget_planner.engine.allocation import allocate
    from budget_planner.planfile.loader import load_plan
    from budget_planner.xlsx.workbook import build_workbook

    plan_path = write("small.toml", SMALL_PLAN)
    plan, _ = load_plan(plan_path)
    (tmp_path / "small.xlsx").write_bytes(build_workbook(plan, allocate(plan)))
    return {"plan": str(plan_path), "book": str(tmp_path / "small.xlsx")}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_every_command_writes_whole_or_not_at_all(runner, inputs, tmp_path, monkeypatch,
                                                  command):
    arguments = [part.format(**inputs) for part in WRITERS[command]]
    out = tmp_path / ("out.xlsx" if command == "build" else "out.file")  # a workbook's name
    out.write_bytes(b"previous")
    result = runner.invoke(cli, [*arguments, "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert out.read_bytes() != b"previous" and out.stat().st_size > 0
    written = out.read_bytes()

    def no_rename(source: str, target: str) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files.os, "replace", no_rename)
    result = runner.invoke(cli, [*arguments, "-o", str(out)])
    assert result.exit_code == 2 and "read-only file system" in result.output
    assert out.read_bytes() == written
    assert [path.name for path in tmp_path.glob(".*.tmp")] == []


@pytest.mark.parametrize("arguments, target", [
    (["import", "{book}", "-o", "{book}"], "book"),
    (["report", "{plan}", "--format", "markdown", "-o", "{plan}"], "plan"),
    (["diff", "{plan}", "{book}", "-o", "{book}"], "book"),
    (["allocate", "{plan}", "--scenario", "{scenario}", "-o", "{scenario}"], "scenario"),
    (["show", "{main}", "-o", "{included}"], "included"),
])
def test_an_output_never_replaces_an_input(runner, inputs, write, arguments, target):
    inputs = dict(inputs, scenario=str(write("cut.toml", 'name = "Cut"\n')),
                  main=str(write("main.toml", 'include = ["more.toml"]\n' + SMALL_PLAN)),
                  included=str(write("more.toml", '[[sources]]\nid = "OTHER"\n')))
    before = Path(inputs[target]).read_bytes()
    result = runner.invoke(cli, [part.format(**inputs) for part in arguments])
    assert result.exit_code == 2, result.output
    assert "writing the output there would replace it" in result.output
    assert Path(inputs[target]).read_bytes() == before


# --- formula injection -------------------------------------------------------------------------

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def payloads() -> list[str]:
    return [f"{start}HYPERLINK(\"http://evil.example\",\"x{number}\")"
            for number, start in enumerate(FORMULA_STARTS)]


def injected_plan() -> str:
    """The small plan with text starting with each formula character in every text field."""
    quoted = [payload.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
              .replace("\r", "\\r") for payload in payloads()]
    return (SMALL_PLAN
            .replace('name = "Small programme"', f'name = "{quoted[0]}"')
            .replace('name = "European Commission"', f'name = "{quoted[1]}"')
            .replace('activity = "Activity A"', f'activity = "{quoted[2]}"')
            .replace('activity = "Activity B"', f'activity = "{quoted[3]}"\nnotes = "{quoted[4]}"')
            .replace('title = "First"', f'title = "{quoted[5]}"')
            .replace('sources = ["EC"]', f'sources = ["EC"]\nsource_notes = {{ EC = "{quoted[0]}" }}'))


def test_formula_text_stays_text_in_the_workbook_and_is_escaped_in_csv(runner, write, tmp_path):
    plan_path = write("evil.toml", injected_plan())
    book = tmp_path / "evil.xlsx"
    result = runner.invoke(cli, ["build", str(plan_path), "-o", str(book)])
    assert result.exit_code == 0, result.output
    # No cell holds a formula built from plan text; every payload is a text cell.
    assert all("HYPERLINK" not in formula for formula, _ in formula_cells(book).values())
    cells = [(cell.value, cell.data_type, cell.quotePrefix)
             for sheet in openpyxl_workbook(book).worksheets
             for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    for payload in payloads():
        alone = [(kind, quoted) for value, kind, quoted in cells
                 if value in (payload, as_read(payload))]
        assert alone, f"{payload!r} is in no cell of its own"
        assert all(kind == "s" for kind, _ in alone), payload
        if payload[0] in "=+-@":  # Excel's quote prefix keeps it text when a person edits it
            assert all(quoted for _, quoted in alone), payload
    # In CSV, every field starting with a formula character gets a leading quote.
    import csv
    import io

    text = runner.invoke(cli, ["show", str(plan_path), "--format", "csv"]).output
    fields = [field for row in csv.reader(io.StringIO(text)) for field in row]
    escaped = sorted(field[1] for field in fields
                     if field.startswith("'") and field[1:2] in FORMULA_STARTS)
    assert escaped == ["\t", "+", "-", "@"]  # notes, a source name (a header), activities
    assert not any(field.startswith(tuple(FORMULA_STARTS)) for field in fields)
