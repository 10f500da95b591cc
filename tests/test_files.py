"""Atomic writes, guard by guard: each test fails when one of files.py's guards is removed."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import threading
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
    with pytest.raises(OutputError, match="a pipe that no program reads"):
        write_atomic(pipe, "lost")


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
