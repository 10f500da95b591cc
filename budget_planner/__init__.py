"""budget_planner: programme budgets in plan files, reconciled, co-financed and reported.

The library mirrors the command line: `api` has one function per command; `load_plan` reads a
plan, `reconcile` checks its totals, `lines_frame` gives its lines as a pandas DataFrame.
"""

from .core.version import __version__
from .engine.reconcile import reconcile
from .planfile.loader import load_plan
from .views.tables import lines_frame

__all__ = ["__version__", "lines_frame", "load_plan", "reconcile"]
