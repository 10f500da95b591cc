"""The HiGHS back-end: the staged programme solved on highspy directly.

pulp would build a fresh HiGHS model for every stage, and on the small programmes of grouped
lines that building costs more than the solving. Here one HiGHS model takes every stage of a
pass: a stage changes the objective and adds the row that keeps the previous optimum, and
HiGHS starts from the basis it has. The stages, the slack of kept optima and the two passes
are the programme's own (`stages`), so the answer is the unique point of the staged
programme, to the cent; the tests compare it with CBC's on every shipped scenario and on
random plans.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import AllocationError
from .stages import Model, Stage, Terms, kept_bound, shifted

if TYPE_CHECKING:
    import highspy
    from numpy.typing import NDArray


class Highs:
    """HiGHS behind the `Backend` interface (`--solver highs`, the default)."""

    name = "highs"
    #: HiGHS works in doubles and is tested exact below this many cents.
    limit = 10**15

    def run_stages(self, model: Model, stages: Sequence[Stage], offset: dict[str, int],
                   loose: bool) -> dict[str, float]:
        """One pass of the stages, in euros relative to `offset` (cents); the last stage's
        point."""
        import highspy
        import numpy

        infinity = highspy.kHighsInf
        names = list(model.bounds)
        index = {name: number for number, name in enumerate(names)}

        def row(terms: Terms) -> tuple[int, NDArray[numpy.int32], NDArray[numpy.float64]]:
            return (len(terms),
                    numpy.array([index[name] for name, _ in terms], dtype=numpy.int32),
                    numpy.array([coefficient for _, coefficient in terms], dtype=float))

        with _quiet():  # HiGHS prints a banner when its first instance is made
            highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "on")
        lower = [-infinity if low is None else (low - offset.get(name, 0)) / 100
                 for name, (low, _) in model.bounds.items()]
        upper = [infinity if high is None else (high - offset.get(name, 0)) / 100
                 for name, (_, high) in model.bounds.items()]
        highs.addVars(len(names), numpy.array(lower, dtype=float),
                      numpy.array(upper, dtype=float))
        for _, terms, sense, cents in model.rows:
            rhs = shifted(terms, cents, offset)
            highs.addRow(rhs if sense == "=" else -infinity, rhs, *row(terms))
        solution = numpy.zeros(len(names))
        scale = model.scale()
        costed: list[int] = []  # the columns of the last stage's objectives
        free: set[int] | None = None  # after a settling stage: the columns left to settle
        for stage in stages:
            objectives = [terms for terms in stage.objectives
                          if terms and (free is None or all(index[name] in free
                                                            for name, _ in terms))]
            if not objectives:
                continue
            costs = dict.fromkeys(costed, 0.0)
            for terms in objectives:
                for name, coefficient in terms:
                    column = index[name]
                    costs[column] = costs.get(column, 0.0) + coefficient
            # Only the columns whose cost changes: a stage's objective is short, the
            # programme long.
            costed = [column for column, cost in costs.items() if cost]
            highs.changeColsCost(len(costs), numpy.fromiter(costs, numpy.int32, len(costs)),
                                 numpy.fromiter(costs.values(), float, len(costs)))
            highs.changeObjectiveSense(highspy.ObjSense.kMaximize if stage.maximize
                                       else highspy.ObjSense.kMinimize)
            _solve_once(highs)
            # Every later stage starts from an optimal basis that only its objective makes
            # suboptimal: the primal simplex takes a few steps from there where the dual
            # simplex would start over.
            highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
            solution = numpy.asarray(highs.getSolution().col_value)
            if stage.settles:
                free = _hold_face(highs, lower, upper)
                continue
            for terms in objectives:
                values = {name: float(solution[index[name]]) for name, _ in terms}
                bound = kept_bound(terms, values, offset, stage.maximize, loose, scale)
                if len(terms) == 1 and terms[0][1] == 1:
                    # One source total kept at its optimum: a bound of its column, which
                    # keeps the programme from growing by a row a step.
                    column = index[terms[0][0]]
                    low, high = lower[column], upper[column]
                    if stage.maximize:
                        lower[column] = min(max(low, bound), high)
                    else:
                        upper[column] = max(min(high, bound), low)
                    highs.changeColBounds(column, lower[column], upper[column])
                elif stage.maximize:
                    highs.addRow(bound, infinity, *row(terms))
                else:
                    highs.addRow(-infinity, bound, *row(terms))
        return {name: float(solution[number]) for name, number in index.items()}


#: How far from zero a reduced cost must be to count as nonzero. The objectives' weights
#: are whole numbers, and so (over the small determinants of these programmes) are the exact
#: reduced costs of their optimal bases; the solver's are off by far less than this.
REDUCED_COST_TOLERANCE = 1e-3
#: How far from zero an entry of the basis inverse times a column must be to count: the
#: programmes' matrices hold small whole numbers, and so their exact entries are 0 or far from.
MOVE_TOLERANCE = 1e-9


def _hold_face(highs: highspy.Highs, lower: list[float], upper: list[float]) -> set[int]:
    """Keep the optimum of the stage just solved by fixing what is the same at every optimum;
    the columns that may still move (none when the optimum is unique).

    On the optimal basis, a nonbasic column or row with a nonzero reduced cost stays at its
    bound at every optimum; those with a zero one may move, and with them the basic columns
    that their columns of the basis inverse touch. Every other column keeps its value on the
    whole optimal face. So the face is exactly the feasible points with those columns and
    rows fixed at their values (whole cents at a vertex), and it is held so, by bounds, not
    by a row of every column with the objective's large weights."""
    import highspy
    import numpy

    basic_status = highspy.HighsBasisStatus.kBasic
    basis = highs.getBasis()
    solution = highs.getSolution()
    lp = highs.getLp()
    _, basic = highs.getBasicVariables()
    free: set[int] = set()
    held_rows = []
    for is_column, status, dual, low, high in (
            (True, basis.col_status, solution.col_dual, lp.col_lower_, lp.col_upper_),
            (False, basis.row_status, solution.row_dual, lp.row_lower_, lp.row_upper_)):
        nonbasic = (numpy.array([entry != basic_status for entry in status], dtype=bool)
                    & (numpy.asarray(low) < numpy.asarray(high)))
        zero = numpy.abs(numpy.asarray(dual)) <= REDUCED_COST_TOLERANCE
        for number in numpy.flatnonzero(nonbasic & zero):
            if is_column:
                free.add(int(number))
                _, moves = highs.getReducedColumn(int(number))
            else:
                _, moves = highs.getBasisInverseCol(int(number))
            free.update(int(basic[position])
                        for position in numpy.flatnonzero(numpy.abs(moves) > MOVE_TOLERANCE)
                        if basic[position] >= 0)
        if not is_column:
            held_rows = numpy.flatnonzero(nonbasic & ~zero)
    held = numpy.array([column for column in range(len(lower)) if column not in free],
                       dtype=numpy.int32)
    values = numpy.round(numpy.asarray(solution.col_value)[held] * 100) / 100
    for column, value in zip(held.tolist(), values.tolist()):
        lower[column] = upper[column] = value
    highs.changeColsBounds(len(held), held, values, values)
    activity = numpy.round(numpy.asarray(solution.row_value)[held_rows] * 100) / 100
    highs.changeRowsBounds(len(held_rows), held_rows.astype(numpy.int32), activity, activity)
    return free


#: HiGHS's `simplex_strategy` for the dual and the primal simplex.
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4


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


def _solve_once(highs: highspy.Highs) -> None:
    """Run; as CBC does, try once more from scratch (the dual simplex, without presolve) before
    giving up."""
    import highspy

    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return
    _, strategy = highs.getOptionValue("simplex_strategy")
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    highs.clearSolver()
    highs.run()
    highs.setOptionValue("presolve", "on")
    highs.setOptionValue("simplex_strategy", strategy)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise AllocationError("the highs solver found no optimum (a bug: the checked rules "
                              "always have one)")
