"""budget_planner: programme budgets in plan files, reconciled, co-financed and reported.

The library mirrors the command line: `load_plan` reads a plan, `reconcile` checks its totals,
`lines_frame` gives its lines as a pandas DataFrame.
"""

from .planfile.loader import load_plan
from .engine.reconcile import reconcile
from .views.tables import lines_frame

__version__ = "0.1.0"
__all__ = ["__version__", "lines_frame", "load_plan", "reconcile"]
