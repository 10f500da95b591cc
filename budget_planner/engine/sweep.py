"""Parameter sweeps: solve the allocation at every point of a grid of cap or share values.

`budget-planner sweep --vary cap.EC/2014-2020=0:26_400_000:100_000` answers "how much EC money
closes the gap?": the unfunded amount per period at every value, and the break-even point, the
smallest value at which a period's gap reaches zero.

Thousands of points stay fast because only what a point changes is solved again:

- the plan is read and checked once; a point only sets one or two funding rules;
- when only caps vary, the lines, their bounds and their groups are built once (caps do not
  enter them); shares change bounds, so those points rebuild the groups, which is cheap;
- the linear programme falls apart into components, groups of lines tied by caps; a
  component is solved once per distinct set of data and remembered (`solve_prepared`), so a
  point re-solves only the components the varied rule touches, and those together;
- with HiGHS, the stages of a pass run on one highspy model (`allocation.highs`), as in
  `allocate`, not on a model rebuilt for every stage;
- points are shared among worker processes (one per core), and the results are put back in
  grid order, so the output does not depend on which worker was faster.

Each point gives the same cents as `allocate` on the plan with that value (tested): components
share no constraint, and the staged optimum of each is unique.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from ..core.funding import Cap, Funding, ShareRule, percent_text
from ..planfile.fields import listed, suggest
from ..planfile.rules import parse_share
from ..core.model import Plan, Problem
from ..core.money import CENT, MoneyError, display, from_cents, parse_money
from .allocation import Prepared, SolvedComponents, solve_prepared
from ..core.limits import SWEEP_POINTS

KINDS = ("cap", "min", "max", "claim")
#: Below this many points a pool costs more than it saves.
PARALLEL_FROM = 64
#: The finest step a break-even is refined to: a cent, or a hundredth of a percent.
UNITS = {"cap": CENT, "min": Decimal("0.0001"), "max": Decimal("0.0001"), "claim": CENT}


@dataclass(frozen=True, slots=True)
class Parameter:
    """A funding rule's value to vary: a cap, or a share rule's minimum or maximum; or what a
    source with commitments is claimed in one year (`claim`, swept by `phasing_sweep`)."""

    kind: Literal["cap", "min", "max", "claim"]
    source: str
    period: str | None = None
    line: str | None = None
    year: int | None = None

    @property
    def name(self) -> str:
        """As written on the command line: `cap.EC/2014-2020`, `min.NATIONAL/*/management`."""
        if self.kind == "claim":
            return f"claim.{self.source}/{self.year}"
        scope = "/".join([self.period or "*", self.line] if self.line else
                         [self.period] if self.period else [])
        return f"{self.kind}.{self.source}" + (f"/{scope}" if scope else "")

    @property
    def money(self) -> bool:
        return self.kind in ("cap", "claim")

    def describe(self) -> str:
        if self.kind == "claim":
            return f"what {self.source} is claimed in {self.year}"
        if self.kind == "cap":
            where = f"in {self.period}" if self.period else "for the whole programme"
            return f"{self.source} cap {where}"
        bound = "minimum" if self.kind == "min" else "maximum"
        if self.line:
            scope = f"of line {self.period}/{self.line}" if self.period else \
                f"of line {self.line} (every period)"
        else:
            scope = f"of each line in {self.period}" if self.period else "of each line"
        return f"{self.source} {bound} share {scope}"

    def text(self, value: Decimal) -> str:
        return display(value) if self.money else percent_text(value)


@dataclass(frozen=True, slots=True)
class Axis:
    parameter: Parameter
    values: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class Point:
    """One solved point, in cents: unfunded per period, allocated per source and period (in
    source order, periods inside). Empty when the rules conflict there."""

    values: tuple[Decimal, ...]
    status: Literal["optimal", "infeasible"]
    unfunded: tuple[int, ...] = ()
    allocated: tuple[int, ...] = ()
    conflict: str = ""


@dataclass(frozen=True, slots=True)
class BreakEven:
    """Where a period's gap (period None: the programme's) first reaches zero along the first
    parameter (for each value of the second one, in a two-parameter sweep).

    `value` is the smallest swept value with no gap (None: not in the range); `exact`, in
    one-parameter sweeps, that value refined to the cent (or 0.01 %) between it and the swept
    value before; `least` the smallest gap seen and `least_at` the first value where it is
    reached (refined the same way in one-parameter sweeps).

    When no swept value closes the gap, `beyond` is the gap past the range, at the parameter's
    limit (`limit`: a cap of every line's amount, or a share of 100 %), which no value of it
    can lower; None when the rules conflict there. `falling`: the gap still falls at the end
    of the range.
    """

    period: str | None
    other: Decimal | None
    value: Decimal | None
    exact: Decimal | None
    least: Decimal | None
    least_at: Decimal | None
    beyond: Decimal | None = None
    falling: bool = False


@dataclass(frozen=True, slots=True)
class Sweep:
    plan: Plan
    axes: tuple[Axis, ...]
    points: tuple[Point, ...]
    break_evens: tuple[BreakEven, ...] = field(default=())

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(period.id for period in self.plan.periods)

    def gap(self, point: Point, period: str | None) -> int | None:
        """A point's gap in cents in a period (None: the programme), None if infeasible."""
        if point.status != "optimal":
            return None
        if period is None:
            return sum(point.unfunded)
        return point.unfunded[self.periods.index(period)]


# --- parameters ------------------------------------------------------------------------------

def parse_vary(text: str, plan: Plan) -> tuple[Axis | None, list[Problem]]:
    """`PARAM=START:STOP:STEP` as an axis, or None and every problem."""
    problems: list[Problem] = []

    def report(code: str, message: str) -> None:
        problems.append(Problem("--vary", text, code, message))

    name, sep, span = text.partition("=")
    if not sep:
        report("vary-invalid", "write PARAM=START:STOP:STEP, such as "
                               "cap.EC/2014-2020=0:26_400_000:100_000")
        return None, problems
    parameter = _parameter(name.strip(), plan, report)
    parts = span.split(":")
    if len(parts) != 3:
        report("vary-invalid", f"{span!r} is not START:STOP:STEP")
        return None, problems
    if parameter is None:
        return None, problems
    values = []
    for part, what in zip(parts, ("START", "STOP", "STEP")):
        try:
            part = part.strip()
            values.append(parse_money(part) if parameter.money else parse_share(part))
        except MoneyError as error:
            report(error.code, f"{what}: {error.message}")
    if problems:
        return None, problems
    start, stop, step = values
    if step <= 0:
        report("vary-invalid", "STEP must be more than zero")
    elif stop < start:
        report("vary-invalid", "STOP is below START")
    elif (stop - start) / step >= SWEEP_POINTS:
        report("vary-too-many", f"more than {SWEEP_POINTS:,} values; take a larger STEP")
    if problems:
        return None, problems
    count = int((stop - start) / step) + 1
    return Axis(parameter, tuple(start + number * step for number in range(count))), []


def _parameter(name: str, plan: Plan, report: Callable[[str, str], None]) -> Parameter | None:
    kind, dot, rest = name.partition(".")
    if not dot or kind not in KINDS:
        report("vary-invalid", f"{name!r} is not a parameter; write cap.SOURCE[/PERIOD], "
                               "min.SOURCE[/PERIOD[/LINE]], max.SOURCE[/PERIOD[/LINE]] or "
                               f"claim.SOURCE/YEAR{suggest(kind, KINDS)}")
        return None
    source, *scope = rest.split("/")
    if kind == "claim":
        return _claim_parameter(name, source, scope, plan, report)
    if len(scope) > (1 if kind == "cap" else 2):
        most = "a cap has a period at most" if kind == "cap" else \
            "a share rule has a period and a line at most"
        report("vary-invalid", f"{name!r}: {most}")
        return None
    ok = True
    if source not in plan.source_ids:
        report("unknown-source", f"unknown funding source {source!r}"
                                 f"{suggest(source, plan.source_ids)} "
                                 f"(sources: {listed(plan.source_ids)})")
        ok = False
    periods = tuple(period.id for period in plan.periods)
    period = scope[0] if scope and scope[0] != "*" else None
    if period is not None and period not in periods:
        report("unknown-period", f"unknown period {period!r}{suggest(period, periods)} "
                                 f"(periods: {listed(periods)})")
        ok = False
    line = scope[1] if len(scope) == 2 else None
    if line is not None and ok:
        lines = [each.id for candidate in plan.periods if period in (None, candidate.id)
                 for each in candidate.lines]
        if line not in lines:
            where = f"period {period!r}" if period else "any period"
            report("unknown-line", f"no line {line!r} in {where}{suggest(line, lines)}")
            ok = False
    return Parameter(kind, source, period, line) if ok else None  # type: ignore[arg-type]


def _claim_parameter(name: str, source: str, scope: list[str], plan: Plan,
                     report: Callable[[str, str], None]) -> Parameter | None:
    """`claim.SOURCE/YEAR`: a source with commitments, and a year."""
    committed = tuple(commitment.source for commitment in plan.commitments)
    if len(scope) != 1 or not scope[0].isdigit() or len(scope[0]) != 4:
        report("vary-invalid", f"{name!r}: write claim.SOURCE/YEAR, such as claim.EC/2018")
        return None
    if source not in committed:
        report("no-commitments", f"{source!r} has no commitments to claim against"
                                 f"{suggest(source, committed)} (sources with [[commitments]]: "
                                 f"{', '.join(committed) or 'none'})")
        return None
    return Parameter("claim", source, year=int(scope[0]))


def with_values(plan: Plan, axes: Sequence[Axis], values: Sequence[Decimal]) -> Plan:
    """The plan with each axis's rule set to its value (replacing a rule with the same scope;
    a share rule keeps its other bound)."""
    import dataclasses

    caps: list[Cap] = []
    shares: list[ShareRule] = []
    for axis, value in zip(axes, values):
        parameter = axis.parameter
        origin = f"--vary {parameter.name}"
        if parameter.kind == "cap":
            caps.append(Cap(parameter.source, value, parameter.period, origin))
            continue
        key = (parameter.source, parameter.period, parameter.line)
        rule = next((rule for rule in (*shares, *plan.funding.shares) if rule.key == key),
                    ShareRule(parameter.source, period=parameter.period, line=parameter.line))
        rule = dataclasses.replace(rule, origin=origin, **{parameter.kind: value})
        shares = [each for each in shares if each.key != key] + [rule]
    funding = plan.funding.merged(Funding(tuple(caps), tuple(shares)))
    return dataclasses.replace(plan, funding=funding)


# --- solving points --------------------------------------------------------------------------

class PointSolver:
    """Solves points of one sweep, keeping what does not change between them."""

    def __init__(self, plan: Plan, axes: Sequence[Axis], solver: str = "highs"):
        self.plan, self.axes, self.solver = plan, tuple(axes), solver
        self.periods = tuple(period.id for period in plan.periods)
        self.sources = plan.source_ids
        self.solved: SolvedComponents = {}
        self.fixed: Prepared | None = None
        if all(axis.parameter.kind == "cap" for axis in self.axes):
            # Caps enter neither the lines' bounds nor the groups: build them once.
            first = [axis.values[0] for axis in self.axes]
            self.fixed = Prepared(with_values(plan, self.axes, first))

    def solve(self, values: Sequence[Decimal]) -> Point:
        values = tuple(values)
        plan = with_values(self.plan, self.axes, values)
        prepared = self.fixed or Prepared(plan)
        found = solve_prepared(prepared, plan.funding.caps, self.solver, self.solved)
        if found.conflicts:
            return Point(values, "infeasible", conflict=found.conflicts[0].message)
        unfunded = dict.fromkeys(self.periods, 0)
        allocated = {(source, period): 0 for source in self.sources for period in self.periods}
        for group in prepared.groups:
            totals = found.of(group)
            for source, cents in totals.items():
                allocated[source, group.period] += cents
            unfunded[group.period] += group.amount - sum(totals.values())
        return Point(values, "optimal", tuple(unfunded[period] for period in self.periods),
                     tuple(allocated[source, period] for source in self.sources
                           for period in self.periods))


_WORKER: PointSolver | None = None


def _start_worker(plan: Plan, axes: tuple[Axis, ...], solver: str) -> None:
    """A worker leaves Ctrl-C to the main process, which stops the pool (a worker that took
    it too would print a traceback of its own). It is born with Ctrl-C held back
    (`_sigint_held`) and ignores it from here on."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = PointSolver(plan, axes, solver)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C back from this thread while the pool starts: the processes started meanwhile
    (the fork server, the workers) inherit the blocked signal, so none can take it before its
    initializer ignores it, and a Ctrl-C pressed meanwhile reaches this process once the pool
    is up (as multiprocessing starts its resource tracker).

    The resource tracker is started first: starting it unblocks SIGINT on its way out."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _solve_in_worker(values: tuple[Decimal, ...]) -> Point:
    assert _WORKER is not None
    return _WORKER.solve(values)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def workers(points: int, jobs: int | None = None) -> int:
    """How many processes solve `points` points: one when a pool would not pay, and never
    more than the cores (more processes solve no faster, and each holds a solver in memory)."""
    if points < PARALLEL_FROM:
        return 1
    return max(1, min(jobs or cores(), cores(), points))


def grid_size(axes: Sequence[Axis]) -> int:
    """How many points the axes make, known before the grid is built."""
    return math.prod(len(axis.values) for axis in axes)


def grid(axes: Sequence[Axis]) -> list[tuple[Decimal, ...]]:
    """Every point, the first parameter varying slowest (at most SWEEP_POINTS)."""
    if grid_size(axes) > SWEEP_POINTS:
        raise ValueError(f"a sweep of more than {SWEEP_POINTS:,} points")
    return list(itertools.product(*(axis.values for axis in axes)))


def solve_points(plan: Plan, axes: Sequence[Axis], *, solver: str = "highs",
                 jobs: int | None = None,
                 progress: Callable[[int], None] | None = None) -> list[Point]:
    """Every point of the grid, in grid order, on `jobs` processes (default: one per core).

    Worker processes start afresh and import the caller's main module, so a script that calls
    this with more than one job keeps its own work under `if __name__ == "__main__":`.
    """
    import multiprocessing

    points = grid(axes)
    jobs = workers(len(points), jobs)
    if jobs == 1:
        engine = PointSolver(plan, axes, solver)
        found = []
        for values in points:
            found.append(engine.solve(values))
            if progress:
                progress(1)
        return found
    # A fresh server process forks the workers: forking this process could copy a solver's
    # threads in a half-held state.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["budget_planner.engine.sweep",
                                        "budget_planner.engine.allocation", "highspy", "numpy"])
    chunk = max(1, min(64, len(points) // (jobs * 16)))
    found = []
    with contextlib.ExitStack() as stack:
        with _sigint_held():  # a Ctrl-C held meanwhile is taken once the pool's stop is due
            pool = stack.enter_context(context.Pool(jobs, initializer=_start_worker,
                                                    initargs=(plan, tuple(axes), solver)))
        for point in pool.imap(_solve_in_worker, points, chunksize=chunk):
            found.append(point)
            if progress:
                progress(1)
    return found


# --- break-even points -----------------------------------------------------------------------

def limit(parameter: Parameter, plan: Plan) -> Decimal:
    """The parameter's value past which a larger one changes nothing: a cap of every line's
    amount (no source can be given more), or a share of 100 %."""
    if parameter.money:
        return sum((period.computed_total for period in plan.periods), Decimal(0))
    return Decimal(1)


def break_evens(sweep: Sweep, engine: PointSolver | None = None) -> tuple[BreakEven, ...]:
    """Per period and for the programme: where the gap first reaches zero along the first
    parameter; in a one-parameter sweep refined by bisection (with `engine`) to the unit.
    Where it does not in the range, `engine` solves the first parameter's limit to tell a gap
    that a larger value closes from one that none does."""
    first = sweep.axes[0]
    others: list[Decimal | None] = list(sweep.axes[1].values) if len(sweep.axes) > 1 else [None]
    at_limit: dict[Decimal | None, Point] = {}

    def beyond(other: Decimal | None, period: str | None) -> Decimal | None:
        if engine is None:
            return None
        if other not in at_limit:
            values = (limit(first.parameter, sweep.plan),) + (() if other is None else (other,))
            at_limit[other] = engine.solve(values)
        gap = sweep.gap(at_limit[other], period)
        return None if gap is None else from_cents(gap)

    found = []
    for period in (*sweep.periods, None):
        for other_number, other in enumerate(others):
            line = [sweep.points[number * len(others) + other_number]
                    for number in range(len(first.values))]
            gaps = [sweep.gap(point, period) for point in line]
            known = [(gap, number) for number, gap in enumerate(gaps) if gap is not None]
            least, least_number = min(known) if known else (None, None)
            zero = next((number for number, gap in enumerate(gaps) if gap == 0), None)
            value = None if zero is None else first.values[zero]
            exact = None
            least_at = None if least_number is None else first.values[least_number]
            if other is None and engine is not None:
                # One parameter: refine between the swept value and the one before it.
                if zero is not None:
                    exact = value if zero == 0 else _refine(
                        engine, first, period, sweep.periods, first.values[zero - 1], value, 0)
                if least_number is not None and least_number == zero:
                    least_at = exact
                elif least_number and least is not None:
                    least_at = _refine(engine, first, period, sweep.periods,
                                       first.values[least_number - 1], least_at, least)
            past, falling = None, False
            if zero is None:
                past = beyond(other, period)
                end = gaps[-2:]
                falling = len(end) == 2 and None not in end and end[1] < end[0]  # type: ignore[operator]
            found.append(BreakEven(period, other, value, exact,
                                   None if least is None else from_cents(least), least_at,
                                   past, falling))
    return tuple(found)


def _refine(engine: PointSolver, axis: Axis, period: str | None, periods: tuple[str, ...],
            low: Decimal, high: Decimal | None, target: int) -> Decimal:
    """The smallest value in (low, high] whose gap is at most `target` cents, to the unit
    (a cent, or 0.01 %), by bisection: `low`'s gap is above it, `high`'s is not."""
    assert high is not None
    unit = UNITS[axis.parameter.kind]

    def reached(value: Decimal) -> bool:
        point = engine.solve((value,))
        if point.status != "optimal":
            return False
        gap = sum(point.unfunded) if period is None else point.unfunded[periods.index(period)]
        return gap <= target

    while high - low > unit:
        middle = low + ((high - low) / unit / 2).to_integral_value(rounding=ROUND_FLOOR) * unit
        if reached(middle):
            high = middle
        else:
            low = middle
    return high


def run_sweep(plan: Plan, axes: Sequence[Axis], *, solver: str = "highs", jobs: int | None = None,
              progress: Callable[[int], None] | None = None) -> Sweep:
    """Solve every point, then find the break-even points."""
    points = solve_points(plan, axes, solver=solver, jobs=jobs, progress=progress)
    sweep = Sweep(plan, tuple(axes), tuple(points))
    return Sweep(plan, tuple(axes), tuple(points),
                 break_evens(sweep, PointSolver(plan, axes, solver)))


# --- views -----------------------------------------------------------------------------------

