"""Synthetic plans of any size and shape, for benchmarks:
`python -m benchmarks.make_plan --lines N [--shape grouped|mixed|many-periods] --out FILE`.

Amounts and eligible-source marks are random but reproducible (`--seed`); the stated totals
are the exact sums, so a generated plan reconciles. The shapes:

- grouped: each line marks a random subset of a few sources (5 by default), so the lines of a
  period fall into a few dozen sets of interchangeable lines;
- mixed: each line marks a random subset of many sources (`--sources 16` or 64), so almost
  every line has a set of its own, as a programme with national co-financiers per country,
  regional funds and private partners has; some sources have a maximum share and some lines a
  pledge;
- many-periods: the grouped marks over 100 periods of one year.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SHAPES = ("grouped", "mixed", "many-periods")


def plan_text(lines: int, periods: int = 3, sources: int = 5, seed: int = 1,
              shape: str = "grouped") -> str:
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if shape == "many-periods":
        periods = 100
    rng = random.Random(seed)
    source_ids = [f"S{number + 1}" for number in range(sources)]
    chance = 0.5 if shape == "mixed" else 0.45
    per_period = [lines // periods + (1 if number < lines % periods else 0)
                  for number in range(periods)]
    amounts = [[rng.randrange(1_000, 5_000_000) * 100 + rng.choice((0, 0, 0, 50, 99))
                for _ in range(count)] for count in per_period]
    totals = [sum(period) for period in amounts]
    period_ids = [f"P{2000 + number}" for number in range(periods)]
    caps = _caps(source_ids, period_ids, totals, rng)
    marks = [[_marks(source_ids, chance, shape, rng) for _ in period] for period in amounts]
    out = [f"# Synthetic benchmark plan ({shape}): {lines} lines, {periods} periods, "
           f"{sources} sources, seed {seed}. Not real figures.",
           "[programme]", 'name = "Synthetic programme"', 'currency = "EUR"',
           f'total = "{_money(sum(totals))}"', ""]
    for source_id in source_ids:
        out += ["[[sources]]", f'id = "{source_id}"', f'name = "Source {source_id[1:]}"', ""]
    out += caps
    out += _shares(source_ids, shape)
    if shape == "mixed":
        out += _pledges(period_ids, amounts, marks, source_ids)
    for number, (period, period_marks) in enumerate(zip(amounts, marks)):
        year = 2000 + number
        out += ["[[periods]]", f'id = "P{year}"', f'title = "Period {number + 1}"',
                f"first_year = {year}", f"last_year = {year}", f'total = "{_money(totals[number])}"',
                ""]
        for line_number, (cents, marked) in enumerate(zip(period, period_marks)):
            out += ["[[periods.lines]]", f'id = "L{line_number}"',
                    f'activity = "Activity {number}-{line_number}"', f'amount = "{_money(cents)}"',
                    "sources = [" + ", ".join(f'"{s}"' for s in marked) + "]", ""]
    return "\n".join(out)


def _marks(source_ids: list[str], chance: float, shape: str, rng: random.Random) -> list[str]:
    """A random subset of the sources; in the mixed shape never empty."""
    marked = [source for source in source_ids if rng.random() < chance]
    return marked or ([rng.choice(source_ids)] if shape == "mixed" else [])


def _caps(source_ids: list[str], period_ids: list[str], totals: list[int],
          rng: random.Random) -> list[str]:
    """Caps on every source in every period, together about 70 % of the need, so that some
    lines are left with gaps."""
    out = []
    for period_id, total in zip(period_ids, totals):
        for source_id in source_ids:
            cents = int(total * 0.7 / len(source_ids) * rng.uniform(0.6, 1.4))
            out += ["[[funding.caps]]", f'source = "{source_id}"', f'period = "{period_id}"',
                    f'amount = "{_money(cents)}"', ""]
    return out


def _shares(source_ids: list[str], shape: str) -> list[str]:
    """A maximum share for the first source; in the mixed shape for every fourth source too."""
    limited = source_ids[::4] if shape == "mixed" else source_ids[:1]
    out = []
    for number, source_id in enumerate(limited):
        out += ["[[funding.shares]]", f'source = "{source_id}"', f'max = "{60 + 10 * (number % 3)}%"',
                ""]
    return out


def _pledges(period_ids: list[str], amounts: list[list[int]], marks: list[list[list[str]]],
             source_ids: list[str]) -> list[str]:
    """On every 500th line a pledge of a tenth of its amount by its last marked source (not one
    with a maximum share, so no rule conflicts)."""
    limited = set(source_ids[::4])
    out = []
    for period_id, period, period_marks in zip(period_ids, amounts, marks):
        for line_number in range(0, len(period), 500):
            free = [source for source in period_marks[line_number] if source not in limited]
            if free:
                out += ["[[funding.pledges]]", f'source = "{free[-1]}"',
                        f'line = "L{line_number}"', f'period = "{period_id}"',
                        f'amount = "{_money(period[line_number] // 10)}"', ""]
    return out


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--shape", choices=SHAPES, default="grouped")
    parser.add_argument("--periods", type=int, default=3,
                        help="periods of the grouped and mixed shapes (many-periods has 100)")
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(plan_text(args.lines, args.periods, args.sources, args.seed, args.shape),
                        encoding="utf-8")


if __name__ == "__main__":
    main()
