"""The bad-input catalogue (tests/bad_inputs): every case through the real command line.

Each case runs `python -m budget_planner ...` as a subprocess in a fresh copy of its folder
(tests/bad_inputs/README.md describes the layout). It must end with its exit code and its
messages, with no traceback, no temporary file left behind, every input file unchanged, and an
existing output either untouched (exit 2) or replaced whole (a report of findings, exit 1).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import workbooks as hostile
from tests.support.plans import ROOT

CATALOGUE = Path(__file__).parent / "bad_inputs"
CASES = sorted(path for path in CATALOGUE.iterdir() if (path / "case.toml").is_file())
#: What an output file holds before a case runs: a failed run must leave it as it is.
PREVIOUS = b"the previous output, which a failed run leaves as it is\n"
TIMEOUT = 120  # seconds, generous: a case that hangs fails instead of stalling the suite
MANIFEST_KEYS = {"what", "command", "exit", "stderr", "stdout", "setup", "output", "written",
                 "names"}


def run_environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "COLUMNS": "200", "LC_ALL": "C.UTF-8"}


@functools.cache
def unprivileged() -> tuple[str, ...] | None:
    """A command prefix under which file permissions hold, or None when there is none.

    Permission bits do not stop root. As root, `setpriv` drops the two capabilities that
    bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) for the child only: it stays root, so
    it still reads the project and the interpreter wherever they are installed. Whether that
    works (util-linux present, CAP_SETPCAP held, the package importable) is tried once on a
    read-only folder.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search"
    prefix = (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")
    folder = Path(tempfile.mkdtemp(prefix="budget-planner-probe-"))
    try:
        folder.chmod(0o555)
        done = subprocess.run([*prefix, sys.executable, "-c",
                               "import budget_planner.cli; open('x', 'w')"], cwd=folder,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              env=run_environment())
        holds = "PermissionError" in done.stderr and "ImportError" not in done.stderr \
            and "ModuleNotFoundError" not in done.stderr
    except (OSError, subprocess.SubprocessError):
        holds = False
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
    return prefix if holds else None


def _needs_permissions() -> tuple[str, ...]:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root, and setpriv cannot drop CAP_DAC_OVERRIDE here, so "
                    "permission bits cannot be made to hold")
    return prefix


def _unreadable(work: Path, name: str) -> tuple[str, ...]:
    prefix = _needs_permissions()
    (work / name).chmod(0)
    return prefix


def _read_only(work: Path, name: str) -> tuple[str, ...]:
    prefix = _needs_permissions()
    (work / name).mkdir()
    (work / name).chmod(0o555)
    return prefix


#: Setup steps a manifest may name: `setup = ["workbook book.xlsx", "truncate book.xlsx"]`.
SETUPS: dict[str, Callable[..., object]] = {
    "fifo": lambda work, name: os.mkfifo(work / name),
    "unreadable": _unreadable,
    "read-only": _read_only,
    "directory": lambda work, name: (work / name).mkdir(),
    "workbook": lambda work, name: hostile.build_plan_workbook(work / "plan.toml", work / name),
    "plain-workbook": lambda work, name: hostile.plain_workbook(work / name),
    "truncate": lambda work, name: hostile.truncate(work / name),
    "zip-bomb": lambda work, name: hostile.add_zip_bomb(work / name),
    "external-entity": lambda work, name: hostile.declare_entity(
        work / name, declaration='<!DOCTYPE sst [<!ENTITY secret SYSTEM "plan.toml">]>'),
    "drop-sheet": lambda work, name, sheet: hostile.drop_sheet(work / name, sheet),
    "drop-name": lambda work, name, defined: hostile.drop_name(work / name, defined),
    "set": lambda work, name, cell, value: hostile.set_cell(work / name, cell, value),
    "shared-string": lambda work, name, cell, index: hostile.shared_string_index(
        work / name, cell, index),
    "symlink": lambda work, name, target: (work / name).symlink_to(target),
    "pad": lambda work, name, mebibytes: _pad(work / name, int(mebibytes)),
}


