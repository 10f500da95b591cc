"""Files that ship with budget_planner: the seed plan, the example scenarios, the starter
folder of `init` and the report templates.

The repository keeps them once, in its top-level `plans/` and `templates/`. The wheel carries
them inside the package, as `budget_planner/data/plans` and `budget_planner/data/templates`
(mapped in when it is built, see pyproject.toml), so an installed package reads them as
package resources wherever it runs; a source checkout reads them where they are kept.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "budget_planner"
#: The folder inside the installed package that holds the shipped folders.
DATA = "data"
FOLDERS = ("plans", "templates")


def package_folder(folder: str) -> str | None:
    """The shipped folder's path inside the installed package (`data/templates`), or None
    when the package runs from a source checkout, which has no copy inside it."""
    assert folder in FOLDERS, folder
    installed = files(PACKAGE) / DATA / folder
    return f"{DATA}/{folder}" if installed.is_dir() else None


def shipped_folder(folder: str) -> Path:
    """A shipped folder, `plans` or `templates`, on the file system (pip installs a wheel's
    files as files)."""
    inside = package_folder(folder)
    if inside is not None:
        return Path(str(files(PACKAGE) / inside))
    return Path(__file__).resolve().parents[2] / folder


def shipped_file(relative: str | Path) -> Path | None:
    """A shipped file named by its path in the repository (`plans/scenarios/x.toml`), or None
    when no such file ships."""
    parts = Path(relative).parts
    if len(parts) < 2 or parts[0] not in FOLDERS or ".." in parts:
        return None
    path = shipped_folder(parts[0]).joinpath(*parts[1:])
    return path if path.is_file() else None


def inside_package(path: Path) -> bool:
    """Whether `path` is one of the files inside the installed package, where nothing is ever
    written (a checkout's top-level folders are the project's own)."""
    if package_folder("plans") is None:
        return False
    return Path(path).resolve().is_relative_to(Path(str(files(PACKAGE))).resolve())
