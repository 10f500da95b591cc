"""The allocation's staged programme solved on highspy directly.

pulp would build a fresh HiGHS model for every stage, and on the small programmes of grouped
lines that building costs more than the solving. Here one HiGHS model takes every stage of a
pass: a stage changes the objective and adds the row that keeps the previous optimum, and
HiGHS starts from the basis it has. The stages, the slack of kept optima, the two passes and
the whole-cent check are `allocation`'s own (see `_optimise` there), so the answer is the
unique point of the staged programme, to the cent; the tests compare it with CBC's on every
shipped scenario and on random plans.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from .errors import AllocationError
from .stages import EPS_ABS, EPS_LOOSE, EPS_REL, _kept_optimum


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence what HiGHS prints to the process's standard output (a banner when its first
    instance is made), so that our output stays clean."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_stages(spec: Any, stages: list[Any], offset: dict[str, int],
               loose: bool) -> dict[str, float]:
    """One pass of the stages, in euros relative to `offset` (cents); the last stage's point."""
    import highspy
    import numpy

    infinity = highspy.kHighsInf
    names = list(spec.bounds)
    index = {name: number for number, name in enumerate(names)}

    def shifted(terms: list[tuple[str, int]], cents: int) -> float:
        return (cents - sum(coefficient * offset.get(name, 0) for name, coefficient in terms)) / 100

    def row(terms: list[tuple[str, int]]) -> tuple[int, Any, Any]:
        return (len(terms), numpy.array([index[name] for name, _ in terms], dtype=numpy.int32),
                numpy.array([coefficient for _, coefficient in terms], dtype=float))

    with _quiet():  # HiGHS prints a banner when its first instance is made
        model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    model.setOptionValue("presolve", "on")
    lower = [-infinity if low is None else (low - offset.get(name, 0)) / 100
             for name, (low, _) in spec.bounds.items()]
    upper = [infinity if high is None else (high - offset.get(name, 0)) / 100
             for name, (_, high) in spec.bounds.items()]
    model.addVars(len(names), numpy.array(lower, dtype=float), numpy.array(upper, dtype=float))
    for _, terms, sense, cents in spec.rows:
        rhs = shifted(terms, cents)
        model.addRow(rhs if sense == "=" else -infinity, rhs, *row(terms))
    values: dict[str, float] = dict.fromkeys(names, 0.0)
    scale = max((abs(cents) for _, _, _, cents in spec.rows), default=0) / 100
    columns = numpy.arange(len(names), dtype=numpy.int32)
    for stage in stages:
        objectives = [terms for terms in stage.objectives if terms]
        if not objectives:
            continue
        costs = numpy.zeros(len(names))
        for terms in objectives:
            for name, coefficient in terms:
                costs[index[name]] += coefficient
        model.changeColsCost(len(names), columns, costs)
        model.changeObjectiveSense(highspy.ObjSense.kMaximize if stage.maximize
                                   else highspy.ObjSense.kMinimize)
        _solve_once(model)
        solution = model.getSolution().col_value
        values = {name: solution[number] for name, number in index.items()}
        for terms in objectives:
            found = sum(coefficient * values[name] for name, coefficient in terms) * 100 + sum(
                coefficient * offset.get(name, 0) for name, coefficient in terms)
            value = shifted(terms, _kept_optimum(found, stage.maximize, loose))
            slack = EPS_ABS + (EPS_LOOSE * scale if loose else EPS_REL * abs(value))
            if stage.maximize:
                model.addRow(value - slack, infinity, *row(terms))
            else:
                model.addRow(-infinity, value + slack, *row(terms))
    return values


def _solve_once(model: Any) -> None:
    """Run; as `allocation` does, try once more without presolve before giving up."""
    import highspy

    model.run()
    if model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return
    model.setOptionValue("presolve", "off")
    model.clearSolver()
    model.run()
    model.setOptionValue("presolve", "on")
    if model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise AllocationError("the highs solver found no optimum (a bug: the checked rules "
                              "always have one)")
