"""Every example in README.md and docs/*.md runs as shown, so none can rot.

- ```console blocks: each `$ budget-planner ...` runs (in a copy of the repository's `plans/`
  and `docs/examples/`) and what it prints, standard output and error as a terminal shows
  them, must match the lines below it; `...` stands for any text (as in doctest). `serve`
  runs until Ctrl+C: its first lines are compared (on a free port, shown as 8765).
- ```sh blocks: each `budget-planner ...` command runs and exits 0, or 1 on findings (after
  `cd DIR`, in DIR), reading the files the example names, not shipped ones.
- ```toml blocks: a plan passes `check`; a scenario, or a [funding] fragment taken as one,
  is laid over the seed plan by `allocate` and solved (a phasing one over the seed plan with
  its illustrative commitments); tables of a plan file are read as part of a plan.
- ```python blocks run.
- Synopses (`budget-planner COMMAND [...]` in plain blocks and in README's command table)
  name only options the command has, with its choices; the table names all of them.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from budget_planner.cli import cli
from tests.support.libreoffice import find_soffice

from tests.support.plans import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT = 300


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    language: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def blocks(language: str | None = None) -> list[Block]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text("utf-8")
        for match in re.finditer(r"(?m)^```(\w*)\n(.*?)^```$", text, re.DOTALL):
            block = Block(document, text.count("\n", 0, match.start()) + 1, match.group(1),
                          match.group(2))
            if language is None or block.language == language:
                found.append(block)
    return found


def commands(text: str) -> list[str]:
    """The lines of a block, with `\\` continuations joined."""
    return re.sub(r"\\\n\s*", "", text).splitlines()


@dataclass(frozen=True)
class Example:
    block: Block
    command: str
    expected: str


def console_examples() -> list[Example]:
    examples = []
    for block in blocks("console"):
        for part in re.split(r"(?m)^(?=\$ )", block.text):
            if part.strip():
                command, _, expected = part.partition("\n")
                examples.append(Example(block, command.removeprefix("$ "), expected))
    return examples


def arguments_of(command: str) -> list[str]:
    """A documented command as `python -m budget_planner ...` from this checkout."""
    program, *arguments = shlex.split(command, comments=True)
    assert program == "budget-planner", command
    return [sys.executable, "-m", "budget_planner", *arguments]


ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def run(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(arguments_of(command), cwd=folder, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT, env=ENVIRONMENT)


def serve_until_said(command: str, folder: Path, lines: int) -> str:
    """What `serve`, which runs until Ctrl+C, says in its first `lines` lines, then Ctrl+C. It
    listens on a free port (written back as the documented 8765) and opens no browser."""
    server = subprocess.Popen([*arguments_of(command), "--port", "0"], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**ENVIRONMENT, "BROWSER": "true"})
    said = []
    try:
        assert server.stdout is not None
        while len(said) < lines:
            line = server.stdout.readline()
            if not line:
                break
            said.append(line)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(TIMEOUT)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8765", "".join(said))


@pytest.fixture
def folder(tmp_path) -> Path:
    """What the examples name, as in the repository: plans/ and docs/examples/."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "plans", work / "plans")
    shutil.copytree(ROOT / "docs" / "examples", work / "docs" / "examples")
    return work