def _pad(path: Path, mebibytes: int) -> None:
    """Grow a TOML file by comment lines to `mebibytes` MiB: a file too large to commit."""
    line = b"# " + b"-" * 1021 + b"\n"
    with path.open("ab") as stream:
        for _ in range(mebibytes * 1024):
            stream.write(line)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes (or kind, for a pipe or a folder), by its path in the folder."""
    files: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            try:
                files[name] = path.read_bytes()
            except PermissionError:  # not root: an unreadable case file
                files[name] = f"unreadable {stat.S_IMODE(mode):o}"
        else:
            files[name] = "folder" if stat.S_ISDIR(mode) else "special"
    return files


def restore_permissions(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink() and (path.is_dir() or path.is_file()):
            path.chmod(0o755 if path.is_dir() else 0o644)


def load_case(folder: Path) -> dict:
    case = tomllib.loads((folder / "case.toml").read_text("utf-8"))
    assert set(case) <= MANIFEST_KEYS, f"unknown manifest keys {set(case) - MANIFEST_KEYS}"
    assert case["exit"] in (0, 1, 2)
    return case


@pytest.mark.parametrize("folder", CASES, ids=lambda path: path.name)
def test_bad_input(folder: Path, tmp_path: Path) -> None:
    case = load_case(folder)
    work = tmp_path / "case"
    shutil.copytree(CATALOGUE / "_shared", work)
    for item in folder.iterdir():
        if item.name != "case.toml":
            shutil.copyfile(item, work / item.name)
    prefix: tuple[str, ...] = ()
    for step in case.get("setup", []):
        kind, *arguments = step.split()
        made = SETUPS[kind](work, *arguments)
        prefix = made if isinstance(made, tuple) else prefix
    output = work / case["output"] if "output" in case else None
    if output is not None:
        output.write_bytes(PREVIOUS)
    before = snapshot(work)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "budget_planner", *case["command"]],
                              cwd=work, capture_output=True, text=True, timeout=TIMEOUT,
                              env=run_environment())
    finally:
        restore_permissions(work)
    said = done.stdout + done.stderr
    assert done.returncode == case["exit"], said
    assert "Traceback" not in said
    for fragment in case.get("stderr", []):
        assert fragment in done.stderr, (fragment, done.stderr)
    for fragment in case.get("stdout", []):
        assert fragment in done.stdout, (fragment, done.stdout)
    if case["exit"] == 2:  # the message names the file (or the option) that is wrong
        named = [case["names"]] if "names" in case else [
            argument for argument in case["command"] if re.search(r"[./]", argument)]
        assert any(name in done.stderr for name in named), (named, done.stderr)
    # No temporary file is left, no input is changed; the output is untouched or whole.
    assert [path.name for path in work.rglob(".*.tmp")] == []
    after = snapshot(work)
    if output is not None and case.get("written"):
        written = after.pop(output.name)
        assert isinstance(written, bytes) and written != PREVIOUS and written
        if output.suffix == ".json":
            json.loads(written)
        before.pop(output.name)
    assert after == before


def test_the_catalogue_covers_the_issue() -> None:
    """At least 40 cases, each kind the issue names among them, and every case in the docs."""
    cases = {folder.name: load_case(folder) for folder in CASES}
    assert len(cases) >= 40
    kinds = ["toml-syntax", "wrong-type", "money-float", "money-nan", "money-infinity",
             "money-1e30", "money-three-decimals", "money-negative", "unknown-source",
             "duplicate-line-id", "unknown-key", "missing-file", "empty-file", "unreadable-file",
             "not-utf8", "byte-order-mark", "directory-as-plan", "include-cycle",
             "scenario-missing-line", "rules-infeasible", "rule-min-above-max",
             "rate-over-100", "output-missing-folder", "output-read-only-folder"]
    for kind in kinds:
        assert any(name.split("-", 1)[1].startswith(kind) for name in cases), kind
    assert {case["exit"] for case in cases.values()} == {0, 1, 2}
    docs = (ROOT / "docs" / "errors.md").read_text("utf-8")
    for name, case in cases.items():
        row = next((line for line in docs.splitlines() if f"`{name}`" in line), None)
        assert row is not None, f"{name} is not in docs/errors.md"
        assert row.rstrip().endswith(f"| {case['exit']} |"), row
