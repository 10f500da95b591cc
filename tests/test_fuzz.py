"""Fuzzing: random scenarios, hostile TOML shapes, random workbook bytes and damaged zip parts.

Extends tests/test_properties.py (the loader on arbitrary TOML and bytes) and
tests/test_allocation.py (allocation invariants on random plans), reusing their strategies:
here the rules also come from a scenario laid over the plan, and the inputs are scenario files
and workbooks. Nothing may raise; every allocation keeps its invariants.
"""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from budget_planner.engine.allocation import allocate
from budget_planner.planfile.loader import load_plan
from budget_planner.core.money import MoneyError, parse_money
from budget_planner.engine.scenario import apply_scenario, load_scenario
from budget_planner.xlsx.workbook import build_workbook
from budget_planner.xlsx.reader import read_workbook

from tests.support.plans import SMALL_PLAN, funding_text, plan_text, toml_value
from tests.support.strategies import SOURCES, funded_plans, keys, line_bounds, rule_lists, values

D = Decimal
FUZZ = settings(deadline=None, max_examples=60,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --- scenarios laid over random plans: allocation invariants ----------------------------------

@st.composite
def scenario_rules(draw, periods):
    """Caps, global shares and pledges for a scenario over `periods` (as funded_plans draws
    them), some for the same source and scope as the plan's, so that they replace them."""
    rules = draw(rule_lists(periods, max_caps=3, max_min_share=60, pledge_odds=5))
    preference = draw(st.sampled_from(["", f"[funding.preference]\npriority = "
                                           f"{json.dumps(list(reversed(SOURCES)))}\n"]))
    return {**rules, "preference": preference}


def merged(plan_rules: dict, scenario: dict) -> dict:
    """The rules in force: a scenario rule replaces the plan's for the same source and scope."""
    caps = {(s, p): c for s, p, c in plan_rules["caps"]}
    caps.update({(s, p): c for s, p, c in scenario["caps"]})
    shares = {s: (low, high) for s, low, high in plan_rules["shares"]}
    shares.update({s: (low, high) for s, low, high in scenario["shares"]})
    pledges = {(s, p, line): c for s, p, line, c in plan_rules["pledges"]}
    pledges.update({(s, p, line): c for s, p, line, c in scenario["pledges"]})
    return {"caps": [(s, p, c) for (s, p), c in caps.items()],
            "shares": [(s, low, high) for s, (low, high) in shares.items()],
            "pledges": [(s, p, line, c) for (s, p, line), c in pledges.items()]}


@settings(FUZZ, max_examples=80)
@given(case=funded_plans(), data=st.data())
def test_allocation_invariants_hold_under_random_scenarios(tmp_path, case, data):
    periods, rules = case
    scenario_rule_set = data.draw(scenario_rules(periods))
    plan_file = write(tmp_path, "plan.toml", plan_text(periods, funding_text(rules)))
    scenario_file = write(tmp_path, "scenario.toml",
                          'name = "Fuzzed"\n' + funding_text(scenario_rule_set))
    plan, problems = load_plan(plan_file)
    assert problems == [], problems
    scenario, problems = load_scenario(scenario_file, plan)
    assert problems == [], problems
    result = allocate(apply_scenario(plan, scenario))
    if result.status == "infeasible":
        event("infeasible")
        assert result.conflicts and not result.allocations
        return
    event("optimal")
    rules_in_force = merged(rules, scenario_rule_set)
    got = {(a.period, a.line, a.source): a.amount for a in result.allocations}
    gaps = {(g.period, g.line): g.amount for g in result.gaps}
    eligible = {(p, line, s) for p, lines in periods for line, _, marked in lines
                for s in marked}
    assert set(got) == eligible  # eligible sources only, each of them listed
    for period_id, lines in periods:
        for line_id, amount, marked in lines:
            values = [got[period_id, line_id, source] for source in marked]
            gap = gaps.get((period_id, line_id), D(0))
            assert sum(values, D(0)) + gap == D(amount)  # exact to the cent
            assert all(v == v.quantize(D("0.01")) and v >= 0 for v in [*values, gap])
            for source, value in zip(marked, values, strict=True):
                pledge = next((c for s, p, line, c in rules_in_force["pledges"]
                               if (s, p, line) == (source, period_id, line_id)), None)
                low, high = line_bounds(D(amount), source, pledge, rules_in_force["shares"])
                assert D(low) / 100 <= value <= D(high) / 100, (source, period_id, line_id)
    for source, period, cents in rules_in_force["caps"]:
        used = sum((v for (p, _, s), v in got.items() if s == source and period in (None, p)),
                   D(0))
        assert used <= D(cents) / 100


# --- scenario files that are anything at all ---------------------------------------------------

@cache
def small_plan(folder: str):
    plan, _ = load_plan(write(Path(folder), "small.toml", SMALL_PLAN))
    return plan


FUNDING_KEYS = ["caps", "shares", "pledges", "preference", "source", "period", "line", "amount",
                "min", "max", "exactly", "priority", "cost", "target_mix", "EC", "NATIONAL",
                "2020-2021", "2022", "a", "b", "c"]
rule_values = st.one_of(
    values, st.sampled_from(["EC", "NATIONAL", "2022", "a", "zz", "85%", "150%", "-1%", "0.5",
                             "12.345%", "%", "1e3%", "NaN%", "100", "100.001"]))
rules = st.dictionaries(st.one_of(st.sampled_from(FUNDING_KEYS), keys), rule_values, max_size=5)
funding_sections = st.dictionaries(
    st.sampled_from(["caps", "shares", "pledges", "preference", "other"]),
    st.one_of(st.lists(rules, max_size=3), rules, values), max_size=4)


def scenario_toml(document: dict) -> str:
    return "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in document.items())


@settings(FUZZ, max_examples=250)
@given(document=st.fixed_dictionaries(
    {}, optional={"name": st.one_of(st.text(max_size=10), values),
                  "description": values, "illustrative": values,
                  "funding": funding_sections, "extra": values}))
@example(document={"name": "x", "funding": {"shares": [{"source": "EC", "min": "60%",
                                                         "max": "40%"}]}})
@example(document={"name": "x", "funding": {"pledges": [{"source": "EC", "line": "zz",
                                                          "amount": 1}]}})
def test_scenario_loading_never_raises(tmp_path_factory, document):
    folder = tmp_path_factory.getbasetemp()
    plan = small_plan(str(folder))
    path = write(folder, "scenario.toml", scenario_toml(document))
    scenario, problems = load_scenario(path, plan)
    assert (scenario is None) == bool(problems)
    for problem in problems:
        assert problem.file and problem.code and problem.message
    event("loaded" if scenario is not None else "refused")
    if scenario is not None:
        result = allocate(apply_scenario(plan, scenario))
        assert result.status in ("optimal", "infeasible")


@settings(FUZZ, max_examples=100)
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_scenario_loading_never_raises_on_bytes(tmp_path_factory, raw):
    folder = tmp_path_factory.getbasetemp()
    plan = small_plan(str(folder))
    scenario, problems = load_scenario(write(folder, "bytes.toml", raw), plan)
    assert (scenario is None) == bool(problems)


# --- hostile TOML shapes and money text --------------------------------------------------------

shapes = st.one_of(
    st.integers(1, 3000).map(lambda depth: "x = " + "[" * depth + "]" * depth),
    st.integers(1, 3000).map(lambda depth: "x = " + "{a = " * depth + "1" + "}" * depth),
    st.integers(1, 3000).map(lambda parts: "a" + ".a" * parts + " = 1"),
    st.integers(1, 3000).map(lambda parts: "[" + ".".join(["t"] * parts) + "]"),
    st.integers(1, 3000).map(lambda parts: '"q".' * parts + "k = 1"),
)


@settings(FUZZ, max_examples=40)
@given(shape=shapes, before=st.booleans())
def test_the_loader_never_raises_on_hostile_shapes(tmp_path_factory, shape, before):
    path = write(tmp_path_factory.getbasetemp(), "shape.toml",
                 shape + "\n" + SMALL_PLAN if before else SMALL_PLAN + "\n" + shape)
    plan, problems = load_plan(path)
    assert (plan is None) == bool(problems)
    for problem in problems:
        assert problem.file and problem.code and problem.message


@given(text=st.one_of(st.text(alphabet="0123456789+-_. ,eE", max_size=24), st.text(max_size=12)))
@example(text="-0")
@example(text="-0.00")
def test_money_text_is_an_amount_of_whole_cents_or_a_money_error(text):
    try:
        amount = parse_money(text)
    except MoneyError as error:
        assert error.code and error.message
        return
    assert amount >= 0 and amount.as_tuple().exponent == -2
    assert not str(amount).startswith("-")  # "-0" reads as 0.00, never as -0.00


# --- workbooks: random bytes, damaged parts ------------------------------------------------------

@cache
def workbook_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        plan, _ = load_plan(write(Path(folder), "small.toml", SMALL_PLAN))
        return build_workbook(plan, allocate(plan))


def check_read(folder: Path, data: bytes) -> None:
    """Reading never raises; it gives a plan or problems, each located in the workbook."""
    path = write(folder, "fuzzed.xlsx", data)
    read = read_workbook(path)
    event("read" if read.plan is not None else "refused")
    assert (read.plan is None) == bool(read.problems)
    for problem in read.problems:
        assert problem.file == str(path) and problem.code and problem.message


@settings(FUZZ, max_examples=100)
@given(data=st.binary(max_size=2000) | st.just(b"PK\x03\x04").map(lambda head: head + b"\0" * 40))
def test_random_bytes_are_never_a_crash(tmp_path_factory, data):
    check_read(tmp_path_factory.getbasetemp(), data)
    assert read_workbook(tmp_path_factory.getbasetemp() / "fuzzed.xlsx").problems


def mutate_part(data: bytes, part: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in archive.infolist():
            content = archive.read(info.filename)
            if info.filename == part:
                content = change(content)
                if content is None:
                    continue
            new.writestr(info.filename, content)
    return out.getvalue()


def part_names() -> list[str]:
    return zipfile.ZipFile(io.BytesIO(workbook_bytes())).namelist()


@st.composite
def damaged_workbooks(draw):
    """The small plan's workbook with one part dropped, cut, overwritten or spliced with
    random text, or its zip bytes flipped here and there."""
    data = workbook_bytes()
    how = draw(st.sampled_from(["drop", "cut", "random", "splice", "flip"]))
    if how == "flip":
        flipped = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(flipped) - 1))
            flipped[at] ^= draw(st.integers(1, 255))
        return bytes(flipped)
    part = draw(st.sampled_from(part_names()))
    if how == "drop":
        return mutate_part(data, part, lambda content: None)
    if how == "cut":
        fraction = draw(st.floats(0, 1))
        return mutate_part(data, part, lambda content: content[: int(len(content) * fraction)])
    if how == "random":
        noise = draw(st.binary(max_size=500))
        return mutate_part(data, part, lambda content: noise)
    text = draw(st.sampled_from(['<c r="C5"><v>1e309</v></c>', '<c r="A1" t="s"><v>99999</v></c>',
                                 '<row r="0"/>', '<c r="C5" t="b"><v>2</v></c>', "&amp;",
                                 '<c r="ZZZZ9"/>', '<c r="C5"><f>SUM(</f></c>', "<!-- -->",
                                 '<c r="C5" t="d"><v>not a date</v></c>', "\x00", "]]>"]))
    return mutate_part(data, part, lambda content: content.replace(b"</row>", text.encode()
                                                                   + b"</row>", 1))


@settings(FUZZ, max_examples=150)
@given(data=damaged_workbooks())
def test_damaged_workbook_parts_are_never_a_crash(tmp_path_factory, data):
    check_read(tmp_path_factory.getbasetemp(), data)
