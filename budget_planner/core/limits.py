"""The limits on what budget-planner reads and computes: one table, in one place.

Each limit bounds the time or memory a careless or hostile input can cost, far above what any
real programme needs; going past one is a coded problem naming the file, never a crash or a
hang. docs/errors.md lists them with the same numbers (a test checks that they agree).
"""

from __future__ import annotations

MIB = 1024 * 1024

#: A plan with every file it includes, or one scenario file, in bytes (32 MiB: about 300,000
#: budget lines marking a few sources each, or 100,000 lines marking 32 of 64 sources each,
#: the largest plan the benchmarks use).
INPUT_BYTES = 32 * MIB
#: One actuals file (CSV), in bytes (128 MiB: about 2,400,000 rows of the benchmark's kind,
#: 55 bytes a row; a million rows is about 52 MiB). It is read whole, so this bounds memory.
ACTUALS_BYTES = 128 * MIB
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

# Workbooks read by `import`, `check WORKBOOK` and `diff` (they may come from anyone). The
# zip directory is checked before anything is unpacked, and the XML counted before it is
# parsed; the workbook of a plan of 100,000 lines unpacks to about 29 MB and holds about
# 450,000 filled cells and 370,000 shared strings.

#: The file, and all its parts unpacked, in bytes.
WORKBOOK_BYTES = 200 * MIB
#: Parts (files inside the zip archive).
WORKBOOK_PARTS = 10_000
#: A part unpacking to more than this many times its packed size is a zip bomb...
ZIP_RATIO = 100
#: ...once it unpacks to more than this many bytes (small parts of markup compress well).
ZIP_RATIO_FROM = 1 * MIB
#: Sheets: a plan has at most 301 periods (one a year from 1900 to 2200), a sheet each, and
#: seven more.
WORKBOOK_SHEETS = 400
#: Shared strings: more than the workbook of the largest plan accepted (INPUT_BYTES) needs.
SHARED_STRINGS = 1_000_000
#: Filled cells, in all sheets together.
WORKBOOK_CELLS = 3_000_000
#: Characters of the plan kept in the hidden `_plan` sheet.
STORED_PLAN_CHARACTERS = 64 * MIB
