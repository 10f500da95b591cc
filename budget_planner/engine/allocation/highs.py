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
import math
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import AllocationError
from .stages import (CENT_TOLERANCE, Model, Stage, Steps, Terms, expanded, kept_bound,
                     shifted)

if TYPE_CHECKING:
    import highspy
    from numpy.typing import NDArray


class Highs:
    """HiGHS behind the `Backend` interface (`--solver highs`, the default)."""

    name = "highs"
    #: HiGHS works in doubles and is tested exact below this many cents.
    limit = 10**15

    def run_stages(self, model: Model, stages: Sequence[Stage | Steps], offset: dict[str, int],
                   loose: bool, starts: dict[int, object] | None = None) -> dict[str, float]:
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

        highs = _new_highs()
        lower = [-infinity if low is None else (low - offset.get(name, 0)) / 100
                 for name, (low, _) in model.bounds.items()]
        upper = [infinity if high is None else (high - offset.get(name, 0)) / 100
                 for name, (_, high) in model.bounds.items()]
        highs.addVars(len(names), numpy.array(lower, dtype=float),
                      numpy.array(upper, dtype=float))
        for _, terms, sense, cents in model.rows:
            rhs = shifted(terms, cents, offset)
            highs.addRow(rhs if sense == "=" else -infinity, rhs, *row(terms))
        point = numpy.zeros(len(names))  # every column's value
        moving = numpy.arange(len(names))  # the columns of `point` that `highs` still solves
        scale = model.scale()
        costed: list[int] = []  # the columns of the last stage's objectives
        starts = {} if starts is None else starts
        afresh = True  # whether the next stage starts from no basis
        for number, stage in expanded(stages, lambda name: name in index):
            objectives = [terms for terms in stage.objectives if terms]
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
            if stage.settles:
                # Its weights move every column: solved afresh, presolved, by the dual
                # simplex (on 10,000 mixed lines, 1.6 s against 23 s from the last basis).
                highs.clearSolver()
                highs.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
                afresh = True
            if afresh and not loose and number in starts:
                # The first pass's optimal basis of this stage, optimal here too.
                highs.setBasis(starts[number])
                highs.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
            elif afresh and len(names) >= INTERIOR_POINT_COLUMNS and not stage.settles:
                # From nothing, a large programme's first stage is solved fastest by the
                # interior point method, crossed over to a basis for the stages that follow
                # (10,000 mixed lines: 0.9 s against 3.9 s by the dual simplex).
                highs.setOptionValue("solver", "ipm")
            _solve_once(highs)
            highs.setOptionValue("solver", "simplex")
            if afresh and loose:
                starts[number] = highs.getBasis()
            afresh = False
            # Every later stage starts from an optimal basis that only its objective makes
            # suboptimal: the primal simplex takes a few steps from there where the dual
            # simplex would start over.
            highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
            solution = numpy.asarray(highs.getSolution().col_value)
            point[moving] = solution
            if stage.settles:
                free, highs, lower, upper = _face(highs)
                point[moving] = numpy.round(point[moving] * 100) / 100
                moving = moving[free]
                index = {names[column]: number for number, column in enumerate(moving)}
                costed = []
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
        return {name: float(value) for name, value in zip(names, point)}

    def least_gaps(self, model: Model, raised: Sequence[int]) -> list[int]:
        """The least gaps on one HiGHS model: each raised row is solved from the basis of the
        last, and exact to the cent by the same two passes as the stages, the second on the
        same model with its bounds shifted by the first's answer in whole cents (the basis
        stays valid, so it takes a step or two). Each first pass starts where the last
        answer left the bounds."""
        import numpy

        exact = _IntegerModel(model)
        highs = _new_highs()
        exact.load(highs)
        gaps = numpy.array([exact.columns[name] for name in model.gap.values()],
                           dtype=numpy.int64)
        costs = numpy.zeros(len(exact.columns))
        costs[gaps] = 1.0
        highs.changeColsCost(len(costs), numpy.arange(len(costs), dtype=numpy.int32), costs)
        if len(costs) >= INTERIOR_POINT_COLUMNS:
            highs.setOptionValue("solver", "ipm")
        found = []
        offset = numpy.zeros(len(costs), dtype=numpy.int64)
        for number in (None, *raised):
            if number is not None:
                exact.rhs[number] += 100
                exact.shift(highs, offset, (number,))
            _solve_once(highs)
            highs.setOptionValue("solver", "simplex")
            offset = offset + numpy.round(
                numpy.asarray(highs.getSolution().col_value) * 100).astype(numpy.int64)
            exact.shift(highs, offset)
            _solve_once(highs)
            raw = numpy.asarray(highs.getSolution().col_value) * 100
            delta = numpy.round(raw)
            if numpy.any(numpy.abs(raw - delta) > CENT_TOLERANCE):
                raise AllocationError("the solver's least gap is not a whole number of cents")
            found.append(int((offset[gaps] + delta[gaps]).sum()))
            if number is not None:
                exact.rhs[number] -= 100
                exact.shift(highs, offset, (number,))
        return found


