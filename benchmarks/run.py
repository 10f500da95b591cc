"""Run every benchmark and write docs/performance.md: `python -m benchmarks.run` (`make bench`).

Each benchmark runs a subject and its baseline side by side in the same session, each in a
fresh process, `--repeat` times interleaved, and reports medians, the subject/baseline ratio,
the peak memory of the subject's process and whether the target holds. Benchmarks are not
tests: nothing here fails a build; the report says by how much a target is missed.

The plain pulp model is measured on the full plan unless `--baseline-lines` is smaller (then
its time is scaled linearly and the report says so); its runs serve both allocation rows and
the objective comparison, so it runs only `--repeat` times. The objectives are judged against
the plain model's optimum computed exactly (`benchmarks/baselines.py exact`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "plans" / "bsr-stars-programme-c.toml"
PYTHON = sys.executable
CLI = [PYTHON, "-m", "budget_planner"]
CENT = Decimal("0.01")
#: The size of the plan the what-if page is measured on (smaller when --lines is).
SERVE_LINES = 10_000


@dataclass
class Run:
    #: The whole process's wall time.
    wall: float
    #: The time the child reported of itself in a last line `{"seconds": ...}` (where setup
    #: must not count), or None.
    own: float | None
    peak_mib: float
    #: The start and the last two lines of its standard output.
    head: str
    tail: list[str]
    #: Stopped at the benchmark's time limit: `wall` is the limit, a lower bound.
    timed_out: bool = False

    def seconds(self, clock: str) -> float:
        if clock == "own":
            assert self.own is not None, "the command reports no time of its own"
            return self.own
        return self.wall


def measure(argv: list[str], cwd: Path, time_limit: float | None = None) -> Run:
    """Wall time and peak resident memory of one process, and what it printed; a process
    still running after `time_limit` seconds is stopped and reported as timed out."""
    with tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        timer = threading.Timer(time_limit, process.kill) if time_limit else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if timer is not None:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        if time_limit and seconds >= time_limit:
            return Run(time_limit, None, usage.ru_maxrss / 1024, "", [], timed_out=True)
        if process.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}")
        stdout.seek(0)
        head = stdout.read(4096).decode(errors="replace")
        stdout.seek(max(0, os.fstat(stdout.fileno()).st_size - 4096))
        tail = stdout.read().decode(errors="replace").strip().splitlines()[-2:]
    own = json.loads(tail[-1])["seconds"] if tail and tail[-1].startswith('{"seconds"') else None
    return Run(seconds, own, usage.ru_maxrss / 1024, head, tail)


@dataclass
class Benchmark:
    name: str
    size: str
    subject: list[str]
    baseline: list[str]
    target: str
    #: The largest ratio the target allows; None for a benchmark kept for information.
    limit: float | None
    #: Baseline time is multiplied by this (a baseline measured at a smaller size).
    baseline_scale: float = 1.0
    #: Which time counts for the subject and for the baseline: "wall" (the whole process) or
    #: "own" (what the process reports of itself).
    clocks: tuple[str, str] = ("wall", "wall")
    #: The name of an earlier benchmark whose baseline runs this one reuses (not run again).
    baseline_of: str | None = None
    #: An absolute bound on the subject's median wall time, where the target sets one.
    max_seconds: float | None = None
    #: What is known of the cause, printed when the target is missed.
    why: str = ""
    note: str = ""
    #: A command run once, untimed, before the benchmark (making its input).
    prepare: list[str] | None = None
    #: Seconds after which a subject run is stopped (and not repeated): its time is then a
    #: lower bound and the target is missed.
    time_limit: float | None = None
    #: The largest peak memory (MiB) the target allows, where it sets one; such a benchmark is
    #: left out of the page's peak memory of any command (whose target is lower).
    max_mib: float | None = None
    #: The name of an earlier benchmark whose subject runs this one reuses (not run again).
    subject_of: str | None = None
    #: The machine's load average (one minute) when its runs ended: other work shares the
    #: cores, and a benchmark run on its own says how much.
    load: float | None = None
    subject_runs: list[Run] = field(default_factory=list)
    baseline_runs: list[Run] = field(default_factory=list)

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.subject_runs)

    def cells(self) -> str:
        """The row's subject, baseline, ratio and memory cells; '>' where a run timed out."""
        more = "> " if self.timed_out else ""
        return (f"{more}{self.subject_seconds:.3f} | {self.baseline_seconds:.3f} | "
                f"{more}{self.ratio:.3f} | {more}{self.peak_mib:,.0f}")

    @property
    def subject_seconds(self) -> float:
        return statistics.median(run.seconds(self.clocks[0]) for run in self.subject_runs)

    @property
    def baseline_seconds(self) -> float:
        return (statistics.median(run.seconds(self.clocks[1]) for run in self.baseline_runs)
                * self.baseline_scale)

    @property
    def ratio(self) -> float:
        return self.subject_seconds / self.baseline_seconds

    @property
    def met(self) -> bool:
        return (not self.timed_out and (self.limit is None or self.ratio <= self.limit)
                and (self.max_mib is None or self.peak_mib <= self.max_mib)
                and (self.max_seconds is None or self.subject_seconds <= self.max_seconds))

    @property
    def peak_mib(self) -> float:
        return max(run.peak_mib for run in self.subject_runs)


