"""What the what-if page works on: the plan as loaded, and the answers to its requests.

A request carries a scenario's text, as the page writes it. It is read for the plan as
`--scenario FILE` reads a file, laid over the plan, and allocated with the plan's prepared
model, which is kept between requests: moving a cap re-solves only what that cap touches.
The answer is what `allocate --scenario FILE --format json` prints for the same text; the
downloads are the bytes `build` and `report` write with it. Nothing here writes a plan file:
the only file ever written is a scenario the user saves, in the save folder, under a plain
file name.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import api
from ..core.files import OutputError, write_atomic
from ..core.model import AllocationResult, InvalidInput, InvalidRequest, Plan, Problem
from ..core.funding import percent_text
from ..core.money import from_cents, money_text, to_cents
from ..core.shipped import inside_package
from ..engine.allocation import Memory, Prepared, allocate
from ..engine.scenario import Scenario, apply_scenario, load_scenario_text

#: The name a scenario's text is read under when a request names none.
DEFAULT_FILE = "scenario.toml"
#: A file name the page may save under: no folder, no hidden file, a .toml suffix.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}\.toml")
#: How many prepared models are kept (the baseline's and the latest changes of rules), and how
#: many solved components and split groups each remembers.
PREPARED_KEPT = 4
REMEMBERED = 2_000


@dataclass(frozen=True, slots=True)
class Download:
    """A file the page downloads: its bytes, its name and its media type."""

    data: bytes
    name: str
    media_type: str


def check_file_name(file: str) -> None:
    """Raise InvalidRequest unless `file` can name a scenario file in the save folder."""
    if not FILE_NAME.fullmatch(file) or ".." in file:
        raise InvalidRequest(Problem(file, "file", "file-name",
                                     "a scenario is saved under a plain file name ending in "
                                     ".toml, such as what-if.toml: letters, digits, '.', '_' "
                                     "and '-', no folder"))


def default_save_dir(plan_path: Path) -> Path:
    """`scenarios/` beside the plan, or in the current folder when the plan is the one shipped
    inside the installed package, which is never written to."""
    return Path("scenarios") if inside_package(plan_path) else plan_path.parent / "scenarios"


class Workspace:
    """The plan (with the `--scenario` files laid over it: the page's baseline), its prepared
    models and where scenarios are saved. Requests are answered one at a time."""

    def __init__(self, plan_path: Path, scenario_paths: Sequence[Path] = (),
                 save_dir: Path | None = None):
        """Read the plan and lay the scenarios over it; InvalidInput with every problem."""
        self.plan_path = plan_path
        self.scenario_paths = tuple(scenario_paths)
        self.plan = api.read_plan(plan_path)
        self.base = api.lay_over(self.plan, self.scenario_paths).plan
        self.save_dir = save_dir if save_dir is not None else default_save_dir(plan_path)
        self._lock = threading.Lock()
        #: Prepared models, most recent first, each with what it has solved and split.
        self._prepared: list[tuple[Prepared, Memory]] = []
        self.baseline = self._allocate(self.base)

    # --- the allocation ---------------------------------------------------------------------

    def scenario(self, text: str, file: str = DEFAULT_FILE) -> Scenario | None:
        """The page's scenario read for the baseline (None for an empty text: the baseline);
        InvalidInput with every problem, InvalidRequest for a file name with a folder."""
        check_file_name(file)
        if not text.strip():
            return None
        scenario, problems = load_scenario_text(text, file, self.base)
        if scenario is None:
            raise InvalidInput(problems)
        return scenario

    def allocation(self, text: str, file: str = DEFAULT_FILE) -> AllocationResult:
        """What `allocate --scenario FILE` computes for a file `file` holding `text`."""
        scenario = self.scenario(text, file)
        with self._lock:
            return self._allocate(self.base if scenario is None
                                  else apply_scenario(self.base, scenario))

    def _allocate(self, plan: Plan) -> AllocationResult:
        """The allocation, with a kept prepared model that fits the plan, or a new one."""
        found = next((kept for kept in self._prepared if kept[0].fits(plan)), None)
        if found is None:
            found = (Prepared(plan), Memory())
        self._prepared = [found, *(kept for kept in self._prepared if kept is not found)]
        del self._prepared[PREPARED_KEPT:]
        prepared, memory = found
        if len(memory) > REMEMBERED:
            memory.clear()  # a page moving caps back and forth stays well within this
        return allocate(plan, prepared=prepared, memory=memory)

    # --- saving -----------------------------------------------------------------------------

    def save(self, text: str, file: str, overwrite: bool = False) -> Path:
        """Write the scenario into the save folder, atomically. An existing file is replaced
        only with `overwrite` (else OutputExists); a file the page was started with, never."""
        if self.scenario(text, file) is None:
            raise InvalidRequest(Problem(file, "", "file-empty",
                                         "is empty; there is nothing to save"))
        path = self.save_dir / file
        for given in (*self.plan.files, *map(str, self.scenario_paths)):
            with contextlib.suppress(OSError):
                if os.path.samefile(given, path):
                    raise InvalidRequest(Problem(str(path), "", "input-file",
                                                 f"is the file {given} the page was started "
                                                 "with; choose another name"))
        try:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(self.save_dir, "output-folder",
                              f"cannot create the folder: {error.strerror or error}") from None
        write_atomic(path, text, replace=overwrite)
        return path

    # --- downloads: what `build` and `report` write ------------------------------------------

    @contextlib.contextmanager
    def _scenario_file(self, text: str, file: str) -> Iterator[tuple[Path, ...]]:
        """The scenario files of the download: the `--scenario` files, then the page's text as
        a file. That is the saved file when it holds this very text (so the bytes are those of
        `build PLAN --scenario SAVED`), else a temporary file of the same name."""
        if self.scenario(text, file) is None:
            yield self.scenario_paths
            return
        saved = self.save_dir / file
        with contextlib.suppress(OSError):
            if saved.read_bytes() == text.encode("utf-8"):
                yield (*self.scenario_paths, saved)
                return
        with tempfile.TemporaryDirectory(prefix="budget-planner-") as folder:
            path = Path(folder, file)
            path.write_text(text, encoding="utf-8")
            yield (*self.scenario_paths, path)

    def workbook(self, text: str, file: str = DEFAULT_FILE) -> Download:
        """The bytes of `build PLAN --scenario ... --scenario FILE`."""
        from ..views.dates import dated
        from ..xlsx.workbook import build_workbook

        with self._scenario_file(text, file) as paths, self._lock:
            built = api.build(self.plan_path, paths)
            data = dated(lambda: build_workbook(built.plan, built.allocation, info=built.info))
        return Download(data, f"{_stem(self.plan, file, text)}.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def report(self, text: str, file: str = DEFAULT_FILE) -> Download:
        """The bytes of `report PLAN --scenario ... --scenario FILE` (HTML)."""
        from ..views.dates import dated
        from ..views.reports import render_html

        with self._scenario_file(text, file) as paths, self._lock:
            reported = api.report(self.plan_path, paths).report
            html = dated(lambda: render_html(reported))
        return Download(html.encode("utf-8"), f"{_stem(self.plan, file, text)}.html",
                        "text/html; charset=utf-8")

    # --- what the page shows ----------------------------------------------------------------

    def page_data(self) -> dict[str, Any]:
        """The plan and its rules as the page edits them, and the baseline's allocation."""
        from ..views.allocation import allocation_json
        from ..views.palette import PALETTE, UNFUNDED_COLOUR

        plan = self.base
        funding = plan.funding
        eligible: dict[str, int] = {}
        for period in plan.periods:
            for line in period.lines:
                for source in line.sources if line.amount is not None else ():
                    for key in (f"{source}|{period.id}", f"{source}|"):
                        eligible[key] = eligible.get(key, 0) + to_cents(line.amount)
        preference = funding.preference
        return {
            "programme": plan.programme.name,
            "currency": plan.programme.currency,
            "planFile": str(self.plan_path),
            "scenarioFiles": [str(path) for path in self.scenario_paths],
            "saveDir": str(self.save_dir),
            "sources": [{"id": source.id, "name": source.name} for source in plan.sources],
            "periods": [{"id": period.id, "title": period.title} for period in plan.periods],
            "lines": {period.id: [[line.id, line.activity, money_text(line.amount),
                                   list(line.sources)] for line in period.lines]
                      for period in plan.periods},
            "eligible": {key: money_text(from_cents(cents)) for key, cents in eligible.items()},
            "caps": [{"source": cap.source, "period": cap.period,
                      "amount": money_text(cap.amount)} for cap in funding.caps],
            "shares": [{"source": rule.source, "period": rule.period, "line": rule.line,
                        "min": _percent(rule.min), "max": _percent(rule.max)}
                       for rule in funding.shares],
            "pledges": [{"source": pledge.source, "period": pledge.period, "line": pledge.line,
                         "amount": money_text(pledge.amount)} for pledge in funding.pledges],
            "preference": None if preference is None else {
                "kind": preference.kind, "priority": list(preference.priority),
                "cost": {source: str(cost) for source, cost in preference.cost},
                "target_mix": {source: _percent(share)
                               for source, share in preference.target_mix}},
            "baseline": allocation_json(self.baseline),
            "palette": list(PALETTE),
            "gapColour": UNFUNDED_COLOUR,
        }


def _percent(share: Decimal | None) -> str | None:
    """A share as the page's percent field shows it: Decimal("0.125") -> "12.5"."""
    return None if share is None else percent_text(share).removesuffix("%")


def _stem(plan: Plan, file: str, text: str) -> str:
    """A download's file name: the plan's, and the scenario's when there is one."""
    return f"{plan.name}-{Path(file).stem}" if text.strip() else plan.name
