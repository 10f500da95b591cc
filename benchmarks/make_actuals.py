"""Synthetic actuals for a synthetic plan, for benchmarks:
`python -m benchmarks.make_actuals --plan FILE --rows N --out FILE.csv`.

Each row is an expense on a random line of the plan, dated in its period's years, claimed
from a source the allocation gives money to on that line (or from none); amounts are random
whole cents, a few negative (corrections). Reproducible (`--seed`); not real figures.
"""

from __future__ import annotations

import argparse
import random
import tomllib
from pathlib import Path


def actuals_text(plan_path: Path, rows: int, seed: int = 1) -> str:
    from budget_planner import load_plan
    from budget_planner.engine.allocation import allocate

    plan = tomllib.loads(plan_path.read_text(encoding="utf-8"))
    lines = [(period, line) for period in plan["periods"] for line in period["lines"]]
    loaded, problems = load_plan(plan_path)
    assert loaded is not None, problems
    funded: dict[tuple[str, str], list[str]] = {}
    for item in allocate(loaded).allocations:
        if item.amount > 0:
            funded.setdefault((item.period, item.line), []).append(item.source)
    rng = random.Random(seed)
    out = ["date,line,amount,source,status,reference"]
    for number in range(rows):
        period, line = lines[rng.randrange(len(lines))]
        year = rng.randint(period["first_year"], period["last_year"])
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        cents = rng.randrange(-5_000, 500_000)
        marks = funded.get((period["id"], line["id"]), [])
        source = rng.choice(marks) if marks and rng.random() < 0.9 else ""
        status = "validated" if rng.random() < 0.5 else "reported"
        out.append(f"{date},{period['id']}/{line['id']},{_money(cents)},{source},{status},"
                   f"INV-{number}")
    return "\n".join(out) + "\n"


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(actuals_text(args.plan, args.rows, args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
