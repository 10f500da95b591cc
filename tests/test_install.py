"""The real install: the wheel built from this checkout, installed into a fresh virtual
environment as a user installs it (`pip install <wheel>`, packages from the package index),
run from an empty folder. Nothing of the checkout is on the path there.

Marked `install` (about a minute, most of it pip; pip's cache is reused): `make test` and CI
run it; `pytest -m "not install"` leaves it out while working.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.support.plans import ROOT

pytestmark = pytest.mark.install

TIMEOUT = 600  # seconds: pip may download every dependency once
#: Each command from an empty folder, and the exit status the documentation gives it.
COMMANDS = [
    (["check"], 0),
    (["show"], 0),
    (["allocate"], 0),
    (["allocate", "--strict"], 1),
    (["build"], 0),
    (["report"], 0),
    (["report", "--format", "markdown"], 0),
    (["whatif", "plans/scenarios/ec-cut-2014-2020.toml"], 0),
    (["sweep", "--vary", "cap.EC/2014-2020=0:26_400_000:264_000", "--jobs", "2"], 0),
    (["check", "plans/scenarios/ec-cut-2014-2020.toml"], 2),
    # The shipped illustrative actuals hold error findings on purpose (docs/actuals.md).
    (["progress", "--actuals", "plans/actuals/bsr-stars-illustrative.csv", "--as-of",
      "2016-06-30"], 1),
]


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          env=environment)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin` folder of a fresh virtual environment with the wheel installed."""
    work = tmp_path_factory.mktemp("install")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                 str(work / "wheel"), str(ROOT)], work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "wheel").glob("budget_planner-*.whl")
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    bin_folder = work / "venv" / "bin"
    done = run([str(bin_folder / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work)
    assert done.returncode == 0, done.stderr
    return bin_folder


@pytest.fixture
def empty(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_installed_package_is_the_wheels_not_the_checkouts(installed, empty):
    done = run([str(installed / "python"), "-c",
                "import budget_planner, importlib.resources as r; print(budget_planner.__file__);"
                "print(sorted(p.name for p in r.files('budget_planner').joinpath('data')"
                ".iterdir()))"], empty)
    assert done.returncode == 0, done.stderr
    where, data = done.stdout.splitlines()
    assert Path(where).is_relative_to(installed.parent) and data == "['plans', 'templates']"


def test_every_command_runs_from_an_empty_folder(installed, empty):
    program = str(installed / "budget-planner")
    for arguments, status in COMMANDS:
        done = run([program, *arguments], empty)
        said = done.stdout + done.stderr
        assert done.returncode == status, (arguments, said)
        assert "Traceback" not in said, (arguments, said)
        if status != 2:
            assert done.stderr.count("using the shipped plan plans/bsr-stars-programme-c.toml") == 1
    assert sorted(path.name for path in (empty / "output").iterdir()) == [
        "bsr-stars-programme-c-sweep.csv", "bsr-stars-programme-c-sweep.svg",
        "bsr-stars-programme-c.html", "bsr-stars-programme-c.md", "bsr-stars-programme-c.xlsx"]
    assert "30,150,000.00" in (empty / "output" / "bsr-stars-programme-c.html").read_text()


def test_serve_renders_its_page_and_saves_nothing_into_the_package(installed, empty):
    server = subprocess.Popen([str(installed / "budget-planner"), "serve", "--port", "0"],
                              cwd=empty, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert server.stdout is not None
        said = [server.stdout.readline() for _ in range(3)]
        url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(said))
        assert url is not None, said
        assert said[2] == "Scenarios are saved in scenarios. Press Ctrl+C to stop.\n", said
        with urllib.request.urlopen(url.group(0), timeout=60) as page:
            assert page.status == 200 and "BSR Stars Subprogramme C" in page.read().decode("utf-8")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(TIMEOUT)


def test_init_then_check_inside_the_new_folder(installed, empty):
    program = str(installed / "budget-planner")
    done = run([program, "init", "budget"], empty)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    for arguments in (["check"], ["build"], ["whatif", "scenarios/example.toml"]):
        done = run([program, *arguments], empty / "budget")
        assert done.returncode == 0, (arguments, done.stdout + done.stderr)
        assert "using the shipped" not in done.stderr and "Traceback" not in done.stderr
    assert (empty / "budget" / "output" / "plan.xlsx").is_file()
    done = run([program, "init", "budget"], empty)
    assert done.returncode == 2 and "already exists" in done.stderr