class _IntegerModel:
    """A model's bounds and rows as integer arrays (cents), to shift the bounds of a HiGHS
    model by an offset in whole cents, exactly, changing only those that move."""

    def __init__(self, model: Model) -> None:
        import numpy

        self.columns = {name: number for number, name in enumerate(model.bounds)}
        # Bounds in cents; an unbounded side as an infinite float, which no shift changes.
        self.low = numpy.array([-numpy.inf if low is None else low
                                for low, _ in model.bounds.values()], dtype=object)
        self.high = numpy.array([numpy.inf if high is None else high
                                 for _, high in model.bounds.values()], dtype=object)
        self.equal = numpy.array([sense == "=" for _, _, sense, _ in model.rows], dtype=bool)
        self.rhs = numpy.array([cents for _, _, _, cents in model.rows], dtype=numpy.int64)
        self.row_of = numpy.array([number for number, (_, terms, _, _) in enumerate(model.rows)
                                   for _ in terms], dtype=numpy.int64)
        self.column_of = numpy.array([self.columns[name] for _, terms, _, _ in model.rows
                                      for name, _ in terms], dtype=numpy.int64)
        self.coefficient = numpy.array([coefficient for _, terms, _, _ in model.rows
                                        for _, coefficient in terms], dtype=numpy.int64)
        self.offset = numpy.zeros(len(self.columns), dtype=numpy.int64)
        self.moved = numpy.zeros(len(self.rhs), dtype=numpy.int64)

    def load(self, highs: highspy.Highs) -> None:
        """The columns and rows, unshifted."""
        import numpy

        highs.addVars(len(self.columns), (self.low / 100).astype(float),
                      (self.high / 100).astype(float))
        order = numpy.argsort(self.row_of, kind="stable")
        starts = numpy.searchsorted(self.row_of[order], numpy.arange(len(self.rhs)))
        highs.addRows(len(self.rhs), *self._row_bounds(self.rhs, self.equal), len(order),
                      starts.astype(numpy.int32), self.column_of[order].astype(numpy.int32),
                      self.coefficient[order].astype(float))

    def _row_bounds(self, cents: NDArray[numpy.int64], equal: NDArray[numpy.bool_]
                    ) -> tuple[NDArray[numpy.float64], NDArray[numpy.float64]]:
        """Rows' bounds in euros from their right-hand sides in cents."""
        import numpy

        upper = cents / 100
        return numpy.where(equal, upper, -numpy.inf), upper

    def shift(self, highs: highspy.Highs, offset: NDArray[numpy.int64],
              rows: Sequence[int] = ()) -> None:
        """Every bound relative to `offset` (cents), in euros; `rows` have a new right-hand
        side in `rhs` to load too."""
        import numpy

        columns = numpy.flatnonzero(offset != self.offset)
        if len(columns):
            shift = offset[columns].astype(object)
            highs.changeColsBounds(len(columns), columns.astype(numpy.int32),
                                   ((self.low[columns] - shift) / 100).astype(float),
                                   ((self.high[columns] - shift) / 100).astype(float))
        moved = numpy.zeros(len(self.rhs), dtype=numpy.int64)
        numpy.add.at(moved, self.row_of, self.coefficient * offset[self.column_of])
        changed = numpy.union1d(numpy.flatnonzero(moved != self.moved),
                                numpy.asarray(rows, dtype=numpy.int64))
        if len(changed):
            lower, upper = self._row_bounds(self.rhs[changed] - moved[changed],
                                            self.equal[changed])
            highs.changeRowsBounds(len(changed), changed.astype(numpy.int32), lower, upper)
        self.offset, self.moved = offset, moved


def _new_highs() -> highspy.Highs:
    """An empty HiGHS model that prints nothing."""
    import highspy

    with _quiet():  # HiGHS prints a banner when its first instance is made
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "on")
    return highs


