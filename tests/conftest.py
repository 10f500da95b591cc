"""Shared fixtures: a file writer, the small plan as a file, a CLI runner (the plans themselves
are in tests/support/plans.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.plans import SMALL_PLAN


@pytest.fixture
def write(tmp_path: Path):
    """write(name, toml_text) -> path of a file in a fresh folder (text is dedented)."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def small_plan(write) -> Path:
    return write("small.toml", SMALL_PLAN)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