def benchmarks(lines: int, small: int, work: Path, shapes: bool = True,
               time_limit: float = 300.0) -> list[Benchmark]:
    plan, small_plan = work / f"plan-{lines}.toml", work / f"plan-{small}.toml"
    serve_lines = min(lines, SERVE_LINES)
    serve_plan = work / f"plan-{serve_lines}.toml"
    for count, path in sorted({(lines, plan), (small, small_plan), (serve_lines, serve_plan)}):
        # In a child process: a child's peak memory counts the parent's size at its start.
        subprocess.run([PYTHON, "-m", "benchmarks.make_plan", "--lines", str(count), "--out",
                        str(path)], check=True, cwd=ROOT)
    workbook = work / "build.xlsx"
    cells = work / "cells.pickle"
    actuals = work / f"actuals-{lines}.csv"
    size = f"{lines:,} lines"
    scale = lines / small
    scaled = (f"; the plain model is measured at {small:,} lines and its time scaled ×{scale:g} "
              "(linear, which understates it: CBC's time grows faster than linearly)"
              if small != lines else "")
    naive = [PYTHON, "-m", "benchmarks.baselines", "naive", str(small_plan)]
    return [
        Benchmark("check", size, [*CLI, "check", str(plan), "--format", "json"],
                  [PYTHON, "-c", "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))",
                   str(plan)],
                  "≤ 3× parsing the TOML with tomllib", 3),
        Benchmark("allocate (HiGHS)", size, [*CLI, "allocate", str(plan), "--format", "json"],
                  naive, "≥ 15× faster than a plain pulp model solved by CBC (ratio ≤ 0.067)",
                  1 / 15, baseline_scale=scale,
                  note="both sides are the wall time of a fresh process that reads the plan "
                       "file and allocates: `python -m budget_planner allocate PLAN --format json` "
                       "against the script a user would write (`benchmarks/baselines.py "
                       "naive`: read the TOML with tomllib, one pulp variable per (line, "
                       "eligible source) and a gap per line, solve with CBC, print the "
                       "objective)" + scaled,
                  why="the allocation engine row shows the engine's own time; the rest of the "
                      "command is start-up, reading and checking the plan and writing the JSON"),
        Benchmark("allocation engine", size,
                  [PYTHON, "-m", "benchmarks.baselines", "engine", str(plan)], naive,
                  "for information: allocating alone, timed inside each process after the "
                  "plan is read", None, baseline_scale=scale, clocks=("own", "own"),
                  baseline_of="allocate (HiGHS)",
                  note="the plain model's runs are the allocate (HiGHS) row's, timed from "
                       "after tomllib has read the plan; budget-planner's from after "
                       "`load_plan` has read and checked it" + scaled),
        Benchmark("allocate (CBC)", size,
                  [*CLI, "allocate", str(plan), "--format", "json", "--solver", "cbc"],
                  [*CLI, "allocate", str(plan), "--format", "json"],
                  "for information: budget-planner's `allocate --solver cbc` against its "
                  "default HiGHS", None),
        Benchmark("build", size, [*CLI, "build", str(plan), "-o", str(workbook)],
                  [PYTHON, "-m", "benchmarks.baselines", "openpyxl", str(cells),
                   str(work / "openpyxl.xlsx")],
                  "≤ 1.5× writing the same cells with bare openpyxl", 1.5,
                  clocks=("wall", "own"),
                  note="the baseline's time is openpyxl's writing alone, measured inside its "
                       "process; the subject's includes start-up, loading and allocating"),
        Benchmark("sweep", "1,000 points, seed plan",
                  [*CLI, "sweep", str(SEED), "--vary", "cap.EC/2014-2020=0:26_373_600:26_400",
                   "-o", str(work / "sweep.csv"), "--chart", str(work / "sweep.svg")],
                  [*CLI, "allocate", str(SEED), "--format", "json"],
                  "under 10 s of wall time (baseline: one `allocate` run ×1,000)", None,
                  baseline_scale=1000, max_seconds=10),
        Benchmark("progress", f"{10 * lines:,} rows, {size}",
                  [*CLI, "progress", str(plan), "--actuals", str(actuals), "--format", "json",
                   "-o", str(work / "progress.json")],
                  [PYTHON, "-c", "import sys, pandas; pandas.read_csv(sys.argv[1], dtype=str)",
                   str(actuals)],
                  "≤ 3× `pandas.read_csv` of the same file with dtype=str", 3,
                  prepare=[PYTHON, "-m", "benchmarks.make_actuals", "--plan", str(plan),
                           "--rows", str(10 * lines), "--out", str(actuals)],
                  note="the subject reads the plan, allocates it (for each source's claimable "
                       "share), reads and checks every row against the plan, computes every "
                       "figure and finding and writes the JSON; the baseline only parses the "
                       "CSV into strings. Rows from `benchmarks/make_actuals.py`",
                  why="measured alone on a quiet machine, reading the 100,000-line plan takes "
                      "about 2.9 s (half of it the TOML parser), reading and checking the "
                      "million rows about 2.0 s, the allocated shares about 1.9 s (in a "
                      "second process meanwhile), the figures 0.8 s and the JSON 0.4 s: the "
                      "plan and the rows alone are about 3 times the baseline"),
        *(shape_benchmarks(lines, work, time_limit) if shapes else []),
        *serve_benchmarks(serve_plan, serve_lines, work),
        Benchmark("--help", "", [*CLI, "--help"], [PYTHON, "-c", "import click"],
                  "≤ 3× `python -c 'import click'`", 3),
        *(Benchmark(f"{command} (seed plan)", "the shipped plan",
                    [*CLI, command, str(SEED), "--format", "json"], [*CLI, "--help"],
                    f"under {seconds} s (ratio to start-up for information)", None,
                    max_seconds=seconds,
                    note=f"`{command} PLAN --format json` on the shipped plan against "
                         "`budget-planner --help`, the start-up alone")
          for command, seconds in (("allocate", 0.3), ("check", 0.15))),
    ]


