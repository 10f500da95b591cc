"""The CBC back-end: the staged programme solved by the CBC program, on model files pulp writes.

CBC reads a model file per stage, which keeps 13 significant digits; each stage's kept optimum
is rounded outwards to that precision, and the answer is read from CBC's binary solution file,
which keeps full precision.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AllocationError, SolverRefusal
from .stages import (Model, Stage, Steps, Terms, each_least_gap, expanded, kept_bound,
                     shifted)

if TYPE_CHECKING:
    import pulp


class Cbc:
    """CBC behind the `Backend` interface (`--solver cbc`)."""

    name = "cbc"
    #: pulp's model file keeps 13 significant digits: from 10**13 cents a cent could be lost.
    limit = 10**13

    def run_stages(self, model: Model, stages: Sequence[Stage | Steps], offset: dict[str, int],
                   loose: bool, starts: dict[int, object] | None = None) -> dict[str, float]:
        """One pass of the stages, in euros relative to `offset` (cents); the last stage's
        point."""
        import pulp

        problem = pulp.LpProblem("allocation", pulp.LpMinimize)
        variables = {}
        for name, (low, high) in model.bounds.items():
            base = offset.get(name, 0)
            variables[name] = problem.add_variable(
                name, lowBound=None if low is None else (low - base) / 100,
                upBound=None if high is None else (high - base) / 100)

        def expression(terms: Terms) -> pulp.LpAffineExpression:
            return pulp.lpSum(coefficient * variables[name] for name, coefficient in terms)

        for name, terms, sense, cents in model.rows:
            rhs = shifted(terms, cents, offset)
            row = expression(terms)
            problem += (row == rhs if sense == "=" else row <= rhs), name
        values: dict[str, float] = {name: 0.0 for name in model.bounds}
        scale = model.scale()
        for number, stage in enumerate(stage for _, stage in expanded(stages)):
            objectives = [terms for terms in stage.objectives if terms]
            if not objectives:
                continue
            problem.sense = pulp.LpMaximize if stage.maximize else pulp.LpMinimize
            problem.setObjective(expression([term for terms in objectives for term in terms]))
            values = _solve(problem, stage.maximize)
            for part, terms in enumerate(objectives):
                bound = _outward(kept_bound(terms, values, offset, stage.maximize, loose, scale),
                                 up=not stage.maximize)
                row = expression(terms)
                kept = row >= bound if stage.maximize else row <= bound
                problem += kept, f"fix_{number}_{part}"
        return values

    def least_gaps(self, model: Model, raised: Sequence[int]) -> list[int]:
        """Each least gap solved anew, in two passes."""
        return each_least_gap(model, raised, self)


def _cbc_program() -> str:
    """The CBC program: the one bundled with pulp 3, else `cbc` on the PATH."""
    from pulp import COIN_CMD
    from pulp.apis import coin_api

    bundled = COIN_CMD.executableExtension(coin_api.pulp_cbc_path)
    if os.path.isfile(bundled):
        if not os.access(bundled, os.X_OK):  # wheels may drop the executable bit
            with contextlib.suppress(OSError):
                os.chmod(bundled, os.stat(bundled).st_mode | 0o111)
        if os.access(bundled, os.X_OK):
            return bundled
    found = shutil.which("cbc")
    if found is None:
        raise SolverRefusal("the CBC solver is not available; install pulp 3 (which bundles "
                              "it) or put a `cbc` program on the PATH, or use --solver highs")
    return found


def _solve(problem: pulp.LpProblem, maximize: bool) -> dict[str, float]:
    """Solve with CBC; presolve can misjudge the nearly tight systems that kept optima make,
    so without it is tried once more before giving up (the same optimum, more robustly)."""
    for presolve in ("on", "off"):
        found = _run_cbc_program(problem, maximize, presolve)
        if found is not None:
            return found
    raise AllocationError("the cbc solver found no optimum (a bug: the checked rules always "
                          "have one)")


def _run_cbc_program(problem: pulp.LpProblem, maximize: bool,
                     presolve: str) -> dict[str, float] | None:
    """CBC through pulp's model file and the CBC program; None when it finds no optimum.

    The binary solution file keeps full double precision (CBC's text solution has eight
    significant digits, too few for cents above a million).
    """
    binary = _cbc_program()
    with tempfile.TemporaryDirectory(prefix="budget-planner-") as folder:
        model = Path(folder, "model.mps")
        solution = Path(folder, "solution.bin")
        report = Path(folder, "solution.txt")
        variables, _, _, _ = problem.writeMPS(str(model), rename=1)
        command = [binary, str(model), *(["-max"] if maximize else []), "-presolve", presolve,
                   "-initialSolve", "-saveSolution", str(solution), "-solution", str(report)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not report.exists():
            raise AllocationError(f"CBC failed: {done.stdout[-500:]}{done.stderr[-500:]}")
        if report.read_text().split(" ", 1)[0] != "Optimal":
            return None
        data = solution.read_bytes()
    rows, columns = struct.unpack_from("<ii", data, 0)
    values = struct.unpack_from(f"<{columns}d", data, 16 + 16 * rows)
    return {variable.name: value for variable, value in zip(variables, values)}


def _outward(value: float, *, up: bool) -> float:
    """The value rounded away from the optimum to 13 significant digits, the precision of the
    model file CBC reads, so that writing it can never cut the optimum off."""
    exact = Decimal(repr(value))
    if exact == 0:
        return 0.0
    step = Decimal(1).scaleb(exact.adjusted() - 12)
    return float(exact.quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR))
