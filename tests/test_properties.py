"""Invariants of loading and reconciliation, on generated plans and arbitrary TOML."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from budget_planner import load_plan, reconcile
from budget_planner.core.money import CENT
from tests.support.plans import plan_text, toml_value
from tests.support.strategies import keys, values

settings.register_profile("default", suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("default")

SOURCES = ["EC", "NATIONAL", "OTHER"]
cents = st.integers(min_value=0, max_value=10**11)


def amount_text(amount_cents: int) -> str:
    return f"{Decimal(amount_cents) / 100:.2f}"


def cents_plan(periods: list[list[tuple[int, list[str]]]], stated: list[int] | None = None) -> str:
    """Periods p0, p1, ... of lines l0, l1, ... (ids by position) with amounts in cents; the
    stated totals are `stated` (in cents) or else exact."""
    return plan_text([(f"p{number}", [(f"l{line_number}", amount_text(amount), sources)
                                      for line_number, (amount, sources) in enumerate(lines)])
                      for number, lines in enumerate(periods)], sources=SOURCES,
                     stated=None if stated is None else [amount_text(total) for total in stated])


lines_strategy = st.lists(st.tuples(cents, st.lists(st.sampled_from(SOURCES), unique=True)),
                          min_size=1, max_size=8)
periods_strategy = st.lists(lines_strategy, min_size=1, max_size=4)


def load_text(tmp_path: Path, text: str, name: str = "plan.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


@given(periods=periods_strategy, data=st.data())
def test_reordering_lines_never_changes_totals(tmp_path, periods, data):
    shuffled = [data.draw(st.permutations(lines)) for lines in periods]
    plan, problems = load_text(tmp_path, cents_plan(periods))
    other, other_problems = load_text(tmp_path, cents_plan(shuffled, [sum(a for a, _ in lines) for lines in periods]))
    assert problems == other_problems == []
    first, second = reconcile(plan), reconcile(other)
    assert first.periods == second.periods and first.programme == second.programme
    assert first.ok and second.ok
    expected = sum(amount for lines in periods for amount, _ in lines)
    assert first.programme.computed == Decimal(expected) / 100


@given(periods=periods_strategy, data=st.data())
def test_adding_x_to_a_line_moves_only_that_periods_difference_by_x(tmp_path, periods, data):
    stated = [sum(amount for amount, _ in lines) for lines in periods]
    period_number = data.draw(st.integers(0, len(periods) - 1))
    line_number = data.draw(st.integers(0, len(periods[period_number]) - 1))
    extra = data.draw(st.integers(1, 10**9))
    changed = [list(lines) for lines in periods]
    amount, sources = changed[period_number][line_number]
    changed[period_number][line_number] = (amount + extra, sources)
    plan, problems = load_text(tmp_path, cents_plan(changed, stated))
    assert problems == []
    result = reconcile(plan)
    x = Decimal(extra) / 100
    assert [total.difference for total in result.periods] == [
        x if number == period_number else 0 for number in range(len(periods))]
    mismatches = [(f.period, f.difference) for f in result.findings if f.code == "period-total-mismatch"]
    assert mismatches == [(f"p{period_number}", x)]
    assert all(total.difference.quantize(CENT) == total.difference for total in result.periods)


@settings(max_examples=300)
@given(document=st.dictionaries(keys, values, max_size=6))
@example(document={"include": ["\x00", "", ".", "/", "plan.toml", "x" * 300]})
@example(document={"[": 1, "a[": {"]": 2.5}, "programme": {"x]": 1}})
def test_the_loader_never_raises_on_arbitrary_toml(tmp_path, document):
    text = "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in document.items())
    plan, problems = load_text(tmp_path, text)
    assert (plan is None) == bool(problems)
    for problem in problems:
        assert problem.file and problem.code and problem.message


@settings(max_examples=200)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_the_loader_never_raises_on_arbitrary_bytes(tmp_path, raw):
    path = tmp_path / "plan.toml"
    path.write_bytes(raw)
    plan, problems = load_plan(path)
    assert plan is None and problems
