"""What the allocation raises when it fails inside (a bug, not input)."""

from __future__ import annotations


class AllocationError(RuntimeError):
    """The solver failed or returned a point that is not exact to the cent (a bug, not input)."""