#: From this many columns the first stage is solved by the interior point method.
INTERIOR_POINT_COLUMNS = 20_000
#: HiGHS's `simplex_strategy` for the dual and the primal simplex.
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4
#: How far from zero a reduced cost must be to count as nonzero. The objectives' weights
#: are whole numbers, and so (over the small determinants of these programmes) are the exact
#: reduced costs of their optimal bases; the solver's are off by far less than this.
REDUCED_COST_TOLERANCE = 1e-3
#: How far from zero an entry of the basis inverse times a column must be to count: the
#: programmes' matrices hold small whole numbers, and so their exact entries are 0 or far from.
MOVE_TOLERANCE = 1e-9


def _face(highs: highspy.Highs) -> tuple[NDArray[numpy.int64], highspy.Highs, list[float],
                                         list[float]]:
    """The optimal face of the stage just solved, as a smaller programme: the columns that may
    take another value at another optimum (none when the optimum is unique), and a model of
    them alone, with their bounds, in which every other column is fixed at its value.

    On the optimal basis, a nonbasic column or row with a nonzero reduced cost stays at its
    bound at every optimum; those with a zero one may move, and with them the basic columns
    that their columns of the basis inverse touch. Every other column keeps its value on the
    whole optimal face. So the face is exactly the feasible points with those columns fixed at
    their values (whole cents at a vertex) and those rows held at their activity: a programme
    of the few columns left, with no row of the stage's objective and its large weights,
    which HiGHS could not solve to its tolerances.
    """
    import highspy
    import numpy

    basic_status = highspy.HighsBasisStatus.kBasic
    basis = highs.getBasis()
    solution = highs.getSolution()
    lp = highs.getLp()
    _, basic = highs.getBasicVariables()
    moving: set[int] = set()
    held_rows = numpy.zeros(lp.num_row_, dtype=bool)
    for is_column, status, dual, low, high in (
            (True, basis.col_status, solution.col_dual, lp.col_lower_, lp.col_upper_),
            (False, basis.row_status, solution.row_dual, lp.row_lower_, lp.row_upper_)):
        nonbasic = (numpy.array([entry != basic_status for entry in status], dtype=bool)
                    & (numpy.asarray(low) < numpy.asarray(high)))
        zero = numpy.abs(numpy.asarray(dual)) <= REDUCED_COST_TOLERANCE
        for number in numpy.flatnonzero(nonbasic & zero):
            if is_column:
                moving.add(int(number))
                _, moves = highs.getReducedColumn(int(number))
            else:
                _, moves = highs.getBasisInverseCol(int(number))
            moving.update(int(basic[position])
                          for position in numpy.flatnonzero(numpy.abs(moves) > MOVE_TOLERANCE)
                          if basic[position] >= 0)
        if not is_column:
            held_rows = nonbasic & ~zero
    free = numpy.array(sorted(moving), dtype=numpy.int64)
    values = numpy.asarray(solution.col_value)
    # The free columns' entries, row by row, and each row's activity without them.
    matrix = lp.a_matrix_
    starts, rows, coefficients = (numpy.asarray(matrix.start_), numpy.asarray(matrix.index_),
                                  numpy.asarray(matrix.value_))
    entries: dict[int, list[tuple[int, float]]] = {}
    for number, column in enumerate(free.tolist()):
        for position in range(starts[column], starts[column + 1]):
            entries.setdefault(int(rows[position]), []).append(
                (number, float(coefficients[position])))
    smaller = _new_highs()
    lower = numpy.asarray(lp.col_lower_)[free].tolist()
    upper = numpy.asarray(lp.col_upper_)[free].tolist()
    smaller.addVars(len(free), numpy.array(lower, dtype=float), numpy.array(upper, dtype=float))
    activity = numpy.asarray(solution.row_value)
    row_lower, row_upper = numpy.asarray(lp.row_lower_), numpy.asarray(lp.row_upper_)
    for number in sorted(entries):
        terms = entries[number]
        own = sum(coefficient * values[free[column]] for column, coefficient in terms)
        fixed = activity[number] - own
        low, high = ((activity[number], activity[number]) if held_rows[number]
                     else (row_lower[number], row_upper[number]))
        # What the free columns may add up to, in whole cents: the row's bounds and the
        # fixed columns' values are, and the solver's last digits must not make a cycle of
        # equalities disagree.
        smaller.addRow(_cents(low - fixed), _cents(high - fixed), len(terms),
                       numpy.array([column for column, _ in terms], dtype=numpy.int32),
                       numpy.array([coefficient for _, coefficient in terms], dtype=float))
    return free, smaller, lower, upper


def _cents(euros: float) -> float:
    """A finite amount rounded to whole cents; an infinite one as it is."""
    return round(euros * 100) / 100 if math.isfinite(euros) else euros


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