#: (name, shape, sources, lines, lines of the plain model's plan, target, ratio limit, seconds
#: limit): the allocation on plans whose lines mark many different sets of sources, and on
#: many periods, against the plain least-gap LP solved by HiGHS and (for information) by CBC.
SHAPES = [
    ("allocate mixed", "mixed", 16, 1_000, 1_000,
     "under 1 s (ratio for information)", None, 1.0),
    ("allocate mixed", "mixed", 16, 10_000, 10_000,
     "≤ 2× the plain pulp LP solved by HiGHS", 2.0, None),
    ("allocate mixed", "mixed", 64, 100_000, 10_000,
     "≤ 3× the plain pulp LP solved by HiGHS, peak memory under 4 GiB", 3.0, None),
    ("allocate many-periods", "many-periods", 5, 10_000, 10_000,
     "for information", None, None),
]
CLIFF = ("almost every line is a group of its own here, so the programme has a column per line "
         "and source, kept by the engine as Python records (names, bounds, rows of terms) "
         "beside HiGHS's own copy: building them and the peak memory grow with that size")


def shape_benchmarks(lines: int, work: Path, time_limit: float) -> list[Benchmark]:
    """The SHAPES rows (sizes capped at --lines), each twice: against HiGHS, then CBC."""
    out: list[Benchmark] = []
    for name, shape, sources, size, plain_size, target, limit, seconds in SHAPES:
        size, plain_size = min(size, lines), min(plain_size, lines)
        if any(result.name == f"{name}-{sources} {size:,} (HiGHS)" for result in out):
            continue  # the same size as an earlier row once capped at --lines
        plans = {}
        for count in sorted({size, plain_size}):
            plans[count] = work / f"{shape}-{sources}-{count}.toml"
            subprocess.run([PYTHON, "-m", "benchmarks.make_plan", "--shape", shape, "--sources",
                            str(sources), "--periods", "1" if shape == "mixed" else "3",
                            "--lines", str(count), "--out", str(plans[count])],
                           check=True, cwd=ROOT)
        label = f"{size:,} lines, {sources} sources"
        full = f"{name}-{sources} {size:,} (HiGHS)"
        scale = size / plain_size
        scaled = (f"; the plain model is measured at {plain_size:,} lines and its time scaled "
                  f"×{scale:g}" if scale != 1 else "")
        subject = [*CLI, "allocate", str(plans[size]), "--format", "json"]
        out += [
            Benchmark(full, label, subject,
                      [PYTHON, "-m", "benchmarks.baselines", "naive-highs",
                       str(plans[plain_size])],
                      target, limit, baseline_scale=scale, max_seconds=seconds,
                      time_limit=time_limit, max_mib=4096 if sources > 16 else None,
                      why=CLIFF if shape == "mixed" else "",
                      note="`allocate PLAN --format json` against the plain pulp model of the "
                           "least gap (`benchmarks/baselines.py naive-highs`) solved by HiGHS, "
                           f"each a fresh process{scaled}"),
            Benchmark(f"{name}-{sources} {size:,} (CBC baseline)", label, subject,
                      [PYTHON, "-m", "benchmarks.baselines", "naive", str(plans[plain_size])],
                      "for information", None, baseline_scale=scale, subject_of=full,
                      note="the same runs of `allocate` against the plain model solved by "
                           f"CBC{scaled}"),
        ]
    return out


