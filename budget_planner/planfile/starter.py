"""A new budget folder, as `budget-planner init` starts it.

The folder holds `plan.toml` (the shipped starter plan, small and commented, or the seed
plan), `scenarios/example.toml` (a scenario for that plan) and `output/`; commands run inside
it read its `plan.toml`. Nothing that exists is ever overwritten: if any of the files does,
nothing is written at all.
"""

from __future__ import annotations

from pathlib import Path

from ..core.files import OutputError, write_atomic
from ..core.model import Problem
from ..core.shipped import shipped_folder
from .defaults import FOLDER_PLAN, SEED_PLAN

OUTPUT = "output"
#: What the folder gets, each file from a shipped one (paths under the shipped `plans/`).
STARTER = {FOLDER_PLAN: "starter/plan.toml",
           "scenarios/example.toml": "starter/scenarios/example.toml"}
FROM_SEED = {FOLDER_PLAN: SEED_PLAN.removeprefix("plans/"),
             "scenarios/example.toml": "scenarios/ec-cut-2014-2020.toml"}


def start_folder(folder: Path, *, from_seed: bool = False) -> tuple[list[Path], list[Problem]]:
    """Write a new budget folder: the files written, or none and every reason why not."""
    contents = FROM_SEED if from_seed else STARTER
    targets = {folder / name: shipped_folder("plans") / source for name, source in contents.items()}
    problems = _in_the_way(folder, [*targets, folder / OUTPUT])
    if problems:
        return [], problems
    written: list[Path] = []
    try:
        for target, source in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(write_atomic(target, source.read_bytes()))
        (folder / OUTPUT).mkdir(exist_ok=True)
    except (OSError, OutputError) as error:
        for path in written:  # a folder half made is no folder to work in
            path.unlink(missing_ok=True)
        reason = getattr(error, "strerror", None) or str(error)
        return [], [Problem(str(folder), "", "init-failed", f"cannot start the folder: {reason}")]
    return written, []


def _in_the_way(folder: Path, paths: list[Path]) -> list[Problem]:
    """Every file that exists where the folder needs to write, and every file where it needs
    a folder."""
    problems = []
    folders = {folder, *(path.parent for path in paths), folder / OUTPUT}
    for path in sorted(folders):
        if path.exists() and not path.is_dir():
            problems.append(Problem(str(path), "", "not-a-folder",
                                    "is a file, where init needs a folder; nothing was written"))
    for path in paths:
        if path.name != OUTPUT and (path.exists() or path.is_symlink()):
            problems.append(Problem(str(path), "", "file-exists",
                                    "already exists; init never overwrites a file, so nothing "
                                    "was written (remove it, or choose another folder)"))
    return problems