def _strip(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("example", console_examples(),
                         ids=lambda example: f"{example.block.name} {example.command[:40]}")
def test_a_console_example_prints_what_it_shows(example, folder):
    if example.command.startswith("budget-planner serve"):
        said = serve_until_said(example.command, folder, len(example.expected.splitlines()))
    else:
        said = run(example.command, folder).stdout
    assert "Traceback" not in said, said
    checker = doctest.OutputChecker()
    want, got = _strip(example.expected), _strip(said)
    assert checker.check_output(want, got, doctest.ELLIPSIS), checker.output_difference(
        doctest.Example(example.command, want), got, doctest.ELLIPSIS)


@pytest.mark.parametrize("block", [block for block in blocks("sh") if "budget-planner" in
                                   block.text], ids=lambda block: block.name)
def test_the_commands_of_a_shell_example_run(block, folder):
    for command in commands(block.text):
        if command.startswith("cd "):
            folder = folder / command.removeprefix("cd ").strip()
        elif command.startswith("budget-planner "):
            done = run(command, folder)
            # 0, or 1 for a run whose figures have findings: never invalid input (2)
            assert done.returncode in (0, 1) and "Traceback" not in done.stdout, (command,
                                                                                 done.stdout)
            assert "using the shipped" not in done.stdout, (command, done.stdout)


#: The plan the phasing examples are written for: the seed plan with illustrative commitments.
PHASED = "plans/scenarios/phasing/n-plus-n.toml"


def toml_kind(text: str) -> str:
    if re.search(r"(?m)^\[programme\]", text):
        return "plan"
    if re.search(r"(?m)^\[\[?(periods|reporting)\]", text):
        return "plan table"
    return "scenario" if re.search(r"(?m)^name\s*=", text) else "fragment"


def plan_around(text: str, seed: str) -> str:
    """A plan holding a plan file's tables: the seed plan with them, or when they bring
    periods of their own, a programme and the sources they name."""
    if not re.search(r"(?m)^\[\[periods\]\]", text):
        return f"{seed}\n{text}"
    names = sorted(set(re.findall(r'source = "(\w+)"', text)) | {
        name for marks in re.findall(r"sources = \[([^\]]*)\]", text)
        for name in re.findall(r'"(\w+)"', marks)})
    sources = "".join(f'[[sources]]\nid = "{name}"\n\n' for name in names)
    return f'[programme]\nname = "Example"\ncurrency = "EUR"\ntotal = 0\n\n{sources}{text}'


@pytest.mark.parametrize("block", blocks("toml"), ids=lambda block: block.name)
def test_a_toml_example_is_a_valid_plan_or_scenario(block, folder):
    kind = toml_kind(block.text)
    path = folder / "example.toml"
    if kind == "plan":
        path.write_text(block.text, "utf-8")
        done = run(f"budget-planner check {path}", folder)
    elif kind == "plan table":  # tables of a plan file, read as part of one
        seed = (folder / "plans" / "bsr-stars-programme-c.toml").read_text("utf-8")
        path.write_text(plan_around(block.text, seed), "utf-8")
        done = run(f"budget-planner show {path}", folder)
    else:
        name = "" if kind == "scenario" else 'name = "The example"\n'
        path.write_text(name + block.text, "utf-8")
        phased = f"--scenario {PHASED} " if re.search(r"(?m)^\[\[(commitments|profiles)\]\]",
                                                     block.text) else ""
        done = run(f"budget-planner allocate {phased}--scenario {path}", folder)
    assert done.returncode == 0, done.stdout
    assert "Traceback" not in done.stdout


@pytest.mark.parametrize("block", blocks("python"), ids=lambda block: block.name)
def test_a_python_example_runs(block, folder):
    if "tests.support.libreoffice" in block.text and find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing; .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    if "output/" in block.text:  # what `make run` leaves: the seed plan's workbook
        assert run("budget-planner build", folder).returncode == 0
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", block.text], cwd=folder, capture_output=True,
                          text=True, timeout=TIMEOUT, env=environment)
    assert done.returncode == 0, done.stderr


# --- synopses ---------------------------------------------------------------------------------

def options(command: click.Command) -> dict[str, click.Option]:
    return {name: param for param in command.params if isinstance(param, click.Option)
            for name in param.opts if name != "--help"}


def named_options(synopsis: str) -> dict[str, str | None]:
    """The options a synopsis names, each with the choices written after it (`a|b`)."""
    found: dict[str, str | None] = {}
    for match in re.finditer(r"(?<![\w-])(-o|--[a-z][a-z-]*)(?:[ =]([a-z]+(?:\\?\|[a-z]+)+))?",
                             synopsis):
        found[match.group(1)] = match.group(2) and match.group(2).replace("\\", "")
    return found


def synopses() -> list[tuple[str, str, str]]:
    """(where, command name, synopsis) for every synopsis in plain blocks and README's table."""
    found = []
    for block in blocks(""):
        for line in commands(re.sub(r"\n\s+(?=\[)", " ", block.text)):
            match = re.match(r"budget-planner\s+([a-z]+)\s*(.*)", line)
            if match:
                found.append((block.name, match.group(1), match.group(2).split("#")[0]))
    for row in table_rows():
        found.append(("README.md command table", *row))
    return found


def table_rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(r"(?m)^\| `budget-planner ([a-z]+)\s*([^`]*)` \|", text)


@pytest.mark.parametrize(("where", "name", "synopsis"), synopses(),
                         ids=lambda value: str(value)[:40])
def test_a_synopsis_names_the_commands_own_options(where, name, synopsis):
    assert name in cli.commands, f"{where}: no command {name!r}"
    command = cli.commands[name]
    have = options(command)
    for option, choices in named_options(synopsis).items():
        assert option in have, f"{where}: {name} has no option {option}"
        kind = have[option].type
        if choices is not None and isinstance(kind, click.Choice):
            assert choices.split("|") == list(kind.choices), f"{where}: {name} {option}"


def test_the_readme_table_lists_every_command_with_every_option():
    rows = dict(table_rows())
    assert sorted(rows) == sorted(cli.commands)
    for name, synopsis in rows.items():
        command = cli.commands[name]
        expected = {param.opts[0] if param.opts[0] != "--output" else "-o"
                    for param in command.params if isinstance(param, click.Option)}
        assert set(named_options(synopsis)) == expected, name
        for param in command.params:
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
                assert named_options(synopsis)[param.opts[0]] == "|".join(param.type.choices)


def test_the_examples_are_found():
    """The collectors above see the examples there are (a broken pattern would see none)."""
    assert len(console_examples()) >= 5 and len(blocks("toml")) >= 4
    assert len(blocks("python")) >= 3 and len(synopses()) >= 15