def serve_benchmarks(plan: Path, lines: int, work: Path) -> list[Benchmark]:
    """The what-if page's answer to a moved cap, against `allocate --scenario` run afresh:
    what the same change costs without the page."""
    from .serve_latency import scenario

    changes = []
    for name, (source, period, amount) in {"seed": ("EC", "2014-2020", "12850000.00"),
                                           "big": ("S1", "P2000", "1000000.00")}.items():
        change = work / f"{name}-change.toml"
        change.write_text(scenario(source, period, Decimal(amount)), encoding="utf-8")
        changes.append(change)
    latency = [PYTHON, "-m", "benchmarks.serve_latency"]
    note = ("the subject is the 95th percentile of the answer times of `POST /api/allocate` as "
            "one cap moves, one change after the other, timed by a client over the loopback "
            "network (`benchmarks/serve_latency.py`: `budget-planner serve` in a process of its "
            "own, the first 3 changes not counted); the baseline is what one change costs "
            "without the page, `allocate PLAN --scenario FILE --format json` in a fresh process")
    return [
        Benchmark("serve (seed plan)", "200 changes of a cap",
                  [*latency, str(SEED), "--cap", "EC/2014-2020", "--requests", "200"],
                  [*CLI, "allocate", str(SEED), "--scenario", str(changes[0]), "--format",
                   "json"],
                  "95th percentile of an answer under 50 ms", None, clocks=("own", "wall"),
                  max_seconds=0.05, note=note),
        Benchmark("serve (big plan)", f"{lines:,} lines, 40 changes",
                  [*latency, str(plan), "--cap", "S1/P2000", "--requests", "40"],
                  [*CLI, "allocate", str(plan), "--scenario", str(changes[1]), "--format",
                   "json"],
                  "95th percentile of an answer under 500 ms", None, clocks=("own", "wall"),
                  max_seconds=0.5,
                  note="as the row above, on a plan from `benchmarks/make_plan.py`"),
    ]


def prepare_cells(benchmark: Benchmark, work: Path) -> None:
    """Build once and dump the workbook's cells for the openpyxl baseline (not timed)."""
    measure(benchmark.subject, ROOT)
    subprocess.run([PYTHON, "-m", "benchmarks.baselines", "dump-cells", str(work / "build.xlsx"),
                    str(work / "cells.pickle")], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})


OUR_OBJECTIVE = re.compile(r'^  "objective": "(-?\d+\.\d\d)",$', re.MULTILINE)


def our_objective(run: Run) -> Decimal:
    """The total gap at the head of `allocate --format json`'s output."""
    match = OUR_OBJECTIVE.search(run.head)
    assert match is not None, run.head[:200]
    return Decimal(match[1])


def plain_objective(run: Run) -> tuple[Decimal, float]:
    """The total gap the plain model printed, CBC's optimum at full precision, and what
    `pulp.value(problem.objective)` made of it."""
    printed = json.loads(run.tail[-2])
    return Decimal(printed["objective"]), printed["pulp_value"]


