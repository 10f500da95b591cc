"""Which files a command reads when it is given none, or a path to a shipped file.

Without PLAN a command reads, in this order:

1. `plan.toml` in the current folder: the plan of a folder made by `budget-planner init`;
2. `plans/bsr-stars-programme-c.toml` in the current folder: a checkout of the repository;
3. the seed plan shipped inside the package, saying so once on standard error.

A path under `plans/` that does not exist from the current folder but names a shipped file
(`plans/scenarios/ec-cut-2014-2020.toml`) reads the shipped file, also saying so: the examples
in the documentation run as shown from any folder. Any other path is read as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.shipped import shipped_file

#: The plan file of a folder made by `budget-planner init`.
FOLDER_PLAN = "plan.toml"
#: The seed programme, as the repository and the package keep it.
SEED_PLAN = "plans/bsr-stars-programme-c.toml"


@dataclass(frozen=True, slots=True)
class Input:
    """A file to read, and when it is one of the package's own files (read in place of a
    path that does not exist here), the line that says so."""

    path: Path
    notice: str | None = None


def resolve(path: Path, folder: Path = Path()) -> Input:
    """The file at `path` (relative to `folder`), or the shipped file of that name when only
    the package has it."""
    here = folder / path
    if not path.is_absolute() and not here.exists():
        shipped = shipped_file(path)
        if shipped is not None:
            return Input(shipped, f"using the shipped file {path.as_posix()}")
    return Input(here)


def default_plan(folder: Path = Path()) -> Input:
    """The plan a command reads when none is named (see the module's text)."""
    if (folder / FOLDER_PLAN).is_file():
        return Input(folder / FOLDER_PLAN)
    found = resolve(Path(SEED_PLAN), folder)
    if found.notice is None:
        return found
    return Input(found.path, f"using the shipped plan {SEED_PLAN} (there is no {FOLDER_PLAN} "
                             "here; `budget-planner init` starts a folder of your own)")
