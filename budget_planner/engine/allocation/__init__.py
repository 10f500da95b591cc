"""Co-financing allocation: each line split over its eligible sources by a staged linear programme.

`allocate` is the whole of it. `Prepared`, `solve_prepared` and `solve_components` are its
steps, for callers that solve one plan many times (a sweep); `funding_findings` are the
warnings of caps that cannot cover a period, which `check` reports.
"""

from .errors import AllocationError, SolverRefusal
from .explain import funding_findings
from .groups import Component, Group, Prepared
from .solve import (BACKENDS, SOLVERS, GroupTotals, Memory, SolvedComponents, allocate,
                    solve_components, solve_prepared, split_lines)
from .stages import Backend

__all__ = ["BACKENDS", "SOLVERS", "AllocationError", "Backend", "Component", "Group",
           "GroupTotals", "Memory", "Prepared", "SolvedComponents", "SolverRefusal", "allocate",
           "funding_findings", "solve_components", "solve_prepared", "split_lines"]
