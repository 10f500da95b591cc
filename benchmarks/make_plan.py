"""Synthetic plans of any size, for benchmarks: `python -m benchmarks.make_plan --lines N --out FILE`.

Amounts and eligible-source marks are random but reproducible (`--seed`); the stated totals
are the exact sums, so a generated plan reconciles.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def plan_text(lines: int, periods: int = 3, sources: int = 5, seed: int = 1) -> str:
    rng = random.Random(seed)
    source_ids = [f"S{number + 1}" for number in range(sources)]
    per_period = [lines // periods + (1 if number < lines % periods else 0)
                  for number in range(periods)]
    amounts = [[rng.randrange(1_000, 5_000_000) * 100 + rng.choice((0, 0, 0, 50, 99))
                for _ in range(count)] for count in per_period]
    totals = [sum(period) for period in amounts]
    out = [f"# Synthetic benchmark plan: {lines} lines, {periods} periods, {sources} sources, "
           f"seed {seed}. Not real figures.",
           "[programme]", 'name = "Synthetic programme"', 'currency = "EUR"',
           f'total = "{_money(sum(totals))}"', ""]
    for source_id in source_ids:
        out += ["[[sources]]", f'id = "{source_id}"', f'name = "Source {source_id[1:]}"', ""]
    out += _funding(source_ids, [f"P{2000 + number}" for number in range(periods)], totals, rng)
    for number, period in enumerate(amounts):
        year = 2000 + number
        out += ["[[periods]]", f'id = "P{year}"', f'title = "Period {number + 1}"',
                f"first_year = {year}", f"last_year = {year}", f'total = "{_money(totals[number])}"',
                ""]
        for line_number, cents in enumerate(period):
            marked = [source_id for source_id in source_ids if rng.random() < 0.45]
            out += ["[[periods.lines]]", f'id = "L{line_number}"',
                    f'activity = "Activity {number}-{line_number}"', f'amount = "{_money(cents)}"',
                    "sources = [" + ", ".join(f'"{s}"' for s in marked) + "]", ""]
    return "\n".join(out)


def _funding(source_ids: list[str], period_ids: list[str], totals: list[int],
             rng: random.Random) -> list[str]:
    """Caps on every source in every period (together about 70 % of the need) and a maximum
    share for the first source, so that some lines are left with gaps."""
    out = []
    for period_id, total in zip(period_ids, totals):
        for source_id in source_ids:
            cents = int(total * 0.7 / len(source_ids) * rng.uniform(0.6, 1.4))
            out += ["[[funding.caps]]", f'source = "{source_id}"', f'period = "{period_id}"',
                    f'amount = "{_money(cents)}"', ""]
    out += ["[[funding.shares]]", f'source = "{source_ids[0]}"', 'max = "60%"', ""]
    return out


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--periods", type=int, default=3)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(plan_text(args.lines, args.periods, args.sources, args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
