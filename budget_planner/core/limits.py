"""The limits on what budget-planner reads and computes: one table, in one place.

Each limit bounds the time or memory a careless or hostile input can cost, far above what any
real programme needs; going past one is a coded problem naming the file, never a crash or a
hang. docs/errors.md lists them with the same numbers (a test checks that they agree).
"""

from __future__ import annotations

MIB = 1024 * 1024

#: A plan with every file it includes, or one scenario file, in bytes (32 MiB: about
#: 300,000 budget lines, three times the largest plan the benchmarks use).
INPUT_BYTES = 32 * MIB
#: Files one plan may include, directly or through other included files.
INCLUDED_FILES = 1_000
#: How deep includes may nest (a file that includes a file that includes ...).
INCLUDE_DEPTH = 32
#: Characters in one text of a plan (a name, an activity, a note): what a workbook cell holds,
#: so that `build` then `import` gives the same text back.
TEXT_CHARACTERS = 32_767
#: Known names a "did you mean" compares a misspelt name with: those nearest to it in
#: alphabetical order, written forwards and backwards.
SUGGESTION_CANDIDATES = 16
#: Known names a message lists ("sources: EC, NATIONAL, ... and 1,990 more").
NAMES_LISTED = 10
#: Points one sweep solves: the product of its axes' values, checked before the grid is built.
SWEEP_POINTS = 100_000
