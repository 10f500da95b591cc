"""Co-financing allocation: each line split over its eligible sources by a staged linear programme."""

from .solve import SOLVERS, AllocationError, Prepared, allocate, funding_findings, solve_components

__all__ = ["SOLVERS", "AllocationError", "Prepared", "allocate", "funding_findings",
           "solve_components"]
