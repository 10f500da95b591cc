"""Shared fixtures: small plans written inline, the shipped seed plan, a CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "bsr-stars-programme-c.toml"

SMALL_PLAN = """
[programme]
name = "Small programme"
currency = "EUR"
total = 1_000

[[sources]]
id = "EC"
name = "European Commission"

[[sources]]
id = "NATIONAL"
name = "National"

[[periods]]
id = "2020-2021"
title = "First"
first_year = 2020
last_year = 2021
total = 600

[[periods.lines]]
id = "a"
activity = "Activity A"
amount = 400
sources = ["EC", "NATIONAL"]

[[periods.lines]]
id = "b"
activity = "Activity B"
amount = "200.00"
sources = ["NATIONAL"]

[[periods]]
id = "2022"
title = "Second"
first_year = 2022
last_year = 2022
total = 400

[[periods.lines]]
id = "c"
activity = "Activity C"
amount = 400
sources = ["EC"]
"""

#: One period: line a (1,000) may be paid by EC or National, line b (500) by EC only; tests
#: add the caps they need.
TWO_LINES = """
[programme]
name = "Two lines"
currency = "EUR"
total = 1_500

[[sources]]
id = "EC"

[[sources]]
id = "NATIONAL"

[[periods]]
id = "2020"
first_year = 2020
last_year = 2020
total = 1_500

[[periods.lines]]
id = "a"
activity = "A"
amount = 1_000
sources = ["EC", "NATIONAL"]

[[periods.lines]]
id = "b"
activity = "B"
amount = 500
sources = ["EC"]
"""


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