def same_objective(results: list[Benchmark], lines: int, small: int, work: Path) -> str:
    """Our total gap and the plain model's on the same plan, from the timed runs where the
    plain model ran on the full plan, else from one untimed `allocate` on its smaller plan;
    and the plain model's optimum computed exactly, to judge both by."""
    named = {result.name: result for result in results}
    plan = work / f"plan-{small}.toml"
    theirs = [plain_objective(run) for run in named["allocate (HiGHS)"].baseline_runs]
    if small == lines:
        ours = {our_objective(run) for run in named["allocate (HiGHS)"].subject_runs}
        ours_cbc = {our_objective(run) for run in named["allocate (CBC)"].subject_runs}
    else:
        command = [*CLI, "allocate", str(plan), "--format", "json"]
        ours = {our_objective(measure(command, ROOT))}
        ours_cbc = {our_objective(measure([*command, "--solver", "cbc"], ROOT))}
    exact = subprocess.run([PYTHON, "-m", "benchmarks.baselines", "exact", str(plan)],
                           check=True, cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    return objective_sentence(small, ours, ours_cbc, Decimal(json.loads(exact)["objective"]),
                              {objective for objective, _ in theirs}, theirs[0][1])


def objective_sentence(lines: int, ours: set[Decimal], ours_cbc: set[Decimal], exact: Decimal,
                       cbc: set[Decimal], pulp_value: float) -> str:
    def text(values: set[Decimal]) -> str:
        return " or ".join(f"{value:,}" for value in sorted(values))

    if exact == exact.quantize(CENT):
        exact = exact.quantize(CENT)
    same = "the same" if ours_cbc == ours else text(ours_cbc)
    if len(ours) != 1:
        verdict = "budget-planner's objective varied between runs"
    elif (our := next(iter(ours))) == exact:
        verdict = "equal to the cent"
    elif our > exact:
        verdict = (f"budget-planner's is {our - exact:,} larger (it allocates whole cents, "
                   "rounding share bounds inwards; the plain model's amounts are real numbers)")
    else:
        verdict = f"budget-planner's is {exact - our:,} smaller, which cannot be: worth a look"
    off = " or ".join(f"{value - exact:+f}" for value in sorted(cbc))
    return (f"Same objective: on the {lines:,}-line plan the total gap is {text(ours)} with "
            f"budget-planner's `allocate` (exact cents; {same} with `--solver cbc`) and "
            f"{exact:,} for the plain model solved exactly (max-flow min-cut in decimals, "
            f"`benchmarks/baselines.py exact`): {verdict}. CBC's optimum of the plain model, "
            f"as it writes it in its solution file, is {text(cbc)} ({off}, floating point); "
            f"pulp's `value(objective)` says {pulp_value:,.2f} (it adds up variable values "
            "that CBC writes with 8 significant digits).")


def missed(result: Benchmark) -> list[str]:
    """The notes saying by how much the benchmark's target is missed, if it is."""
    out = []
    if result.timed_out:
        stopped = max(run.wall for run in result.subject_runs if run.timed_out)
        out.append(f"- {result.name}: stopped after {stopped:g} s, so the time, the "
                   "ratio and the memory are lower bounds" + (f": {result.why}." if result.why
                                                             else "."))
    elif result.limit is not None and result.ratio > result.limit:
        out.append(f"- {result.name}: target missed by {result.ratio / result.limit - 1:.0%} "
                   f"(ratio {result.ratio:.3f})" + (f": {result.why}." if result.why else "."))
    if (not result.timed_out and result.max_seconds is not None
            and result.subject_seconds > result.max_seconds):
        out.append(f"- {result.name}: target missed by "
                   f"{result.subject_seconds - result.max_seconds:.3g} s.")
    if result.max_mib is not None and result.peak_mib > result.max_mib:
        out.append(f"- {result.name}: peak memory {result.peak_mib:,.0f} MiB, over the "
                   f"{result.max_mib:,.0f} MiB of the target.")
    return out


def report(results: list[Benchmark], lines: int, repeat: int, objective: str) -> str:
    rows = ["| benchmark | size | subject (median s) | baseline (median s) | ratio | peak memory "
            "(MiB) | target | met |", "|---|---|---:|---:|---:|---:|---|---|"]
    notes = []
    for result in results:
        rows.append(f"| {result.name} | {result.size} | {result.cells()} | {result.target} | "
                    f"{'yes' if result.met else 'NO'} |")
        if result.note:
            notes.append(f"- {result.name}: {result.note}.")
        notes += missed(result)
    memory = max(result.peak_mib for result in results if result.max_mib is None)
    return "\n".join([
        "# Performance", "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand. Each "
        f"benchmark runs its subject and its baseline {repeat} time{'s' * (repeat != 1)}, "
        "interleaved, each in a fresh process, and reports medians; the ratio is subject / "
        "baseline, measured side by side in the same run.", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Plans from `benchmarks/make_plan.py` (seed 1: random "
        "amounts and marks, caps on every source and period, a maximum share).", "",
        *rows, "",
        f"Peak memory of any command on {lines:,} lines: {memory:,.0f} MiB (target: under "
        "2,048 MiB).", "",
        objective, "",
        "Notes:", *notes, ""])


def update_rows(page: str, results: list[Benchmark], lines: int, repeat: int) -> str:
    """The page with the rows of `results` replaced (or added before `--help`), their notes
    added, and the peak memory raised if one of them used more."""
    out = page.split("\n")
    for result in results:
        row = (f"| {result.name} | {result.size} | {result.cells()} | {result.target} | "
               f"{'yes' if result.met else 'NO'} |")
        at = next((n for n, line in enumerate(out) if line.startswith(f"| {result.name} |")),
                  None)
        if at is None:
            at = next(n for n, line in enumerate(out) if line.startswith("| --help |"))
            out.insert(at, row)
        else:
            out[at] = row
        out = [line for line in out if not line.startswith(f"- {result.name}: ")]
        while out and out[-1] == "":
            out.pop()
        load = f", load average {result.load:.1f}" if result.load is not None else ""
        out.append(f"- {result.name}: {result.note}; measured on its own "
                   f"(`--only {result.name}`), {repeat} run{'s' * (repeat != 1)}{load}.")
        out += missed(result)
        out.append("")
    text = "\n".join(out)
    peak = re.search(r"Peak memory of any command on ([\d,]+) lines: ([\d,]+) MiB", text)
    if peak and peak.group(1) == f"{lines:,}":
        highest = max([int(peak.group(2).replace(",", ""))] + [round(r.peak_mib) for r in results
                                                          if r.max_mib is None])
        text = text.replace(peak.group(0), f"Peak memory of any command on {lines:,} lines: "
                                           f"{highest:,} MiB")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--baseline-lines", type=int, default=None,
                        help="size at which the plain pulp model is measured, for quick runs "
                             "(default: --lines; a smaller size is scaled linearly)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--only", action="append", default=None, metavar="NAME",
                        help="run only this benchmark (repeatable) and update its row of --out, "
                             "keeping the other rows as they are")
    parser.add_argument("--no-shapes", action="store_true",
                        help="leave out the allocation on the mixed and many-periods shapes")
    parser.add_argument("--time-limit", type=float, default=300.0, metavar="SECONDS",
                        help="stop a run of the allocation on a shape after this long "
                             "(default: %(default)s); its target is then missed")
    args = parser.parse_args(argv)
    baseline_lines = args.baseline_lines or args.lines
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(folder)
        results = benchmarks(args.lines, baseline_lines, work, not args.no_shapes,
                             args.time_limit)
        if args.only:
            unknown = set(args.only) - {result.name for result in results}
            if unknown:
                parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
            results = [result for result in results if result.name in args.only]
        if any(result.name == "build" for result in results):
            prepare_cells(next(b for b in results if b.name == "build"), work)
        done: dict[str, Benchmark] = {}
        for result in results:
            if result.prepare is not None:
                subprocess.run(result.prepare, check=True, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
            if result.baseline_of is not None:
                result.baseline_runs = done[result.baseline_of].baseline_runs
            if result.subject_of is not None:
                result.subject_runs = done[result.subject_of].subject_runs
            for _ in range(args.repeat):
                if result.subject_of is None and not result.timed_out:
                    result.subject_runs.append(measure(result.subject, ROOT, result.time_limit))
                if result.baseline_of is None:
                    result.baseline_runs.append(measure(result.baseline, ROOT))
            result.load = os.getloadavg()[0]
            done[result.name] = result
            print(f"{result.name}: {result.subject_seconds:.3f}s vs "
                  f"{result.baseline_seconds:.3f}s, ratio {result.ratio:.3f}", file=sys.stderr)
        if args.only:
            text = update_rows(args.out.read_text(encoding="utf-8"), results, args.lines,
                               args.repeat)
        else:
            objective = same_objective(results, args.lines, baseline_lines, work)
            text = report(results, args.lines, args.repeat, objective)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
