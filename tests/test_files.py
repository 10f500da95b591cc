"""Atomic writes, guard by guard: each test fails when one of files.py's guards is removed."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from budget_planner.core import files
from budget_planner.core.files import OutputError, own_stream, sweep_stale, write_atomic

WAIT = 30  # seconds: only a hang reaches it


def killed_temporary(folder: Path, name: str) -> Path:
    """A file as a killed run leaves it: named like a temporary, unlocked."""
    path = folder / name
    path.write_bytes(b"half an output")
    return path


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("name", [
    "notes-123.abcd1234.tmp",     # as long as `.out.xlsx.` but another prefix: a person's file
    ".out.xlsx.abcd1234.bak",     # the right prefix and middle, another suffix
    ".out.xlsx.abcd12345.tmp",    # a middle of nine characters
    ".out.xlsx.ABCD1234.tmp",     # capitals never come from mkstemp
    ".out.xlsx.tmp",
])
def test_the_sweep_leaves_files_not_named_as_its_temporaries(tmp_path, name):
    kept = killed_temporary(tmp_path, name)
    assert sweep_stale(tmp_path / "out.xlsx") == []
    assert kept.read_bytes() == b"half an output"


def test_the_sweep_goes_on_past_every_file_that_is_not_its_own(tmp_path):
    others = [killed_temporary(tmp_path, f"a-person's-{number:02}.txt") for number in range(30)]
    stale = [killed_temporary(tmp_path, f".out.xlsx.stale{number:03}.tmp") for number in range(30)]
    assert sorted(sweep_stale(tmp_path / "out.xlsx")) == sorted(stale)
    assert not any(path.exists() for path in stale) and all(path.exists() for path in others)


def test_the_sweep_goes_on_past_a_temporary_it_cannot_open(tmp_path):
    unreadable = [killed_temporary(tmp_path, f".out.xlsx.locked{number:02}.tmp")
                  for number in range(10)]
    for path in unreadable:
        path.chmod(0)
    stale = [killed_temporary(tmp_path, f".out.xlsx.stale{number:03}.tmp") for number in range(10)]
    if os.geteuid() == 0:  # root opens any file: a dangling link is what cannot be opened then
        for number in range(10):
            (tmp_path / f".out.xlsx.dangle{number:02}.tmp").symlink_to(tmp_path / "nowhere")
    assert set(stale) <= set(sweep_stale(tmp_path / "out.xlsx"))
    assert not any(path.exists() for path in stale)


def test_a_pipe_named_like_a_temporary_does_not_hang_the_sweep(tmp_path):
    pipe = tmp_path / ".out.xlsx.abcd1234.tmp"
    os.mkfifo(pipe)
    done = []
    worker = threading.Thread(target=lambda: done.append(sweep_stale(tmp_path / "out.xlsx")),
                              daemon=True)
    worker.start()
    worker.join(WAIT)
    assert done == [[]] and stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_link_named_like_a_temporary_is_not_followed(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("a person's file")
    link = tmp_path / ".out.xlsx.abcd1234.tmp"
    link.symlink_to(precious)
    assert sweep_stale(tmp_path / "out.xlsx") == []
    assert link.is_symlink() and precious.read_text() == "a person's file"


def test_no_descriptor_is_left_open(tmp_path):
    for number in range(5):
        killed_temporary(tmp_path, f".out.txt.stale{number:03}.tmp")
    before = open_descriptors()
    sweep_stale(tmp_path / "out.txt")
    write_atomic(tmp_path / "out.txt", "one")
    write_atomic(tmp_path / "out.txt", "two")
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "missing" / "out.txt", "three")
    assert open_descriptors() == before


def test_a_finished_write_holds_no_lock_on_its_output(tmp_path):
    write_atomic(tmp_path / "out.txt", "whole")
    with open(tmp_path / "out.txt", "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a lock was left behind


@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o002, 0o664), (0o022, 0o644)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == mode


@pytest.mark.parametrize("name", ["notes.txt/", "newdir/"])
def test_a_name_ending_in_a_separator_names_a_folder_and_is_refused(tmp_path, name):
    (tmp_path / "notes.txt").write_text("kept")
    with pytest.raises(OutputError, match="names a folder"):
        write_atomic(f"{tmp_path}/{name}", "x")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "kept"


@pytest.mark.parametrize("path, number", [("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/7", 7),
                                          ("/proc/self/fd/12", 12), ("/dev/null", None),
                                          ("/dev/stdout.txt", None), ("out/dev/stdout", None)])
def test_own_streams_are_told_by_name(path, number):
    assert own_stream(Path(path)) == number


def test_standard_output_appended_to_a_file_keeps_what_the_file_had(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    script = ("from budget_planner.core.files import write_atomic; "
              "write_atomic('/dev/stdout', 'this run\\n')")
    with log.open("a") as appended:
        subprocess.run([sys.executable, "-c", script], stdout=appended, check=True, timeout=WAIT)
    assert log.read_text() == "earlier lines\nthis run\n"


def test_a_pipe_nobody_reads_is_given_up_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "PIPE_READER_WAIT", 0.2)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert refusal(pipe) == (str(pipe), "", "output-pipe-without-reader",
                             "is a pipe that no program reads (waited 0.2 s)")


def test_a_pipe_is_written_whole_to_a_reader_that_comes_late(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    data = b"x" * 1_000_000  # more than a pipe holds: the writer must wait for the reader
    received = []

    def read_later() -> None:
        threading.Event().wait(0.3)
        received.append(pipe.read_bytes())

    reader = threading.Thread(target=read_later, daemon=True)
    reader.start()
    write_atomic(pipe, data)
    reader.join(WAIT)
    assert received == [data]


# --- each refusal: its code, its message, the path it names --------------------------------------

def refusal(path, content=b"x", *, more=()) -> tuple[str, str, str, str]:
    with pytest.raises(OutputError) as refused:
        files.write_all_atomic([(path, content), *more])
    problem = refused.value.problem
    return problem.file, problem.path, problem.code, problem.message


def left_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_folder_is_refused_as_an_output(tmp_path):
    (tmp_path / "out").mkdir()
    assert refusal(tmp_path / "out") == (str(tmp_path / "out"), "", "output-is-directory",
                                         "is a directory")
    assert refusal(f"{tmp_path}/x/") == (f"{tmp_path}/x/", "", "output-names-a-folder",
                                         "ends with '/', so it names a folder; give the name "
                                         "of a file")


def test_a_missing_folder_and_a_file_for_a_folder_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("plan.toml").write_text("")
    assert refusal(Path("reports/check.txt")) == (
        "reports/check.txt", "", "output-folder-missing", "the folder 'reports' does not exist")
    assert refusal(Path("plan.toml/table.csv")) == (
        "plan.toml/table.csv", "", "output-folder-is-a-file", "'plan.toml' is a file, not a folder")
    assert left_in(tmp_path) == ["plan.toml"]


def test_a_folder_nobody_may_write_in_is_named(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    monkeypatch.chdir(tmp_path)
    assert refusal(Path("out.csv")) == ("out.csv", "", "output-unwritable",
                                        "cannot write in '.': permission denied")


def test_a_rename_that_fails_leaves_no_temporary_and_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_bytes(b"before")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", refuse)
    assert refusal(target) == (str(target), "", "output-unwritable",
                               "cannot be written: no space left on device")
    assert left_in(tmp_path) == ["out.csv"] and target.read_bytes() == b"before"


def test_a_write_that_fails_leaves_no_temporary(tmp_path, monkeypatch):
    def refuse(handle, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "write", refuse)
    assert refusal(tmp_path / "out.csv") == (str(tmp_path / "out.csv"), "", "output-unwritable",
                                             "cannot be written: no space left on device")
    assert left_in(tmp_path) == []


def test_an_interrupted_write_leaves_no_temporary_and_goes_on_interrupting(tmp_path, monkeypatch):
    def interrupt(handle):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.csv", "x")
    assert left_in(tmp_path) == []


def test_every_output_waits_for_the_last_before_any_is_renamed(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.svg"
    first.write_bytes(b"old a")
    (tmp_path / "b.svg").mkdir()
    assert refusal(first, b"new a", more=[(second, b"new b")])[2] == "output-is-directory"
    assert first.read_bytes() == b"old a" and left_in(tmp_path) == ["a.csv", "b.svg"]
    assert files.write_all_atomic([(first, "é"), (tmp_path / "c.txt", b"\x00")]) == [
        first, tmp_path / "c.txt"]
    assert first.read_bytes() == "é".encode("utf-8") and (tmp_path / "c.txt").read_bytes() == b"\x00"


def test_outputs_naming_one_file_are_told_which(tmp_path):
    files.distinct_outputs([None, tmp_path / "a", None, tmp_path / "b"])
    with pytest.raises(OutputError) as refused:
        files.distinct_outputs([tmp_path / "a", None, f"{tmp_path}/./a"])
    problem = refused.value.problem
    assert (problem.file, problem.code, problem.message) == (
        f"{tmp_path}/./a", "output-twice",
        f"is also the output {tmp_path / 'a'}; give each output its own file")


def test_a_closed_stream_is_an_output_error(tmp_path):
    read, write = os.pipe()
    os.close(write)
    os.close(read)
    assert refusal(f"/dev/fd/{write}") == (f"/dev/fd/{write}", "", "output-unwritable",
                                           "cannot be written: bad file descriptor")


def test_a_pipe_whose_reader_goes_away_is_an_output_error(tmp_path, monkeypatch):
    # No real device here: under mutation testing a broken guard would rename a temporary
    # over /dev/null. A pipe whose reader closes before the write fails the same way.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    real = os.set_blocking

    def reader_leaves(handle, blocking):
        os.close(reader)
        real(handle, blocking)

    monkeypatch.setattr(files.os, "set_blocking", reader_leaves)
    assert refusal(pipe) == (str(pipe), "", "output-unwritable", "cannot be written: broken pipe")
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_pipe_that_cannot_be_opened_is_not_waited_for(tmp_path, monkeypatch):
    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    monkeypatch.setattr(files.os, "open", refuse)
    started = time.monotonic()
    assert refusal(pipe) == (str(pipe), "", "output-unwritable",
                             "cannot be written: permission denied")
    assert time.monotonic() - started < files.PIPE_READER_WAIT


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"before")
    target.chmod(0o640)
    write_atomic(target, "after")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "after"


@pytest.mark.parametrize(("path", "shown"), [("plans/a.toml", "plans/a.toml"),
                                             ("/home/someone/plans/a.toml", "a.toml")])
def test_a_path_is_shown_without_the_machine_s_folders(path, shown):
    assert files.shown_path(path) == shown


def test_a_temporary_removed_by_another_run_is_no_error(tmp_path, monkeypatch):
    def taken(temporary, target):
        os.unlink(temporary)  # as a sweep by another run could
        raise OSError(2, "No such file or directory")

    monkeypatch.setattr(files.os, "replace", taken)
    assert refusal(tmp_path / "out.csv")[2:] == ("output-unwritable",
                                                  "cannot be written: no such file or directory")
    assert left_in(tmp_path) == []


def test_the_temporary_is_beside_its_target_named_to_be_swept_and_locked(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def check(temporary, target):
        name = Path(temporary).name
        seen.append((Path(temporary).parent, name))
        with open(temporary, "rb") as other:  # another open file: the lock is held
            assert files._lock(other.fileno(), wait=False) is False
        real(temporary, target)

    monkeypatch.setattr(files.os, "replace", check)
    write_atomic(tmp_path / "out.csv", "x")
    (folder, name), = seen
    assert folder == tmp_path and re.fullmatch(r"\.out\.csv\.[a-z0-9_]{8}\.tmp", name)


def test_a_temporary_that_cannot_be_locked_is_tried_twenty_times(tmp_path, monkeypatch):
    tries = []
    monkeypatch.setattr(files, "_lock", lambda handle, wait: tries.append(wait) or False)
    before = open_descriptors()
    assert refusal(tmp_path / "out.csv") == (str(tmp_path / "out.csv"), "", "output-unwritable",
                                             "cannot create a temporary file beside it")
    assert tries == [True] * 20 and open_descriptors() == before
    assert left_in(tmp_path) == [] or all(name.endswith(".tmp") for name in left_in(tmp_path))


def test_a_lock_waits_when_asked_and_says_so_when_not(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"")
    holder, other = os.open(path, os.O_RDONLY), os.open(path, os.O_RDONLY)
    try:
        assert files._lock(holder, wait=True) is True
        assert files._lock(other, wait=False) is False
        threading.Timer(0.3, lambda: fcntl.flock(holder, fcntl.LOCK_UN)).start()
        assert files._lock(other, wait=True) is True  # after the holder lets go
    finally:
        os.close(holder)
        os.close(other)


def test_a_name_no_longer_there_is_not_still_named(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"")
    handle = os.open(path, os.O_RDONLY)
    try:
        assert files._still_named(handle, str(path))
        assert not files._still_named(handle, str(tmp_path / "missing"))
    finally:
        os.close(handle)


def test_a_reason_without_a_system_message_is_the_error_s_text():
    assert files._reason(OSError("boom")) == "boom"
    assert files._reason(OSError(13, "Permission denied")) == "permission denied"


def test_the_sweep_never_waits_for_a_concurrent_run_s_lock(tmp_path):
    busy = killed_temporary(tmp_path, ".out.xlsx.abcd1234.tmp")
    holder = os.open(busy, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    done = []
    worker = threading.Thread(target=lambda: done.append(sweep_stale(tmp_path / "out.xlsx")),
                              daemon=True)
    worker.start()
    worker.join(WAIT)
    os.close(holder)
    assert done == [[]] and busy.exists()


# --- outputs that must not replace anything (init, a saved scenario) ---------------------------

def test_a_new_output_is_written_where_nothing_was(tmp_path):
    target = tmp_path / "plan.toml"
    assert write_atomic(target, "new", replace=False) == target
    assert target.read_text() == "new" and left_in(tmp_path) == ["plan.toml"]


def test_an_output_that_exists_is_left_as_it_is(tmp_path):
    target = tmp_path / "plan.toml"
    target.write_text("mine")
    with pytest.raises(files.OutputExists) as refused:
        write_atomic(target, "new", replace=False)
    assert (refused.value.problem.file, refused.value.problem.code,
            refused.value.problem.message) == (str(target), "output-exists", "exists")
    assert target.read_text() == "mine" and left_in(tmp_path) == ["plan.toml"]


def test_a_dangling_link_counts_as_taken(tmp_path):
    link = tmp_path / "plan.toml"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(files.OutputExists):
        write_atomic(link, "new", replace=False)
    assert not (tmp_path / "nowhere").exists()


def test_a_file_made_while_the_output_is_written_is_not_replaced(tmp_path, monkeypatch):
    target = tmp_path / "plan.toml"
    real = os.fsync

    def meanwhile(handle):
        target.write_text("theirs")  # another program takes the name
        real(handle)

    monkeypatch.setattr(files.os, "fsync", meanwhile)
    with pytest.raises(files.OutputExists) as refused:
        write_atomic(target, "mine", replace=False)
    assert (refused.value.problem.file, refused.value.problem.code,
            refused.value.problem.message) == (str(target), "output-exists", "exists")
    assert target.read_text() == "theirs" and left_in(tmp_path) == ["plan.toml"]


@pytest.mark.parametrize(("name", "kind", "message"), [
    ("book.csv", "xlsx", "the output is an Excel workbook; give it a name ending in .xlsx"),
    ("page.md", "html", "the output is an HTML page; give it a name ending in .html"),
    ("table.xlsx", "csv", "the output is CSV, not an Excel workbook; give it a name that does "
                          "not end in .xlsx"),
    ("notes.HTM", "markdown", "the output is Markdown, not an HTML page; give it a name that "
                              "does not end in .htm"),
    ("plan.xlsx", "toml", "the output is a plan file, not an Excel workbook; give it a name "
                          "that does not end in .xlsx"),
])
def test_an_output_named_for_another_kind_is_refused(tmp_path, name, kind, message):
    problem = files.misnamed_output(tmp_path / name, kind)
    assert problem is not None
    assert (problem.file, problem.path, problem.code, problem.message) == (
        str(tmp_path / name), "", "output-misnamed", message)


@pytest.mark.parametrize(("name", "kind"), [
    ("book.xlsx", "xlsx"), ("BOOK.XLSX", "xlsx"), ("page.htm", "html"), ("page.html", "html"),
    ("table.csv", "csv"), ("out", "json"), ("report.md", "markdown"), ("x.txt", "text")])
def test_an_output_named_for_its_kind_is_taken(tmp_path, name, kind):
    assert files.misnamed_output(tmp_path / name, kind) is None


def test_a_pipe_takes_any_name(tmp_path):
    pipe = tmp_path / "out.xlsx"
    os.mkfifo(pipe)
    assert files.misnamed_output(pipe, "csv") is None
    (tmp_path / "folder.xlsx").mkdir()
    assert files.misnamed_output(tmp_path / "folder.xlsx", "csv") is not None


def test_default_outputs_are_named_for_the_plan_and_its_scenarios():
    assert files.default_output("plan", [], ".xlsx") == Path("output/plan.xlsx")
    assert files.default_output("plan", ["plans/scenarios/cut.toml", Path("more.toml")],
                                "-sweep.csv") == Path("output/plan--cut--more-sweep.csv")


def test_a_link_is_kept_and_the_file_it_points_to_replaced_whole(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("before")
    before = target.stat().st_ino
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_atomic(link, "after")
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == "after" and target.stat().st_ino != before  # renamed, not edited
