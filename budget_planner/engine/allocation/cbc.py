"""The staged programme solved by the CBC program, on the model files pulp writes."""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import tempfile
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from .errors import AllocationError
from .stages import EPS_ABS, EPS_LOOSE, EPS_REL, Terms, _kept_optimum, _Spec, _Stage


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
        raise AllocationError("the CBC solver is not available; install pulp 3 (which bundles "
                              "it) or put a `cbc` program on the PATH, or use --solver highs")
    return found


def _run_cbc(spec: _Spec, stages: list[_Stage], offset: dict[str, int],
             loose: bool) -> dict[str, float]:
    """One pass of the stages with CBC, in euros relative to `offset` (cents); the last
    stage's point."""
    import pulp

    def shifted(terms: Terms, cents: int) -> float:
        """A right-hand side in cents as euros relative to the offset, exactly then rounded."""
        return (cents - sum(coefficient * offset.get(name, 0) for name, coefficient in terms)) / 100

    problem = pulp.LpProblem("allocation", pulp.LpMinimize)
    variables = {}
    for name, (low, high) in spec.bounds.items():
        base = offset.get(name, 0)
        variables[name] = problem.add_variable(
            name, lowBound=None if low is None else (low - base) / 100,
            upBound=None if high is None else (high - base) / 100)

    def expression(terms: Terms) -> Any:
        return pulp.lpSum(coefficient * variables[name] for name, coefficient in terms)

    for name, terms, sense, cents in spec.rows:
        rhs = shifted(terms, cents)
        row = expression(terms)
        problem += (row == rhs if sense == "=" else row <= rhs), name
    values: dict[str, float] = {name: 0.0 for name in spec.bounds}
    scale = max((abs(cents) for _, _, _, cents in spec.rows), default=0) / 100
    for number, stage in enumerate(stages):
        objectives = [terms for terms in stage.objectives if terms]
        if not objectives:
            continue
        problem.sense = pulp.LpMaximize if stage.maximize else pulp.LpMinimize
        problem.setObjective(expression([term for terms in objectives for term in terms]))
        values = _solve_cbc(problem, stage.maximize)
        for part, terms in enumerate(objectives):
            found = sum(coefficient * values[name] for name, coefficient in terms) * 100 + sum(
                coefficient * offset.get(name, 0) for name, coefficient in terms)
            total = _kept_optimum(found, stage.maximize, loose)
            value = shifted(terms, total)
            slack = EPS_ABS + (EPS_LOOSE * scale if loose else EPS_REL * abs(value))
            bound = _outward(value - slack if stage.maximize else value + slack,
                             up=not stage.maximize)
            row = expression(terms)
            problem += (row >= bound if stage.maximize else row <= bound), f"fix_{number}_{part}"
    return values


def _solve_cbc(problem: Any, maximize: bool) -> dict[str, float]:
    """Solve with CBC; presolve can misjudge the nearly tight systems that kept optima make,
    so without it is tried once more before giving up (the same optimum, more robustly)."""
    for presolve in ("on", "off"):
        found = _run_cbc_program(problem, maximize, presolve)
        if found is not None:
            return found
    raise AllocationError("the cbc solver found no optimum (a bug: the checked rules always "
                          "have one)")


def _run_cbc_program(problem: Any, maximize: bool, presolve: str) -> dict[str, float] | None:
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
