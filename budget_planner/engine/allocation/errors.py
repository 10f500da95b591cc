"""What the allocation raises: a solver that cannot run as asked, or a failure inside."""

from __future__ import annotations


class AllocationError(RuntimeError):
    """The solver failed or returned a point that is not exact to the cent (a bug, not input)."""


class SolverRefusal(AllocationError):
    """The chosen solver cannot run as asked (not installed, or amounts beyond what it keeps to
    the cent): the user can fix it, for instance with --solver highs."""
